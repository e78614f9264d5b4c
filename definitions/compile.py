"""Compilation: an item definition -> the application's JSON Schema and one evaluator.

:meth:`CompiledItem.evaluate` answers, for given application data, every question the
house asks of a definition: field errors (in Chinese, with paths), visible and required
fields, required materials, active steps, fee lines and their total. Every answer comes
from the same compiled predicates: each condition is compiled once into JSON Schema and
a validator, and the application schema embeds the same predicate schemas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from definitions.canonical import canonical_json, sha256_of
from definitions.conditions import AnyCondition, fields_of, to_schema
from definitions.fastchecks import FormatCheck, format_checks, pattern_shapes
from definitions.fees import FeeLine as FeeLine
from definitions.fees import fee_lines
from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.limits import MAX_DATA_ITEMS, MAX_FEE_AMOUNT, MAX_FIELD_ERRORS
from definitions.messages import translate_error
from definitions.models import FormField, ItemDefinition, Material, MaterialSource, Step
from definitions.plugins import Plugins, default_plugins
from definitions.problems import pointer
from definitions.screen import screen
from definitions.validation import fast_schema, reference_validator, structure_validator

JSON = dict[str, Any]
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CENT = Decimal("0.01")
#: What the validators may raise on values they cannot even read (a lone surrogate, an
#: integer of thousands of digits): such data is screened and then read again.
UNREADABLE = (ValueError, OverflowError, RecursionError, TypeError)
#: The message when the fast check refuses data and no message validator says why (the
#: property tests keep this from happening; the verdict stands regardless).
UNEXPLAINED = "申请数据不符合要求，请检查后重试"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of the application data: the JSON pointer of the field and a Chinese message."""

    path: str
    message: str
    label: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "label": self.label}


@dataclass(frozen=True, slots=True)
class MaterialNeed:
    material: Material
    required: bool  # must be handed in (or is exempt) for this application
    exempt: bool  # the government holds it or issues it: nothing to hand in


@dataclass
class Evaluation:
    data: JSON
    errors: list[FieldError] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    materials: list[MaterialNeed] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    fees: list[FeeLine] = field(default_factory=list)
    #: the sha256 of the compiled definition that produced this evaluation
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def fee_total(self) -> Decimal:
        return sum((f.amount for f in self.fees), Decimal("0.00"))

    @property
    def missing_materials(self) -> list[Material]:
        """Required materials the applicant must hand in (not exempt)."""
        return [m.material for m in self.materials if m.required and not m.exempt]


class _Level:
    """The compiled fields of one form level: the top-level form or one group's row."""

    def __init__(self, compiler: CompiledItem, fields: Sequence[FormField]):
        self.fields = list(fields)
        reg = compiler.registry
        self.array_fields = frozenset(f.key for f in self.fields if reg[f.type].holds_array(f))
        self.visible_pred = {
            f.key: compiler.predicate(f.visible_when, self.array_fields)
            for f in self.fields
            if f.visible_when is not None
        }
        self.required_pred = {
            f.key: compiler.predicate(f.required_when, self.array_fields)
            for f in self.fields
            if f.required_when is not None
        }
        self.groups = {
            f.key: _Level(compiler, f.fields or []) for f in self.fields if reg[f.type].container
        }
        self.visible_order, self.cyclic = _visibility_order(self.fields)

    def clean(self, data: Mapping[str, Any]) -> JSON:
        """Drop empty values and hidden fields, recurse into rows.

        A field's visibility is decided once the fields its condition reads are final, so
        the fields are visited in dependency order: a hidden field's stale value never
        hides (or shows) another field.
        """
        out: JSON = {k: v for k, v in data.items() if v is not None and v != "" and v != []}
        for k in self.visible_order:
            if k in out and not self.visible_pred[k].is_valid(out):
                del out[k]
        for _ in range(len(self.visible_pred) + 1 if self.cyclic else 0):
            hidden = [
                k for k, pred in self.visible_pred.items() if k in out and not pred.is_valid(out)
            ]
            if not hidden:
                break
            for k in hidden:
                del out[k]
        for key, level in self.groups.items():
            rows = out.get(key)
            # more rows than any group takes are refused whole: not worth cleaning
            if isinstance(rows, list) and len(rows) <= MAX_DATA_ITEMS:
                out[key] = [level.clean(r) if isinstance(r, Mapping) else r for r in rows]
        return out

    def visible_required(
        self, data: Mapping[str, Any], base: str, visible: list[str], required: list[str]
    ) -> None:
        for f in self.fields:
            pred = self.visible_pred.get(f.key)
            if pred is not None and not pred.is_valid(data):
                continue
            path = f"{base}/{f.key}"
            visible.append(path)
            rpred = self.required_pred.get(f.key)
            if f.required or (rpred is not None and rpred.is_valid(data)):
                required.append(path)
            level = self.groups.get(f.key)
            rows = data.get(f.key)
            if level is not None and isinstance(rows, list):
                for i, row in enumerate(rows[:MAX_DATA_ITEMS]):
                    if isinstance(row, Mapping):
                        level.visible_required(row, f"{path}/{i}", visible, required)


