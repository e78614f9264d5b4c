"""JSON Schema validators for application data, with our custom formats.

The hot path uses jsonschema-rs (``is_valid``); messages come from the reference
validator, python-jsonschema, only when data is invalid. A property test checks that both
agree on generated valid and invalid data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import jsonschema_rs

from definitions.fieldtypes import FieldTypeRegistry, default_registry

JSON = dict[str, Any]


def format_checkers(registry: FieldTypeRegistry | None = None) -> dict[str, Callable[[str], bool]]:
    return (registry or default_registry()).format_checkers()


def fast_validator(schema: JSON, registry: FieldTypeRegistry | None = None) -> Any:
    """A jsonschema-rs Draft 2020-12 validator that checks our formats (through Python
    callbacks: right, but each costs a crossing of the language boundary)."""
    return jsonschema_rs.Draft202012Validator(
        schema, formats=format_checkers(registry), validate_formats=True
    )


def structure_validator(schema: JSON) -> Any:
    """A jsonschema-rs validator of everything but ``format``: the compiled item checks the
    formats itself, directly and cached, which is several times cheaper than callbacks."""
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


def reference_validator(schema: JSON, registry: FieldTypeRegistry | None = None) -> Any:
    """A python-jsonschema Draft 2020-12 validator with the same formats."""
    checker = jsonschema.FormatChecker(formats=())
    for name, fn in format_checkers(registry).items():
        checker.checks(name)(_string_only(fn))
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def _string_only(fn: Callable[[str], bool]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        # JSON Schema formats apply to strings only; other types pass.
        return fn(value) if isinstance(value, str) else True

    return check
