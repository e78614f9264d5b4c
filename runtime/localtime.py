"""The county's clock: Beijing time (no daylight saving), and today's date there.

Deadlines, notices and the desk's "today" are dates in China, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date in Beijing."""
    return datetime.now(UTC).astimezone(CHINA).date()
