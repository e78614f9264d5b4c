"""Form posts become typed application data (renderer/parse.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from definitions.compile import CompiledItem, compile_item
from renderer.forms import build_form
from renderer.parse import check_rows, field_path, input_name, parse_form, row_counts
from tests import strategies as S


def test_input_names_and_json_pointers_are_each_others_inverse() -> None:
    assert input_name("/mobile") == "mobile"
    assert input_name("/staff/2/name") == "staff[2][name]"
    assert field_path("staff[2][name]") == "/staff/2/name"
    assert field_path("items") == "/items"
    assert field_path(input_name("/staff/0/since")) == "/staff/0/since"


def test_a_post_is_parsed_by_each_field_type_and_empty_inputs_are_absent(
    item: CompiledItem,
) -> None:
    form = {
        "operator": ["  建始小吃店 "],
        "cold_chain": ["true"],
        "cold_m3": ["12.5"],
        "items": ["hot", "cold"],
        "staff[0][name]": ["王五"],
        "staff[0][since]": [""],
        "staff[1][name]": ["李四"],
        "staff[1][since]": ["2024-03-01"],
    }
    data, errors = parse_form(item, form)
    assert errors == []
    assert data["cold_chain"] is True
    assert data["cold_m3"] == 12.5
    assert data["items"] == ["hot", "cold"]
    assert data["staff"] == [{"name": "王五"}, {"name": "李四", "since": "2024-03-01"}]


def test_a_value_that_does_not_parse_is_an_error_at_its_pointer_and_is_shown_back(
    item: CompiledItem,
) -> None:
    data, errors = parse_form(item, {"cold_m3": ["十二"], "staff[0][since]": ["昨天"]})
    assert sorted(e.path for e in errors) == ["/cold_m3", "/staff/0/since"]
    assert all(e.message.startswith("“") for e in errors)
    assert data["cold_m3"] == "十二"  # what was typed, so the form shows it back


def test_rows_beyond_the_groups_maximum_are_refused_without_reading_the_index(
    item: CompiledItem,
) -> None:
    huge = "9" * 4000
    data, errors = parse_form(item, {f"staff[{huge}][name]": ["x"], "staff[0][name]": ["王五"]})
    assert [(e.path, e.message) for e in errors] == [("/staff", "“从业人员”最多 3 行")]
    assert data["staff"] == [{"name": "王五"}]
    assert row_counts(item, {"staff[1][name]": ["x"], "_rows_staff": ["99"]}) == {"staff": 3}
    assert check_rows(item, {"staff": [{"name": "x"}] * 4})[0].path == "/staff"
    assert check_rows(item, {"staff": [{"name": "x"}] * 3}) == []
    assert parse_form(item, {"staff[0][name]": ["x"]}, max_rows=1)[1] == []
    assert parse_form(item, {"staff[1][name]": ["x"]}, max_rows=1)[1][0].message.endswith("1 行")


def _without_empty_rows(data: dict[str, Any]) -> dict[str, Any]:
    """A post drops rows with nothing filled in (the form adds them back to ``repeat.min``),
    at every depth: a row holding only empty rows of a nested group is empty too."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if (
            isinstance(value, list)
            and value
            and all(isinstance(r, dict) and "sha256" not in r for r in value)
        ):
            value = [kept for r in value if (kept := _without_empty_rows(r))]
            if not value:
                continue
        out[key] = value
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_answers_a_form_carries_parse_back_to_the_same_data(data: st.DataObject) -> None:
    definition = data.draw(S.definitions(max_fields=10))
    item = compile_item(definition)
    answers = data.draw(S.applications(definition))
    evaluation = item.evaluate(answers)
    assert evaluation.errors == []
    view = build_form(item, evaluation.data, evaluation)
    form: dict[str, list[str]] = defaultdict(list)
    for name, value in view.hidden:
        form[name].append(value)
    parsed, errors = parse_form(item, form)
    assert errors == []
    assert parsed == _without_empty_rows(evaluation.data)