class CompiledItem:
    """A definition compiled once: its application schema, validators and predicates."""

    def __init__(self, definition: ItemDefinition, registry: FieldTypeRegistry | None = None):
        self.definition = definition
        self.registry = registry or default_registry()
        self.canonical = definition.canonical()
        self.sha256 = sha256_of(self.canonical)
        self._predicates: dict[str, Any] = {}
        self._predicate_schemas: dict[str, JSON] = {}
        top_fields = definition.form.all_fields()
        self._labels = _labels(top_fields)
        self._types = _types(top_fields)
        self.top = _Level(self, top_fields)
        self.schema: JSON = {
            "$schema": SCHEMA_DIALECT,
            "title": definition.name,
            **self.object_schema(top_fields),
        }
        self._formats = format_checks(top_fields, self.registry)
        self._fast = structure_validator(fast_schema(self.schema, pattern_shapes(top_fields)))
        self._reference: Any = None
        self._blank: Evaluation | None = None
        arrays = self.top.array_fields
        self._material_preds = [
            (m, self.predicate(m.required_when, arrays) if m.required_when is not None else None)
            for m in definition.materials
        ]
        self._step_preds = [
            (s, self.predicate(s.when, arrays) if s.when is not None else None)
            for s in definition.steps
        ]
        self._fee_preds = [
            (f, self.predicate(f.when, arrays) if f.when is not None else None)
            for f in definition.fees
        ]

    # -- compilation -------------------------------------------------------------------

    def predicate(self, cond: AnyCondition | None, array_fields: frozenset[str]) -> Any:
        """The compiled validator of one condition (cached by its schema)."""
        assert cond is not None
        schema = self.predicate_schema(cond, array_fields)
        key = canonical_json(schema)
        compiled = self._predicates.get(key)
        if compiled is None:
            compiled = structure_validator(schema)
            self._predicates[key] = compiled
        return compiled

    def predicate_schema(self, cond: AnyCondition, array_fields: frozenset[str]) -> JSON:
        schema = to_schema(cond, array_fields)
        key = canonical_json(schema)
        return self._predicate_schemas.setdefault(key, schema)

    def object_schema(self, fields: Sequence[FormField]) -> JSON:
        reg = self.registry
        props: JSON = {}
        required: list[str] = []
        rules: list[JSON] = []
        arrays = frozenset(f.key for f in fields if reg[f.type].holds_array(f))
        for f in fields:
            prop = reg[f.type].schema(f, self.object_schema)
            props[f.key] = {"title": f.label, **prop}
            conds: list[JSON] = []
            if f.visible_when is not None:
                conds.append(self.predicate_schema(f.visible_when, arrays))
            if f.required_when is not None:
                conds.append(self.predicate_schema(f.required_when, arrays))
            elif not f.required:
                continue
            if not conds:
                required.append(f.key)
                continue
            rules.append(
                {
                    "if": conds[0] if len(conds) == 1 else {"allOf": conds},
                    "then": {"required": [f.key]},
                }
            )
        schema: JSON = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            schema["required"] = required
        if rules:
            schema["allOf"] = rules
        return schema

    # -- evaluation --------------------------------------------------------------------

    def clean(self, data: Mapping[str, Any]) -> JSON:
        """The data as it will be stored: empty and hidden fields dropped."""
        return self.top.clean(data)

    def _formats_ok(self, data: Any, formats: Sequence[FormatCheck] | None = None) -> bool:
        """The formats and patterns of ``data`` (one level, then each group's rows)."""
        if not isinstance(data, Mapping):
            return True
        for key, check, sub in self._formats if formats is None else formats:
            value = data.get(key)
            if value is None:
                continue
            if check is not None:
                if isinstance(value, str) and not check(value):
                    return False
            elif (
                sub is not None
                and isinstance(value, list)
                and not all(self._formats_ok(row, sub) for row in value)
            ):
                return False
        return True

    def is_valid(self, data: Any) -> bool:
        """The verdict on already-cleaned data: jsonschema-rs for the structure (with the
        definition's patterns taken out, every free text refusing NUL), the
        plugins' cached checks for the formats and RE2 for the patterns. :meth:`errors`
        explains exactly this verdict."""
        try:
            return bool(self._fast.is_valid(data)) and self._formats_ok(data)
        except UNREADABLE:
            return False

    def reference(self) -> Any:
        if self._reference is None:
            self._reference = reference_validator(self.schema, self.registry)
        return self._reference

    def errors(self, data: Any, screened: Sequence[FieldError] = ()) -> list[FieldError]:
        """Field errors of cleaned data, in Chinese, one per field path, in form order:
        none when :meth:`is_valid` says valid, at least one when it does not.

        ``screened``: errors of values already taken out of ``data`` (see :meth:`evaluate`).
        The data is screened (:func:`~definitions.screen.screen`) before python-jsonschema
        reads it, so text and numbers no validator can read are reported, not raised."""
        return self._explain(data, screened)[0]

    def _explain(self, data: Any, screened: Sequence[FieldError]) -> tuple[list[FieldError], Any]:
        """The errors of :meth:`errors` and the data without the values no validator can
        read (``data`` itself when nothing was taken out)."""
        if not screened and self.is_valid(data):
            return [], data
        found: dict[str, FieldError] = {e.path: e for e in screened}
        seen = screen(data)
        for error in self._screen_errors(seen.problems):
            found.setdefault(error.path, error)
        seen_required: set[tuple[tuple[Any, ...], int]] = set()
        for err in self.reference().iter_errors(seen.data):
            if err.validator == "required":
                # python-jsonschema reports each missing key with the whole list: translate
                # the list once per object and schema, not once per missing key
                marker = (tuple(err.absolute_path), id(err.schema))
                if marker in seen_required:
                    continue
                seen_required.add(marker)
            for path, message in translate_error(err, self._label_for):
                path, message = self._at_field(path, message)
                found.setdefault(path, FieldError(path, message, self._label_for(path)))
            if len(found) >= MAX_FIELD_ERRORS:
                break
        if not found:
            found[""] = FieldError("", UNEXPLAINED)
        order = {p: i for i, p in enumerate(self._labels)}
        # errors of the whole application first, then by field in form order
        ranked = sorted(
            found.values(),
            key=lambda e: (order.get(_shape(e.path), len(order)) if e.path else -1, e.path),
        )
        return ranked[:MAX_FIELD_ERRORS], (seen.data if seen.problems else data)

    def _screen_errors(self, problems: list[tuple[str, str]]) -> list[FieldError]:
        """The screen's findings at the field that holds each, named by its label."""
        out = []
        for path, problem in problems:
            at = self._near_field(path)
            label = self._label_for(at)
            out.append(FieldError(at, f"“{label}”{problem}" if label else problem, label))
        return out

    def blank(self) -> Evaluation:
        """The evaluation of an empty application (the first render of every form), cached."""
        if self._blank is None:
            self._blank = self.evaluate({})
        return self._blank

    def evaluate(self, data: Mapping[str, Any]) -> Evaluation:
        """Every answer for ``data`` (any JSON value: what is not an object is an error)."""
        screened: list[FieldError] = []
        if not isinstance(data, Mapping):
            screened.append(FieldError("", "申请数据应为对象（字段名与值）"))
            data = {}
        try:
            cleaned = self.clean(data)
        except UNREADABLE:
            # a condition read a value no validator can read: drop such values and go on
            seen = screen(data)
            screened.extend(self._screen_errors(seen.problems))
            cleaned = self.clean(seen.data)
        # every later answer reads data without unreadable values (a 4,000-digit quantity
        # could not even be priced)
        errors, readable = self._explain(cleaned, screened)
        result = Evaluation(data=readable, errors=errors, sha256=self.sha256)
        self.top.visible_required(readable, "", result.visible, result.required)
        result.materials = self.materials_for(readable)
        result.steps = self.steps_for(readable)
        result.fees = self.fees_for(readable)
        for line in result.fees:
            if line.amount > MAX_FEE_AMOUNT:
                fee = next(f for f in self.definition.fees if f.key == line.key)
                path = pointer(fee.quantity_field) if fee.quantity_field else ""
                label = self._label_for(path)
                result.errors.append(
                    FieldError(path, f"按“{label}”计算的费用超出上限，请核对", label)
                )
        return result

    def materials_for(self, data: Mapping[str, Any]) -> list[MaterialNeed]:
        out = []
        for m, pred in self._material_preds:
            required = m.required or (pred is not None and bool(pred.is_valid(data)))
            if pred is not None and not required:
                continue  # a conditional material that does not apply is not listed
            exempt = m.source in (MaterialSource.SHARED, MaterialSource.ISSUED)
            out.append(MaterialNeed(m, required, exempt))
        return out

    def steps_for(self, data: Mapping[str, Any]) -> list[Step]:
        return [s for s, pred in self._step_preds if pred is None or pred.is_valid(data)]

    def fees_for(
        self, data: Mapping[str, Any], assessed: Mapping[str, Any] | None = None
    ) -> list[FeeLine]:
        return fee_lines(self._fee_preds, data, assessed)

    # -- labels --------------------------------------------------------------------------

    def _at_field(self, path: str, message: str) -> tuple[str, str]:
        """Report an error inside a field's value (an option of a multiple choice, a key of
        a file reference, a malformed row) at the field itself, named by its label."""
        if _shape(path) in self._labels:
            return path, message
        parent = path
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            shape = _shape(parent)
            if shape in self._labels:
                label = self._labels[shape]
                plugin = self.registry.get(self._types.get(shape, ""))
                return parent, (
                    plugin.invalid(label) if plugin is not None else f"“{label}”填写不正确"
                )
        return path, message

    def _near_field(self, path: str) -> str:
        """The path of the field that holds ``path`` (itself when it is a field)."""
        at = path
        while at and _shape(at) not in self._labels:
            at = at.rsplit("/", 1)[0]
        return at or path

    def _label_for(self, path: str) -> str:
        return self._labels.get(_shape(path), "")

    def label(self, path: str) -> str:
        return self._label_for(path)


