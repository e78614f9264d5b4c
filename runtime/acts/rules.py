"""The state machine's guards, materials, routing between steps and the clock's upkeep.

A guard answers why an act cannot be performed in a situation (a Chinese sentence), or
None: the registry offers an act exactly where its guard answers None, and the act runs
the same guard before it changes anything (raising ``WrongState`` with that sentence).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from db.prepared import Prepared
from definitions.canonical import canonical_json
from definitions.models import Handling, ItemDefinition, Step, StepKind
from definitions.procedures import DayUnit
from rbac.targets import deciding_domain
from runtime.acts.context import Ctx, Situation
from runtime.acts.fee_rows import later_here, unassessed_refusal
from runtime.case_tables import CaseMaterial
from runtime.clock import (
    WAIT_PAYMENT,
    WAIT_SUPPLEMENT,
    DeadlineInputs,
    Suspension,
    calendar_due,
    compute_deadline,
    step_deadline,
)
from runtime.errors import InvalidInput, ReasonRequired, WrongState
from runtime.states import PRE_ACCEPT, STATE_NAMES, State

MATERIAL = cast(Table, CaseMaterial.__table__)
MATERIAL_KEYS = Prepared(
    select(MATERIAL.c.material_key).where(
        MATERIAL.c.tenant == bindparam("t"), MATERIAL.c.case_id == bindparam("c")
    )
)
_ENDED = (State.NOT_ACCEPTED, State.WITHDRAWN, State.DELIVERED)

# -- guards ------------------------------------------------------------------------


def need(refusal: str | None) -> None:
    """Raise the guard's refusal, if any."""
    if refusal is not None:
        raise WrongState(refusal)


def not_in_state(s: Situation, states: Collection[State], what: str) -> str | None:
    if s.state not in states:
        return f"案件当前状态为“{STATE_NAMES.get(s.state, s.state)}”，不能{what}"
    return None


def not_at_step(s: Situation, kind: StepKind, what: str) -> str | None:
    """Why the current step is not one of ``kind`` that may be worked on now."""
    step = s.step
    if s.state in _ENDED or step is None:
        return f"案件当前状态为“{STATE_NAMES.get(s.state, s.state)}”，不能{what}"
    if step.kind is not kind:
        return f"当前环节是“{step.name or step.key}”（{step.kind.value}），不能{what}"
    if s.state in PRE_ACCEPT and kind is not StepKind.ACCEPT:
        return "案件尚未受理"
    if s.state == State.SUSPENDED and kind is not StepKind.SPECIAL:
        return "特别程序进行中，暂停办理"
    return None


def unpaid(s: Situation, decision: str | None) -> str | None:
    """Why the current step cannot be left yet: its fee is not assessed or not paid (a
    denial, ``decision`` as the act leaves it, is handed over without payment)."""
    step = s.step
    if step is None or decision == "denied":
        return None
    if later_here(s):  # a fee assessed at this step on the actual quantity (fee_rows)
        refusal = unassessed_refusal(s)
        if refusal is not None:
            return refusal
    if not step.requires_payment:
        return None
    if not s.pub.compiled.fees_for(s.data):
        return None
    if not s.fees_assessed():
        return "本环节须先核定收费"
    if not s.case.fee_paid:
        return "费用尚未缴纳，本环节须缴费后才能继续"
    return None


def first(*refusals: Callable[[], str | None]) -> str | None:
    """The first refusal of several guards, asked in order."""
    for guard in refusals:
        answer = guard()
        if answer is not None:
            return answer
    return None


def required_reason(text: str | None, message: str) -> str:
    if text is None or not text.strip():
        raise ReasonRequired(message)
    return text.strip()


# -- materials -----------------------------------------------------------------------


def check_material_keys(item: ItemDefinition, materials: Sequence[Mapping[str, Any]]) -> None:
    keys = {m.key for m in item.materials}
    for m in materials:
        key = str(m.get("key", ""))
        if key not in keys:
            raise InvalidInput(f"事项没有材料“{key}”")


def receive_materials(c: Ctx, materials: Sequence[Mapping[str, Any]], seq: int) -> None:
    check_material_keys(c.pub.definition, materials)
    for m in materials:
        key = str(m["key"])
        c.materials.append(
            {
                "tenant": c.case.tenant,
                "case_id": c.case.id,
                "material_key": key,
                "sha256": m.get("sha256"),
                "name": str(m.get("name") or key),
                "content_type": m.get("content_type"),
                "size": m.get("size"),
                "received_at": c.now,
                "event_seq": seq,
            }
        )


def missing_materials(c: Ctx) -> list[dict[str, str]]:
    """Required materials (for this application) that are not exempt and not yet received."""
    if c.materials_seen is None:
        have = set(MATERIAL_KEYS.scalars(c.connection, {"t": c.case.tenant, "c": c.case.id}))
    else:  # the case was filed in this very transaction: its materials are all known
        have = set(c.materials_seen)
    have |= {m["material_key"] for m in c.materials}
    return [
        {"key": n.material.key, "name": n.material.name}
        for n in c.pub.compiled.materials_for(c.data)
        if n.required and not n.exempt and n.material.key not in have
    ]


