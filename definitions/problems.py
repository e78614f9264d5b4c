"""Problems found in a definition: every one names the file, the JSON pointer and the rule."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from definitions.errors import BanshiError

#: Characters never printed as they are: line breaks would split a problem's line, other
#: control characters hide or garble text, lone surrogates cannot even be encoded.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with every control character and lone surrogate written as ``\\uXXXX``."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one definition."""

    file: str
    pointer: str
    message: str
    rule: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        tag = self.rule if self.severity is Severity.ERROR else f"{self.rule}, {self.severity}"
        line = f"{self.file}:{self.pointer or '/'}: {self.message} [{tag}]"
        return printable(line)


def escape_token(token: str | int) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from its tokens: ``pointer("steps", 2, "days") == "/steps/2/days"``."""
    return "".join("/" + escape_token(t) for t in tokens)


def join(base: str, *tokens: str | int) -> str:
    return base + pointer(*tokens)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


class DefinitionError(BanshiError):
    """Raised when a definition cannot be used; carries every problem found (the message
    is one line per problem: file, JSON pointer, message, rule)."""

    status = 422
    code = "definition_invalid"
    default_message = "事项定义有误，不能使用"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))
