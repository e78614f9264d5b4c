"""Every bound the definition language puts on definitions and on application values.

Named here once, so the checker, the field plugins, the compiler and the documentation
quote the same numbers. Value bounds are part of the language (a published item means the
same in every process), so they are constants; the bounds on reading definition files are
operational and the command line may override them from settings (:class:`ReadLimits`).
"""

from __future__ import annotations

from dataclasses import dataclass

# -- application values ---------------------------------------------------------------

#: Largest absolute value of any number in an application or a definition (10^15: a
#: billion yuan to the cent still fits, and every such integer is exact in a double).
MAX_ABS_NUMBER = 10**15
#: Most characters of a typed number (form posts) before it is parsed at all.
MAX_NUMBER_TEXT = 40
#: Default most characters of a single-line text or address field without ``max_length``.
DEFAULT_TEXT_MAX_LENGTH = 200
#: Default most characters of a textarea field without ``max_length``.
DEFAULT_TEXTAREA_MAX_LENGTH = 2000
#: Deepest nesting of repeating groups in a form (a group in a group's row is 2 deep: the
#: companies of an application, each with its staff).
MAX_GROUP_DEPTH = 3
#: Deepest nesting of application data (object > group rows > row, once per group level,
#: then file object > value: 11 at the deepest groups); anything deeper is refused before
#: a validator reads it.
MAX_DATA_DEPTH = 2 * MAX_GROUP_DEPTH + 5
#: Most items of an array and most keys of an object anywhere in application data (a
#: repeating group takes at most 500 rows).
MAX_DATA_ITEMS = 500
MAX_DATA_KEYS = 1000
#: Rows of a repeating group without its own ``repeat.max``.
MAX_GROUP_ROWS = 500
#: Most field errors reported for one application (the first ones in form order).
MAX_FIELD_ERRORS = 200
#: Largest fee line, in yuan (fee amounts are stored as text of at most 20 characters).
MAX_FEE_AMOUNT = 10**12

# -- definition files -----------------------------------------------------------------

#: Largest definition file read, in bytes.
MAX_DEFINITION_BYTES = 1024 * 1024
#: Deepest nesting of arrays and objects in a definition file.
MAX_DEFINITION_DEPTH = 64
#: Most fields of one form, group sub-fields included (the checker follows conditions
#: between fields recursively).
MAX_FORM_FIELDS = 300
#: Most characters of a number literal in a definition file.
MAX_NUMBER_LITERAL = 40


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds on reading one definition file (the command line takes them from settings)."""

    max_bytes: int = MAX_DEFINITION_BYTES
    max_depth: int = MAX_DEFINITION_DEPTH
    max_number_literal: int = MAX_NUMBER_LITERAL
