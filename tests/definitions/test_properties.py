"""Properties of the definition language, over generated definitions and applications."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from definitions.canonical import canonical_json, sha256_of
from definitions.check import check_definition, check_loaded, check_paths
from definitions.compile import CompiledItem
from definitions.conditions import AnyCondition, Condition, atoms, holds, to_schema
from definitions.loading import load_definition
from definitions.models import FormField, ItemDefinition
from definitions.problems import Severity
from definitions.rules import RULES
from definitions.validation import fast_validator
from tests import strategies as S
from tests.definitions.conftest import CATALOG, KIT, catalog_files, example_raw

# ----------------------------------------------------------------- generated definitions


@KIT
@given(S.definitions())
def test_generated_definitions_pass_every_check_and_rule(d: ItemDefinition) -> None:
    problems = check_definition(d, "gen.json")
    assert [p.format() for p in problems] == []


@KIT
@given(st.data())
def test_every_generated_application_validates(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = data.draw(S.applications(item))
    result = item.evaluate(app)
    assert result.errors == []
    assert result.data == app  # nothing valid is dropped
    assert item.is_valid(app)
    assert item.reference().is_valid(app)


def _oracle_visible_required(
    fields: list[FormField],
    data: dict[str, Any],
    base: str,
    visible: list[str],
    required: list[str],
) -> None:
    for f in fields:
        if f.visible_when is not None and not holds(f.visible_when, data):
            continue
        path = f"{base}/{f.key}"
        visible.append(path)
        if f.required or (f.required_when is not None and holds(f.required_when, data)):
            required.append(path)
        if f.type == "group" and isinstance(data.get(f.key), list):
            for i, row in enumerate(data[f.key]):
                _oracle_visible_required(f.fields or [], row, f"{path}/{i}", visible, required)


@KIT
@given(st.data())
def test_visible_and_required_fields_match_the_oracle(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = data.draw(S.applications(item))
    result = item.evaluate(app)
    visible: list[str] = []
    required: list[str] = []
    _oracle_visible_required(d.form.all_fields(), app, "", visible, required)
    assert result.visible == visible
    assert result.required == required
    # every required visible field is filled; every hidden field is absent
    for path in result.required:
        assert _get(app, path) is not None, path
    # steps, materials and fees follow the same conditions
    assert [s.key for s in result.steps] == [
        s.key for s in d.steps if s.when is None or holds(s.when, app)
    ]
    listed = [n.material.key for n in result.materials]
    assert listed == [
        m.key for m in d.materials if m.required_when is None or holds(m.required_when, app)
    ]
    charged = {line.key for line in result.fees}
    for fee in d.fees:
        applies = fee.when is None or holds(fee.when, app)
        if fee.per is not None:
            qty = app.get(fee.per.field)
            applies = applies and isinstance(qty, int | float) and qty > 0
        assert (fee.key in charged) == applies, fee.key


def _get(data: Any, path: str) -> Any:
    for part in path.strip("/").split("/"):
        if isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def _with_hidden_values(
    src: S.Source, fields: list[FormField], data: dict[str, Any]
) -> dict[str, Any]:
    """The same data plus a valid value for every hidden field (rows recursively)."""
    out = dict(data)
    constants = S.condition_constants(
        [c for f in fields for c in (f.visible_when, f.required_when)]
    )
    for f in S.hidden_fields(fields, data):
        out[f.key] = S.biased_value(src, f, constants)
    for f in fields:
        if f.type == "group" and isinstance(out.get(f.key), list) and f.key in data:
            out[f.key] = [_with_hidden_values(src, f.fields or [], row) for row in data[f.key]]
    return out


@KIT
@given(st.data())
def test_values_of_hidden_fields_are_dropped_and_never_required(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = data.draw(S.applications(item))
    src = S.HypothesisSource(data.draw)
    noisy = _with_hidden_values(src, d.form.all_fields(), app)
    result = item.evaluate(noisy)
    assert result.data == app
    assert result.errors == []


# ------------------------------------------------------------------------------ mutations


@KIT
@given(st.data())
def test_every_breaking_mutation_is_rejected_at_its_path(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = data.draw(S.applications(item))
    broken, path = data.draw(S.mutations(item, app))
    result = item.evaluate(broken)
    assert {e.path for e in result.errors} == {path}
    for e in result.errors:
        assert e.label or path == "/zz_unknown", e  # names a field the applicant can find
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message), e.message


@KIT
@given(st.data())
def test_fast_and_reference_validators_agree(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    app = data.draw(S.applications(item))
    assert item.is_valid(app) is True
    assert item.reference().is_valid(app) is True
    for m in S.mutation_options(d, app, S.HypothesisSource(data.draw)):
        cleaned = item.clean(m.data)
        assert item.is_valid(cleaned) == item.reference().is_valid(cleaned) == False, m.what  # noqa: E712


# ------------------------------------------------------------------- canonical and hashes


@KIT
@given(S.definitions())
def test_canonical_json_round_trips_exactly(d: ItemDefinition) -> None:
    text = canonical_json(d.canonical())
    again = ItemDefinition.model_validate_json(text)
    assert canonical_json(again.canonical()) == text
    loaded = load_definition(text, "x.json")
    assert loaded.problems == []
    assert loaded.definition is not None
    assert canonical_json(loaded.definition.canonical()) == text


@KIT
@given(S.definitions(), st.data())
def test_sha256_is_stable_under_key_order(d: ItemDefinition, data: st.DataObject) -> None:
    raw = d.canonical()
    mixed = S.shuffled(raw, S.HypothesisSource(data.draw))
    assert sha256_of(mixed) == sha256_of(raw)
    reread = ItemDefinition.model_validate_json(json.dumps(mixed, ensure_ascii=False, indent=1))
    assert CompiledItem(reread).sha256 == CompiledItem(d).sha256


def test_sha256_changes_when_meaning_changes() -> None:
    raw = example_raw()
    before = sha256_of(ItemDefinition.model_validate(raw).canonical())
    raw["limits"]["promised_days"] = 6
    assert sha256_of(ItemDefinition.model_validate(raw).canonical()) != before


# ------------------------------------------------------------------------------ conditions


def _conditions(d: ItemDefinition) -> list[tuple[list[FormField], AnyCondition]]:
    """Every condition with the fields of its level."""
    top = d.form.all_fields()
    out: list[tuple[list[FormField], AnyCondition]] = []

    def level(fields: list[FormField]) -> None:
        for f in fields:
            for c in (f.visible_when, f.required_when):
                if c is not None:
                    out.append((fields, c))
            if f.fields:
                level(f.fields)

    level(top)
    for c in (
        [m.required_when for m in d.materials]
        + [s.when for s in d.steps]
        + [fee.when for fee in d.fees]
    ):
        if c is not None:
            out.append((top, c))
    return out


@KIT
@given(st.data())
def test_compiled_predicates_agree_with_the_oracle(data: st.DataObject) -> None:
    d = data.draw(S.definitions())
    item = CompiledItem(d)
    conds = _conditions(d)
    src = S.HypothesisSource(data.draw)
    for fields, cond in conds:
        arrays = frozenset(
            f.key for f in fields if f.type == "group" or (f.type == "choice" and f.multiple)
        )
        pred = item.predicate(cond, arrays)
        for _ in range(4):
            # any type-correct values, each field present or absent (visibility ignored)
            values = {
                f.key: S.field_value(src, f) for f in fields if f.type != "group" and src.boolean()
            }
            # values equal to the condition's constants, to exercise the boundaries
            for a in atoms(cond):
                if (
                    src.boolean()
                    and a.op != "in"
                    and a.field in values
                    and not isinstance(values[a.field], list)
                ):
                    values[a.field] = a.value
            assert pred.is_valid(values) == holds(cond, values), (cond, values)


SCALARS = st.one_of(
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.0, 0.0, 2.5, -1.5]),
    st.sampled_from(["a", "b", "1", "true"]),
)
FIELDS = ("x", "y", "z")


def _atom_strategy() -> st.SearchStrategy[dict[str, Any]]:
    eqs = st.builds(
        lambda f, op, v: {"field": f, op: v},
        st.sampled_from(FIELDS),
        st.sampled_from(["eq", "ne"]),
        SCALARS,
    )
    ins = st.builds(
        lambda f, vs: {"field": f, "in": vs},
        st.sampled_from(FIELDS),
        st.lists(SCALARS, min_size=1, max_size=3),
    )
    nums = st.builds(
        lambda f, op, v: {"field": f, op: v},
        st.sampled_from(FIELDS),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.one_of(st.integers(-3, 3), st.sampled_from([0.5, 1.0, -2.5])),
    )
    return st.one_of(eqs, ins, nums)


CONDITIONS = st.recursive(
    _atom_strategy(),
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=6,
)


@KIT
@given(
    CONDITIONS,
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            SCALARS, st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True)
        ),
    ),
)
def test_condition_schema_agrees_with_holds_on_scalars_and_lists(
    cond: dict[str, Any], values: dict[str, Any]
) -> None:
    """1 and 1.0 are equal, true and 1 are not, lists test membership — in both readings."""
    parsed: AnyCondition = TypeAdapter(Condition).validate_python(cond)
    arrays = frozenset(k for k, v in values.items() if isinstance(v, list))
    schema = to_schema(parsed, arrays)
    assert fast_validator(schema).is_valid(values) == holds(parsed, values), (cond, values)


# ------------------------------------------------------------------------------ catalogue


def _catalog() -> list[Path]:
    files = catalog_files()
    if not files:
        pytest.fail(f"catalogue is empty: no *.json in {CATALOG}")
    return files


def test_catalogue_is_not_empty() -> None:
    assert len(_catalog()) >= 1


def test_every_catalogue_item_passes_every_rule() -> None:
    items, problems = check_paths(_catalog())
    assert [p.format() for p in problems if p.severity is Severity.ERROR] == []
    assert all(i.definition is not None for i in items)


@pytest.mark.parametrize(
    "path",
    catalog_files() or [pytest.param(None, marks=pytest.mark.skip("catalogue is empty"))],
    ids=lambda p: p.name if p else "empty",
)
def test_generated_applications_of_catalogue_items_validate(path: Path) -> None:
    loaded = load_definition(path.read_text(encoding="utf-8"), str(path))
    assert loaded.definition is not None, [p.format() for p in loaded.problems]
    item = CompiledItem(loaded.definition)
    for seed in range(6):
        app = S.random_application(item, seed)
        result = item.evaluate(app)
        assert result.errors == [], (seed, app)
        assert result.data == app
        for m in S.mutation_options(loaded.definition, app, S.RandomSource(seed))[:12]:
            assert {e.path for e in item.evaluate(m.data).errors} == {m.path}, m.what


# --------------------------------------------------------------------- one breach per rule

Breaker = Callable[[dict[str, Any]], list[dict[str, Any]]]


def _one(fn: Callable[[dict[str, Any]], None]) -> Breaker:
    def apply(raw: dict[str, Any]) -> list[dict[str, Any]]:
        fn(raw)
        return [raw]

    return apply


def _set_promised(raw: dict[str, Any]) -> None:
    raw["limits"]["promised_days"] = 10  # 50% of 20 > 48%


def _too_many_days(raw: dict[str, Any]) -> None:
    raw["steps"][2]["days"] = 6  # 1+5(not counting)+6+1+1 > 7


def _instant_with_clock(raw: dict[str, Any]) -> None:
    raw["handling"] = "instant"  # promised 7 days and five steps


def _head_decides(raw: dict[str, Any]) -> None:
    raw["steps"][3]["role"] = "department_head"


def _review_first(raw: dict[str, Any]) -> None:
    raw["steps"] = [raw["steps"][2], *raw["steps"]]
    raw["steps"][0]["key"] = "pre_review"


def _no_end(raw: dict[str, Any]) -> None:
    raw["steps"][-1]["when"] = {"field": "cold_chain", "eq": True}


def _special_at_window(raw: dict[str, Any]) -> None:
    raw["steps"][1]["at"] = "window"


def _fee_without_basis(raw: dict[str, Any]) -> None:
    raw["fees"] = [{"key": "fee", "name": "工本费", "amount": "10"}]


def _township_decides_without_township(raw: dict[str, Any]) -> None:
    raw["levels"] = {"accept": ["county.hall"], "decide": "township"}
    raw["steps"][3]["at"] = "window"


def _reported_forward_elsewhere(raw: dict[str, Any]) -> None:
    raw["handling"] = "reported"
    raw["steps"].insert(
        1,
        {
            "key": "forward",
            "kind": "forward",
            "at": "window",
            "role": "window_clerk",
            "days": 0,
            "to": "county.mz",
        },
    )


def _no_limit_basis(raw: dict[str, Any]) -> None:
    raw["limits"].pop("basis", None)


def _no_guide(raw: dict[str, Any]) -> None:
    raw["disclosure"]["guide"] = False


def _no_sms(raw: dict[str, Any]) -> None:
    raw["notify"] = ["accepted"]


def _many_visits(raw: dict[str, Any]) -> None:
    raw["service"]["max_visits"] = 3


def _shared_then_demanded(raw: dict[str, Any]) -> list[dict[str, Any]]:
    other = copy.deepcopy(raw)
    other["code"] = "422822-SCJG-XK-0002"
    other["materials"][1]["source"] = "applicant"  # 营业执照 is shared in the first item
    return [raw, other]


def _same_code(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [raw, copy.deepcopy(raw)]


#: One definition (or catalogue) crafted to break each rule, by rule id.
CRAFTED: dict[str, Breaker] = {
    "compression": _one(_set_promised),
    "step-days": _one(_too_many_days),
    "instant": _one(_instant_with_clock),
    "chief-decides": _one(_head_decides),
    "window-only": _one(_review_first),
    "route-ends": _one(_no_end),
    "special-off-window": _one(_special_at_window),
    "fee-basis": _one(_fee_without_basis),
    "devolution": _one(_township_decides_without_township),
    "reported-forward": _one(_reported_forward_elsewhere),
    "limit-basis": _one(_no_limit_basis),
    "guide-disclosure": _one(_no_guide),
    "notify": _one(_no_sms),
    "one-visit": _one(_many_visits),
    "shared-materials": _shared_then_demanded,
    "unique-code": _same_code,
}


def test_the_example_breaks_no_rule() -> None:
    loaded = load_definition(json.dumps(example_raw(), ensure_ascii=False), "example.json")
    assert loaded.definition is not None
    assert check_loaded([loaded]) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_rejects_a_definition_crafted_to_break_it(rule: Any) -> None:
    breaker = CRAFTED.get(rule.id)
    if breaker is None:
        pytest.fail(f"rule {rule.id!r} has no crafted breaking definition in CRAFTED")
    docs = breaker(example_raw())
    loaded = [
        load_definition(json.dumps(doc, ensure_ascii=False), f"item{i}.json")
        for i, doc in enumerate(docs)
    ]
    for item in loaded:
        assert item.problems == [], [p.format() for p in item.problems]
    problems = check_loaded(loaded)
    mine = [p for p in problems if p.rule == rule.id]
    assert mine, f"rule {rule.id} did not fire; found {[p.format() for p in problems]}"
    for p in mine:
        assert p.severity is rule.severity
        assert p.format().endswith(
            f"[{rule.id}]" if rule.severity is Severity.ERROR else f"[{rule.id}, warning]"
        )
        assert p.pointer.startswith("/")
        assert p.file.startswith("item")


# ------------------------------------------------------------------------ satisfiability


@KIT
@given(st.data())
def test_a_condition_that_holds_for_some_data_is_never_called_unsatisfiable(
    data: st.DataObject,
) -> None:
    from definitions.satisfiability import satisfiable

    d = data.draw(S.definitions())
    src = S.HypothesisSource(data.draw)
    fields = [f for f in d.form.all_fields() if f.type not in ("file", "group")]
    if not fields:
        return
    raw = S.condition_over(src, fields, depth=3)
    assert raw is not None
    cond: AnyCondition = TypeAdapter(Condition).validate_python(raw)
    kinds = {
        f.key: (
            "array"
            if f.type == "choice" and f.multiple
            else f.type
            if f.type in ("boolean",)
            else "number"
            if f.type in ("number", "integer", "money")
            else "string"
        )
        for f in fields
    }
    constants = S.condition_constants([cond])
    witnessed = any(
        holds(cond, {f.key: S.biased_value(src, f, constants) for f in fields if src.boolean()})
        for _ in range(20)
    )
    if witnessed:
        assert satisfiable(cond, kinds) is not False, raw
