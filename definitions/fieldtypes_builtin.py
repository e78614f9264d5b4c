"""The built-in field types: each a plugin registered through the same hook a county's own
type uses (:meth:`~definitions.fieldtypes.FieldTypeRegistry.register`). Each answers what
its callers need (value kind, container, several values, uploads, samples); nothing
outside this module and its base names one of them.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal, DecimalException
from typing import TYPE_CHECKING, Any, ClassVar

import phonenumbers

from definitions import sampledata
from definitions.fieldtypes import (
    JSON,
    DefinitionIssue,
    FieldType,
    ObjectSchemaBuilder,
    ParseError,
    RowSampler,
)
from definitions.formats import date_ok, id_card_ok, mobile_pattern, region_name, uscc_ok
from definitions.limits import (
    DEFAULT_TEXT_MAX_LENGTH,
    DEFAULT_TEXTAREA_MAX_LENGTH,
    MAX_ABS_NUMBER,
    MAX_GROUP_ROWS,
    MAX_NUMBER_TEXT,
)
from definitions.patterns import pattern_error

if TYPE_CHECKING:
    from definitions.models import FormField


def _number_text(raw: str, what: str) -> str:
    """The typed number without spaces and thousands separators, refused unread when it is
    longer than :data:`~definitions.limits.MAX_NUMBER_TEXT` characters."""
    text = raw.strip()
    if len(text) > MAX_NUMBER_TEXT + 10 or len(text := text.replace(",", "")) > MAX_NUMBER_TEXT:
        raise ParseError(f"{what}太长（最多{MAX_NUMBER_TEXT}个字符）")
    return text


_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _in_range(value: Decimal | int) -> None:
    if not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER:
        raise ParseError("数值超出允许的范围（绝对值不能超过 10的15次方）")


def _length_schema(field: FormField, default_max: int) -> JSON:
    s: JSON = {"type": "string", "minLength": max(1, field.min_length or 1)}
    s["maxLength"] = field.max_length or default_max
    if field.pattern:
        s["pattern"] = field.pattern
    return s


def _length_checks(field: FormField) -> Iterator[DefinitionIssue]:
    if field.min_length and field.max_length and field.min_length > field.max_length:
        yield DefinitionIssue(("min_length",), "min_length 不能大于 max_length")
    if field.pattern is not None:
        problem = pattern_error(field.pattern)
        if problem is not None:
            yield DefinitionIssue(
                ("pattern",),
                f"正则表达式无效（须为 RE2 语法：不支持反向引用与环视）：{problem}",
                "pattern",
            )


def _bounds_checks(field: FormField) -> Iterator[DefinitionIssue]:
    if field.minimum is not None and field.maximum is not None and field.minimum > field.maximum:
        yield DefinitionIssue(("minimum",), "minimum 不能大于 maximum")


def _bounds(s: JSON, field: FormField) -> JSON:
    """Number bounds: the field's own, else the language's (every number is bounded)."""
    s["minimum"] = field.minimum if field.minimum is not None else -MAX_ABS_NUMBER
    s["maximum"] = field.maximum if field.maximum is not None else MAX_ABS_NUMBER
    return s


class TextType(FieldType):
    name = "text"
    title = "单行文本"
    widget = "text"
    options = frozenset({"min_length", "max_length", "pattern"})
    default_max = DEFAULT_TEXT_MAX_LENGTH

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return _length_schema(field, self.default_max)

    def check(self, field: FormField) -> Iterator[DefinitionIssue]:
        return _length_checks(field)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        value = sampledata.text_for(field.label, rng)
        if (field.min_length and len(value) < field.min_length) or field.pattern:
            # codes and account numbers: digits of an allowed length
            n = max(field.min_length or 0, min(field.max_length or 18, 18))
            value = "".join(rng.choice("0123456789") for _ in range(n))
        return value[: field.max_length or 200]


class TextareaType(TextType):
    name = "textarea"
    title = "多行文本"
    widget = "textarea"
    default_max = DEFAULT_TEXTAREA_MAX_LENGTH

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return f"{field.label}：情况属实，特此申请。"[: field.max_length or 2000]


class AddressType(TextType):
    name = "address"
    title = "地址"
    widget = "address"
    personal = True
    options = frozenset({"max_length"})
    default_max = DEFAULT_TEXT_MAX_LENGTH

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return sampledata.address(rng)[: field.max_length or 200]

    def masked(self, text: str) -> str:
        return text[:6] + "……" if len(text) > 6 else text


class NumberType(FieldType):
    name = "number"
    title = "数值"
    widget = "number"
    input_mode = "decimal"
    value_kind = "number"
    options = frozenset({"minimum", "maximum"})

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return _bounds({"type": "number"}, field)

    def parse(self, field: FormField, raw: str) -> Any:
        text = _number_text(raw, "数字")
        if not _DECIMAL.fullmatch(text):
            raise ParseError("请输入数字")
        try:
            d = Decimal(text)
        except (DecimalException, ValueError):
            raise ParseError("请输入数字") from None
        if not d.is_finite():
            raise ParseError("请输入数字")
        _in_range(d)  # before int(): 1e400000 would take seconds to expand
        return int(d) if d == d.to_integral_value() else float(d)

    def check(self, field: FormField) -> Iterator[DefinitionIssue]:
        return _bounds_checks(field)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        lo = field.minimum if field.minimum is not None else 0
        hi = field.maximum if field.maximum is not None else max(lo + 10, 200)
        return round(rng.uniform(float(lo), float(hi)), 2)


class IntegerType(NumberType):
    name = "integer"
    title = "整数"
    input_mode = "numeric"
    value_kind = "integer"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return _bounds({"type": "integer"}, field)

    def parse(self, field: FormField, raw: str) -> Any:
        text = _number_text(raw, "整数")
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise ParseError("请输入整数")
        value = int(text)
        _in_range(value)
        return value

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        lo = field.minimum if field.minimum is not None else 0
        hi = field.maximum if field.maximum is not None else max(lo + 10, 200)
        return rng.randint(int(lo), int(hi))


class MoneyType(NumberType):
    """An amount in yuan with at most two decimals (分)."""

    name = "money"
    title = "金额（元）"
    widget = "money"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        s = _bounds({"type": "number"}, field)
        if field.minimum is None:
            s["minimum"] = 0
        return s

    def parse(self, field: FormField, raw: str) -> Any:
        text = _number_text(raw, "金额").removeprefix("¥").removesuffix("元").strip()
        if not re.fullmatch(r"[0-9]{1,13}(\.[0-9]{1,2})?", text):
            raise ParseError("请输入金额，如 1200 或 1200.50（最多两位小数）")
        d = Decimal(text)
        return int(d) if d == d.to_integral_value() else float(d)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        lo = max(0.0, float(field.minimum or 0))
        return round(rng.uniform(lo, float(field.maximum or 100000)), 2)


class DateType(FieldType):
    name = "date"
    title = "日期"
    widget = "date"
    format_name = "date"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "string", "format": "date"}

    def parse(self, field: FormField, raw: str) -> Any:
        text = raw.strip().replace("/", "-").replace(".", "-")
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ParseError("请输入有效日期，格式为 年-月-日，如 2026-03-01") from None

    def check_format(self, value: str) -> bool:
        return date_ok(value)

    def condition_value_ok(self, field: FormField, value: Any) -> bool:
        return isinstance(value, str) and self.check_format(value)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return sampledata.sample_date(rng)


_TRUE = {"true", "on", "1", "yes", "是", "y"}
_FALSE = {"false", "off", "0", "no", "否", "n"}


class BooleanType(FieldType):
    name = "boolean"
    title = "是/否"
    widget = "yesno"
    value_kind = "boolean"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "boolean"}

    def parse(self, field: FormField, raw: str) -> Any:
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ParseError("请选择“是”或“否”")

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return rng.random() < 0.5


class ChoiceType(FieldType):
    name = "choice"
    title = "选项（单选或多选）"
    widget = "choice"
    options = frozenset({"options", "multiple"})

    def multiple(self, field: FormField) -> bool:
        return bool(field.multiple)

    def invalid(self, label: str) -> str:
        return f"请从给出的选项中选择“{label}”"

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        values = [o.value for o in field.options or []]
        if field.multiple:
            return rng.sample(values, k=rng.randint(1, len(values)))
        return rng.choice(values)

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        values = [o.value for o in field.options or []]
        if field.multiple:
            return {
                "type": "array",
                "items": {"type": "string", "enum": values},
                "uniqueItems": True,
                "minItems": 1,
            }
        return {"type": "string", "enum": values}

    def parse(self, field: FormField, raw: str) -> Any:
        values = {o.value for o in field.options or []}
        text = raw.strip()
        if text not in values:
            raise ParseError("请从给出的选项中选择")
        return text

    def check(self, field: FormField) -> Iterator[DefinitionIssue]:
        if not field.options:
            yield DefinitionIssue(("options",), "选项字段必须列出至少一个选项")
            return
        seen: set[str] = set()
        for i, option in enumerate(field.options):
            if option.value in seen:
                yield DefinitionIssue(("options", i, "value"), f"选项值 {option.value!r} 重复")
            seen.add(option.value)

    def condition_value_ok(self, field: FormField, value: Any) -> bool:
        return isinstance(value, str) and value in {o.value for o in field.options or []}


class IdCardType(FieldType):
    """18-digit resident identity number, ISO 7064 MOD 11-2 check character."""

    name = "id_card"
    title = "居民身份证号码"
    widget = "id_card"
    personal = True
    format_name = "id_card"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "string", "format": "id_card"}

    def parse(self, field: FormField, raw: str) -> Any:
        text = raw.strip().upper().replace(" ", "")
        if not self.check_format(text):
            raise ParseError("身份证号码无效：应为18位，且校验码正确")
        return text

    def check_format(self, value: str) -> bool:
        return id_card_ok(value)

    def masked(self, text: str) -> str:
        return text[:6] + "*" * 8 + text[-4:] if len(text) == 18 else "*" * len(text)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return sampledata.id_card(rng)


class UsccType(FieldType):
    """Unified social credit code (统一社会信用代码), GB 32100-2015 check character."""

    name = "uscc"
    title = "统一社会信用代码"
    widget = "uscc"
    format_name = "uscc"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "string", "format": "uscc"}

    def parse(self, field: FormField, raw: str) -> Any:
        text = raw.strip().upper().replace(" ", "")
        if not self.check_format(text):
            raise ParseError("统一社会信用代码无效：应为18位，且校验位正确")
        return text

    def check_format(self, value: str) -> bool:
        return uscc_ok(value)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return sampledata.uscc_code(rng)


class MobileType(FieldType):
    """A mainland mobile number, stored as its 11 national digits."""

    name = "mobile"
    title = "手机号码"
    widget = "tel"
    personal = True
    input_mode = "tel"
    autocomplete = "tel"
    format_name = "mobile"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "string", "format": "mobile"}

    def parse(self, field: FormField, raw: str) -> Any:
        typed = raw.strip()
        if len(typed) == 11 and typed.isascii() and typed.isdigit() and self.check_format(typed):
            # the usual answer, eleven digits of a mainland mobile: what phonenumbers would
            # make of it (no prefix of CN's to strip begins a mobile number), without it
            return typed
        try:
            number = phonenumbers.parse(typed, "CN")
        except phonenumbers.NumberParseException:
            raise ParseError("手机号码无效：请输入11位手机号码") from None
        national = str(number.national_number)
        if number.country_code != 86 or not self.check_format(national):
            raise ParseError("手机号码无效：请输入11位手机号码")
        return national

    def check_format(self, value: str) -> bool:
        return bool(mobile_pattern().fullmatch(value))

    def masked(self, text: str) -> str:
        return text[:3] + "****" + text[-4:] if len(text) == 11 else "*" * len(text)

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return f"139{rng.randint(0, 99999999):08d}"


class RegionType(FieldType):
    """A GB/T 2260 administrative division code (six digits), checked against the
    division table python-stdnum ships for resident ID numbers."""

    name = "region"
    title = "行政区划"
    widget = "region"
    input_mode = "numeric"
    format_name = "region"

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {"type": "string", "format": "region"}

    def parse(self, field: FormField, raw: str) -> Any:
        text = raw.strip()
        if not self.check_format(text):
            raise ParseError("行政区划代码无效：应为6位国家标准代码，如 422822")
        return text

    def check_format(self, value: str) -> bool:
        return region_name(value) is not None

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        return rng.choice(sampledata.REGIONS)


#: Most characters of a file reference posted by a form (sha256, name, size, type as JSON).
FILE_REFERENCE_TEXT = 1024


class FileType(FieldType):
    """An uploaded scan, referred to by the sha256 of its content."""

    name = "file"
    title = "文件上传"
    widget = "file"
    value_kind = "object"
    comparable = False
    accepts_uploads = True
    options = frozenset({"accept", "max_size_mb"})
    default_accept: ClassVar[tuple[str, ...]] = ("application/pdf", "image/jpeg", "image/png")
    default_max_mb: ClassVar[float] = 10.0

    def accepted(self, field: FormField) -> list[str]:
        return list(field.accept or self.default_accept)

    def max_bytes(self, field: FormField) -> int:
        return int((field.max_size_mb or self.default_max_mb) * 1024 * 1024)

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        return {
            "type": "object",
            "properties": {
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "size": {"type": "integer", "minimum": 1, "maximum": self.max_bytes(field)},
                "content_type": {"type": "string", "enum": self.accepted(field)},
            },
            "required": ["sha256", "name", "size", "content_type"],
            "additionalProperties": False,
        }

    def parse(self, field: FormField, raw: str) -> Any:
        if len(raw) > FILE_REFERENCE_TEXT:
            raise ParseError("文件引用无效，请重新上传")
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            raise ParseError("文件引用无效，请重新上传") from None
        if not isinstance(value, Mapping):
            raise ParseError("文件引用无效，请重新上传")
        return dict(value)

    def invalid(self, label: str) -> str:
        return f"“{label}”的文件无效，请重新上传"


class GroupType(FieldType):
    """A repeating group of sub-fields (rows), e.g. the staff of a shop; a row may hold a
    group of its own (the staff of each company), to the language's depth
    (:data:`~definitions.limits.MAX_GROUP_DEPTH`)."""

    name = "group"
    title = "重复分组"
    widget = "group"
    value_kind = "array"
    comparable = False
    container = True
    options = frozenset({"fields", "repeat"})

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        s: JSON = {"type": "array", "items": build_object(field.fields or [])}
        repeat = field.repeat
        s["minItems"] = max(1, repeat.min if repeat else 1)
        s["maxItems"] = (
            repeat.max if repeat is not None and repeat.max is not None else MAX_GROUP_ROWS
        )
        return s

    def check(self, field: FormField) -> Iterator[DefinitionIssue]:
        if not field.fields:
            yield DefinitionIssue(("fields",), "重复分组必须包含至少一个子字段")
        if field.repeat and field.repeat.max is not None and field.repeat.min > field.repeat.max:
            yield DefinitionIssue(("repeat", "min"), "repeat.min 不能大于 repeat.max")

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        low = field.repeat.min if field.repeat else 1
        high = min(field.repeat.max if field.repeat and field.repeat.max else low + 2, low + 2)
        count = max(1, rng.randint(low, max(low, high)))
        return [row(field.fields or [], rng) for _ in range(count)]


BUILTIN_TYPES: tuple[type[FieldType], ...] = (
    TextType,
    TextareaType,
    NumberType,
    IntegerType,
    MoneyType,
    DateType,
    BooleanType,
    ChoiceType,
    IdCardType,
    UsccType,
    MobileType,
    RegionType,
    AddressType,
    FileType,
    GroupType,
)
