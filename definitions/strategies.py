"""Hypothesis strategies for the definition language: the property-testing kit.

* :func:`definitions` draws valid :class:`ItemDefinition` objects: random forms with every
  field type (choice single/multiple, repeating groups), type-correct conditions that
  reference earlier fields of the same level, conditional materials, steps, fees with a
  legal basis, and every handling type — each one passing every structural check and
  every reform rule.
* :func:`applications` draws valid application data for one definition (hidden fields
  absent, required visible fields present, real check digits).
* :func:`mutations` draws one single mutation of valid data that breaks exactly one field
  rule, with the JSON pointer the error must be reported at.

Every building block draws its randomness from a :class:`Source`, so the same code runs
under hypothesis (shrinking included) and from a seeded :class:`random.Random`
(:func:`random_definition`, :func:`random_application`: deterministic data for
benchmarks, without hypothesis' ``.example()``).

Field values come from :data:`VALUE_STRATEGIES` and broken values from
:data:`BREAKERS`, both keyed by field type name: a new field type registers its own with
:func:`register_values` / :func:`register_breaker`.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st
from pydantic import TypeAdapter
from stdnum.cn import ric, uscc

from definitions.compile import CompiledItem
from definitions.conditions import AnyCondition, Condition, atoms, holds
from definitions.fieldtypes import default_registry
from definitions.models import (
    PROCEDURE_COUNTS_BY_DEFAULT,
    FormField,
    Handling,
    ItemDefinition,
    Procedure,
)
from definitions.problems import pointer
from definitions.satisfiability import satisfiable
from definitions.validation import fast_validator

T = TypeVar("T")
JSON = dict[str, Any]

# ------------------------------------------------------------------------------ sources


class Source(Protocol):
    """Where a building block gets its randomness from."""

    def integer(self, lo: int, hi: int) -> int: ...

    def boolean(self) -> bool: ...

    def pick(self, values: Sequence[T]) -> T: ...

    def text(self, alphabet: str, lo: int, hi: int) -> str: ...


class HypothesisSource:
    """Draws through hypothesis (so examples shrink)."""

    def __init__(self, draw: st.DrawFn):
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def boolean(self) -> bool:
        return self._draw(st.booleans())

    def pick(self, values: Sequence[T]) -> T:
        return self._draw(st.sampled_from(values))

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        return self._draw(st.text(alphabet=alphabet, min_size=lo, max_size=hi))


class RandomSource:
    """Draws from a seeded :class:`random.Random` (deterministic, no hypothesis engine)."""

    def __init__(self, rnd: random.Random | int):
        self._rnd = rnd if isinstance(rnd, random.Random) else random.Random(rnd)

    def integer(self, lo: int, hi: int) -> int:
        return self._rnd.randint(lo, hi)

    def boolean(self) -> bool:
        return self._rnd.random() < 0.5

    def pick(self, values: Sequence[T]) -> T:
        return values[self._rnd.randrange(len(values))]

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        n = self._rnd.randint(lo, hi)
        return "".join(self._rnd.choice(alphabet) for _ in range(n))


def _chance(src: Source, numerator: int, denominator: int) -> bool:
    return src.integer(1, denominator) <= numerator


# ------------------------------------------------------------------------ real values

#: Codes of GB/T 2260 that python-stdnum knows (county, city and province level).
REGION_CODES: tuple[str, ...] = (
    "422822",
    "422801",
    "422800",
    "420100",
    "420106",
    "420500",
    "110101",
    "310115",
    "440305",
)
#: Birth places that were valid for every birth year drawn (1950-2008).
ID_REGIONS: tuple[str, ...] = ("422822", "420100", "110101", "420500")
MOBILE_PREFIXES: tuple[str, ...] = (
    "130",
    "135",
    "138",
    "139",
    "150",
    "158",
    "166",
    "177",
    "186",
    "187",
    "191",
    "199",
)
HANZI = "建始县业州镇高坪花坪长梁茅田龙坪三里红岩官店景阳食品经营许可个体户王李张刘陈杨黄赵周吴"
TEXT_ALPHABET = HANZI + "ABCDEFGH0123456789"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Text patterns a generated text field may carry, each with a generator of matching values.
PATTERNS: dict[str, Callable[[Source], str]] = {
    r"^[A-Z]{2}[0-9]{4}$": lambda s: s.text("ABCDEFGHJK", 2, 2) + s.text(string.digits, 4, 4),
    r"^JY[0-9]{14}$": lambda s: "JY" + s.text(string.digits, 14, 14),
}


def id_card_number(src: Source) -> str:
    """A valid 18-digit resident ID: real birth place, real birth date, MOD 11-2 check digit."""
    born = date(1950, 1, 1) + timedelta(days=src.integer(0, 365 * 58))
    body = src.pick(ID_REGIONS) + born.strftime("%Y%m%d") + f"{src.integer(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(src: Source) -> str:
    """A valid unified social credit code (GB 32100): check character computed."""
    body = (
        src.pick("159") + src.pick("123") + src.pick(REGION_CODES) + src.text(USCC_ALPHABET, 9, 9)
    )
    return body + uscc.calc_check_digit(body)


def mobile_number(src: Source) -> str:
    return src.pick(MOBILE_PREFIXES) + src.text(string.digits, 8, 8)


def _wrong_check(value: str, alphabet: str) -> str:
    """The same number with another check character."""
    others = [c for c in alphabet if c != value[-1]]
    return value[:-1] + others[sum(map(ord, value)) % len(others)]


# ------------------------------------------------------------------ values per field type

ValueGen = Callable[[Source, FormField], Any]
#: Draw functions of valid values, keyed by field type name (groups are handled by
#: :func:`level_data`). They run under hypothesis or a seeded random alike.
VALUE_STRATEGIES: dict[str, ValueGen] = {}


def register_values(type_name: str) -> Callable[[ValueGen], ValueGen]:
    def register(fn: ValueGen) -> ValueGen:
        VALUE_STRATEGIES[type_name] = fn
        return fn

    return register


def _text_value(src: Source, f: FormField, default_max: int) -> str:
    if f.pattern is not None and f.pattern in PATTERNS:
        return PATTERNS[f.pattern](src)
    lo = max(1, f.min_length or 1)
    hi = f.max_length or default_max
    if _chance(src, 1, 8):
        n = hi  # exactly at the limit
    elif _chance(src, 1, 8):
        n = lo
    else:
        n = src.integer(lo, max(lo, min(hi, 12)))
    return src.text(TEXT_ALPHABET, n, n)


@register_values("text")
def _text(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 200)


@register_values("textarea")
def _textarea(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 2000)


@register_values("address")
def _address(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 200)


def _number_between(src: Source, lo: float | None, hi: float | None, decimals: int) -> int | float:
    low = math.ceil(lo) if lo is not None else -1000
    high = math.floor(hi) if hi is not None else low + 100000
    if low > high:  # bounds closer than one unit: stay on the lower bound
        assert lo is not None
        return lo
    whole = src.integer(low, high)
    if decimals == 0 or whole == high or not src.boolean():
        return whole
    cents = src.integer(1, 10**decimals - 1)
    value = round(whole + cents / 10**decimals, decimals)
    return value if hi is None or value <= hi else whole


@register_values("number")
def _number(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum, f.maximum, 2)


@register_values("integer")
def _integer(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum, f.maximum, 0)


@register_values("money")
def _money(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum if f.minimum is not None else 0, f.maximum, 2)


@register_values("date")
def _date(src: Source, f: FormField) -> Any:
    return (date(2000, 1, 1) + timedelta(days=src.integer(0, 365 * 30))).isoformat()


@register_values("boolean")
def _boolean(src: Source, f: FormField) -> Any:
    return src.boolean()


@register_values("choice")
def _choice(src: Source, f: FormField) -> Any:
    values = [o.value for o in f.options or []]
    if not f.multiple:
        return src.pick(values)
    chosen = [v for v in values if src.boolean()]
    return chosen or [src.pick(values)]


@register_values("id_card")
def _id_card(src: Source, f: FormField) -> Any:
    return id_card_number(src)


@register_values("uscc")
def _uscc(src: Source, f: FormField) -> Any:
    return uscc_code(src)


@register_values("mobile")
def _mobile(src: Source, f: FormField) -> Any:
    return mobile_number(src)


@register_values("region")
def _region(src: Source, f: FormField) -> Any:
    return src.pick(REGION_CODES)


@register_values("file")
def _file(src: Source, f: FormField) -> Any:
    plugin = default_registry()["file"]
    accepted = list(f.accept or ("application/pdf", "image/jpeg", "image/png"))
    max_bytes = int((f.max_size_mb or 10.0) * 1024 * 1024)
    assert plugin.name == "file"
    return {
        "sha256": src.text("0123456789abcdef", 64, 64),
        "name": src.text(HANZI, 1, 8) + ".pdf",
        "size": src.integer(1, max_bytes),
        "content_type": src.pick(accepted),
    }


# ------------------------------------------------------------------------ breaking values

#: A broken value and a short description of what it breaks.
Broken = tuple[Any, str]
BreakGen = Callable[[Source, FormField, Any], list[Broken]]
#: Per field type: values that break one rule of a field (given a valid value), keyed by
#: type name. Each value must be non-empty (empty values are dropped, not rejected).
BREAKERS: dict[str, BreakGen] = {}


def register_breaker(type_name: str) -> Callable[[BreakGen], BreakGen]:
    def register(fn: BreakGen) -> BreakGen:
        BREAKERS[type_name] = fn
        return fn

    return register


def _text_breaks(f: FormField, value: Any, default_max: int) -> list[Broken]:
    hi = f.max_length or default_max
    out: list[Broken] = [(12345, "wrong type"), ("建" * (hi + 1), "too long")]
    if f.min_length is not None and f.min_length > 1:
        out.append(("建" * (f.min_length - 1), "too short"))
    if f.pattern is not None:
        out.append(("不匹配", "pattern"))
    return out


@register_breaker("text")
def _break_text(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 200)


@register_breaker("textarea")
def _break_textarea(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 2000)


@register_breaker("address")
def _break_address(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 200)


def _bound_breaks(f: FormField, integral: bool) -> list[Broken]:
    out: list[Broken] = [("12", "wrong type"), (True, "boolean for a number")]
    minimum = f.minimum if f.minimum is not None else (0 if f.type == "money" else None)
    if minimum is not None:
        out.append(((math.floor(minimum) - 1) if integral else minimum - 0.5, "below minimum"))
    if f.maximum is not None:
        out.append(((math.ceil(f.maximum) + 1) if integral else f.maximum + 0.5, "above maximum"))
    return out


@register_breaker("number")
def _break_number(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _bound_breaks(f, False)


@register_breaker("money")
def _break_money(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _bound_breaks(f, False)


@register_breaker("integer")
def _break_integer(src: Source, f: FormField, value: Any) -> list[Broken]:
    out = _bound_breaks(f, True)
    lo = f.minimum if f.minimum is not None else 0
    hi = f.maximum if f.maximum is not None else lo + 2
    if math.floor(lo) + 0.5 <= hi and math.floor(lo) + 0.5 >= lo:
        out.append((math.floor(lo) + 0.5, "fraction for an integer"))
    return out


@register_breaker("date")
def _break_date(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("2026-02-30", "no such day"), ("2026/03/01", "not ISO"), (20260301, "wrong type")]


@register_breaker("boolean")
def _break_boolean(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("是", "string for a boolean"), (1, "number for a boolean")]


@register_breaker("choice")
def _break_choice(src: Source, f: FormField, value: Any) -> list[Broken]:
    if f.multiple:
        first = (f.options or [])[0].value
        return [
            (["not_offered"], "option not offered"),
            ([first, first], "option twice"),
            (first, "string for a list"),
        ]
    return [("not_offered", "option not offered"), (["x"], "list for a single choice")]


@register_breaker("id_card")
def _break_id_card(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        (_wrong_check(value, "0123456789X"), "bad check digit"),
        (value[:17], "too short"),
        (value.lower() if value.endswith("X") else 110101, "wrong case or type"),
    ]


@register_breaker("uscc")
def _break_uscc(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [(_wrong_check(value, USCC_ALPHABET), "bad check character"), (value[:17], "too short")]


@register_breaker("mobile")
def _break_mobile(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        ("12" + value[2:], "no such prefix"),
        (value[:10], "ten digits"),
        (int(value), "wrong type"),
    ]


@register_breaker("region")
def _break_region(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("999999", "unknown code"), ("4228", "too short")]


@register_breaker("file")
def _break_file(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        ({**value, "sha256": "not-a-hash"}, "bad hash"),
        ({**value, "size": 0}, "empty file"),
        ({**value, "content_type": "application/x-msdownload"}, "type not accepted"),
        ({k: v for k, v in value.items() if k != "name"}, "no file name"),
    ]


# ---------------------------------------------------------------------------- conditions

DEPARTMENTS: tuple[str, ...] = (
    "scjg",
    "zrzy",
    "mz",
    "wjw",
    "jyj",
    "zjj",
    "rsj",
    "nyj",
    "swj",
    "gaj",
    "ylbz",
    "sfj",
)
DEPT_CODES: dict[str, str] = {d: d.upper()[:8] if len(d) >= 2 else "XX" for d in DEPARTMENTS}
CATEGORIES: tuple[str, ...] = (
    "administrative_license",
    "public_service",
    "administrative_confirmation",
    "other_power",
)
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
    if f.type == "choice" and f.multiple:
        return "array"
    return default_registry()[f.type].value_kind


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
) -> list[JSON]:
    """``count`` field dicts; their conditions reference ``earlier`` + previously drawn fields."""
    out: list[JSON] = []
    for i in range(count):
        t = src.pick(types)
        key = f"{prefix}{i}_{t}"
        raw: JSON = {"key": key, "label": f"字段{prefix}{i}", "type": t, **_field_options(src, t)}
        if t == "group":
            sub_types = [x for x in types if x != "group"]
            raw["fields"] = _fields(src, f"{key}_r", src.integer(1, 3), sub_types, [], True)
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


# ---------------------------------------------------------------------------- definitions


def _days(src: Source, budget: int) -> int:
    return src.integer(0, max(0, budget))


def build_definition(src: Source, max_fields: int = 8) -> ItemDefinition:
    """One valid definition, drawn from ``src``; it passes every check and every reform rule."""
    handling = src.pick(tuple(Handling))
    dept = src.pick(DEPARTMENTS)
    owner = f"county.{dept}"
    # form
    types = [*SIMPLE_TYPES, "group"]
    sections: list[JSON] = []
    top: list[FormField] = []
    n_sections = src.integer(1, 3)
    budget = max(1, max_fields)
    for si in range(n_sections):
        n = src.integer(1, max(1, budget // (n_sections - si)))
        budget = max(1, budget - n)
        raw_fields = _fields(src, f"s{si}f", n, types, top, False)
        top.extend(FormField.model_validate(f) for f in raw_fields)
        sections.append({"title": f"第{si + 1}部分", "fields": raw_fields})
    numeric = [f for f in top if f.type in ("number", "integer", "money")]

    # limits and levels
    basis = [
        {"ref": f"law-{i}", "title": f"《某某条例》第{i + 10}条"} for i in range(src.integer(1, 3))
    ]
    if handling is Handling.INSTANT:
        statutory, promised = src.integer(0, 20), 0
    else:
        statutory = src.integer(3, 60)
        cap = math.floor(statutory * 0.48 + 1e-9)
        promised = src.integer(1, cap)
    accept = ["county.hall"]
    if handling is Handling.REPORTED:
        accept = ["township.*"] if src.boolean() else ["county.hall", "township.*"]
    elif src.boolean():
        accept.append("township.*")
    decide = (
        "township"
        if (
            handling in (Handling.PROMISED, Handling.INSTANT)
            and "township.*" in accept
            and src.boolean()
        )
        else "owner"
    )

    # steps
    steps: list[JSON] = []
    remaining = promised
    notify = {"accepted", "completed"}

    def counted(days: int) -> int:
        nonlocal remaining
        remaining -= days
        return days

    if handling is Handling.INSTANT:
        steps.append(
            {"key": "accept", "kind": "accept", "at": "window", "role": "window_clerk", "days": 0}
        )
        last = src.pick(("complete", "deliver"))
        steps.append({"key": last, "kind": last, "at": "window", "role": "window_clerk", "days": 0})
    else:
        steps.append(
            {
                "key": "accept",
                "kind": "accept",
                "at": "window",
                "role": "window_clerk",
                "days": counted(_days(src, min(1, remaining))),
            }
        )
        if handling is Handling.REPORTED:
            steps.append(
                {
                    "key": "forward",
                    "kind": "forward",
                    "at": "window",
                    "role": "window_clerk",
                    "to": src.pick(("owner", owner)),
                    "days": counted(_days(src, min(1, remaining))),
                }
            )
        for i in range(src.integer(0, 2)):
            step: JSON = {
                "key": f"review{i}",
                "kind": "review",
                "at": "owner",
                "role": src.pick(("reviewer", "chief_representative")),
                "days": counted(_days(src, remaining)),
            }
            if i > 0 and src.boolean():
                cond = _satisfiable_condition(src, top)
                if cond is not None:
                    step["when"] = cond
            steps.append(step)
        for i in range(src.integer(0, 2)):
            proc = src.pick(tuple(Procedure))
            special: JSON = {
                "key": f"special{i}",
                "kind": "special",
                "procedure": proc.value,
                "at": "owner",
                "role": "reviewer",
            }
            choice = src.integer(0, 2)
            counts = PROCEDURE_COUNTS_BY_DEFAULT[proc] if choice == 0 else choice == 1
            if choice:
                special["counts_toward_limit"] = counts
            special["days"] = counted(_days(src, remaining)) if counts else src.integer(0, 30)
            if src.boolean():
                cond = _satisfiable_condition(src, top)
                if cond is not None:
                    special["when"] = cond
            steps.append(special)
            notify.add("special_started")
        if handling is Handling.JOINT:
            others = [f"county.{d}" for d in DEPARTMENTS if d != dept]
            departments = sorted({src.pick(others) for _ in range(src.integer(1, 3))})
            steps.append(
                {
                    "key": "countersign",
                    "kind": "countersign",
                    "at": "owner",
                    "role": "chief_representative",
                    "departments": departments,
                    "days": counted(_days(src, remaining)),
                }
            )
        steps.append(
            {
                "key": "decide",
                "kind": "decide",
                "at": "window" if decide == "township" else src.pick(("owner", owner)),
                "role": "chief_representative",
                "days": counted(_days(src, remaining)),
            }
        )
        steps.append(
            {
                "key": "complete",
                "kind": "complete",
                "at": "window",
                "role": "window_clerk",
                "days": counted(_days(src, remaining)),
            }
        )
        if src.boolean():
            steps.append(
                {
                    "key": "deliver",
                    "kind": "deliver",
                    "at": "window",
                    "role": "window_clerk",
                    "days": counted(_days(src, remaining)),
                }
            )
            notify.add("delivered")
    for extra in ("correction_requested", "decided", "submitted"):
        if src.boolean():
            notify.add(extra)

    # materials
    materials: list[JSON] = []
    for i in range(src.integer(0, 4)):
        m: JSON = {
            "key": f"material{i}",
            "name": f"材料{i}",
            "source": src.pick(("applicant", "applicant", "shared", "issued", "promise")),
        }
        mode = src.integer(0, 2)
        if mode == 0:
            m["required"] = True
        elif mode == 1:
            cond = _satisfiable_condition(src, top)
            if cond is not None:
                m["required_when"] = cond
        if src.boolean():
            m["original"] = True
            m["copies"] = src.integer(0, 3)
            m["electronic"] = src.boolean()
        materials.append(m)

    # fees
    fees: list[JSON] = []
    for i in range(src.integer(0, 3)):
        fee: JSON = {
            "key": f"fee{i}",
            "name": f"收费{i}",
            "basis": src.pick([b["ref"] for b in basis] + ["《行政事业性收费标准》"]),
        }
        if numeric and src.boolean():
            fee["per"] = {
                "field": src.pick(numeric).key,
                "amount": f"{src.integer(1, 5000) / 100:.2f}",
                "unit": "件",
            }
        else:
            fee["amount"] = f"{src.integer(0, 100000) / 100:.2f}"
        if _chance(src, 1, 3):
            cond = _satisfiable_condition(src, top)
            if cond is not None:
                fee["when"] = cond
        fee["waivable"] = src.boolean()
        fees.append(fee)

    # disclosure
    category = src.pick(CATEGORIES)
    public = [f.key for f in top if f.type not in ("id_card", "mobile", "address")]
    if category == "administrative_license" and not public:
        category = "public_service"
    disclosure: JSON = {"guide": True}
    if public and (category == "administrative_license" or src.boolean()):
        disclosure["publish_results"] = True
        disclosure["result_fields"] = sorted({src.pick(public) for _ in range(src.integer(1, 2))})

    raw: JSON = {
        "code": f"422822-{DEPT_CODES[dept]}-{src.pick(('XK', 'GG', 'QR', 'QT'))}-{src.integer(0, 9999):04d}",
        "name": src.text(HANZI, 2, 20),
        "category": category,
        "handling": handling.value,
        "owner": owner,
        "levels": {"accept": accept, "decide": decide},
        "basis": basis,
        "limits": {
            "statutory_days": statutory,
            "promised_days": promised,
            "basis": basis[0]["ref"],
        },
        "form": {"sections": sections},
        "materials": materials,
        "steps": steps,
        "fees": fees,
        "notify": sorted(notify),
        "disclosure": disclosure,
        "service": {
            "location": "建始县政务服务中心一楼综合窗口",
            "phone": "0718-3322001",
            "online": src.boolean(),
            "max_visits": src.integer(0, 2),
            "complaint": "县电子监察中心 0718-3322000",
        },
    }
    return ItemDefinition.model_validate(raw)


@st.composite
def definitions(draw: st.DrawFn, max_fields: int = 8) -> ItemDefinition:
    """Valid item definitions (they pass every check and every reform rule)."""
    return build_definition(HypothesisSource(draw), max_fields)


def random_definition(seed: int | random.Random, max_fields: int = 8) -> ItemDefinition:
    """A valid definition from a seeded random generator (deterministic; for benchmarks)."""
    return build_definition(RandomSource(seed), max_fields)


# ---------------------------------------------------------------------------- applications


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
    if f.type == "group":
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
    if known and f.type != "group" and _chance(src, 1, 2):
        value = src.pick(known)
        if f.type == "choice" and f.multiple:
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
        if f.type == "group" and isinstance(data.get(f.key), list):
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
        if f.type == "group":
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
