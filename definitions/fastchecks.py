"""The checks the compiled item runs itself, beside jsonschema-rs: per field, cached.

Formats (the plugins' checkers) and the definition's patterns (RE2) are checked in Python
on the hot path, one call per filled field: cheaper than a callback from Rust. The
pattern shapes tell :func:`~definitions.validation.fast_schema` which patterns to leave out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from definitions.fieldtypes import FieldTypeRegistry
from definitions.models import FormField
from definitions.patterns import searcher

#: (key, check, None) for a field with a format or a pattern (run in RE2); (group, None,
#: the checks of one row) for a repeating group whose rows hold such fields, at any depth.
FormatCheck = tuple[str, Callable[[str], bool] | None, list["FormatCheck"] | None]


def format_checks(fields: Sequence[FormField], registry: FieldTypeRegistry) -> list[FormatCheck]:
    """The checks of one form level, a group's rows recursively."""
    checks = registry.format_checkers()

    def check_of(f: FormField) -> Callable[[str], bool] | None:
        plugin = registry[f.type]
        if plugin.format_name is not None:
            return checks[plugin.format_name]
        return searcher(f.pattern) if f.pattern is not None else None

    out: list[FormatCheck] = []
    for f in fields:
        check = check_of(f)
        if check is not None:
            out.append((f.key, check, None))
        elif registry[f.type].container:
            inner = format_checks(f.fields or [], registry)
            if inner:
                out.append((f.key, None, inner))
    return out


def pattern_shapes(fields: Sequence[FormField], base: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Where the definition's patterns apply: (key,), (group, "*", key), and so on down
    nested groups (companies, "*", staff, "*", name)."""
    out: set[tuple[str, ...]] = set()
    for f in fields:
        if f.pattern is not None:
            out.add((*base, f.key))
        if f.fields:
            out |= pattern_shapes(f.fields, (*base, f.key, "*"))
    return out
