"""What an operator needs to know is healthy, read from the database: the outbox backlog
and the age of its oldest waiting message, and whether the working calendar knows this
year and the next (DESIGN §4: an unknown year makes deadlines provisional)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.calendar import WorkCalendar
from runtime.case_tables import OutboxMessage


@dataclass(frozen=True)
class OutboxBacklog:
    waiting: int
    oldest_seconds: float
    failed: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "waiting": self.waiting,
            "oldest_seconds": round(self.oldest_seconds, 1),
            "failed": self.failed,
        }


def outbox_backlog(session: Session, tenant: str, now: dt.datetime) -> OutboxBacklog:
    """Messages not yet delivered (pending or being retried), how long the oldest has been
    due, and how many the worker gave up on."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.tenant == tenant, OutboxMessage.status == "pending"
        )
    ).one()
    failed = session.execute(
        select(func.count()).where(OutboxMessage.tenant == tenant, OutboxMessage.status == "failed")
    ).scalar_one()
    if oldest is None:
        return OutboxBacklog(int(count), 0.0, int(failed))
    if oldest.tzinfo is None:  # SQLite returns naive UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    return OutboxBacklog(int(count), max(0.0, (now - oldest).total_seconds()), int(failed))


def calendar_years(calendar: WorkCalendar, today: dt.date) -> dict[str, bool]:
    """Whether the calendar knows this year and the next, by year."""
    return {str(year): calendar.knows(year) for year in (today.year, today.year + 1)}
