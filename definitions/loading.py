"""Reading definition files: JSON with line and column on syntax errors, duplicate keys
refused, pydantic errors turned into JSON pointers with Chinese messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

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


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def parse_json(text: str, file: str) -> tuple[Any | None, list[Problem]]:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates), []
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                file,
                "",
                f"JSON 语法错误，第{exc.lineno}行第{exc.colno}列：{exc.msg}",
                "json-syntax",
            )
        ]
    except _DuplicateKey as exc:
        line = _line_of_duplicate(text, str(exc))
        where = f"（第{line}行）" if line else ""
        return None, [Problem(file, "", f"JSON 对象中键 “{exc}” 重复{where}", "json-duplicate-key")]


def _line_of_duplicate(text: str, key: str) -> int | None:
    needle = json.dumps(key, ensure_ascii=False) + ":"
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line.replace(" ", "")]
    return hits[1] if len(hits) > 1 else None


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


def load_definition(text: str, file: str) -> Loaded:
    raw, problems = parse_json(text, file)
    if problems:
        return Loaded(file, None, None, problems)
    try:
        definition = ItemDefinition.model_validate(raw)
    except ValidationError as exc:
        return Loaded(file, raw, None, list(pydantic_problems(exc, file)))
    return Loaded(file, raw, definition, [])


def load_path(path: Path) -> Loaded:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Loaded(str(path), None, None, [Problem(str(path), "", f"无法读取文件：{exc}", "io")])
    return load_definition(text, str(path))


def definition_files(paths: list[Path]) -> list[Path]:
    """The JSON files named, folders searched recursively, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.json") if q.is_file()))
        else:
            out.append(p)
    return out