def _visibility_order(fields: Sequence[FormField]) -> tuple[list[str], bool]:
    """Keys of the conditionally visible fields, each after the conditional fields its
    condition reads; and whether those conditions form a cycle (the checker refuses it)."""
    deps = {f.key: fields_of(f.visible_when) for f in fields if f.visible_when is not None}
    order: list[str] = []
    state: dict[str, int] = {}
    cyclic = False

    def visit(key: str) -> None:
        nonlocal cyclic
        if state.get(key) == 1:
            cyclic = True
        if state.get(key):
            return
        state[key] = 1
        for dep in sorted(deps[key] & deps.keys()):
            visit(dep)
        state[key] = 2
        order.append(key)

    for key in deps:
        visit(key)
    return order, cyclic


def _shape(path: str) -> str:
    """Replace row indices by ``*``: /staff/3/name -> /staff/*/name."""
    return "/".join("*" if part.isdigit() else part for part in path.split("/"))


def _labels(fields: Sequence[FormField], base: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for f in fields:
        path = base + pointer(f.key)
        out[path] = f.label
        if f.fields:
            for sub_path, label in _labels(f.fields, path + "/*").items():
                out[sub_path] = f"{f.label}：{label}"
    return out


def _types(fields: Sequence[FormField], base: str = "") -> dict[str, str]:
    """Field type by path shape (rows as ``*``)."""
    out: dict[str, str] = {}
    for f in fields:
        path = base + pointer(f.key)
        out[path] = f.type
        if f.fields:
            out.update(_types(f.fields, path + "/*"))
    return out


class Compiler:
    """Compiles definitions once and caches them by sha256.

    The compiler's plugins (field types, step kinds, special-procedure kinds) are the ones
    that validate: :meth:`validate` reads a definition against them, and :meth:`compile`
    reads a definition built elsewhere again against them before compiling it, so a name
    only another registry knows is refused (pydantic's ValidationError, with its pointer)."""

    def __init__(self, registry: FieldTypeRegistry | Plugins | None = None, max_entries: int = 512):
        if isinstance(registry, Plugins):
            self.plugins = registry
        else:
            self.plugins = Plugins(field_types=registry) if registry else default_plugins()
        self.registry = self.plugins.field_types
        self.max_entries = max_entries
        self._cache: dict[str, CompiledItem] = {}

    def validate(self, raw: Any) -> ItemDefinition:
        """A definition read (JSON value) against this compiler's plugins."""
        return ItemDefinition.model_validate(raw, context=self.plugins.context())

    def validate_json(self, text: str | bytes) -> ItemDefinition:
        return ItemDefinition.model_validate_json(text, context=self.plugins.context())

    def compile(self, definition: ItemDefinition) -> CompiledItem:
        canonical = definition.canonical()
        digest = sha256_of(canonical)
        item = self._cache.get(digest)
        if item is None:
            item = CompiledItem(self.validate(canonical), self.registry)
            if len(self._cache) >= self.max_entries:
                self._cache.pop(next(iter(self._cache)))
            self._cache[digest] = item
        return item


def compile_item(definition: ItemDefinition) -> CompiledItem:
    return CompiledItem(definition)
