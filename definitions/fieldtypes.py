"""Field types are plugins: each knows its JSON Schema, its parser, its widget and answers
what callers need (its value kind, whether it is a container of rows, whether it takes
several values, whether it accepts uploads, how a sample value is drawn).

A new type is added exactly as the built-ins (:mod:`definitions.fieldtypes_builtin`) are:
subclass :class:`FieldType` and call ``registry.register(MyType())`` (or expose it through
the ``banshi.field_types`` entry point group, which :func:`default_registry` loads).
Nothing else in the house names a type: the compiler, the form renderer and parser, the
uploads and the samples ask the plugin.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from definitions.errors import BanshiError
from definitions.formats import region_name
from definitions.registry import Registry
from definitions.values import value_text_problem

if TYPE_CHECKING:
    from definitions.models import FormField

__all__ = ["region_name"]  # re-exported: the renderer and the tests name regions through here

JSON = dict[str, Any]
#: Builds the JSON Schema of an object made of these fields (used by repeating groups).
ObjectSchemaBuilder = Callable[[Sequence["FormField"]], JSON]
#: Draws one sample row of these fields (used by repeating groups).
RowSampler = Callable[[Sequence["FormField"], random.Random], JSON]

#: Option keys a field may carry; each type says which of them it accepts.
COMMON_KEYS: frozenset[str] = frozenset(
    {"key", "label", "type", "hint", "required", "required_when", "visible_when"}
)


class ParseError(BanshiError, ValueError):
    """A form value that cannot be read; the message is for the applicant, in Chinese."""

    status = 422
    code = "value_invalid"
    default_message = "无法识别填写的内容，请检查后重新填写"


@dataclass(frozen=True, slots=True)
class DefinitionIssue:
    """A problem of a field definition found by its type: relative pointer and message."""

    path: tuple[str | int, ...]
    message: str
    rule: str = "field-type"


def clean_text(raw: str) -> str:
    """The typed text with surrounding spaces dropped; NUL and lone surrogates refused
    (every text of an application passes here or the same check in the compiled item)."""
    problem = value_text_problem(raw)
    if problem is not None:
        raise ParseError(problem)
    return raw.strip()


class FieldType:
    """Base class of every field type plugin."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""  # shown in documentation and the admin UI
    widget: ClassVar[str] = "input"
    #: The JSON kind of a value: string, number, integer, boolean, array or object.
    value_kind: ClassVar[str] = "string"
    #: Option keys (beyond COMMON_KEYS) a field of this type accepts.
    options: ClassVar[frozenset[str]] = frozenset()
    #: Comparable in conditions (files and groups are not).
    comparable: ClassVar[bool] = True
    #: Custom JSON Schema ``format`` this type checks, with its checker.
    format_name: ClassVar[str | None] = None
    #: Holds rows of sub-fields (``fields``): a repeating group. The form, the parser, the
    #: schema and the evaluator recurse into its rows.
    container: ClassVar[bool] = False
    #: Its value is an uploaded file's reference (the upload door resolves it).
    accepts_uploads: ClassVar[bool] = False
    #: Its value identifies a person (an ID number, a phone, an address): never among an
    #: item's published results (政府信息公开条例), masked (:meth:`masked`) where shown.
    personal: ClassVar[bool] = False
    #: The on-screen keyboard of its input (HTML ``inputmode``) and its ``autocomplete``.
    input_mode: ClassVar[str | None] = None
    autocomplete: ClassVar[str | None] = None

    def schema(self, field: FormField, build_object: ObjectSchemaBuilder) -> JSON:
        raise NotImplementedError

    def multiple(self, field: FormField) -> bool:
        """Whether the form posts several values under the field's name (a list)."""
        return False

    def holds_array(self, field: FormField) -> bool:
        """Whether the field's value is a JSON array (conditions read it as one)."""
        return self.value_kind == "array" or self.multiple(field)

    def parse(self, field: FormField, raw: str) -> Any:
        """Turn one non-empty form string into a typed value or raise ParseError."""
        return clean_text(raw)

    def parse_values(self, field: FormField, raws: Sequence[str]) -> Any:
        """The typed value of the non-empty strings posted under the field's name."""
        if self.multiple(field):
            return [self.parse(field, r) for r in raws]
        return self.parse(field, raws[-1])

    def invalid(self, label: str) -> str:
        """The message for a malformed part of a value (a key of a file reference …)."""
        return f"“{label}”填写不正确"

    def sample(self, field: FormField, rng: random.Random, row: RowSampler) -> Any:
        """A plausible value for sample applications; None leaves the field empty."""
        return None

    def masked(self, text: str) -> str:
        """The value as shown to the public (personal types hide most of it)."""
        return text

    def accepted(self, field: FormField) -> list[str]:
        """Content types an upload to this field may have (types that accept uploads)."""
        return []

    def max_bytes(self, field: FormField) -> int:
        """The largest upload to this field (types that accept uploads)."""
        return 0

    def check_format(self, value: str) -> bool:
        return True

    def check(self, field: FormField) -> Iterator[DefinitionIssue]:
        """Definition-time checks of a field of this type, beyond the model's."""
        return iter(())

    def condition_value_ok(self, field: FormField, value: Any) -> bool:
        """Whether a condition may compare this field with ``value``."""
        if self.value_kind == "string":
            return isinstance(value, str)
        if self.value_kind in ("number", "integer"):
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.value_kind == "boolean":
            return isinstance(value, bool)
        return False


class FieldTypeRegistry(Registry[FieldType]):
    """The field types known to one registry."""

    what = "字段类型"
    kind = "field type"

    def accept(self, plugin: FieldType) -> None:
        unknown = plugin.options & COMMON_KEYS
        if unknown:
            raise ValueError(f"field type {plugin.name!r} redeclares common keys {sorted(unknown)}")

    def format_checkers(self) -> dict[str, Callable[[str], bool]]:
        return {t.format_name: t.check_format for t in self.all() if t.format_name is not None}


def register_builtin_types(registry: FieldTypeRegistry) -> None:
    from definitions.fieldtypes_builtin import BUILTIN_TYPES

    for cls in BUILTIN_TYPES:
        registry.register(cls())


def load_entry_point_types(registry: FieldTypeRegistry) -> None:
    """Register types other packages expose under the ``banshi.field_types`` group."""
    registry.load_entry_points("banshi.field_types")


_default: FieldTypeRegistry | None = None


def default_registry() -> FieldTypeRegistry:
    """The process-wide registry: built-ins plus entry-point plugins, built on first use."""
    global _default
    if _default is None:
        reg = FieldTypeRegistry()
        register_builtin_types(reg)
        load_entry_point_types(reg)
        _default = reg
    return _default
