"""Checks every application value and every definition text passes, whatever its field.

Text may not carry NUL, other C0 control characters (tab, line feed and carriage return
excepted), DEL or lone surrogates (they cannot be stored as UTF-8). Numbers must be
finite and within :data:`~definitions.limits.MAX_ABS_NUMBER`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from definitions.limits import MAX_ABS_NUMBER

_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: The same test as a JSON Schema pattern over a whole string (no bad character; lone
#: surrogates cannot even reach a UTF-8 regex engine). The class means the same in Python
#: re, RE2 and Rust regex.
CLEAN_TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"


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


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def no_control_characters(value: str) -> bool:
    """Whether ``value`` is free of the refused control characters (not of lone
    surrogates: the fast validator, jsonschema-rs, cannot read those and refuses them).

    The hot path of every free text: the control characters are ASCII, so a long text is
    reduced to its ASCII part (a C loop) and that part searched; several times cheaper
    than a character class over a long Chinese text."""
    if len(value) <= 64:
        return _BAD_TEXT.search(value) is None
    ascii_part = value.encode("ascii", "ignore")
    return len(ascii_part.translate(None, _CONTROL_BYTES)) == len(ascii_part)


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
