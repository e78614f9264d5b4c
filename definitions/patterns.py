"""Definition patterns run in RE2 (google-re2): linear time, whatever the pattern and value.

A definition's ``pattern`` is a JSON Schema pattern: it matches when it is found anywhere in
the value (anchor it with ``^...$``). The semantics are RE2's everywhere: ``$`` matches at
the very end of the text only (not before a final line feed, unlike Python's ``re``),
``\\d``, ``\\w`` and ``\\s`` are ASCII, and backreferences and lookaround do not exist
(the checker refuses a pattern RE2 cannot compile).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> object:
    return re2.compile(pattern, options=_OPTIONS)


def pattern_error(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern`` (a message for the checker); None when it compiles."""
    try:
        _compiled(pattern)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return str(detail)
    except (TypeError, ValueError, UnicodeError) as exc:
        return str(exc)
    return None


@lru_cache(maxsize=4096)
def searcher(pattern: str) -> Callable[[str], bool]:
    """A function telling whether ``pattern`` is found in a string (RE2 semantics).

    It runs a one-pattern ``RE2::Set``: a match without the spans, several times cheaper
    through the Python wrapper than ``search``. A pattern RE2 cannot compile (the checker
    refuses it; a version published before that rule may hold one) matches nothing: the
    field can show its value but no new value passes, and nothing slower ever runs."""
    try:
        one = re2.Set.SearchSet(_OPTIONS)
        one.Add(pattern)
        one.Compile()
    except (re2.error, TypeError, ValueError, UnicodeError):
        return _nothing
    match = one.Match

    def found(value: str) -> bool:
        try:
            return match(value) is not None
        except UnicodeError:  # a lone surrogate: not text at all
            return False

    return found


def _nothing(value: str) -> bool:
    return False


def pattern_found(pattern: str, value: str) -> bool:
    return searcher(pattern)(value)
