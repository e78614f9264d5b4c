"""Chinese messages for application-data errors, each tied to the field's JSON pointer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from definitions.problems import pointer

FORMAT_MESSAGES: dict[str, str] = {
    "id_card": "“{label}”不是有效的居民身份证号码（18位，校验码须正确）",
    "uscc": "“{label}”不是有效的统一社会信用代码（18位，校验位须正确）",
    "mobile": "“{label}”不是有效的手机号码（11位）",
    "region": "“{label}”不是有效的行政区划代码（6位国家标准代码）",
    "date": "“{label}”不是有效日期，格式为 年-月-日",
}

TYPE_NAMES: dict[str, str] = {
    "string": "文字",
    "number": "数字",
    "integer": "整数",
    "boolean": "是或否",
    "array": "列表",
    "object": "对象",
}


def _path(parts: Any) -> str:
    return pointer(*parts)


def translate_error(err: Any, label_for: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    """Yield (JSON pointer, Chinese message) for one python-jsonschema ValidationError."""
    base = _path(err.absolute_path)
    kind = err.validator
    value = err.validator_value
    instance = err.instance

    def lab(path: str) -> str:
        return label_for(path) or path.rsplit("/", 1)[-1] or "申请数据"

    if kind == "required":
        if isinstance(instance, Mapping):
            for key in value:
                if key not in instance:
                    path = f"{base}/{key}"
                    yield path, f"请填写“{lab(path)}”"
        return
    if kind == "additionalProperties":
        if isinstance(instance, Mapping):
            allowed = set(err.schema.get("properties", {}))
            for key in instance:
                if key not in allowed:
                    yield f"{base}/{key}", f"表单中没有字段“{key}”"
        return
    if kind in ("allOf", "anyOf", "oneOf", "if", "then", "else", "not"):
        for sub in err.context or []:
            yield from translate_error(sub, label_for)
        return
    label = lab(base)
    if kind == "type":
        expected = value if isinstance(value, str) else value[0]
        yield base, f"“{label}”应为{TYPE_NAMES.get(expected, expected)}"
    elif kind == "format":
        yield base, FORMAT_MESSAGES.get(value, "“{label}”的格式不正确").format(label=label)
    elif kind == "minLength":
        yield base, f"请填写“{label}”" if value <= 1 else f"“{label}”至少{value}个字"
    elif kind == "maxLength":
        yield base, f"“{label}”不能超过{value}个字"
    elif kind == "pattern":
        yield base, f"“{label}”的格式不正确"
    elif kind == "minimum":
        yield base, f"“{label}”不能小于{value}"
    elif kind == "exclusiveMinimum":
        yield base, f"“{label}”必须大于{value}"
    elif kind == "maximum":
        yield base, f"“{label}”不能大于{value}"
    elif kind == "exclusiveMaximum":
        yield base, f"“{label}”必须小于{value}"
    elif kind == "enum":
        yield base, f"请从给出的选项中选择“{label}”"
    elif kind == "minItems":
        if isinstance(instance, list) and instance and isinstance(instance[0], Mapping):
            yield base, f"“{label}”至少需要填写{value}行"
        else:
            yield base, f"请至少选择一项“{label}”"
    elif kind == "maxItems":
        yield base, f"“{label}”最多{value}项"
    elif kind == "uniqueItems":
        yield base, f"“{label}”有重复的选项"
    elif kind == "const":
        yield base, f"“{label}”的值不正确"
    else:
        yield base, f"“{label}”不符合要求（{kind}）"
