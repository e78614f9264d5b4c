"""Valid item definitions: every handling type, steps within the promised days, fees with
a legal basis, materials, disclosure — each passing every structural check and every
reform rule. :func:`build_definition` draws the parts in a fixed order, so a seeded
:class:`RandomSource` gives the same definition every time."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from hypothesis import strategies as st

from definitions.models import (
    FormField,
    Handling,
    ItemDefinition,
)
from definitions.procedures import default_procedures
from tests.strategies.forms import SIMPLE_TYPES, _fields, _satisfiable_condition
from tests.strategies.sources import JSON, HypothesisSource, RandomSource, Source, _chance
from tests.strategies.values import HANZI

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


def _form(src: Source, max_fields: int) -> tuple[list[JSON], list[FormField]]:
    """1-3 sections sharing ``max_fields``; later fields' conditions read earlier ones."""
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
    return sections, top


def _limits(src: Source, handling: Handling) -> tuple[int, int]:
    """(statutory, promised) days: promised within 48% of statutory, 0 for instant items."""
    if handling is Handling.INSTANT:
        return src.integer(0, 20), 0
    statutory = src.integer(3, 60)
    cap = math.floor(statutory * 0.48 + 1e-9)
    return statutory, src.integer(1, cap)


def _levels(src: Source, handling: Handling) -> tuple[list[str], str]:
    """Where the item is accepted, and who decides (townships only when they accept it)."""
    accept = ["county.hall"]
    if handling is Handling.REPORTED:
        accept = ["township.*"] if src.boolean() else ["county.hall", "township.*"]
    elif src.boolean():
        accept.append("township.*")
    devolved = (
        handling in (Handling.PROMISED, Handling.INSTANT)
        and "township.*" in accept
        and src.boolean()
    )
    return accept, "township" if devolved else "owner"


@dataclass
class _Route:
    """The steps drawn so far, the promised days they may still use, and the notices due."""

    src: Source
    top: list[FormField]
    remaining: int
    steps: list[JSON] = field(default_factory=list)
    notify: set[str] = field(default_factory=lambda: {"accepted", "completed"})

    def days(self) -> int:
        """Counted days for the next step, within what is left of the promise."""
        return self.counted(self.src.integer(0, max(0, self.remaining)))

    def a_day_at_most(self) -> int:
        return self.counted(self.src.integer(0, max(0, min(1, self.remaining))))

    def counted(self, days: int) -> int:
        self.remaining -= days
        return days

    def condition(self) -> JSON | None:
        return _satisfiable_condition(self.src, self.top)

    def window(self, key: str, kind: str, days: int, **extra: object) -> None:
        self.steps.append(
            {
                "key": key,
                "kind": kind,
                "at": "window",
                "role": "window_clerk",
                "days": days,
                **extra,
            }
        )


def _instant_route(route: _Route) -> None:
    route.window("accept", "accept", 0)
    last = route.src.pick(("complete", "deliver"))
    route.window(last, last, 0)


def _reviews(route: _Route) -> None:
    src = route.src
    for i in range(src.integer(0, 2)):
        step: JSON = {
            "key": f"review{i}",
            "kind": "review",
            "at": "owner",
            "role": src.pick(("reviewer", "chief_representative")),
            "days": route.days(),
        }
        if i > 0 and src.boolean():
            cond = route.condition()
            if cond is not None:
                step["when"] = cond
        route.steps.append(step)


def _specials(route: _Route) -> None:
    """0-2 special procedures; those that do not count toward the limit may take any time."""
    src = route.src
    for i in range(src.integer(0, 2)):
        proc = src.pick(tuple(default_procedures().all()))  # every registered kind
        special: JSON = {
            "key": f"special{i}",
            "kind": "special",
            "procedure": proc.name,
            "at": "owner",
            "role": "reviewer",
        }
        choice = src.integer(0, 2)
        counts = proc.counts if choice == 0 else choice == 1
        if choice:
            special["counts_toward_limit"] = counts
        special["days"] = route.days() if counts else src.integer(0, 30)
        if src.boolean():  # calendar days (自然日) or working days, said or left to default
            special["unit"] = src.pick(("working", "calendar"))
        if src.boolean():
            cond = route.condition()
            if cond is not None:
                special["when"] = cond
        route.steps.append(special)
        route.notify.add("special_started")


