"""Random forms: field options, type-correct satisfiable conditions over earlier fields,
and the fields of one section or group."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import TypeAdapter

from definitions.conditions import AnyCondition, Condition
from definitions.fieldtypes import default_registry
from definitions.limits import MAX_GROUP_DEPTH
from definitions.models import FormField
from definitions.satisfiability import satisfiable
from tests.strategies.sources import JSON, Source, _chance
from tests.strategies.values import PATTERNS, VALUE_STRATEGIES, _number_between

# ---------------------------------------------------------------------------- conditions

NONCOMPARABLE = frozenset({"file", "group"})


def _atom(src: Source, f: FormField) -> JSON:
    """A type-correct comparison with field ``f``."""
    t = f.type
    if t == "boolean":
        return {"field": f.key, src.pick(("eq", "ne")): src.boolean()}
    if t == "choice":
        values = [o.value for o in f.options or []]
        op = src.pick(("eq", "ne", "in"))
        if op == "in":
            chosen = [v for v in values if src.boolean()] or [values[0]]
            return {"field": f.key, "in": chosen}
        return {"field": f.key, op: src.pick(values)}
    if t in ("number", "integer", "money"):
        op = src.pick(("gt", "gte", "lt", "lte", "eq", "ne", "in"))
        lo = f.minimum if f.minimum is not None else 0
        hi = f.maximum if f.maximum is not None else lo + 100
        value = _number_between(src, lo, hi, 0)
        if op == "in":
            return {"field": f.key, "in": [value, _number_between(src, lo, hi, 0)]}
        return {"field": f.key, op: value}
    # strings: compare with a value the field could hold
    value = VALUE_STRATEGIES[t](src, f)
    op = src.pick(("eq", "ne", "in"))
    if op == "in":
        return {"field": f.key, "in": [value, VALUE_STRATEGIES[t](src, f)]}
    return {"field": f.key, op: value}


def condition_over(src: Source, fields: Sequence[FormField], depth: int = 2) -> JSON | None:
    """A random condition over the comparable ``fields`` (None when none is comparable)."""
    usable = [f for f in fields if f.type not in NONCOMPARABLE]
    if not usable:
        return None
    kind = src.integer(0, 5) if depth > 0 else 0
    if kind <= 2:
        return _atom(src, src.pick(usable))
    if kind == 5:
        inner = condition_over(src, usable, depth - 1)
        assert inner is not None
        return {"not": inner}
    parts = [condition_over(src, usable, depth - 1) for _ in range(src.integer(1, 3))]
    return {"all" if kind == 3 else "any": parts}


def _satisfiable_condition(src: Source, fields: Sequence[FormField]) -> JSON | None:
    """A condition that can hold (unsatisfiable ones fall back to one atom)."""
    cond = condition_over(src, fields)
    if cond is None:
        return None
    kinds = {f.key: _value_kind(f) for f in fields}
    parsed: AnyCondition = _CONDITION.validate_python(cond)
    if satisfiable(parsed, kinds) is False:
        usable = [f for f in fields if f.type not in NONCOMPARABLE]
        return _atom(src, src.pick(usable))
    return cond


_CONDITION: TypeAdapter[AnyCondition] = TypeAdapter(Condition)


def _value_kind(f: FormField) -> str:
    plugin = default_registry()[f.type]
    return "array" if plugin.holds_array(f) else plugin.value_kind


# ---------------------------------------------------------------------------- form fields

SIMPLE_TYPES: tuple[str, ...] = (
    "text",
    "textarea",
    "number",
    "integer",
    "money",
    "date",
    "boolean",
    "choice",
    "id_card",
    "uscc",
    "mobile",
    "region",
    "address",
    "file",
)


def _field_options(src: Source, t: str) -> JSON:
    out: JSON = {}
    if t in ("text", "textarea"):
        if t == "text" and _chance(src, 1, 5):
            out["pattern"] = src.pick(sorted(PATTERNS))
            return out
        if src.boolean():
            out["max_length"] = src.integer(2, 60)
        if _chance(src, 1, 4):
            out["min_length"] = src.integer(1, min(3, out.get("max_length", 3)))
    elif t == "address" and src.boolean():
        out["max_length"] = src.integer(5, 120)
    elif t in ("number", "integer", "money"):
        if src.boolean():
            out["minimum"] = (
                src.integer(0, 50) if t != "number" or src.boolean() else src.integer(0, 500) / 10
            )
        if src.boolean():
            lo = out.get("minimum", 0)
            out["maximum"] = math.ceil(lo) + src.integer(1, 10000)
    elif t == "choice":
        n = src.integer(1, 5)
        out["options"] = [{"value": f"opt_{i}", "label": f"选项{i}"} for i in range(n)]
        m = src.integer(0, 2)
        if m:
            out["multiple"] = m == 2
    elif t == "file":
        if src.boolean():
            out["accept"] = [src.pick(("application/pdf", "image/jpeg", "image/png"))]
        if src.boolean():
            out["max_size_mb"] = src.pick((1, 2.5, 20))
    return out


def _fields(
    src: Source,
    prefix: str,
    count: int,
    types: Sequence[str],
    earlier: list[FormField],
    in_group: bool,
    depth: int = 0,
) -> list[JSON]:
    """``count`` field dicts; their conditions reference ``earlier`` + previously drawn fields.
    ``depth``: how many groups the fields are inside (a group's rows may hold groups, to the
    language's deepest nesting)."""
    out: list[JSON] = []
    for i in range(count):
        t = src.pick(types)
        key = f"{prefix}{i}_{t}"
        raw: JSON = {"key": key, "label": f"字段{prefix}{i}", "type": t, **_field_options(src, t)}
        if t == "group":
            nested = depth + 1 < MAX_GROUP_DEPTH
            sub_types = [x for x in types if x != "group" or nested]
            raw["fields"] = _fields(
                src, f"{key}_r", src.integer(1, 3), sub_types, [], True, depth + 1
            )
            lo = src.integer(0, 3)
            raw["repeat"] = (
                {"min": lo} if src.boolean() else {"min": lo, "max": max(1, lo) + src.integer(0, 3)}
            )
        scope = earlier + [FormField.model_validate(f) for f in out]
        mode = src.integer(0, 9)
        if mode <= 3:
            raw["required"] = True
        if scope and mode in (4, 5, 8):
            cond = _satisfiable_condition(src, scope)
            if cond is not None:
                raw["visible_when"] = cond
        if scope and mode in (6, 7, 8) and "required" not in raw:
            cond = _satisfiable_condition(src, scope)
            if cond is not None:
                raw["required_when"] = cond
        if mode == 9 and scope:
            raw["required"] = True
            cond = _satisfiable_condition(src, scope)
            if cond is not None:
                raw["visible_when"] = cond
        out.append(raw)
    return out
