"""The calendar table: seeding from ``chinesecalendar``, administrators' edits, loading.

Rows live in ``calendar_days`` (one per day that departs from the Mon–Fri rule or is named
as part of a break) and ``calendar_years`` (the years known to be complete), both scoped by
tenant. Administrators' entries win over seeding: re-seeding never overwrites a day whose
source is ``admin``. Every function works inside the caller's session/transaction.

Every change also bumps the tenant's ``calendar_version`` row in the same transaction and
adds the changed year to its ``pending_years``: processes poll that one row to reload
their calendar (:mod:`runtime.calendar_provider`), and
:func:`runtime.calendar_recompute.recompute_pending` recomputes the deadlines of every open
case the change touches, whichever process made it (the CLI, the admin pages, a worker).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runtime.calendar import DayEntry, Source, WorkCalendar
from runtime.calendar_source import entries_for_year, knows_year
from runtime.tables import CalendarDay, CalendarVersion, CalendarYear


@dataclass(frozen=True, slots=True)
class SeedReport:
    seeded: tuple[int, ...]
    unknown: tuple[int, ...]  # years chinesecalendar does not know: enter them by hand


@dataclass(frozen=True, slots=True)
class YearStatus:
    year: int
    known: bool
    source: str | None
    completed_at: datetime | None
    completed_by: str | None
    entries: tuple[DayEntry, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _source(value: str) -> Source:
    return "chinesecalendar" if value == "chinesecalendar" else "admin"


def _entry(row: CalendarDay) -> DayEntry:
    return DayEntry(row.day, row.is_workday, row.name, _source(row.source))


def _year_rows(session: Session, tenant: str, year: int) -> dict[date, CalendarDay]:
    rows = session.scalars(
        select(CalendarDay).where(
            CalendarDay.tenant == tenant,
            CalendarDay.day >= date(year, 1, 1),
            CalendarDay.day <= date(year, 12, 31),
        )
    )
    return {r.day: r for r in rows}


def changed(session: Session, tenant: str, years: Iterable[int], by: str | None = None) -> int:
    """Record that ``years`` changed: bump the tenant's calendar version and add them to
    the years whose deadlines wait to be recomputed. Returns the new version."""
    chosen = sorted(set(years))
    row = session.get(CalendarVersion, tenant)
    if row is None:
        row = CalendarVersion(
            tenant=tenant, version=0, recomputed=0, pending_years="[]", changed_at=_now()
        )
        session.add(row)
    pending = sorted(set(json.loads(row.pending_years)) | set(chosen))
    row.version = (row.version or 0) + 1
    row.pending_years = json.dumps(pending)
    row.changed_at = _now()
    row.changed_by = by
    session.flush()
    return row.version


def calendar_version(session: Session, tenant: str) -> int:
    """The tenant's calendar version (0 before any change was recorded)."""
    found = session.scalar(select(CalendarVersion.version).where(CalendarVersion.tenant == tenant))
    return found or 0


def load_calendar(session: Session, tenant: str) -> WorkCalendar:
    """The tenant's calendar as an immutable in-memory value (load once, share)."""
    days = session.scalars(select(CalendarDay).where(CalendarDay.tenant == tenant))
    years = session.scalars(select(CalendarYear.year).where(CalendarYear.tenant == tenant))
    return WorkCalendar((_entry(r) for r in days), years)


def known_years(session: Session, tenant: str) -> list[int]:
    return sorted(session.scalars(select(CalendarYear.year).where(CalendarYear.tenant == tenant)))


def mark_year_complete(
    session: Session, tenant: str, year: int, *, by: str | None = None, source: Source = "admin"
) -> None:
    """Declare ``year`` known: deadlines touching it stop being provisional."""
    row = session.get(CalendarYear, (tenant, year))
    if row is None:
        session.add(
            CalendarYear(
                tenant=tenant, year=year, source=source, completed_at=_now(), completed_by=by
            )
        )
        changed(session, tenant, [year], by)
    session.flush()


def mark_year_incomplete(session: Session, tenant: str, year: int) -> None:
    """Withdraw a year (e.g. entered by mistake): deadlines touching it become provisional."""
    session.execute(
        delete(CalendarYear).where(CalendarYear.tenant == tenant, CalendarYear.year == year)
    )
    changed(session, tenant, [year])


