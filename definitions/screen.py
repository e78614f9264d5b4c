"""The first look at application data that failed the fast check: what no validator should
be asked to read.

Data from any door (desk form, JSON API, later the public forms) may carry text with NUL or
lone surrogates, numbers that are not finite or beyond
:data:`~definitions.limits.MAX_ABS_NUMBER`, nesting deeper than any form has, or arrays and
objects far larger than any form takes. :func:`screen` finds each such value (JSON pointer
and a Chinese reason) and returns a copy of the data without them, which the message
validator (python-jsonschema) can then read safely and quickly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from definitions.limits import MAX_DATA_DEPTH, MAX_DATA_ITEMS, MAX_DATA_KEYS
from definitions.problems import escape_token
from definitions.values import number_problem, value_text_problem


@dataclass
class Screened:
    data: Any
    problems: list[tuple[str, str]] = field(default_factory=list)


_DROP = object()


def screen(data: Any) -> Screened:
    """The data with every unreadable value dropped, and why each was dropped."""
    out = Screened(None)
    kept = _screen(data, "", 0, out.problems)
    out.data = {} if kept is _DROP else kept
    return out


def _screen(value: Any, path: str, depth: int, problems: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        problem = value_text_problem(value)
        if problem is not None:
            problems.append((path, problem))
            return _DROP
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        problem = number_problem(value)
        if problem is not None:
            problems.append((path, problem))
            return _DROP
        return value
    if depth >= MAX_DATA_DEPTH:
        problems.append((path, "嵌套过深"))
        return _DROP
    if isinstance(value, Mapping):
        if len(value) > MAX_DATA_KEYS:
            problems.append((path, f"包含的项过多（最多{MAX_DATA_KEYS}项）"))
            return _DROP
        obj: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append((path, "键应为字符串"))
                continue
            sub = f"{path}/{escape_token(key)}"
            problem = value_text_problem(key)
            if problem is not None:
                problems.append((sub, "键" + problem))
                continue
            kept = _screen(item, sub, depth + 1, problems)
            if kept is not _DROP:
                obj[key] = kept
        return obj
    if isinstance(value, list | tuple):
        if len(value) > MAX_DATA_ITEMS:
            problems.append((path, f"最多{MAX_DATA_ITEMS}项"))
            return _DROP
        # a dropped item leaves a None, so the other items keep their indices
        items = [_screen(item, f"{path}/{i}", depth + 1, problems) for i, item in enumerate(value)]
        return [None if item is _DROP else item for item in items]
    problems.append((path, "不是有效的数据"))
    return _DROP
