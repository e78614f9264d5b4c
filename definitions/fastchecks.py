"""The checks the compiled item runs itself, beside jsonschema-rs: per field, cached.

Formats (the plugins' checkers), the definition's patterns (RE2) and free text (no NUL,
no lone surrogate) are checked in Python on the hot path: each is one call per filled
field, cheaper than a callback from Rust or a Rust regex across the language boundary. The
shapes tell :func:`~definitions.validation.fast_schema` what not to check twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from definitions.fieldtypes import FieldTypeRegistry
from definitions.models import FormField
from definitions.patterns import searcher
from definitions.values import storable

FormatCheck = tuple[
    str, Callable[[str], bool] | None, list[tuple[str, Callable[[str], bool]]] | None
]


def format_checks(fields: Sequence[FormField], registry: FieldTypeRegistry) -> list[FormatCheck]:
    """(key, check, None) for a top-level field with a format, a pattern or free text;
    (group, _, [(key, check)]) for those inside a repeating group's rows. Free text (a
    string without enum or format) must hold no NUL or lone surrogate;
    a pattern runs in RE2."""
    checks = registry.format_checkers()

    def check_of(f: FormField) -> Callable[[str], bool] | None:
        plugin = registry[f.type]
        if plugin.format_name is not None:
            return checks[plugin.format_name]
        if f.type == "group":
            return None
        prop = plugin.schema(f, lambda _fields: {})
        if prop.get("type") != "string" or {"enum", "const", "format"} & prop.keys():
            return None
        if f.pattern is None:
            return storable
        search = searcher(f.pattern)
        return lambda value: storable(value) and search(value)

    out: list[FormatCheck] = []
    for f in fields:
        check = check_of(f)
        if check is not None:
            out.append((f.key, check, None))
        elif f.type == "group":
            inner = [(sub.key, c) for sub in f.fields or [] if (c := check_of(sub)) is not None]
            if inner:
                out.append((f.key, None, inner))
    return out


def text_shapes(checks: list[FormatCheck]) -> set[tuple[str, ...]]:
    """Where the compiled item checks strings itself (jsonschema-rs need not)."""
    out: set[tuple[str, ...]] = set()
    for key, check, sub in checks:
        if check is not None:
            out.add((key,))
        for sub_key, _ in sub or []:
            out.add((key, "*", sub_key))
    return out


def pattern_shapes(fields: Sequence[FormField], base: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Where the definition's patterns apply: (key,) or (group, "*", key)."""
    out: set[tuple[str, ...]] = set()
    for f in fields:
        if f.pattern is not None:
            out.add((*base, f.key))
        if f.fields:
            out |= pattern_shapes(f.fields, (*base, f.key, "*"))
    return out
