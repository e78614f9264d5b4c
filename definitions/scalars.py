"""The scalar types of the definition language: keys, references, text (no NUL, control
characters or lone surrogates, whichever way a definition was built), bounded numbers and
domain names. The models in ``definitions.models`` are built from them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from definitions.limits import MAX_ABS_NUMBER
from definitions.values import number_problem, text_problem

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Ref = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


def clean_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError("文本" + problem)
    return value


def _bounded_number(value: int | float | None) -> int | float | None:
    if value is not None and number_problem(value) is not None:
        raise ValueError(f"数值须为有限数，绝对值不能超过 {MAX_ABS_NUMBER}")
    return value


#: Any text of a definition: no NUL, control characters (but tab and line breaks) or lone
#: surrogates, whichever way the definition was built.
FreeText = Annotated[str, AfterValidator(clean_text)]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, strip_whitespace=True),
    AfterValidator(clean_text),
]
#: A bound of a number field: finite, within the language's range.
Bound = Annotated[int | float, AfterValidator(_bounded_number)]
#: A domain of the organisation: county, county.<dept>, county.hall, township.<name>, village.<name>
DomainName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(county(\.[a-z][a-z0-9_]*)?|township\.[a-z][a-z0-9_]*|village\.[a-z][a-z0-9_]*)$"
    ),
]
#: Where an item may be accepted: a domain, or a wildcard such as township.*
DomainPattern = Annotated[
    str,
    StringConstraints(
        pattern=r"^(county(\.[a-z][a-z0-9_]*)?|county\.hall|(township|village)\.([a-z][a-z0-9_]*|\*))$"
    ),
]
