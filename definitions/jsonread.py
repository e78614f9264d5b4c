"""Reading a definition file's JSON without trusting it.

Every way a file can be unreadable is a problem with a JSON pointer, never an exception:
a file too large, a byte order mark, a syntax error, nesting deeper than
:data:`~definitions.limits.MAX_DEFINITION_DEPTH` (the parser would overflow), a number
literal too long to read (a 5,000-digit integer), NaN or Infinity, a number beyond
:data:`~definitions.limits.MAX_ABS_NUMBER` (``1e999`` too), a key given twice in one
object, and text (values and keys) with NUL, control characters or lone surrogates.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from definitions.limits import MAX_ABS_NUMBER, ReadLimits
from definitions.problems import Problem, escape_token
from definitions.values import text_problem


@dataclass(frozen=True, slots=True)
class _BadNumber:
    """A number literal the reader refused, kept in place so its pointer can be named."""

    message: str


class _Duplicates(dict[str, Any]):
    """A JSON object in which some key was given twice (the last value kept)."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dups: list[str] = []
    for key, value in pairs:
        if key in out and key not in dups:
            dups.append(key)
        out[key] = value
    if dups:
        marked = _Duplicates(out)
        marked.duplicates = dups
        return marked
    return out


def _hooks(limits: ReadLimits) -> dict[str, Any]:
    too_long = f"数字过长（最多{limits.max_number_literal}个字符）"

    def parse_int(text: str) -> Any:
        if len(text) > limits.max_number_literal:
            return _BadNumber(too_long)
        return int(text)

    def parse_float(text: str) -> Any:
        if len(text) > limits.max_number_literal:
            return _BadNumber(too_long)
        value = float(text)
        if not math.isfinite(value):
            return _BadNumber(f"数字 {text} 超出范围（绝对值不能超过 10的15次方）")
        return value

    def parse_constant(text: str) -> Any:
        return _BadNumber(f"{text} 不是 JSON 数值")

    return {
        "object_pairs_hook": _object,
        "parse_int": parse_int,
        "parse_float": parse_float,
        "parse_constant": parse_constant,
    }


def read_json(text: str, file: str, limits: ReadLimits | None = None) -> tuple[Any, list[Problem]]:
    """The JSON value of ``text`` and no problem, or None and every problem found."""
    limits = limits or ReadLimits()
    if (
        len(text) > limits.max_bytes
        or len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes
    ):
        return None, [Problem(file, "", f"文件过大（最多{limits.max_bytes}字节）", "file-size")]
    if text.startswith("\ufeff"):
        return None, [
            Problem(file, "", "文件以字节顺序标记（BOM）开头：请存为不带 BOM 的 UTF-8", "encoding")
        ]
    try:
        value = json.loads(text, **_hooks(limits))
    except json.JSONDecodeError as exc:
        message = f"JSON 语法错误，第{exc.lineno}行第{exc.colno}列：{exc.msg}"
        return None, [Problem(file, "", message, "json-syntax")]
    except RecursionError:
        message = f"JSON 嵌套过深（最多{limits.max_depth}层）"
        return None, [Problem(file, "", message, "json-depth")]
    problems = list(_walk(value, text, file, limits))
    return (None, problems) if problems else (value, [])


def _walk(root: Any, text: str, file: str, limits: ReadLimits) -> Any:
    """Every problem of a parsed value, depth first, without recursion."""
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        value, ptr, depth = stack.pop()
        if isinstance(value, _BadNumber):
            yield Problem(file, ptr, value.message, "json-number")
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                yield Problem(file, ptr, "文本" + problem, "text-characters")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            if not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER:
                message = "数值超出允许的范围（绝对值不能超过 10的15次方）"
                yield Problem(file, ptr, message, "json-number")
        elif depth >= limits.max_depth:
            yield Problem(file, ptr, f"JSON 嵌套过深（最多{limits.max_depth}层）", "json-depth")
        elif isinstance(value, dict):
            if isinstance(value, _Duplicates):
                for key in value.duplicates:
                    line = _line_of_duplicate(text, key)
                    where = f"（第{line}行）" if line else ""
                    message = f"JSON 对象中键 “{key}” 重复{where}"
                    yield Problem(file, f"{ptr}/{escape_token(key)}", message, "json-duplicate-key")
            items = list(value.items())
            for key, item in reversed(items):
                sub = f"{ptr}/{escape_token(key)}"
                problem = text_problem(key)
                if problem is not None:
                    yield Problem(file, sub, "键" + problem, "text-characters")
                    continue
                stack.append((item, sub, depth + 1))
        elif isinstance(value, list):
            for i in reversed(range(len(value))):
                stack.append((value[i], f"{ptr}/{i}", depth + 1))


def _line_of_duplicate(text: str, key: str) -> int | None:
    needle = json.dumps(key, ensure_ascii=False) + ":"
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line.replace(" ", "")]
    return hits[1] if len(hits) > 1 else None
