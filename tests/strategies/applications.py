"""Valid application data for a definition, and single mutations that break exactly one
field rule (with the JSON pointer the error must be reported at)."""

from __future__ import annotations

import copy
import functools
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from definitions.compile import CompiledItem
from definitions.conditions import AnyCondition, atoms, holds
from definitions.fieldtypes import default_registry
from definitions.models import FormField, ItemDefinition
from definitions.problems import pointer
from definitions.validation import fast_validator
from tests.strategies.sources import JSON, HypothesisSource, RandomSource, Source, _chance
from tests.strategies.values import BREAKERS, VALUE_STRATEGIES


def _ordered(fields: Sequence[FormField]) -> list[FormField]:
    """Fields in dependency order (conditions first), falling back to form order on cycles."""
    by_key = {f.key: f for f in fields}
    deps: dict[str, set[str]] = {}
    for f in fields:
        keys: set[str] = set()
        for cond in (f.visible_when, f.required_when):
            if cond is not None:
                keys |= {a.field for a in atoms(cond)}
        deps[f.key] = {k for k in keys if k in by_key and k != f.key}
    out: list[FormField] = []
    state: dict[str, int] = {}

    def visit(k: str) -> None:
        if state.get(k):
            return
        state[k] = 1
        for d in sorted(deps[k]):
            visit(d)
        state[k] = 2
        out.append(by_key[k])

    for f in fields:
        visit(f.key)
    return out


def field_value(src: Source, f: FormField) -> Any:
    """A valid value of one field (rows for a group)."""
    if default_registry()[f.type].container:
        lo = max(1, f.repeat.min if f.repeat else 1)
        hi = f.repeat.max if f.repeat and f.repeat.max is not None else lo + 2
        n = src.integer(lo, min(hi, lo + 3))
        return [level_data(src, f.fields or []) for _ in range(n)]
    gen = VALUE_STRATEGIES.get(f.type)
    if gen is None:
        raise KeyError(
            f"no value strategy for field type {f.type!r}: register one with register_values()"
        )
    return gen(src, f)


def condition_constants(conditions: Sequence[AnyCondition | None]) -> dict[str, list[Any]]:
    """The constants each field is compared with, by field key."""
    out: dict[str, list[Any]] = {}
    for cond in conditions:
        if cond is None:
            continue
        for a in atoms(cond):
            out.setdefault(a.field, []).extend(a.value if a.op == "in" else [a.value])
    return out


def _fits(f: FormField, value: Any) -> bool:
    """Whether ``value`` is a valid value of field ``f`` (by its own JSON Schema)."""
    schema = default_registry()[f.type].schema(f, lambda _fields: {"type": "object"})
    return bool(_field_validator(json.dumps(schema, sort_keys=True)).is_valid(value))


@functools.lru_cache(maxsize=1024)
def _field_validator(schema_text: str) -> Any:
    return fast_validator(json.loads(schema_text))


def biased_value(src: Source, f: FormField, constants: Mapping[str, Sequence[Any]]) -> Any:
    """A valid value of ``f``; often one a condition compares it with (so conditions flip)."""
    known = constants.get(f.key)
    if known and not default_registry()[f.type].container and _chance(src, 1, 2):
        value = src.pick(known)
        if default_registry()[f.type].multiple(f):
            value = [value]
        if _fits(f, value):
            return value
    return field_value(src, f)


def level_data(
    src: Source, fields: Sequence[FormField], extra: Sequence[AnyCondition | None] = ()
) -> JSON:
    """Valid data of one level: hidden fields absent, required visible fields present.

    ``extra`` are further conditions over this level (materials, steps, fees), whose
    constants are drawn often, like those of the fields' own conditions.
    """
    constants = condition_constants(
        [c for f in fields for c in (f.visible_when, f.required_when)] + list(extra)
    )
    data: JSON = {}
    for f in _ordered(fields):
        if f.visible_when is not None and not holds(f.visible_when, data):
            continue
        required = f.required or (f.required_when is not None and holds(f.required_when, data))
        if required or _chance(src, 2, 3):
            data[f.key] = biased_value(src, f, constants)
    # keep form order (readability only)
    return {f.key: data[f.key] for f in fields if f.key in data}


def _definition_of(item: CompiledItem | ItemDefinition) -> ItemDefinition:
    return item.definition if isinstance(item, CompiledItem) else item


def _other_conditions(d: ItemDefinition) -> list[AnyCondition | None]:
    return (
        [m.required_when for m in d.materials]
        + [s.when for s in d.steps]
        + [f.when for f in d.fees]
    )


