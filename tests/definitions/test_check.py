"""The checker: every problem at once, with file, JSON pointer, message and rule id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from definitions.check import CheckContext, check_definition, check_paths
from definitions.loading import load_definition
from definitions.problems import Problem
from definitions.satisfiability import satisfiable
from tests.definitions.conftest import example_raw


def problems_of(raw: dict[str, Any] | str, ctx: CheckContext | None = None) -> list[Problem]:
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, indent=2)
    loaded = load_definition(text, "item.json")
    if loaded.definition is None:
        return loaded.problems
    return check_definition(loaded.definition, "item.json", ctx)


def found(raw: dict[str, Any] | str) -> set[tuple[str, str]]:
    return {(p.pointer, p.rule) for p in problems_of(raw)}


def fields(raw: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = raw["form"]["sections"][0]["fields"]
    return out


def test_example_is_clean() -> None:
    assert problems_of(example_raw()) == []


def test_broken_json_names_line_and_column() -> None:
    text = json.dumps(example_raw(), ensure_ascii=False, indent=2).replace(
        '"handling": "promised",', '"handling": "promised"', 1
    )
    [p] = problems_of(text)
    assert p.rule == "json-syntax" and p.pointer == ""
    assert "第6行第3列" in p.message
    assert p.format().startswith("item.json:/: JSON 语法错误")


def test_duplicate_json_key_is_refused_with_its_line() -> None:
    text = '{\n  "code": "422822-SCJG-XK-0001",\n  "code": "422822-SCJG-XK-0002"\n}'
    [p] = problems_of(text)
    assert p.rule == "json-duplicate-key" and "“code”" in p.message and "第3行" in p.message


def test_unknown_keys_and_wrong_types_all_at_once() -> None:
    raw = example_raw()
    raw["colour"] = "red"
    raw["limits"]["statutory_days"] = "twenty"
    fields(raw)[0]["maxlength"] = 5
    raw["steps"][0]["role"] = "mayor"
    problems = problems_of(raw)
    by_ptr = {p.pointer: p for p in problems}
    assert by_ptr["/colour"].message == "未知的键"
    assert by_ptr["/limits/statutory_days"].message == "应为整数"
    assert by_ptr["/form/sections/0/fields/0/maxlength"].message == "未知的键"
    assert "/steps/0/role" in by_ptr and "取值无效" in by_ptr["/steps/0/role"].message
    assert {p.rule for p in problems} == {"schema"}


def test_missing_key_and_bad_condition_shape() -> None:
    raw = example_raw()
    del raw["service"]
    fields(raw)[4]["visible_when"] = {"field": "mobile", "eq": "1", "ne": "2"}
    by_ptr = {p.pointer: p.message for p in problems_of(raw)}
    assert by_ptr["/service"] == "缺少必填的键"
    assert "恰好给出一个比较运算" in by_ptr["/form/sections/0/fields/4/visible_when"]


def test_duplicate_field_step_and_material_keys() -> None:
    raw = example_raw()
    fields(raw)[1]["key"] = "operator_name"
    raw["steps"][2]["key"] = "inspect"
    raw["materials"][2]["key"] = "layout_plan"
    assert {
        ("/form/sections/0/fields/1/key", "duplicate-key"),
        ("/steps/2/key", "duplicate-key"),
        ("/materials/2/key", "duplicate-key"),
    } <= found(raw)


def test_duplicate_keys_inside_a_group() -> None:
    raw = example_raw()
    fields(raw)[6]["fields"][1]["key"] = "name"
    assert ("/form/sections/0/fields/6/fields/1/key", "duplicate-key") in found(raw)


def test_condition_naming_a_missing_field() -> None:
    raw = example_raw()
    fields(raw)[5]["required_when"] = {"field": "cold_chian", "eq": True}
    [p] = [p for p in problems_of(raw) if p.rule == "condition-field"]
    assert p.pointer == "/form/sections/0/fields/5/required_when"
    assert "cold_chian" in p.message


def test_group_rows_cannot_see_top_level_fields() -> None:
    raw = example_raw()
    fields(raw)[6]["fields"][1]["visible_when"] = {"field": "cold_chain", "eq": True}
    assert ("/form/sections/0/fields/6/fields/1/visible_when", "condition-field") in found(raw)


def test_condition_comparing_with_the_wrong_type() -> None:
    raw = example_raw()
    fields(raw)[5]["required_when"] = {"field": "cold_chain", "eq": "yes"}
    raw["steps"][1]["when"] = {"field": "operator_name", "gt": 3}
    raw["fees"] = [
        {
            "key": "f",
            "name": "费",
            "amount": "1",
            "basis": "《x》",
            "when": {"field": "staff", "eq": "x"},
        }
    ]
    assert {
        ("/form/sections/0/fields/5/required_when", "condition-type"),
        ("/steps/1/when", "condition-type"),
        ("/fees/0/when", "condition-type"),
    } <= found(raw)


def test_choice_condition_must_name_an_offered_option() -> None:
    raw = example_raw()
    fields(raw).append(
        {
            "key": "kind",
            "label": "类别",
            "type": "choice",
            "options": [{"value": "a", "label": "甲"}],
        }
    )
    raw["steps"][1]["when"] = {"field": "kind", "in": ["a", "z"]}
    assert ("/steps/1/when", "condition-type") in found(raw)


def test_visibility_cycle() -> None:
    raw = example_raw()
    fields(raw)[4]["visible_when"] = {"field": "cold_storage_m3", "gt": 0}
    [p] = [p for p in problems_of(raw) if p.rule == "condition-cycle"]
    assert (
        "cold_chain → cold_storage_m3 → cold_chain" in p.message
        or "cold_storage_m3 → cold_chain → cold_storage_m3" in p.message
    )


def test_unsatisfiable_condition_and_unreachable_step() -> None:
    raw = example_raw()
    fields(raw)[5]["required_when"] = {
        "all": [{"field": "cold_chain", "eq": True}, {"field": "cold_chain", "eq": False}]
    }
    raw["steps"][1]["when"] = {
        "all": [{"field": "cold_storage_m3", "gt": 5}, {"field": "cold_storage_m3", "lt": 3}]
    }
    got = found(raw)
    assert ("/form/sections/0/fields/5/required_when", "condition-unsatisfiable") in got
    assert ("/steps/1/when", "route-unreachable") in got


def test_multiple_choice_combination_is_satisfiable() -> None:
    """Regression: "a and b but not c" on a multiple choice was called unsatisfiable."""
    raw = example_raw()
    fields(raw).append(
        {
            "key": "scope",
            "label": "项目",
            "type": "choice",
            "multiple": True,
            "options": [{"value": v, "label": v} for v in "abc"],
        }
    )
    raw["steps"][1]["when"] = {
        "all": [
            {"field": "scope", "eq": "a"},
            {"field": "scope", "eq": "b"},
            {"field": "scope", "ne": "c"},
        ]
    }
    assert problems_of(raw) == []
    from pydantic import TypeAdapter

    from definitions.conditions import Condition

    cond = TypeAdapter(Condition).validate_python(
        {"all": [{"field": "s", "eq": "a"}, {"field": "s", "ne": "a"}]}
    )
    assert satisfiable(cond, {"s": "array"}) is False


def test_steps_after_completion_are_unreachable() -> None:
    raw = example_raw()
    raw["steps"].insert(
        4,
        {"key": "early_end", "kind": "complete", "at": "window", "role": "window_clerk", "days": 0},
    )
    assert ("/steps/5", "route-unreachable") in found(raw)


def test_steps_outside_the_window() -> None:
    raw = example_raw()
    raw["steps"][-1]["at"] = "owner"
    assert ("/steps/4/at", "step-at") in found(raw)


def test_step_at_unknown_domain_when_the_organisation_is_known() -> None:
    raw = example_raw()
    raw["steps"][2]["at"] = "county.moon"
    loaded = load_definition(json.dumps(raw), "item.json")
    assert loaded.definition is not None
    problems = check_definition(
        loaded.definition,
        "item.json",
        CheckContext(known_domains=frozenset({"county.scjg", "county.hall"})),
    )
    assert ("/steps/2/at", "step-at") in {(p.pointer, p.rule) for p in problems}


def test_reported_item_without_forward() -> None:
    raw = example_raw()
    raw["handling"] = "reported"
    raw["levels"]["accept"] = ["township.*"]
    assert ("/steps", "reported-forward") in found(raw)


def test_forward_after_decision() -> None:
    raw = example_raw()
    raw["handling"] = "reported"
    raw["steps"].insert(
        4,
        {
            "key": "forward",
            "kind": "forward",
            "at": "window",
            "role": "window_clerk",
            "days": 0,
            "to": "owner",
        },
    )
    assert ("/steps/4", "reported-forward") in found(raw)


def test_joint_item_without_countersign() -> None:
    raw = example_raw()
    raw["handling"] = "joint"
    assert ("/steps", "joint-countersign") in found(raw)


def test_fee_per_a_non_numeric_field_and_result_fields() -> None:
    raw = example_raw()
    raw["fees"] = [
        {
            "key": "f",
            "name": "费",
            "per": {"field": "operator_name", "amount": "1"},
            "basis": "《x》",
        }
    ]
    raw["disclosure"]["result_fields"] = ["operator_name", "nickname"]
    assert {
        ("/fees/0/per/field", "fee-per-field"),
        ("/disclosure/result_fields/1", "result-fields"),
    } <= found(raw)


def test_limit_basis_must_exist() -> None:
    raw = example_raw()
    raw["limits"]["basis"] = "no-such-law"
    assert ("/limits/basis", "basis-ref") in found(raw)


def test_required_and_required_when_conflict() -> None:
    raw = example_raw()
    fields(raw)[5]["required"] = True
    assert ("/form/sections/0/fields/5", "required-conflict") in found(raw)


def test_field_type_definition_checks() -> None:
    raw = example_raw()
    fields(raw)[0]["min_length"] = 200
    fields(raw).append({"key": "kind", "label": "类别", "type": "choice", "options": []})
    fields(raw).append(
        {"key": "cap", "label": "容量", "type": "number", "minimum": 5, "maximum": 1}
    )
    got = found(raw)
    assert ("/form/sections/0/fields/0/min_length", "field-type") in got
    assert ("/form/sections/0/fields/7/options", "field-type") in got
    assert ("/form/sections/0/fields/8/minimum", "field-type") in got


def test_every_problem_line_has_file_pointer_message_rule(tmp_path: Path) -> None:
    raw = example_raw()
    raw["limits"]["promised_days"] = 15
    raw["steps"][3]["role"] = "department_head"
    (tmp_path / "a.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    items, problems = check_paths([tmp_path])
    assert len(items) == 1 and len(problems) >= 2
    for p in problems:
        line = p.format()
        assert line.startswith(f"{tmp_path / 'a.json'}:/")
        assert line.endswith(f"[{p.rule}]")