# -- routing -------------------------------------------------------------------------


def domain_of(c: Ctx, step: Step) -> str:
    case = c.case
    accepting = str(c.values.get("accepting_domain", case.accepting_domain))
    owner = str(c.values.get("owner_domain", case.owner_domain))
    if step.kind is StepKind.DECIDE and step.at == "window":
        return deciding_domain(owner, accepting, c.pub.definition.levels.decide)
    if step.at == "window":
        return accepting
    if step.at == "owner":
        return owner
    if step.kind is StepKind.COUNTERSIGN and step.departments:
        return step.departments[0]
    return step.at


def active(c: Ctx) -> list[int]:
    keys = {s.key for s in c.pub.compiled.steps_for(c.data)}
    return [i for i, s in enumerate(c.steps) if s.key in keys]


def enter(c: Ctx, index: int) -> None:
    step = c.steps[index]
    domain = (
        step.departments[0]
        if step.kind is StepKind.COUNTERSIGN and step.departments
        else domain_of(c, step)
    )
    c.values.update(
        step_index=index, current_step=step.key, current_domain=domain, step_started_on=c.today
    )
    c.values["step_due"] = step_due(c, step)


def step_due(c: Ctx, step: Step) -> date | None:
    if c.pub.definition.handling is Handling.INSTANT:
        return None
    if step.day_unit is DayUnit.CALENDAR:  # 自然日: weekends and holidays count
        return calendar_due(c.today, step.days)
    return step_deadline(c.work_calendar, c.today, step.days, step_name=step.name or step.key).due


def advance(c: Ctx, *, terminal_state: State | None = None, skip_to_window: bool = False) -> None:
    """Move to the next active step (the case's data decides which steps run). Whether the
    step may be left (its fee) is the act's guard's question (``unpaid``)."""
    current = c.values.get("step_index", c.case.step_index)
    assert current is not None
    for i in active(c):
        if i <= current:
            continue
        step = c.steps[i]
        if skip_to_window and step.kind not in (StepKind.COMPLETE, StepKind.DELIVER):
            continue
        enter(c, i)
        return
    c.values.update(step_index=None, current_step=None, current_domain=None, step_due=None)
    if terminal_state is None:
        c.values.update(state=State.COMPLETED.value, open=False, closed_on=c.today)


def go_back(c: Ctx) -> None:
    current = c.values.get("step_index", c.case.step_index)
    assert current is not None
    previous = [i for i in active(c) if 0 < i < current]
    step = c.steps[current]
    if not previous and step.kind is StepKind.COUNTERSIGN:
        # A department disagrees right after acceptance: the owner's chief representative
        # decides with that opinion on record (or, without a decide step, signing restarts).
        later = [i for i in active(c) if i > current and c.steps[i].kind is StepKind.DECIDE]
        enter(c, later[0] if later else current)
        c.values["special_running"] = False
        return
    if not previous:
        raise WrongState("没有可以退回的上一环节")
    enter(c, previous[-1])
    c.values["special_running"] = False


# -- the clock -----------------------------------------------------------------------


def deadlines(c: Ctx) -> None:
    raw = c.values.get("clock", c.case.clock)
    if raw is None:
        return
    clock = json.loads(raw)
    cal = c.work_calendar
    promised = compute_deadline(cal, DeadlineInputs.from_json(clock["promised"]), as_of=c.today)
    statutory = compute_deadline(cal, DeadlineInputs.from_json(clock["statutory"]), as_of=c.today)
    c.values.update(
        due_promised=promised.due,
        due_statutory=statutory.due,
        due_provisional=promised.provisional or statutory.provisional,
    )


def edit_clock(c: Ctx, change: Callable[[DeadlineInputs], DeadlineInputs]) -> None:
    raw = c.values.get("clock", c.case.clock)
    if raw is None:
        return
    clock = json.loads(raw)
    for key in ("promised", "statutory"):
        clock[key] = change(DeadlineInputs.from_json(clock[key])).to_json()
    c.values["clock"] = canonical_json(clock)
    deadlines(c)


def suspend(c: Ctx, why: str) -> None:
    edit_clock(
        c, lambda d: replace(d, suspensions=(*d.suspensions, Suspension(c.today, None, why)))
    )


def resume(c: Ctx) -> None:
    def close(d: DeadlineInputs) -> DeadlineInputs:
        closed = tuple(  # the special procedure's; a wait for the applicant goes on
            Suspension(s.start, c.today, s.reason)
            if s.end is None and s.reason not in (WAIT_PAYMENT, WAIT_SUPPLEMENT)
            else s
            for s in d.suspensions
        )
        return replace(d, suspensions=closed)

    edit_clock(c, close)
