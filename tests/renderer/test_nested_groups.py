"""Nested repeating groups in the generated form: a group inside a group's row (企业名单 →
each company's 从业人员), its field names, its add/remove buttons (no JavaScript), the
parser's paths (/companies/0/staff/1/name), the row bounds at every level and the errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from definitions.compile import CompiledItem, compile_item
from definitions.models import ItemDefinition
from renderer.forms import FieldView, build_form
from renderer.parse import check_rows, field_path, input_name, parse_form, row_counts
from renderer.rows import change_rows
from tests.renderer.conftest import DEFINITION

TEMPLATES = Path(__file__).resolve().parents[2] / "renderer" / "templates"

COMPANIES: dict[str, Any] = {
    "key": "companies",
    "label": "企业名单",
    "type": "group",
    "repeat": {"min": 1, "max": 3},
    "fields": [
        {"key": "name", "label": "企业名称", "type": "text", "required": True},
        {
            "key": "staff",
            "label": "从业人员",
            "type": "group",
            "repeat": {"min": 1, "max": 2},
            "fields": [
                {"key": "name", "label": "姓名", "type": "text", "required": True},
                {"key": "since", "label": "入职日期", "type": "date"},
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def nested() -> CompiledItem:
    raw = copy.deepcopy(DEFINITION)
    raw["form"]["sections"][1]["fields"].append(COMPANIES)
    return compile_item(ItemDefinition.model_validate(raw))


BASE = {"operator": "店", "cold_chain": "false", "staff[0][name]": "王五"}


def post(**values: str) -> dict[str, list[str]]:
    form = {**BASE, **{k.replace("__", "[").replace("_I", "]"): v for k, v in values.items()}}
    return {k: [v] for k, v in form.items()}


def test_names_and_pointers_go_both_ways_at_every_depth() -> None:
    assert input_name("/companies/0/staff/1/name") == "companies[0][staff][1][name]"
    assert field_path("companies[0][staff][1][name]") == "/companies/0/staff/1/name"


def test_the_parser_reads_rows_of_rows(nested: CompiledItem) -> None:
    form = {k: [v] for k, v in BASE.items()} | {
        "companies[0][name]": ["甲公司"],
        "companies[0][staff][0][name]": ["张三"],
        "companies[0][staff][1][name]": ["李四"],
        "companies[0][staff][1][since]": ["2026/03/01"],
        "companies[1][name]": ["乙公司"],
        "companies[1][staff][0][name]": ["王五"],
    }
    data, errors = parse_form(nested, form)
    assert errors == []
    assert data["companies"] == [
        {"name": "甲公司", "staff": [{"name": "张三"}, {"name": "李四", "since": "2026-03-01"}]},
        {"name": "乙公司", "staff": [{"name": "王五"}]},
    ]
    assert nested.evaluate(data).ok
    assert row_counts(nested, form) == {
        "staff": 1,
        "companies": 2,
        "companies/0/staff": 2,
        "companies/1/staff": 1,
    }


def test_a_bad_value_deep_in_a_row_is_reported_at_its_path(nested: CompiledItem) -> None:
    form = {k: [v] for k, v in BASE.items()} | {
        "companies[0][name]": ["甲公司"],
        "companies[0][staff][0][name]": ["张三"],
        "companies[0][staff][0][since]": ["去年"],
        "companies[0][staff][1][since]": ["2026-01-01"],
    }
    data, errors = parse_form(nested, form)
    assert [(e.path, e.label) for e in errors] == [
        ("/companies/0/staff/0/since", "企业名单：从业人员：入职日期")
    ]
    missing = nested.evaluate(
        {**data, "companies": [{"name": "甲公司", "staff": [{"since": "2026-01-01"}]}]}
    )
    assert [e.path for e in missing.errors if e.path.startswith("/companies")] == [
        "/companies/0/staff/0/name"
    ]


def test_rows_are_bounded_at_every_level(nested: CompiledItem) -> None:
    over = {k: [v] for k, v in BASE.items()} | {
        "companies[0][name]": ["甲公司"],
        "companies[0][staff][2][name]": ["多出的一行"],  # staff takes at most 2 rows
        "companies[99999999999999999999][name]": ["远"],  # refused unread
    }
    data, errors = parse_form(nested, over)
    assert [(e.path, e.message) for e in errors] == [
        ("/companies", "“企业名单”最多 3 行"),
        ("/companies/0/staff", "“企业名单：从业人员”最多 2 行"),
    ]
    assert data["companies"] == [{"name": "甲公司"}]
    # the JSON door: the same bounds on arrays at any depth
    rows = [{"name": "甲", "staff": [{"name": "张三"}] * 3}]
    assert [e.path for e in check_rows(nested, {"companies": rows})] == ["/companies/0/staff"]
    # the setting bounds every group, whatever the definition allows
    assert [
        e.path for e in check_rows(nested, {"companies": [{"name": "甲"}] * 2}, max_rows=1)
    ] == ["/companies"]
    # a declared row count cannot make the parser walk more rows than the form's budget
    budget = post(_rows_companies="3", **{"_rows_companies/0/staff": "2"})
    _, errors = parse_form(nested, budget, max_rows=1)
    assert errors == []


def _fields(
    item: CompiledItem, data: dict[str, Any], rows: dict[str, int] | None = None
) -> dict[str, FieldView]:
    view = build_form(item, data, item.evaluate(data), rows=rows)
    return {f.key: f for s in view.sections for f in s.fields}


def test_the_form_shows_rows_of_rows_with_their_own_buttons(nested: CompiledItem) -> None:
    data = {
        "operator": "店",
        "cold_chain": False,
        "staff": [{"name": "王五"}],
        "companies": [{"name": "甲公司", "staff": [{"name": "张三"}]}],
    }
    companies = _fields(nested, data)["companies"]
    assert companies.container and companies.rows_name == "_rows_companies"
    first = {c.key: c for c in companies.rows[0]}
    staff = first["staff"]
    assert staff.container and staff.rows_key == "companies/0/staff"
    assert [c.name for c in staff.rows[0]] == [
        "companies[0][staff][0][name]",
        "companies[0][staff][0][since]",
    ]
    assert ("企业名单 第1行：从业人员 第1行：姓名", "张三") in companies.summary
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.from_string('{% import "forms/macros.html" as forms %}{{ forms.field(f) }}').render(
        f=companies
    )
    assert 'name="_rows_companies/0/staff" value="1"' in html
    assert 'value="add:companies/0/staff"' in html and 'value="add:companies"' in html
    assert (
        'name="companies[0][staff][0][name]"' in html and 'for="f-companies-0-staff-0-name"' in html
    )
    assert "<script" not in html


def test_adding_and_removing_rows_of_rows_without_javascript(nested: CompiledItem) -> None:
    data: dict[str, Any] = {
        "companies": [
            {"name": "甲", "staff": [{"name": "张三"}]},
            {"name": "乙", "staff": [{"name": "李四"}, {"name": "王五"}]},
        ]
    }
    rows = {"companies": 2, "companies/0/staff": 1, "companies/1/staff": 2}
    data, rows = change_rows(nested, data, rows, "add:companies/0/staff")
    assert rows["companies/0/staff"] == 2
    data, rows = change_rows(nested, data, rows, "add:companies/0/staff")
    assert rows["companies/0/staff"] == 2  # repeat.max
    data, rows = change_rows(nested, data, rows, "remove:companies:0")
    assert data["companies"] == [{"name": "乙", "staff": [{"name": "李四"}, {"name": "王五"}]}]
    assert rows == {"companies": 1, "companies/0/staff": 2}  # the second company moved up
    data, rows = change_rows(nested, data, rows, "remove:companies/0/staff:0")
    assert data["companies"][0]["staff"] == [{"name": "王五"}] and rows["companies/0/staff"] == 1
    assert change_rows(nested, data, dict(rows), "add:nothing/0/here") == (data, rows)
    assert len(_fields(nested, data, rows)["companies"].rows) == 1


def test_a_rows_field_that_its_siblings_depend_on_re_renders_the_form() -> None:
    """特殊工时审批: choosing 综合计算工时工作制 in a company's row shows that row's 综合计算周期."""
    import json

    from definitions.compile import Compiler

    path = Path(__file__).resolve().parents[2] / "definitions/catalog/422822-RSJ-XK-0001.json"
    compiler = Compiler()
    item = compiler.compile(compiler.validate(json.loads(path.read_text(encoding="utf-8"))))

    def row(system: str) -> dict[str, FieldView]:
        data = {"companies": [{"name": "甲公司", "system": system}]}
        return {c.key: c for c in _fields(item, data)["companies"].rows[0]}

    assert row("flexible")["system"].triggers and "period" not in row("flexible")
    assert row("comprehensive")["period"].required
