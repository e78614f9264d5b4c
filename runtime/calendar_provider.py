"""The working calendar for the acts: loaded from the table once and refreshed at most
every ``refresh_seconds`` (an administrator's edit reaches every process within that
time; the process that made the edit calls :meth:`invalidate`)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar


class CalendarProvider:
    def __init__(
        self, sessions: sessionmaker[Session], tenant: str, refresh_seconds: float = 60.0
    ) -> None:
        self.sessions = sessions
        self.tenant = tenant
        self.refresh_seconds = refresh_seconds
        self._calendar: WorkCalendar | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> WorkCalendar:
        cal = self._calendar
        if cal is not None and time.monotonic() - self._loaded_at < self.refresh_seconds:
            return cal
        with self._lock:
            with self.sessions() as s:
                self._calendar = load_calendar(s, self.tenant)
            self._loaded_at = time.monotonic()
            return self._calendar

    def invalidate(self) -> None:
        self._calendar = None
