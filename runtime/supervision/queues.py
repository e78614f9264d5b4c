"""Supervision's own work queues (issue #14 §5), each item with its deadline and warning:

- complaints to accept (受理 within ``accept_due``: DOMAIN-FACTS, 5 working days) and to
  answer (by ``answer_due``), from the public side's ``complaint`` table;
- rectifications a bad rating opened (整改, by ``due``), from ``rectification``;
- cards awaiting the responsible person's explanation (by the card's ``answer_due``).

Warnings: red once the deadline has passed, yellow when at most one working day is left
(the usual reminder one working day before a deadline). Each list reads its table's
(tenant, state, due) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Connection, Table, select

from runtime.calendar import WorkCalendar
from runtime.clock import DeadlineInputs, elapsed_workdays
from runtime.public_tables import Complaint, Rectification
from runtime.supervision import cards


@dataclass(frozen=True)
class Task:
    kind: str  # complaint_accept | complaint_answer | rectification | card
    ref: str  # the complaint code, the case number, the card id
    title: str
    domain: str | None
    due: date
    left: int  # working days left (negative: overdue by that many)
    severity: str | None  # red | yellow | None
    link: str


def days_left(calendar: WorkCalendar, today: date, due: date) -> int:
    if due >= today:
        n, _ = elapsed_workdays(calendar, DeadlineInputs(today, 0), due)
        return n
    n, _ = elapsed_workdays(calendar, DeadlineInputs(due, 0), today)
    return -max(n, 1)


def severity(today: date, due: date, left: int) -> str | None:
    if today > due:
        return "red"
    return "yellow" if left <= 1 else None


def _task(
    calendar: WorkCalendar,
    today: date,
    kind: str,
    ref: str,
    title: str,
    domain: str | None,
    due: date,
    link: str,
) -> Task:
    left = days_left(calendar, today, due)
    return Task(kind, ref, title, domain, due, left, severity(today, due, left), link)


def _in(domain: str | None, domains: tuple[str, ...] | None) -> bool:
    return domains is None or (domain is not None and domain in domains)


def queues(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    domains: tuple[str, ...] | None,
    *,
    limit: int = 200,
) -> dict[str, list[Task]]:
    """The open tasks of each queue, soonest deadline first; ``domains``: the scope."""
    out: dict[str, list[Task]] = {"complaints": [], "rectifications": [], "cards": []}
    co = cast(Table, Complaint.__table__)
    for state, due_col, kind in (
        ("filed", co.c.accept_due, "complaint_accept"),
        ("accepted", co.c.answer_due, "complaint_answer"),
    ):
        rows = conn.execute(
            select(co.c.code, co.c.subject, co.c.department, due_col.label("due"))
            .where(co.c.tenant == tenant, co.c.state == state, due_col.is_not(None))
            .order_by(due_col)
            .limit(limit)
        )
        for r in rows:
            if _in(r.department, domains):
                out["complaints"].append(
                    _task(
                        calendar,
                        today,
                        kind,
                        r.code,
                        r.subject,
                        r.department,
                        r.due,
                        f"/complaints/{r.code}",
                    )
                )
    out["complaints"].sort(key=lambda t: t.due)
    rc = cast(Table, Rectification.__table__)
    rows = conn.execute(
        select(rc.c.id, rc.c.case_number, rc.c.department, rc.c.state, rc.c.due)
        .where(rc.c.tenant == tenant, rc.c.state.in_(("open", "called_back")))
        .order_by(rc.c.due)
        .limit(limit)
    )
    for r in rows:
        if _in(r.department, domains):
            title = "差评整改：待回访" if r.state == "open" else "差评整改：已回访，待整改"
            out["rectifications"].append(
                _task(
                    calendar,
                    today,
                    "rectification",
                    r.case_number,
                    title,
                    r.department,
                    r.due,
                    "/rectifications",
                )
            )
    for card in cards.list_cards(
        conn, tenant, domains=None if domains is None else list(domains), limit=limit
    ):
        if card.status == "resolved":
            continue
        title = f"{cards.COLORS[card.color]}：{card.reason}"
        if card.status == "explained":
            title = f"{title}（已说明，待处理）"
        out["cards"].append(
            _task(
                calendar,
                today,
                "card",
                str(card.id),
                title,
                card.owner_domain,
                card.answer_due,
                f"/supervision/cards#card-{card.id}",
            )
        )
    out["cards"].sort(key=lambda t: t.due)
    return out
