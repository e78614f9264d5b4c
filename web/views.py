"""Plain views of cases for the templates (the renderer never sees sessions or rows)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from rbac.acts import ACT_NAMES
from rbac.policy import PolicySnapshot
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case, CaseMaterial
from runtime.clock import DeadlineInputs, compute_deadline, progress
from runtime.publishing import Published
from runtime.queries import events_of
from runtime.states import STATE_NAMES
from web.deadlines import DeadlineView, deadline_views

EXTRA_ACT_NAMES = {"recompute_deadline": "重新计算期限"}


@dataclass
class EventView:
    act_name: str
    at: str
    actor: str
    reason: str | None
    #: the decision this event made, in the item's wording (给予最低生活保障), or ""
    outcome: str = ""
    act: str = ""  # the act's name in the registry (start_special …)


@dataclass
class CaseView:
    number: str
    version: int
    item_code: str
    item_name: str
    #: The published version the case is pinned to (its form, steps and limits).
    item_version: int
    state: str
    state_name: str
    decision: str | None
    step_name: str | None
    step_kind: str | None
    current_domain: str | None
    current_domain_title: str
    accepting_domain_title: str
    applicant_name: str
    applicant_mobile: str | None
    query_code: str
    deadline_text: str | None
    card: str | None
    left: int | None
    provisional: bool
    step_due: date | None
    fee_total: str
    fee_paid: bool
    missing: list[str]
    #: the decision in the item's wording (准予许可, 给予最低生活保障, 予以公开 …), or ""
    decision_text: str = ""
    #: the statutory and the promised deadline, each explained (web/deadlines.py)
    deadlines: list[DeadlineView] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)


CHINA = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime) -> datetime:
    """A stored instant in Beijing time (SQLite hands back naive UTC, PostgreSQL aware)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA)


def title_of(snap: PolicySnapshot, domain: str | None) -> str:
    if domain is None:
        return ""
    rec = snap.domains.get(domain) if hasattr(snap, "domains") else None
    return getattr(rec, "title", None) or domain


def step_label(pub: Published, key: str | None) -> str | None:
    if key is None:
        return None
    step = next((s for s in pub.definition.steps if s.key == key), None)
    if step is None:
        return key
    if step.name:
        return step.name
    kind = step.procedure_kind
    if kind is not None:
        return kind.title
    return step.kind_title  # a county's own kind by its own name


def clock_of(
    case: Case, calendar: WorkCalendar, today: date, yellow: float
) -> tuple[str | None, str | None, int | None]:
    if case.clock is None:
        return None, None, None
    inputs = DeadlineInputs.from_json(json.loads(case.clock)["promised"])
    deadline = compute_deadline(calendar, inputs, as_of=today)
    prog = progress(calendar, inputs, as_of=today, completed=case.closed_on, yellow_share=yellow)
    card = prog.card.value if prog.card.value != "none" else None
    return deadline.explain(), card, prog.left


def case_view(
    session: Session,
    case: Case,
    pub: Published,
    snap: PolicySnapshot,
    calendar: WorkCalendar,
    today: date,
    yellow: float,
    *,
    full: bool = True,
) -> CaseView:
    text, card, left = clock_of(case, calendar, today, yellow)
    view = CaseView(
        number=case.number,
        version=case.version,
        item_code=case.item_code,
        item_name=pub.definition.name,
        item_version=pub.version,
        state=case.state,
        state_name=STATE_NAMES.get(case.state, case.state),
        decision=case.decision,
        step_name=step_label(pub, case.current_step),
        step_kind=next(
            (s.kind.value for s in pub.definition.steps if s.key == case.current_step), None
        ),
        current_domain=case.current_domain,
        current_domain_title=title_of(snap, case.current_domain),
        accepting_domain_title=title_of(snap, case.accepting_domain),
        applicant_name=case.applicant_name,
        applicant_mobile=case.applicant_mobile,
        query_code=case.query_code,
        deadline_text=text,
        card=card if case.open else None,
        left=left if case.open else None,
        provisional=case.due_provisional,
        step_due=case.step_due,
        fee_total=case.fee_total,
        fee_paid=case.fee_paid,
        missing=[m["name"] for m in json.loads(case.missing_materials or "[]")],
        decision_text=pub.definition.decision.words(case.decision),
        deadlines=deadline_views(case.clock, calendar, today),
    )
    if not full:
        return view
    data = json.loads(case.data)
    view.answers.extend(_answers(pub.compiled.registry, pub.definition.form.all_fields(), data))
    names = {m.key: m.name for m in pub.definition.materials}
    for m in session.execute(
        select(CaseMaterial).where(
            CaseMaterial.tenant == case.tenant, CaseMaterial.case_id == case.id
        )
    ).scalars():
        view.materials.append(names.get(m.material_key, m.material_key))
    for ev in events_of(session, case):
        view.events.append(
            EventView(
                ACT_NAMES.get(ev.act, EXTRA_ACT_NAMES.get(ev.act, ev.act)),
                f"{local_time(ev.at):%Y-%m-%d %H:%M}",
                ev.actor,
                ev.reason,
                _outcome(pub, ev.changes),
                ev.act,
            )
        )
    return view


def _answers(registry: Any, fields: Any, data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(label, answer) pairs; a group's rows (and groups inside them) as 企业名单 第1行：…."""
    out: list[tuple[str, str]] = []
    for f in fields:
        value = data.get(f.key) if isinstance(data, dict) else None
        if value is None:
            continue
        if registry[f.type].container and isinstance(value, list):
            for i, row in enumerate(value, start=1):
                out += _answers(registry, f.fields or [], row, f"{prefix}{f.label} 第{i}行：")
        else:
            out.append((prefix + f.label, _show(f, value)))
    return out


def _outcome(pub: Published, changes: str | None) -> str:
    """The decision an event made, in the item's wording (予以公开), or ""."""
    decided = json.loads(changes).get("decision") if changes else None
    return pub.definition.decision.words(decided) if isinstance(decided, str) else ""


def _show(f: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if f.options:
        labels = {o.value: o.label for o in f.options}
        if isinstance(value, list):
            return "、".join(str(labels.get(v) or v) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)
