"""Compilation and evaluation: visibility, requirement, errors, materials, steps, fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from definitions.compile import CompiledItem, Compiler
from definitions.models import ItemDefinition
from tests.definitions.conftest import example_raw

ID = "11010519491231002X"
USCC = "91110000600037341L"


def compiled(raw: dict[str, Any]) -> CompiledItem:
    return CompiledItem(ItemDefinition.model_validate(raw))


def good_data(**extra: Any) -> dict[str, Any]:
    return {
        "operator_name": "建始县业州镇好味食品店",
        "uscc": USCC,
        "legal_person_id": ID,
        "mobile": "13812345678",
        "staff": [{"name": "张三", "health_cert_no": "JK-001"}],
        **extra,
    }


@pytest.fixture
def item() -> CompiledItem:
    return compiled(example_raw())


def test_schema_is_draft_2020_12_and_closed(item: CompiledItem) -> None:
    assert item.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert item.schema["additionalProperties"] is False
    assert set(item.schema["required"]) == {"operator_name", "uscc", "legal_person_id", "mobile"}


def test_good_application_has_no_errors(item: CompiledItem) -> None:
    result = item.evaluate(good_data())
    assert result.ok and result.errors == []
    assert result.data == good_data()


def test_errors_are_chinese_with_paths_and_labels_in_form_order(item: CompiledItem) -> None:
    data = good_data(
        uscc="91110000600037341A",
        mobile="1381234",
        staff=[{"name": "", "health_cert_no": "x"}, {"name": "李四"}],
    )
    data.pop("operator_name")
    errors = item.evaluate(data).errors
    assert [(e.path, e.message) for e in errors] == [
        ("/operator_name", "请填写“经营者名称”"),
        ("/uscc", "“统一社会信用代码”不是有效的统一社会信用代码（18位，校验位须正确）"),
        ("/mobile", "“联系电话”不是有效的手机号码（11位）"),
        ("/staff/0/name", "请填写“从业人员：姓名”"),
        ("/staff/1/health_cert_no", "请填写“从业人员：健康证明编号”"),
    ]
    assert errors[3].label == "从业人员：姓名"


def test_wrong_types_and_limits_are_named(item: CompiledItem) -> None:
    data = good_data(operator_name="店" * 101, cold_chain="是", staff=[])
    errors = {e.path: e.message for e in item.evaluate(data).errors}
    assert errors == {
        "/operator_name": "“经营者名称”不能超过100个字",
        "/cold_chain": "“是否经营冷藏冷冻食品”应为是或否",
    }  # staff=[] is empty: dropped, and the group is optional


def test_group_rows_limits(item: CompiledItem) -> None:
    rows = [{"name": f"员工{i}", "health_cert_no": str(i)} for i in range(51)]
    errors = item.evaluate(good_data(staff=rows)).errors
    assert [(e.path, e.message) for e in errors] == [("/staff", "“从业人员”最多50项")]


def test_unknown_field_is_refused(item: CompiledItem) -> None:
    errors = item.evaluate(good_data(shoe_size=42)).errors
    assert [(e.path, e.message) for e in errors] == [("/shoe_size", "表单中没有字段“shoe_size”")]


def test_conditionally_required_field(item: CompiledItem) -> None:
    assert [e.path for e in item.evaluate(good_data(cold_chain=True)).errors] == [
        "/cold_storage_m3"
    ]
    ok = item.evaluate(good_data(cold_chain=True, cold_storage_m3=30))
    assert ok.errors == [] and "/cold_storage_m3" in ok.required


def test_hidden_field_is_never_required_and_is_dropped(item: CompiledItem) -> None:
    result = item.evaluate(good_data(cold_chain=False, cold_storage_m3=-5))
    assert result.errors == []  # -5 would break minimum 0, but the field is hidden
    assert "cold_storage_m3" not in result.data
    assert "/cold_storage_m3" not in result.visible and "/cold_storage_m3" not in result.required


def test_empty_values_are_dropped(item: CompiledItem) -> None:
    result = item.evaluate(good_data(cold_chain=None, cold_storage_m3=""))
    assert "cold_chain" not in result.data and "cold_storage_m3" not in result.data


def test_a_stale_hidden_value_does_not_hide_a_visible_field() -> None:
    """Regression: B is hidden (x is false) but still posted with "v"; A shows unless B is "v".
    A is visible and filled; it used to be dropped together with B and then reported missing."""
    raw = example_raw()
    raw["form"]["sections"][0]["fields"] = [
        {"key": "x", "label": "X", "type": "boolean"},
        {"key": "b", "label": "B", "type": "text", "visible_when": {"field": "x", "eq": True}},
        {
            "key": "a",
            "label": "A",
            "type": "text",
            "required": True,
            "visible_when": {"not": {"field": "b", "eq": "v"}},
        },
    ]
    raw["disclosure"]["result_fields"] = ["a"]
    raw["materials"] = raw["materials"][:2]
    item = compiled(raw)
    result = item.evaluate({"x": False, "b": "v", "a": "已填写"})
    assert result.data == {"x": False, "a": "已填写"}
    assert result.errors == []
    assert result.visible == ["/x", "/a"]


def test_visibility_chains_resolve_in_dependency_order_whatever_the_form_order() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"] = [
        {"key": "c", "label": "C", "type": "text", "visible_when": {"field": "b", "eq": "y"}},
        {"key": "b", "label": "B", "type": "text", "visible_when": {"field": "a", "eq": True}},
        {"key": "a", "label": "A", "type": "boolean"},
    ]
    raw["disclosure"]["result_fields"] = ["a"]
    raw["materials"] = raw["materials"][:2]
    item = compiled(raw)
    assert item.evaluate({"a": False, "b": "y", "c": "z"}).data == {"a": False}
    assert item.evaluate({"a": True, "b": "y", "c": "z"}).data == {"a": True, "b": "y", "c": "z"}


def _multi_choice_item() -> CompiledItem:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(
        {
            "key": "scope",
            "label": "经营项目",
            "type": "choice",
            "multiple": True,
            "options": [
                {"value": "retail", "label": "食品销售"},
                {"value": "catering", "label": "餐饮服务"},
            ],
        }
    )
    raw["form"]["sections"][0]["fields"].append(
        {
            "key": "seats",
            "label": "座位数",
            "type": "integer",
            "minimum": 1,
            "required_when": {"field": "scope", "eq": "catering"},
        }
    )
    return compiled(raw)


def test_multiple_choice_conditions_test_membership() -> None:
    item = _multi_choice_item()
    assert [e.path for e in item.evaluate(good_data(scope=["retail", "catering"])).errors] == [
        "/seats"
    ]
    assert item.evaluate(good_data(scope=["retail"])).errors == []


def test_an_option_not_offered_is_reported_at_the_field_with_its_label() -> None:
    item = _multi_choice_item()
    errors = item.evaluate(good_data(scope=["retail", "bakery"])).errors
    assert [(e.path, e.message, e.label) for e in errors] == [
        ("/scope", "请从给出的选项中选择“经营项目”", "经营项目")
    ]
    errors = item.evaluate(good_data(scope=["retail", "retail"])).errors
    assert [e.path for e in errors] == ["/scope"]


def test_a_broken_file_reference_is_reported_at_the_file_field() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(
        {"key": "photo", "label": "门头照片", "type": "file", "accept": ["image/jpeg"]}
    )
    item = compiled(raw)
    ref = {"sha256": "a" * 64, "name": "门头.jpg", "size": 1000, "content_type": "image/png"}
    errors = item.evaluate(good_data(photo=ref)).errors
    assert [(e.path, e.message) for e in errors] == [("/photo", "“门头照片”的文件无效，请重新上传")]
    ref["content_type"] = "image/jpeg"
    assert item.evaluate(good_data(photo=ref)).errors == []


def test_materials_one_time_list(item: CompiledItem) -> None:
    plain = item.evaluate(good_data())
    assert [(n.material.key, n.required, n.exempt) for n in plain.materials] == [
        ("layout_plan", True, False),
        ("business_license", True, True),  # shared: the government holds it
    ]
    assert [m.key for m in plain.missing_materials] == ["layout_plan"]
    cold = item.evaluate(good_data(cold_chain=True, cold_storage_m3=10))
    assert [m.key for m in cold.missing_materials] == ["layout_plan", "cold_chain_plan"]


def test_steps_are_skipped_by_when() -> None:
    raw = example_raw()
    raw["steps"][1]["when"] = {"field": "cold_chain", "eq": True}
    item = compiled(raw)
    assert [s.key for s in item.evaluate(good_data()).steps] == [
        "accept",
        "review",
        "decide",
        "complete",
    ]
    assert [s.key for s in item.evaluate(good_data(cold_chain=True, cold_storage_m3=1)).steps] == [
        "accept",
        "inspect",
        "review",
        "decide",
        "complete",
    ]


def _fee_item() -> CompiledItem:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(
        {"key": "area_m2", "label": "经营面积", "type": "number", "minimum": 0}
    )
    raw["fees"] = [
        {"key": "base", "name": "工本费", "amount": "10", "basis": "food-safety-law-35"},
        {
            "key": "area",
            "name": "面积费",
            "per": {"field": "area_m2", "amount": "0.35", "unit": "平方米"},
            "basis": "《收费标准》",
        },
        {
            "key": "cold",
            "name": "冷库检测费",
            "amount": "120.50",
            "when": {"field": "cold_chain", "eq": True},
            "basis": "《收费标准》",
            "waivable": True,
        },
    ]
    return compiled(raw)


def test_fixed_fees_and_total() -> None:
    result = _fee_item().evaluate(good_data())
    assert [(f.key, f.amount) for f in result.fees] == [("base", Decimal("10.00"))]
    assert result.fee_total == Decimal("10.00")


def test_per_field_fee_rounds_half_up_to_the_cent() -> None:
    result = _fee_item().evaluate(good_data(area_m2=12.5, cold_chain=True, cold_storage_m3=3))
    lines = {f.key: f for f in result.fees}
    assert lines["area"].amount == Decimal("4.38")  # 0.35 × 12.5 = 4.375 -> 4.38
    assert lines["area"].detail == "0.35元 × 12.5平方米"
    assert lines["cold"].amount == Decimal("120.50") and lines["cold"].waivable
    assert result.fee_total == Decimal("134.88")


def test_per_field_fee_without_quantity_is_not_charged() -> None:
    assert [f.key for f in _fee_item().evaluate(good_data(area_m2=0)).fees] == ["base"]


def test_compiler_caches_by_content_hash(example: ItemDefinition) -> None:
    compiler = Compiler()
    first = compiler.compile(example)
    assert compiler.compile(ItemDefinition.model_validate(example.canonical())) is first
    changed = example.canonical()
    changed["name"] = "食品经营许可（变更）"
    assert compiler.compile(ItemDefinition.model_validate(changed)) is not first
