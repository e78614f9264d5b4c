"""The checker never crashes: every input gives `file:/pointer: message [rule]` lines, one
file never hides another's report (issue 9, item 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from banshi.cli import build
from definitions.check import check_definition, check_paths
from definitions.limits import MAX_DEFINITION_DEPTH, MAX_FORM_FIELDS, ReadLimits
from definitions.loading import load_definition, load_path
from definitions.models import ItemDefinition
from definitions.problems import Problem
from tests.definitions.conftest import KIT, example_raw

EXAMPLE_TEXT = json.dumps(example_raw(), ensure_ascii=False, indent=2)


def problems_of(text: str) -> list[Problem]:
    loaded = load_definition(text, "item.json")
    if loaded.definition is None:
        return loaded.problems
    return check_definition(loaded.definition, "item.json")


def found(text: str) -> set[tuple[str, str]]:
    return {(p.pointer, p.rule) for p in problems_of(text)}


def with_field_key(key: str, literal: str) -> str:
    """The example with ``"key": literal`` added to the number field cold_storage_m3."""
    raw = example_raw()
    raw["form"]["sections"][0]["fields"][5][key] = "__here__"
    return json.dumps(raw, ensure_ascii=False).replace('"__here__"', literal)


NUMBER = "/form/sections/0/fields/5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 5000 + "]" * 5000, {("", "json-depth")}),
        (
            "[" * (MAX_DEFINITION_DEPTH + 1) + "]" * (MAX_DEFINITION_DEPTH + 1),
            {("/0" * MAX_DEFINITION_DEPTH, "json-depth")},
        ),
        ('{"code": ' + "9" * 5000 + "}", {("/code", "json-number")}),
        (with_field_key("maximum", "1e999"), {(f"{NUMBER}/maximum", "json-number")}),
        (with_field_key("maximum", "1" + "0" * 30), {(f"{NUMBER}/maximum", "json-number")}),
        (with_field_key("minimum", "NaN"), {(f"{NUMBER}/minimum", "json-number")}),
        (with_field_key("minimum", "-Infinity"), {(f"{NUMBER}/minimum", "json-number")}),
        ('{"a": Infinity}', {("/a", "json-number")}),
        ("\ufeff" + EXAMPLE_TEXT, {("", "encoding")}),
        ("[1, 2]", {("", "schema")}),
        ('"just text"', {("", "schema")}),
        ("", {("", "json-syntax")}),
    ],
)
def test_unreadable_definitions_are_problems_with_pointers(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert found(text) == expected


def test_duplicate_keys_name_their_pointer_and_line() -> None:
    text = EXAMPLE_TEXT.replace('"phone": ', '"phone": "0718-1",\n    "phone": ', 1)
    [problem] = problems_of(text)
    assert (problem.pointer, problem.rule) == ("/service/phone", "json-duplicate-key")
    assert "“phone”" in problem.message and "行" in problem.message


@pytest.mark.parametrize(
    ("where", "text"),
    [("name", "好味\x00"), ("summary", "\ud800"), ("name", "\x07铃"), ("conditions", ["a\x00"])],
)
def test_nul_control_characters_and_lone_surrogates_in_any_text(where: str, text: Any) -> None:
    raw = example_raw()
    raw[where] = text
    pointer = f"/{where}" + ("/0" if isinstance(text, list) else "")
    assert found(json.dumps(raw)) == {(pointer, "text-characters")}
    # built in Python, the models refuse it the same way
    with pytest.raises(ValueError, match="请删除后重试"):
        ItemDefinition.model_validate(raw)


def test_a_key_with_nul_is_named_and_printable() -> None:
    [problem] = problems_of('{"na\\u0000me": 1}')
    assert (problem.pointer, problem.rule) == ("/na\x00me", "text-characters")
    assert (
        problem.format()
        == "item.json:/na\\u0000me: 键含有空字符（NUL），请删除后重试 [text-characters]"
    )


def test_condition_values_are_bounded_and_clean() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"][5]["visible_when"] = {"field": "cold_chain", "eq": 1e300}
    assert found(json.dumps(raw)) == {("/form/sections/0/fields/5/visible_when/eq", "json-number")}
    raw["form"]["sections"][0]["fields"][5]["visible_when"] = {"field": "x\x00", "eq": True}
    assert ("/form/sections/0/fields/5/visible_when/field", "text-characters") in found(
        json.dumps(raw)
    )


def test_a_pattern_re2_cannot_compile_is_refused() -> None:
    for pattern in (r"^(a)\1$", "^(?=a)", "(?<!x)y", "a{1001}"):
        raw = example_raw()
        raw["form"]["sections"][0]["fields"][0]["pattern"] = pattern
        [problem] = problems_of(json.dumps(raw))
        assert (problem.pointer, problem.rule) == ("/form/sections/0/fields/0/pattern", "pattern")
        assert "RE2" in problem.message


def test_a_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(EXAMPLE_TEXT, encoding="utf-8")
    loaded = load_path(path, ReadLimits(max_bytes=1024))
    assert [(p.pointer, p.rule) for p in loaded.problems] == [("", "file-size")]


def test_too_many_fields_are_refused() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"] = [
        {"key": f"f{i}", "label": f"字段{i}", "type": "text"} for i in range(MAX_FORM_FIELDS + 1)
    ]
    assert ("/form", "schema") in found(json.dumps(raw))


# -- the command line: every file reported ------------------------------------------------------


def test_one_bad_file_hides_no_other_report(tmp_path: Path) -> None:
    good = example_raw()
    bad_c = example_raw()
    bad_c["code"] = "422822-SCJG-XK-0002"
    bad_c["limits"]["promised_days"] = 19
    (tmp_path / "a.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    (tmp_path / "digits.json").write_text('{"code": ' + "9" * 5000 + "}", encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(bad_c, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "bytes.json").write_bytes(b'{"name": "\xff\xfe"}')
    names = ["a.json", "deep.json", "digits.json", "bytes.json", "c.json"]
    result = CliRunner().invoke(
        build(), ["definitions", "check", *(str(tmp_path / n) for n in names)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        f"{tmp_path / 'deep.json'}:/: JSON 嵌套过深（最多{MAX_DEFINITION_DEPTH}层） [json-depth]"
        in lines
    )
    assert f"{tmp_path / 'digits.json'}:/code: 数字过长（最多40个字符） [json-number]" in lines
    assert any(
        line.startswith(f"{tmp_path / 'bytes.json'}:/: ") and line.endswith("[io]")
        for line in lines
    )
    assert any(line.startswith(f"{tmp_path / 'c.json'}:/limits/promised_days: ") for line in lines)
    assert not any(line.startswith(f"{tmp_path / 'a.json'}:") for line in lines)
    assert "checked 5 definitions (2 readable)" in result.output


# -- properties --------------------------------------------------------------------------------------

JUNK = st.sampled_from(
    [
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        '"',
        "\\",
        "\\u0000",
        "\\ud800",
        "\\udc00",
        "NaN",
        "-Infinity",
        "1e999",
        "9" * 5000,
        "-0",
        "1e-400",
        "\ufeff",
        "\x00",
        '"code": 1,',
        "[" * 200,
        "{" * 200,
        '"\\u0007"',
        "true",
        "null",
        "\u202e",
        "\ud800",
    ]
)


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """The example's text with fragments of trouble dropped in at random places."""
    text = EXAMPLE_TEXT
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(JUNK | st.text(max_size=8)) + text[at:]
    return text


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.integers(min_value=10**15, max_value=10**400)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _never_internal(text: str) -> None:
    problems = problems_of(text)
    assert all(isinstance(p, Problem) for p in problems)
    assert not [p for p in problems if p.rule == "internal"], problems
    for p in problems:
        p.format().encode("utf-8")  # printable, whatever the definition held


@KIT
@given(mangled())
def test_the_checker_never_raises_on_mangled_definitions(text: str) -> None:
    _never_internal(text)


@KIT
@given(st.text())
def test_the_checker_never_raises_on_any_text(text: str) -> None:
    _never_internal(text)


@KIT
@given(
    JSONISH, st.sampled_from(["form", "steps", "fees", "limits", "service", "name", "materials"])
)
def test_the_checker_never_raises_on_odd_values_in_a_definition(value: Any, key: str) -> None:
    raw = example_raw()
    raw[key] = value
    _never_internal(json.dumps(raw, ensure_ascii=False))


def test_check_paths_reports_a_folder_of_troubles(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text("[" * 5000, encoding="utf-8")
    (tmp_path / "two.json").write_text(EXAMPLE_TEXT, encoding="utf-8")
    items, problems = check_paths([tmp_path])
    assert [(Path(i.file).name, i.definition is not None) for i in items] == [
        ("one.json", False),
        ("two.json", True),
    ]
    assert {Path(p.file).name for p in problems} == {"one.json"}
