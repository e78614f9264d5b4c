"""Process replay (过程回放) for supervision: every event of a case with who, role,
domain, acting-for and reason, the state after it, the working time used against the
promised limit and against each step's own budget, the suspensions; the case's chain
check (verified, or its first broken link) and, where the tenant log is anchored, the
signed checkpoint covering the case's last event; and the window and time of each
counter act, so the hall's video of that moment can be found (the video hook).

The case row is never trusted here: the states shown are the fold of the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.models import ItemDefinition
from runtime.audit import Break, verify_case
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case, CaseEvent
from runtime.clock import DeadlineInputs, elapsed_workdays
from runtime.ledger_tables import AuditCheckpoint, AuditLogEntry
from runtime.states import STATE_NAMES

CHINA = ZoneInfo("Asia/Shanghai")
#: Roles that act at a counter (the hall's windows, filmed by its video).
COUNTER_ROLES = frozenset({"window_clerk"})


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA)


@dataclass
class ReplayEvent:
    seq: int
    act: str
    at: datetime  # Beijing time
    actor: str
    role: str | None
    domain: str | None
    acting_for: str | None
    reason: str | None
    state: str
    step: str | None
    used: int | None  # working days of the promised limit used at this event
    promised: int | None
    counter: bool  # a counter act (the window's video covers it)
    hash: str


@dataclass
class StepSpan:
    """One stay of the case at a step: its own budget against the working days used."""

    step: str
    domain: str | None
    started: date
    ended: date | None  # None: still there
    budget: int | None
    due: date | None
    used: int

    @property
    def over(self) -> bool:
        return self.budget is not None and self.used > self.budget


@dataclass
class Anchor:
    """Where the case's last event sits in the tenant log."""

    sealed: bool
    index: int | None
    checkpoint_size: int | None
    checkpoint_at: str | None
    key_id: str | None


@dataclass
class Replay:
    number: str
    item_code: str
    events: list[ReplayEvent] = field(default_factory=list)
    steps: list[StepSpan] = field(default_factory=list)
    suspensions: list[tuple[date, date | None, str]] = field(default_factory=list)
    broken: Break | None = None
    anchor: Anchor | None = None
    #: working days of the promised limit used by today (or by the decision), and the limit
    used_today: int | None = None
    promised: int | None = None

    @property
    def verified(self) -> bool:
        return self.broken is None

    @property
    def counter_acts(self) -> list[ReplayEvent]:
        return [e for e in self.events if e.counter]


def _used(calendar: WorkCalendar, clock: str | None, day: date) -> tuple[int | None, int | None]:
    if clock is None:
        return None, None
    inputs = DeadlineInputs.from_json(json.loads(clock)["promised"])
    used, _ = elapsed_workdays(calendar, inputs, day)
    return used, inputs.total_days


def _anchor(session: Session, tenant: str, last_event_id: int | None) -> Anchor:
    if last_event_id is None:
        return Anchor(False, None, None, None, None)
    idx = session.execute(
        select(AuditLogEntry.idx).where(
            AuditLogEntry.tenant == tenant, AuditLogEntry.event_id == last_event_id
        )
    ).scalar_one_or_none()
    if idx is None:
        return Anchor(False, None, None, None, None)
    cp = session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tenant == tenant, AuditCheckpoint.tree_size > idx)
        .order_by(AuditCheckpoint.tree_size)
        .limit(1)
    ).scalar_one_or_none()
    if cp is None:
        return Anchor(True, idx, None, None, None)
    return Anchor(True, idx, cp.tree_size, cp.signed_at, cp.key_id)


def replay(
    session: Session,
    case: Case,
    item: ItemDefinition,
    calendar: WorkCalendar,
    today: date,
    counter_domains: frozenset[str],
) -> Replay:
    """The replay of ``case`` (its item version's definition for the step budgets);
    ``counter_domains``: the halls whose windows are filmed."""
    budgets = {s.key: s.days for s in item.steps}
    names = {s.key: s.name or s.key for s in item.steps}
    events = list(
        session.execute(
            select(CaseEvent)
            .where(CaseEvent.tenant == case.tenant, CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq)
        ).scalars()
    )
    out = Replay(case.number, case.item_code)
    state: dict[str, Any] = {}
    open_span: StepSpan | None = None
    for ev in events:
        state.update(json.loads(ev.changes))
        at = local(ev.at)
        day = at.date()
        step = state.get("current_step")
        started = state.get("step_started_on")
        if open_span is not None and (step != open_span.step or started != str(open_span.started)):
            open_span.ended = day
            open_span.used = _span_used(calendar, open_span.started, day)
            open_span = None
        if step is not None and open_span is None and started is not None:
            due = state.get("step_due")
            open_span = StepSpan(
                names.get(step, step),
                state.get("current_domain"),
                date.fromisoformat(started),
                None,
                budgets.get(step),
                date.fromisoformat(due) if due else None,
                0,
            )
            out.steps.append(open_span)
        used, promised = _used(calendar, state.get("clock"), day)
        # a decision made by this event, in the item's wording (予以公开, 不予许可 …)
        decided = item.decision.words(json.loads(ev.changes).get("decision"))
        out.events.append(
            ReplayEvent(
                seq=ev.seq,
                act=ev.act,
                at=at,
                actor=ev.actor,
                role=ev.role,
                domain=ev.domain,
                acting_for=ev.acting_for,
                reason=ev.reason,
                state=STATE_NAMES.get(str(state.get("state")), str(state.get("state")))
                + (f"（{decided}）" if decided else ""),
                step=names.get(step, step) if step else None,
                used=used,
                promised=promised,
                counter=ev.role in COUNTER_ROLES and (ev.domain or "") in counter_domains,
                hash=ev.hash,
            )
        )
    if open_span is not None:
        open_span.used = _span_used(calendar, open_span.started, today)
    clock = state.get("clock")
    if clock is not None:
        inputs = DeadlineInputs.from_json(json.loads(clock)["promised"])
        out.suspensions = [(s.start, s.end, s.reason) for s in inputs.suspensions]
        out.used_today, out.promised = _used(calendar, clock, today)
    out.broken = verify_case(session, case)
    out.anchor = _anchor(session, case.tenant, events[-1].id if events else None)
    return out


def _span_used(calendar: WorkCalendar, start: date, end: date) -> int:
    used, _ = elapsed_workdays(calendar, DeadlineInputs(start, 0), end)
    return used
