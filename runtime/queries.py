"""Read-side queries on index paths: worklists, deadlines, lookups.

Each query is one index range scan even at millions of cases: a worklist is
``(tenant, current_domain, open, due_promised)`` per domain (merged in Python when a user
works in several domains), supervision's due list is ``(tenant, open, due_promised)``.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from runtime.case_tables import Case, CaseEvent

#: Lists never show the application data: it is loaded only if a caller touches it.
LIST_OPTIONS = (
    defer(Case.data),
    defer(Case.countersigned),
    defer(Case.item_sha256),
    defer(Case.last_hash),
)


def case_by_number(session: Session, tenant: str, number: str) -> Case | None:
    return session.execute(
        select(Case).where(Case.tenant == tenant, Case.number == number)
    ).scalar_one_or_none()


def case_by_query(session: Session, tenant: str, number: str, code: str) -> Case | None:
    """The public query: number plus query code, both must match."""
    case = case_by_number(session, tenant, number)
    if case is None or case.query_code != code.strip().upper():
        return None
    return case


def events_of(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.execute(
            select(CaseEvent)
            .where(CaseEvent.tenant == case.tenant, CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq)
        ).scalars()
    )


def _due_key(case: Case) -> tuple[int, date, str]:
    due = case.due_promised
    return (0, due, case.number) if due is not None else (1, date.max, case.number)


def worklist(
    session: Session, tenant: str, domains: Sequence[str], *, limit: int = 20
) -> list[Case]:
    """Open cases whose current step sits in one of ``domains``, soonest deadline first
    (cases not yet accepted, which have no deadline, after them)."""
    unique = list(dict.fromkeys(domains))

    def base(domain: str) -> Any:
        return (
            select(Case)
            .options(*LIST_OPTIONS)
            .where(Case.tenant == tenant, Case.current_domain == domain, Case.open.is_(True))
        )

    dated = [
        list(
            session.execute(
                base(d)
                .where(Case.due_promised.is_not(None))
                .order_by(Case.due_promised, Case.number)
                .limit(limit)
            ).scalars()
        )
        for d in unique
    ]
    found = list(heapq.merge(*dated, key=_due_key))[:limit]
    if len(found) < limit:
        # cases not yet accepted (no deadline) come after every dated one
        undated = [
            list(
                session.execute(
                    base(d)
                    .where(Case.due_promised.is_(None))
                    .order_by(Case.number)
                    .limit(limit - len(found))
                ).scalars()
            )
            for d in unique
        ]
        found += list(heapq.merge(*undated, key=_due_key))[: limit - len(found)]
    return found


def due_by(session: Session, tenant: str, until: date, *, limit: int = 100) -> list[Case]:
    """Open cases due on or before ``until`` (overdue and nearly due), soonest first."""
    return list(
        session.execute(
            select(Case)
            .options(*LIST_OPTIONS)
            .where(
                Case.tenant == tenant,
                Case.open.is_(True),
                Case.due_promised.is_not(None),
                Case.due_promised <= until,
            )
            .order_by(Case.due_promised, Case.number)
            .limit(limit)
        ).scalars()
    )


def applicant_cases(session: Session, tenant: str, user_id: int, *, limit: int = 50) -> list[Case]:
    return list(
        session.execute(
            select(Case)
            .where(Case.tenant == tenant, Case.applicant_user_id == user_id)
            .order_by(Case.submitted_at.desc())
            .limit(limit)
        ).scalars()
    )