def _countersign(route: _Route, dept: str) -> None:
    src = route.src
    others = [f"county.{d}" for d in DEPARTMENTS if d != dept]
    departments = sorted({src.pick(others) for _ in range(src.integer(1, 3))})
    route.steps.append(
        {
            "key": "countersign",
            "kind": "countersign",
            "at": "owner",
            "role": "chief_representative",
            "departments": departments,
            "days": route.days(),
        }
    )


def _clocked_route(route: _Route, handling: Handling, dept: str, decide: str) -> None:
    """Accept at the window, (forward,) review, special, (countersign,) decide, complete
    (and perhaps deliver) at the window."""
    src, owner = route.src, f"county.{dept}"
    route.window("accept", "accept", route.a_day_at_most())
    if handling is Handling.REPORTED:
        to = src.pick(("owner", owner))
        route.window("forward", "forward", route.a_day_at_most(), to=to)
    _reviews(route)
    _specials(route)
    if handling is Handling.JOINT:
        _countersign(route, dept)
    route.steps.append(
        {
            "key": "decide",
            "kind": "decide",
            "at": "window" if decide == "township" else src.pick(("owner", owner)),
            "role": "chief_representative",
            "days": route.days(),
        }
    )
    route.window("complete", "complete", route.days())
    if src.boolean():
        route.window("deliver", "deliver", route.days())
        route.notify.add("delivered")


def _materials(src: Source, top: list[FormField]) -> list[JSON]:
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
    return materials


def _fees(src: Source, basis: list[JSON], top: list[FormField]) -> list[JSON]:
    """0-3 fee lines, each with a legal basis; a per-unit amount reads a numeric field."""
    numeric = [f for f in top if f.type in ("number", "integer", "money")]
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
    return fees


def _disclosure(src: Source, top: list[FormField]) -> tuple[str, JSON]:
    """(category, disclosure): licences publish results, never personal fields."""
    category = src.pick(CATEGORIES)
    public = [f.key for f in top if f.type not in ("id_card", "mobile", "address")]
    if category == "administrative_license" and not public:
        category = "public_service"
    disclosure: JSON = {"guide": True}
    if public and (category == "administrative_license" or src.boolean()):
        disclosure["publish_results"] = True
        disclosure["result_fields"] = sorted({src.pick(public) for _ in range(src.integer(1, 2))})
    return category, disclosure


def build_definition(src: Source, max_fields: int = 8) -> ItemDefinition:
    """One valid definition, drawn from ``src``; it passes every check and every reform rule."""
    handling = src.pick(tuple(Handling))
    dept = src.pick(DEPARTMENTS)
    sections, top = _form(src, max_fields)
    basis: list[JSON] = [
        {"ref": f"law-{i}", "title": f"《某某条例》第{i + 10}条"} for i in range(src.integer(1, 3))
    ]
    statutory, promised = _limits(src, handling)
    accept, decide = _levels(src, handling)
    route = _Route(src, top, promised)
    if handling is Handling.INSTANT:
        _instant_route(route)
    else:
        _clocked_route(route, handling, dept, decide)
    for extra in ("correction_requested", "decided", "submitted"):
        if src.boolean():
            route.notify.add(extra)
    materials = _materials(src, top)
    fees = _fees(src, basis, top)
    category, disclosure = _disclosure(src, top)
    raw: JSON = {
        "code": f"422822-{DEPT_CODES[dept]}-{src.pick(('XK', 'GG', 'QR', 'QT'))}-{src.integer(0, 9999):04d}",
        "name": src.text(HANZI, 2, 20),
        "category": category,
        "handling": handling.value,
        "owner": f"county.{dept}",
        "levels": {"accept": accept, "decide": decide},
        "basis": basis,
        "limits": {
            "statutory_days": statutory,
            "promised_days": promised,
            "basis": basis[0]["ref"],
        },
        "form": {"sections": sections},
        "materials": materials,
        "steps": route.steps,
        "fees": fees,
        # an item that charges nothing says so (不收费, the checker's fee-explicit)
        **({} if fees else {"no_fee": {"basis": basis[0]["ref"]}}),
        "notify": sorted(route.notify),
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
