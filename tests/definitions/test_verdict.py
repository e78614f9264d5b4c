"""One verdict: the fast check decides, the messages explain exactly its refusals, and
both read patterns as RE2 does (issue 9, item 4)."""

from __future__ import annotations

import functools
from typing import Any

import re2
from hypothesis import given
from hypothesis import strategies as st

from definitions.compile import UNEXPLAINED, CompiledItem
from definitions.models import ItemDefinition
from definitions.values import value_text_problem
from tests import strategies as S
from tests.definitions.conftest import KIT, example_raw

PIECES = [
    "a",
    "b",
    "1",
    r"\d",
    r"\w",
    r"\s",
    ".",
    "[a-c]",
    "[^a]",
    "(a|b)",
    r"\p{Han}",
    "好",
    r"\n",
    "$",
]
QUANTIFIERS = ["", "*", "+", "?", "{1,3}"]
ALPHABET = ["a", "b", "c", "1", "١", "好", " ", "\n", "\t", "\u3000", "_", "\x00", "\x7f", "\ud800"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    body = "".join(
        draw(st.sampled_from(PIECES)) + draw(st.sampled_from(QUANTIFIERS))
        for _ in range(draw(st.integers(1, 4)))
    )
    return draw(st.sampled_from(["", "^"])) + body + draw(st.sampled_from(["", "$"]))


values = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=12).map("".join)


@functools.lru_cache(maxsize=256)
def with_pattern(pattern: str) -> CompiledItem:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"][0]["pattern"] = pattern
    raw["form"]["sections"][0]["fields"][0].pop("max_length", None)
    return CompiledItem(ItemDefinition.model_validate(raw))


def base_data() -> dict[str, Any]:
    return {
        "uscc": "91110000600037341L",
        "legal_person_id": "11010519491231002X",
        "mobile": "13812345678",
        "staff": [{"name": "张三", "health_cert_no": "JK-001"}],
    }


@KIT
@given(patterns(), values)
def test_fast_check_messages_and_re2_agree_on_any_pattern_and_text(
    pattern: str, value: str
) -> None:
    item = with_pattern(pattern)
    data = item.clean({**base_data(), "operator_name": value})
    verdict = item.is_valid(data)
    errors = item.errors(data)
    assert verdict == (errors == []), (pattern, value, errors)
    assert all(e.message != UNEXPLAINED for e in errors), (pattern, value)
    if "operator_name" not in data:
        return  # blank after stripping: no pattern to run
    text = data["operator_name"]
    storable = value_text_problem(text) is None
    expected = storable and re2.search(pattern, text) is not None
    assert verdict == expected, (pattern, text)
    if storable:
        assert item.reference().is_valid(data) == verdict


ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15 - 2, max_value=10**15 + 2),
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.floats(),
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "a\udfffb", "\x1b", "١٢", "9" * 60, "2026-02-30", "x" * 3000]
    ),
    st.text(max_size=20),
)
JSONISH = st.recursive(
    ODD,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@KIT
@given(st.data())
def test_any_data_gets_one_verdict_and_no_exception(data: st.DataObject) -> None:
    """Wrong types, huge and deep values, odd Unicode and NUL in any field of a generated
    item: evaluate answers, and its errors are empty exactly when the fast check passes."""
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = dict(data.draw(S.applications(item)))
    keys = [f.key for f in d.form.all_fields()] + ["zz_unknown"]
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=3)):
        app[key] = data.draw(JSONISH)
    result = item.evaluate(app)
    verdict = item.is_valid(result.data)
    # refused by the fast check: explained; not refused: only values taken out before
    # (unreadable ones a condition tripped on) or a fee beyond its bound are errors
    assert verdict or result.errors
    assert not verdict or all(
        e.path in shown_removed(app, result.data) or "费用超出上限" in e.message
        for e in result.errors
    ), result.errors
    assert all(e.message != UNEXPLAINED for e in result.errors), result.errors


def shown_removed(sent: dict[str, Any], kept: dict[str, Any]) -> set[str]:
    """Paths of the top-level values that were sent but are not in the kept data."""
    return {f"/{k}" for k, v in sent.items() if k not in kept or kept[k] != v}
