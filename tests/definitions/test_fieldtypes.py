"""Field type plugins: parsers (Chinese messages), formats, schemas, the registry hook."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from definitions.fieldtypes import (
    FieldType,
    FieldTypeRegistry,
    ParseError,
    default_registry,
    region_name,
    register_builtin_types,
)
from definitions.models import FormField
from tests.strategies import (
    BREAKERS,
    VALUE_STRATEGIES,
    RandomSource,
    id_card_number,
    uscc_code,
)


def field(type_: str, **kw: Any) -> FormField:
    return FormField.model_validate({"key": "f", "label": "字段", "type": type_, **kw})


def parse(type_: str, raw: str, **kw: Any) -> Any:
    return default_registry()[type_].parse(field(type_, **kw), raw)


@pytest.mark.parametrize(
    ("type_", "raw", "value"),
    [
        ("text", "  张三 ", "张三"),
        ("number", "1,200.5", 1200.5),
        ("number", "12", 12),
        ("integer", " 42 ", 42),
        ("money", "¥1,200.50元", 1200.5),
        ("money", "300", 300),
        ("date", "2026/03/01", "2026-03-01"),
        ("boolean", "是", True),
        ("boolean", "off", False),
        ("id_card", "11010519491231002x", "11010519491231002X"),
        ("uscc", "91110000600037341l", "91110000600037341L"),
        ("mobile", "+86 138 1234 5678", "13812345678"),
        ("region", "422822", "422822"),
    ],
)
def test_parsers_read_what_a_clerk_types(type_: str, raw: str, value: Any) -> None:
    assert parse(type_, raw) == value


@pytest.mark.parametrize(
    ("type_", "raw", "message"),
    [
        ("number", "十二", "请输入数字"),
        ("number", "nan", "请输入数字"),
        ("integer", "1.5", "请输入整数"),
        ("money", "12.345", "最多两位小数"),
        ("date", "2026-02-30", "请输入有效日期"),
        ("boolean", "maybe", "请选择“是”或“否”"),
        ("id_card", "110105194912310021", "身份证号码无效"),
        ("uscc", "91110000600037341A", "统一社会信用代码无效"),
        ("mobile", "12345", "手机号码无效"),
        ("mobile", "+1 202 555 0100", "手机号码无效"),
        ("region", "999999", "行政区划代码无效"),
        ("file", "not json", "文件引用无效"),
        ("file", "[1]", "文件引用无效"),
    ],
)
def test_parsers_refuse_in_chinese(type_: str, raw: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(type_, raw)


def test_choice_parser_only_takes_offered_options() -> None:
    opts = {"options": [{"value": "retail", "label": "零售"}]}
    assert parse("choice", "retail", **opts) == "retail"
    with pytest.raises(ParseError, match="请从给出的选项中选择"):
        parse("choice", "wholesale", **opts)


@pytest.mark.parametrize(
    "value", ["12661008316", "1381234567８", "12345678901", "1381234567", "23812345678"]
)
def test_mobile_format_refuses_without_crashing(value: str) -> None:
    # 1266… once raised NumberParseException out of the validator; full-width digits passed
    assert default_registry()["mobile"].check_format(value) is False


def test_mobile_format_accepts_real_numbers() -> None:
    assert default_registry()["mobile"].check_format("13812345678")


@given(st.from_regex(r"\A *1[0-9]{10} *\Z", fullmatch=True))
@example(" 12952002268 ")  # phonenumbers strips a carrier prefix, then finds it too short
@example("12005008367")  # … or no country it knows
@example(" 13812345678")
@settings(max_examples=400)
def test_eleven_digits_parse_as_phonenumbers_parses_them(typed: str) -> None:
    """The shortcut for eleven typed digits answers what phonenumbers' parser answers."""
    plugin = default_registry()["mobile"]
    try:  # the oracle: phonenumbers' parser (it refuses 1295…, a carrier prefix, as too short)
        number = phonenumbers.parse(typed.strip(), "CN")
    except phonenumbers.NumberParseException:
        expected = None
    else:
        national = str(number.national_number)
        expected = national if number.country_code == 86 and plugin.check_format(national) else None
    try:
        got = plugin.parse(field("mobile"), typed)
    except ParseError:
        got = None
    assert got == expected


