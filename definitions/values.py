"""Checks every application value and every definition text passes, whatever its field.

Application text may not carry NUL or lone surrogates (they cannot be stored);
definition text may not carry those nor other C0 control characters (tab, line feed and
carriage return excepted) or DEL. Numbers must be finite and within
:data:`~definitions.limits.MAX_ABS_NUMBER`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from definitions.limits import MAX_ABS_NUMBER

_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: A NUL, as a JSON Schema pattern: jsonschema-rs runs ``{"not": {"pattern": NUL_PATTERN}}``
#: on every free string (a literal search); a lone surrogate cannot even be encoded for
#: the regex (jsonschema-rs raises, and the compiled item takes that as a refusal).
NUL_PATTERN = "\\x00"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be accepted as text, in Chinese; None when it can."""
    bad = _BAD_TEXT.search(value)
    if bad is None:
        return None
    char = bad.group()
    if char == "\x00":
        return "含有空字符（NUL），请删除后重试"
    if "\ud800" <= char <= "\udfff":
        return "含有无法识别的字符（孤立的代理码位），请删除后重试"
    return f"含有不允许的控制字符（U+{ord(char):04X}），请删除后重试"


def text_ok(value: str) -> bool:
    return _BAD_TEXT.search(value) is None


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def value_text_problem(value: str) -> str | None:
    """Why ``value`` cannot be filed as application text, in Chinese; None when it can.

    An application refuses the characters that cannot be stored (NUL: PostgreSQL refuses
    it; lone surrogates: not UTF-8); definitions are held to :func:`text_problem`."""
    bad = _UNSTORABLE.search(value)
    return None if bad is None else text_problem(bad.group())


def number_problem(value: int | float | Decimal) -> str | None:
    """Why a number cannot be accepted, in Chinese; None when it can. Booleans are not
    numbers and are not looked at."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "不是有效的数字"
    if isinstance(value, Decimal) and not value.is_finite():
        return "不是有效的数字"
    if not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER:
        return "超出允许的范围（绝对值不能超过 10的15次方）"
    return None


def number_ok(value: Any) -> bool:
    return number_problem(value) is None
