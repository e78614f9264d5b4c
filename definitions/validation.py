"""JSON Schema validators for application data, with our custom formats.

The hot path uses jsonschema-rs (``is_valid``); messages come from the reference
validator, python-jsonschema, only when data is invalid. A property test checks that both
agree on generated valid and invalid data.

Patterns are RE2's in both (:mod:`definitions.patterns`): the reference validator's
``pattern`` keyword runs RE2, and the compiled item takes the definition's patterns out of
the schema jsonschema-rs runs and checks them with the same RE2 functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError

from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.patterns import pattern_found
from definitions.values import NUL_PATTERN

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


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: JSON) -> Any:
    if validator.is_type(instance, "string") and not pattern_found(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


#: python-jsonschema's Draft 2020-12 with ``pattern`` run by RE2 (linear time, RE2's ``$``).
Re2Draft202012Validator: Any = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _re2_pattern}
)


Shape = tuple[str, ...]


def fast_schema(schema: JSON, pattern_shapes: set[Shape]) -> JSON:
    """The schema jsonschema-rs runs: ``schema`` with the definition's patterns taken out
    (at ``pattern_shapes``: ``(key,)`` or ``(group, "*", key)``; the compiled item runs them
    in RE2), and every string that is not one of a list refusing NUL (a literal search;
    a lone surrogate makes jsonschema-rs raise, which the compiled item takes as a
    refusal). The patterns our plugins write themselves (a file's sha256) stay: ASCII
    classes that mean the same in Rust and RE2."""
    return _fast(schema, (), pattern_shapes)


def _fast(node: JSON, shape: Shape, patterns: set[Shape]) -> JSON:
    out: JSON = {}
    for key, value in node.items():
        if key == "pattern" and shape in patterns:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {
                name: _fast(sub, (*shape, name), patterns) if isinstance(sub, dict) else sub
                for name, sub in value.items()
            }
        elif key == "items" and isinstance(value, dict):
            out[key] = _fast(value, (*shape, "*"), patterns)
        else:
            out[key] = value
    if out.get("type") == "string" and not {"enum", "const"} & out.keys():
        guard = {"pattern": NUL_PATTERN}
        if "not" in out:
            out["allOf"] = [*out.get("allOf", []), {"not": guard}]
        else:
            out["not"] = guard
    return out


def reference_validator(schema: JSON, registry: FieldTypeRegistry | None = None) -> Any:
    """A python-jsonschema Draft 2020-12 validator with the same formats, patterns in RE2."""
    checker = jsonschema.FormatChecker(formats=())
    for name, fn in format_checkers(registry).items():
        checker.checks(name)(_string_only(fn))
    return Re2Draft202012Validator(schema, format_checker=checker)


def _string_only(fn: Callable[[str], bool]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        # JSON Schema formats apply to strings only; other types pass.
        return fn(value) if isinstance(value, str) else True

    return check
