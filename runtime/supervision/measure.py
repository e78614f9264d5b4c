"""What supervision reads off a case's clock, through the clock's public functions only
(``runtime.clock``): the measures of a completed case and the day an open case comes
into supervision's view.

A case enters the watch list on the day it has used ``WATCH_SHARE`` of its promised
time: the warning rules then decide, with the configured yellow share
(``yellow_card_share``, default 80%), whether it is yellow. Any configured share at or
above ``WATCH_SHARE`` is exact; a lower one warns from ``WATCH_SHARE`` on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from runtime.calendar import WorkCalendar
from runtime.clock import DeadlineInputs, compute_deadline, progress

#: The share of the promised time from which an open case is watched.
WATCH_SHARE = 0.5


def clock_inputs(raw: str | None) -> tuple[DeadlineInputs, DeadlineInputs] | None:
    """The promised and statutory inputs of a case's stored clock (None: no clock)."""
    if raw is None:
        return None
    clock = json.loads(raw)
    return DeadlineInputs.from_json(clock["promised"]), DeadlineInputs.from_json(clock["statutory"])


def days_for_share(total: int, share: float) -> int:
    """The fewest working days ``e`` with ``e / max(total, 1) >= share`` (as
    :func:`runtime.clock.progress` compares)."""
    e = max(int(share * total) - 1, 0)
    while e / max(total, 1) < share:
        e += 1
    return e


def nearing_on(calendar: WorkCalendar, inputs: DeadlineInputs, today: date) -> date:
    """The day the case will have used ``WATCH_SHARE`` of its limit (while a suspension
    is open: as if the clock resumed today, the earliest it can be)."""
    k = days_for_share(inputs.total_days, WATCH_SHARE)
    probe = DeadlineInputs(inputs.start, k, inputs.suspensions, (), inputs.limit_name)
    return compute_deadline(calendar, probe, as_of=today).due


@dataclass(frozen=True)
class Completion:
    """The measures of a case completed on ``day`` (working days, suspensions excluded)."""

    clocked: bool
    used: int
    promised: int
    statutory: int
    on_time: bool
    early: bool


def completion(calendar: WorkCalendar, raw_clock: str | None, day: date) -> Completion:
    """An instant item (no clock) is done on the spot: on time, not counted as early and
    not in the averages."""
    inputs = clock_inputs(raw_clock)
    if inputs is None:
        return Completion(False, 0, 0, 0, True, False)
    promised, statutory = inputs
    prog = progress(calendar, promised, as_of=day, completed=day)
    return Completion(
        clocked=True,
        used=prog.elapsed,
        promised=promised.days,
        statutory=statutory.days,
        on_time=not prog.overdue,
        early=prog.left > 0,
    )