def set_day(
    session: Session,
    tenant: str,
    day: date,
    *,
    is_workday: bool,
    name: str | None = None,
    by: str | None = None,
) -> None:
    """An administrator records one day as a working day or a holiday (source ``admin``)."""
    row = session.get(CalendarDay, (tenant, day))
    if row is None:
        session.add(
            CalendarDay(
                tenant=tenant,
                day=day,
                is_workday=is_workday,
                name=name,
                source="admin",
                updated_at=_now(),
                updated_by=by,
            )
        )
    else:
        row.is_workday = is_workday
        row.name = name
        row.source = "admin"
        row.updated_at = _now()
        row.updated_by = by
    changed(session, tenant, [day.year], by)
    session.flush()


def clear_day(session: Session, tenant: str, day: date) -> bool:
    """Remove a recorded day (it falls back to the Mon–Fri rule). True when one was removed."""
    row = session.get(CalendarDay, (tenant, day))
    if row is None:
        return False
    session.delete(row)
    changed(session, tenant, [day.year])
    session.flush()
    return True


def replace_year(
    session: Session,
    tenant: str,
    year: int,
    entries: Iterable[DayEntry],
    *,
    complete: bool = True,
    by: str | None = None,
) -> int:
    """An administrator enters a whole year: its recorded days are replaced by ``entries``
    (all source ``admin``) and, when ``complete``, the year becomes known. Returns the count."""
    chosen = list(entries)
    stray = [e.day for e in chosen if e.day.year != year]
    if stray:
        raise ValueError(f"days outside {year}: {', '.join(d.isoformat() for d in stray[:5])}")
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.tenant == tenant,
            CalendarDay.day >= date(year, 1, 1),
            CalendarDay.day <= date(year, 12, 31),
        )
    )
    now = _now()
    session.add_all(
        CalendarDay(
            tenant=tenant,
            day=e.day,
            is_workday=e.is_workday,
            name=e.name,
            source="admin",
            updated_at=now,
            updated_by=by,
        )
        for e in chosen
    )
    if complete:
        mark_year_complete(session, tenant, year, by=by)
    changed(session, tenant, [year], by)
    session.flush()
    return len(chosen)


def seed_from_chinesecalendar(
    session: Session, tenant: str, years: Iterable[int], *, by: str | None = None
) -> SeedReport:
    """Record the package's holidays and adjusted working days for ``years`` and mark them
    known. Idempotent; administrators' days are kept; years the package does not know are
    reported, never guessed."""
    seeded: list[int] = []
    unknown: list[int] = []
    for year in sorted(set(years)):
        if not knows_year(year):
            unknown.append(year)
            continue
        existing = _year_rows(session, tenant, year)
        fresh = {e.day: e for e in entries_for_year(year)}
        now = _now()
        touched = False
        for day, stale in existing.items():
            if stale.source == "chinesecalendar" and day not in fresh:
                session.delete(stale)
                touched = True
        for day, e in fresh.items():
            row = existing.get(day)
            touched = (
                touched
                or row is None
                or (
                    row.source == "chinesecalendar"
                    and (row.is_workday, row.name) != (e.is_workday, e.name)
                )
            )
            if row is None:
                session.add(
                    CalendarDay(
                        tenant=tenant,
                        day=day,
                        is_workday=e.is_workday,
                        name=e.name,
                        source="chinesecalendar",
                        updated_at=now,
                        updated_by=by,
                    )
                )
            elif row.source == "chinesecalendar" and (row.is_workday, row.name) != (
                e.is_workday,
                e.name,
            ):
                row.is_workday = e.is_workday
                row.name = e.name
                row.updated_at = now
                row.updated_by = by
        mark_year_complete(session, tenant, year, by=by, source="chinesecalendar")
        if touched:
            changed(session, tenant, [year], by)
        seeded.append(year)
    session.flush()
    return SeedReport(tuple(seeded), tuple(unknown))


def year_status(session: Session, tenant: str, year: int) -> YearStatus:
    row = session.get(CalendarYear, (tenant, year))
    entries = tuple(_entry(r) for _, r in sorted(_year_rows(session, tenant, year).items()))
    return YearStatus(
        year=year,
        known=row is not None,
        source=row.source if row else None,
        completed_at=row.completed_at if row else None,
        completed_by=row.completed_by if row else None,
        entries=entries,
    )
