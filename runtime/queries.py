"""Read-side queries on index paths: worklists, deadlines, lookups.

Each query reads index ranges even at millions of cases: a worklist is
``(tenant, current_domain, open, due_promised)`` per domain (one statement for a user
working in several domains), supervision's due list is ``(tenant, open, due_promised)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, union_all
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


def worklist(
    session: Session, tenant: str, domains: Sequence[str], *, limit: int = 20
) -> list[Case]:
    """Open cases whose current step sits in one of ``domains``, soonest deadline first
    (cases not yet accepted, which have no deadline, after them).

    One statement: per domain, the first ``limit`` dated and the first ``limit`` undated
    case ids, each an ordered range of ``ix_case_worklist``; the union (at most
    2 x domains x limit ids) is sorted and cut to ``limit``."""
    branches = []
    for domain in dict.fromkeys(domains):
        mine = select(Case.id, Case.due_promised, Case.number).where(
            Case.tenant == tenant, Case.current_domain == domain, Case.open.is_(True)
        )
        dated = mine.where(Case.due_promised.is_not(None))
        # the undated are ordered by the (all-NULL) due date too, so PostgreSQL reads the
        # index in order instead of sorting every undated case of a busy hall by number
        undated = mine.where(Case.due_promised.is_(None))
        for part in (dated, undated):
            page = part.order_by(Case.due_promised, Case.number).limit(limit).subquery()
            branches.append(select(page.c.id, page.c.due_promised, page.c.number))
    if not branches:
        return []
    keys = union_all(*branches).subquery()
    first = (
        select(keys.c.id)
        .order_by(keys.c.due_promised.is_(None), keys.c.due_promised, keys.c.number)
        .limit(limit)
        .subquery()
    )
    return list(
        session.execute(
            select(Case)
            .options(*LIST_OPTIONS)
            .join(first, Case.id == first.c.id)  # full rows for the page only
            .order_by(Case.due_promised.is_(None), Case.due_promised, Case.number)
        ).scalars()
    )


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
