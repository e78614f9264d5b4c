"""Entering or changing a calendar year recomputes every affected open case at once.

DESIGN §4: a year the calendar does not know never yields a silent answer — deadlines
touching it are provisional (weekends only) and are recomputed, as events, the moment an
administrator enters that year. Any change to a known year (a holiday moved by the State
Council, a day corrected) is handled the same way.

Every calendar change (``runtime.calendar_store``) bumps the tenant's ``calendar_version``
row and adds the year to its ``pending_years`` in the change's own transaction, so nothing
is lost whichever process made it. :func:`recompute_pending` — run by ``banshi calendar
load / complete / set / seed`` right after the change, and by any process that changes the
calendar (the admin pages) or that wants to catch up (``banshi calendar recompute``) —
recomputes every open case whose deadlines are provisional or whose period touches a
pending year, in batches of ``batch`` cases (one short transaction each: the system act
``recompute_deadline``, whose event says before → after for the statutory and the
promised date), then marks the version done. A case whose dates do not move gets no event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_, select, update

from runtime.calendar_provider import CalendarProvider
from runtime.case_tables import Case
from runtime.tables import CalendarVersion

if TYPE_CHECKING:
    from runtime.service import CaseService

DEFAULT_BATCH = 200
#: a change made while recomputing is caught up by another round (at most this many)
ROUNDS = 3


@dataclass(frozen=True, slots=True)
class RecomputeReport:
    version: int  # the calendar version the deadlines now follow
    years: tuple[int, ...]  # the changed years handled
    examined: int  # open cases looked at
    changed: tuple[str, ...]  # case numbers that got a new deadline (one event each)


def years_text(years: Iterable[int]) -> str:
    return "、".join(f"{y}年" for y in sorted(set(years)))


def affected_batch(
    cases: CaseService, years: tuple[int, ...], after_id: int, limit: int
) -> list[tuple[int, str]]:
    """The next ``limit`` open cases (by id, after ``after_id``) with a clock that is
    provisional or whose period from acceptance to its later due date touches ``years``."""
    touched: ColumnElement[bool] = Case.due_provisional.is_(True)
    if years:
        begin, end = date(min(years), 1, 1), date(max(years), 12, 31)
        touched = or_(
            touched,
            and_(
                Case.accepted_on <= end,
                or_(Case.due_statutory >= begin, Case.due_promised >= begin),
            ),
        )
    query = (
        select(Case.id, Case.number)
        .where(
            Case.tenant == cases.tenant,
            Case.open.is_(True),
            Case.clock.is_not(None),
            Case.id > after_id,
            touched,
        )
        .order_by(Case.id)
        .limit(limit)
    )
    with cases.sessions() as s:
        return [(int(r.id), str(r.number)) for r in s.execute(query)]


def recompute_cases(
    cases: CaseService,
    years: Iterable[int] = (),
    *,
    at: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, list[str]]:
    """Recompute the affected open cases (see :func:`affected_batch`), one event each
    where a date moved. ``progress(examined, changed)`` is told after every batch.
    Returns (cases examined, numbers changed)."""
    chosen = tuple(sorted(set(years)))
    label = years_text(chosen)
    examined, changed, after = 0, [], 0
    while True:
        rows = affected_batch(cases, chosen, after, batch)
        if not rows:
            break
        for case_id, number in rows:
            after = case_id
            examined += 1
            if cases.recompute_case(number, label, at=at):
                changed.append(number)
        if progress is not None:
            progress(examined, len(changed))
    return examined, changed


def recompute_pending(
    cases: CaseService,
    *,
    at: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> RecomputeReport:
    """Recompute the deadlines the recorded calendar changes touch, then mark them done.

    Safe to run from several processes at once: each case's act is compare-and-set, an
    unchanged date writes nothing, and the version is marked done only if no new change
    arrived meanwhile (otherwise another round follows)."""
    handled: set[int] = set()
    examined = 0
    changed: list[str] = []
    version = 0
    for _ in range(ROUNDS):
        with cases.sessions() as s:
            row = s.get(CalendarVersion, cases.tenant)
            if row is None or (row.recomputed == row.version and row.pending_years == "[]"):
                version = row.version if row is not None else 0
                break
            version, pending = row.version, tuple(json.loads(row.pending_years))
        if isinstance(cases.calendar, CalendarProvider):
            cases.calendar.invalidate()  # this process reads the new calendar at once
        seen, moved = recompute_cases(cases, pending, at=at, batch=batch, progress=progress)
        examined += seen
        changed += [n for n in moved if n not in changed]
        handled |= set(pending)
        with cases.sessions() as s, s.begin():
            done = s.execute(
                update(CalendarVersion)
                .where(CalendarVersion.tenant == cases.tenant, CalendarVersion.version == version)
                .values(recomputed=version, pending_years="[]")
            )
        if getattr(done, "rowcount", 0) == 1:
            break
    return RecomputeReport(version, tuple(sorted(handled)), examined, tuple(changed))