def test_generated_check_digits_are_valid() -> None:
    src = RandomSource(7)
    reg = default_registry()
    for _ in range(50):
        assert reg["id_card"].check_format(id_card_number(src))
        assert reg["uscc"].check_format(uscc_code(src))


def test_id_card_must_be_upper_case_in_data() -> None:
    assert default_registry()["id_card"].check_format("11010519491231002X")
    assert not default_registry()["id_card"].check_format("11010519491231002x")


def test_region_names() -> None:
    assert region_name("422822") == "湖北省建始县"
    assert region_name("4228") is None
    assert region_name("999999") is None


def test_every_registered_type_has_value_and_breaker_strategies() -> None:
    for name in default_registry().names():
        if name != "group":
            assert name in VALUE_STRATEGIES, f"field type {name} has no value strategy"
            assert name in BREAKERS, f"field type {name} has no breaking values"


def test_text_schema_limits_and_default_maximum() -> None:
    reg = default_registry()
    s = reg["text"].schema(
        field("text", min_length=2, max_length=5, pattern="^[A-Z]+$"), lambda fs: {}
    )
    assert s == {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[A-Z]+$"}
    assert reg["textarea"].schema(field("textarea"), lambda fs: {})["maxLength"] == 2000


def test_money_is_never_negative_by_default() -> None:
    s = default_registry()["money"].schema(field("money"), lambda fs: {})
    assert s["minimum"] == 0


def test_group_schema_takes_at_least_one_row() -> None:
    f = field(
        "group",
        fields=[{"key": "name", "label": "姓名", "type": "text"}],
        repeat={"min": 0, "max": 3},
    )
    s = default_registry()["group"].schema(f, lambda fs: {"type": "object"})
    assert s["minItems"] == 1 and s["maxItems"] == 3


def test_a_type_refuses_options_it_does_not_take() -> None:
    with pytest.raises(ValueError, match="不接受键 max_length"):
        field("boolean", max_length=3)
    with pytest.raises(ValueError, match="未知的字段类型"):
        field("colour")


class PlateType(FieldType):
    """A licence plate: a new type registered through the same hook as the built-ins."""

    name = "plate"
    title = "车牌号"
    format_name = "plate"

    def schema(self, field: FormField, build_object: Any) -> dict[str, Any]:
        return {"type": "string", "format": "plate"}

    def check_format(self, value: str) -> bool:
        return len(value) == 7 and value[0] == "鄂"


def test_registry_hook_takes_a_new_type_and_refuses_bad_ones() -> None:
    reg = FieldTypeRegistry()
    register_builtin_types(reg)
    reg.register(PlateType())
    assert "plate" in reg and reg.format_checkers()["plate"]("鄂Q12345")
    with pytest.raises(ValueError, match="already registered"):
        reg.register(PlateType())

    class Bad(FieldType):
        name = "Bad-Name"

    with pytest.raises(ValueError, match="lower-case"):
        reg.register(Bad())


def test_a_new_type_validates_through_compilation(example: Any) -> None:
    """The registry handed to the compiler is the one that validates the definition: the
    county's plate type is known there, and refused (with its pointer) by the default."""
    from pydantic import ValidationError

    from definitions.compile import Compiler
    from definitions.models import ItemDefinition

    reg = FieldTypeRegistry()
    register_builtin_types(reg)
    reg.register(PlateType())
    raw = example.canonical()
    raw["form"]["sections"][0]["fields"].append(
        {"key": "plate", "label": "车牌号", "type": "plate", "required": True}
    )
    compiler = Compiler(registry=reg)
    item = compiler.compile(compiler.validate(raw))
    errors = item.errors({"plate": "京A12345"})
    assert any(e.path == "/plate" for e in errors)
    with pytest.raises(ValidationError) as refused:
        ItemDefinition.model_validate(raw)
    [error] = refused.value.errors()
    assert error["loc"][-1] == "type" and "plate" in error["msg"]
    # a definition built under the county's registry, compiled by a default compiler: refused
    with pytest.raises(ValidationError):
        Compiler().compile(item.definition)