def application_data(src: Source, item: CompiledItem | ItemDefinition) -> JSON:
    d = _definition_of(item)
    return level_data(src, d.form.all_fields(), _other_conditions(d))


@st.composite
def applications(draw: st.DrawFn, item: CompiledItem | ItemDefinition) -> JSON:
    """Valid application data for a definition."""
    return application_data(HypothesisSource(draw), item)


def random_application(item: CompiledItem | ItemDefinition, seed: int | random.Random) -> JSON:
    return application_data(RandomSource(seed), item)


def hidden_fields(fields: Sequence[FormField], data: Mapping[str, Any]) -> list[FormField]:
    """Fields of one level hidden for ``data`` (by the oracle :func:`holds`)."""
    return [f for f in fields if f.visible_when is not None and not holds(f.visible_when, data)]


# ------------------------------------------------------------------------------ mutations


@dataclass(frozen=True)
class Mutation:
    data: JSON
    path: str
    what: str


def _referenced(fields: Sequence[FormField]) -> set[str]:
    keys: set[str] = set()
    for f in fields:
        for cond in (f.visible_when, f.required_when):
            if cond is not None:
                keys |= {a.field for a in atoms(cond)}
    return keys


def _candidates(
    fields: Sequence[FormField], data: JSON, base: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], FormField, Any]]:
    """(path, field, current value or None) of the fields a mutation may touch: visible
    fields that no condition of their level reads (so nothing else changes)."""
    referenced = _referenced(fields)
    out: list[tuple[tuple[str | int, ...], FormField, Any]] = []
    for f in fields:
        if f.key in referenced:
            continue
        if f.visible_when is not None and not holds(f.visible_when, data):
            continue
        out.append(((*base, f.key), f, data.get(f.key)))
        if default_registry()[f.type].container and isinstance(data.get(f.key), list):
            for i, row in enumerate(data[f.key]):
                out.extend(_candidates(f.fields or [], row, (*base, f.key, i)))
    return out


def _set(data: JSON, path: tuple[str | int, ...], value: Any, delete: bool = False) -> JSON:
    out = copy.deepcopy(data)
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def _is_required(f: FormField, level: Mapping[str, Any]) -> bool:
    return f.required or (f.required_when is not None and holds(f.required_when, level))


def _level_at(data: JSON, path: tuple[str | int, ...]) -> Any:
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    return target


def mutation_options(definition: ItemDefinition, data: JSON, src: Source) -> list[Mutation]:
    """Every single mutation of ``data`` that breaks exactly one field rule."""
    out: list[Mutation] = []
    out.append(Mutation({**copy.deepcopy(data), "zz_unknown": "x"}, "/zz_unknown", "unknown key"))
    for path, f, value in _candidates(definition.form.all_fields(), data, ()):
        ptr = pointer(*path)
        if value is None:
            continue
        if _is_required(f, _level_at(data, path)):
            out.append(Mutation(_set(data, path, None, delete=True), ptr, "required field missing"))
        if default_registry()[f.type].container:
            rows = value
            repeat = f.repeat
            if repeat is not None and repeat.min >= 2:
                out.append(Mutation(_set(data, path, rows[: repeat.min - 1]), ptr, "too few rows"))
            if repeat is not None and repeat.max is not None:
                more = rows + [rows[0]] * (repeat.max + 1 - len(rows))
                out.append(Mutation(_set(data, path, copy.deepcopy(more)), ptr, "too many rows"))
            out.append(Mutation(_set(data, path, "rows"), ptr, "string for rows"))
            continue
        breaker = BREAKERS.get(f.type)
        if breaker is None:
            continue
        for bad, what in breaker(src, f, value):
            out.append(Mutation(_set(data, path, bad), ptr, f"{f.type}: {what}"))
    return out


@st.composite
def mutations(
    draw: st.DrawFn, definition: CompiledItem | ItemDefinition, valid_data: JSON
) -> tuple[JSON, str]:
    """(broken data, JSON pointer of the one field it breaks)."""
    options = mutation_options(_definition_of(definition), valid_data, HypothesisSource(draw))
    chosen = draw(st.sampled_from(options))
    return chosen.data, chosen.path


# --------------------------------------------------------------------------- utilities


def shuffled(value: Any, src: Source) -> Any:
    """The same JSON value with every object's keys in another order (lists keep theirs)."""
    if isinstance(value, dict):
        keys = list(value)
        order: list[str] = []
        while keys:
            order.append(keys.pop(src.integer(0, len(keys) - 1)))
        return {k: shuffled(value[k], src) for k in order}
    if isinstance(value, list):
        return [shuffled(v, src) for v in value]
    return value
