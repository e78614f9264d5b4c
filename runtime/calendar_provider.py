"""The working calendar for the acts and pages, shared by every process.

Each process keeps one immutable :class:`WorkCalendar` and, at most every
``poll_seconds`` (checked lazily on the next use), reads the tenant's one
``calendar_version`` row; when the number moved — an administrator entered or changed a
year in any process, or on the command line — it reloads the calendar. A change is
therefore seen everywhere within ``poll_seconds`` plus one reload; the process that made
the change may call :meth:`invalidate` to see it at once. The deadlines of the open cases
the change touches are recomputed by :mod:`runtime.calendar_recompute`.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from runtime.calendar import WorkCalendar
from runtime.calendar_store import calendar_version, load_calendar

DEFAULT_POLL_SECONDS = 2.0


class CalendarProvider:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        tenant: str,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.tenant = tenant
        self.poll_seconds = poll_seconds
        self._calendar: WorkCalendar | None = None
        self._version = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        """The calendar version this process holds (-1 before the first load)."""
        return self._version

    def __call__(self) -> WorkCalendar:
        cal = self._calendar
        if cal is not None and time.monotonic() - self._checked_at < self.poll_seconds:
            return cal
        with self._lock:
            with self.sessions() as s:
                version = calendar_version(s, self.tenant)
                if self._calendar is None or version != self._version:
                    self._calendar = load_calendar(s, self.tenant)
                    self._version = version
            self._checked_at = time.monotonic()
            return self._calendar

    def invalidate(self) -> None:
        self._calendar = None
