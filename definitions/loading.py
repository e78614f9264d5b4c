"""Reading definition files: JSON with line and column on syntax errors, duplicate keys
refused, pydantic errors turned into JSON pointers with Chinese messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from definitions.jsonread import read_json
from definitions.limits import ReadLimits
from definitions.models import ItemDefinition
from definitions.problems import Problem, pointer

PYDANTIC_MESSAGES: dict[str, str] = {
    "extra_forbidden": "未知的键",
    "missing": "缺少必填的键",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "list_type": "应为数组",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "decimal_type": "应为数字",
    "too_short": "至少需要 {min_length} 项",
    "string_too_short": "不能为空",
    "string_too_long": "太长（最多 {max_length} 个字符）",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "string_pattern_mismatch": "格式不正确（应匹配 {pattern}）",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "union_tag_invalid": "条件格式不正确",
}


@dataclass
class Loaded:
    file: str
    raw: Any | None
    definition: ItemDefinition | None
    problems: list[Problem]


def parse_json(
    text: str, file: str, limits: ReadLimits | None = None
) -> tuple[Any | None, list[Problem]]:
    """The JSON value of a definition file, or every reason it cannot be read."""
    return read_json(text, file, limits)


def loc_to_pointer(loc: tuple[int | str, ...]) -> str:
    """Drop union tags (they start with "~") and validator names from a pydantic location."""
    parts = [p for p in loc if not (isinstance(p, str) and (p.startswith("~") or "[" in p))]
    return pointer(*parts)


def pydantic_problems(exc: ValidationError, file: str) -> Iterator[Problem]:
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        ptr = loc_to_pointer(tuple(err["loc"]))
        template = PYDANTIC_MESSAGES.get(err["type"])
        ctx = err.get("ctx") or {}
        if err["type"] == "value_error":
            message = str(ctx.get("error", err["msg"]))
        elif template is not None:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = template
        else:
            message = err["msg"]
        if (ptr, message) in seen:
            continue
        seen.add((ptr, message))
        yield Problem(file, ptr, message, "schema")


def load_definition(text: str, file: str, limits: ReadLimits | None = None) -> Loaded:
    raw, problems = parse_json(text, file, limits)
    if problems:
        return Loaded(file, None, None, problems)
    try:
        definition = ItemDefinition.model_validate(raw)
    except ValidationError as exc:
        return Loaded(file, raw, None, list(pydantic_problems(exc, file)))
    return Loaded(file, raw, definition, [])


def load_path(path: Path, limits: ReadLimits | None = None) -> Loaded:
    limits = limits or ReadLimits()
    file = str(path)
    try:
        if not path.is_file():
            message = "不是普通文件" if path.exists() else "文件不存在"
            return Loaded(file, None, None, [Problem(file, "", message, "io")])
        size = path.stat().st_size
        with path.open("rb") as fh:  # never more than the limit, whatever stat said
            data = fh.read(limits.max_bytes + 1)
        if size > limits.max_bytes or len(data) > limits.max_bytes:
            message = f"文件过大（{max(size, len(data))}字节，最多{limits.max_bytes}字节）"
            return Loaded(file, None, None, [Problem(file, "", message, "file-size")])
    except OSError as exc:
        return Loaded(file, None, None, [Problem(file, "", f"无法读取文件：{exc.strerror}", "io")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"文件不是有效的 UTF-8 编码（第{exc.start + 1}字节）"
        return Loaded(file, None, None, [Problem(file, "", message, "io")])
    return load_definition(text, file, limits)


def definition_files(paths: list[Path]) -> list[Path]:
    """The JSON files named, folders searched recursively, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.json") if q.is_file()))
        else:
            out.append(p)
    return out
