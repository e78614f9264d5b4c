"""Both deadlines of a case as the case page and the API show them: the statutory one (法定
期限, the law's) and the promised one (承诺期限, the county's), each with its explanation
(accepted on X, N working days, holidays skipped, suspended from Y to Z, hence due on D),
marked 暂定 while a year it touches is missing from the calendar, and where the clock
stopped at the decision (行政许可法第四十二条)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from runtime.calendar import WorkCalendar, weekday_zh
from runtime.clock import DeadlineInputs, compute_deadline
from runtime.clock_text import full_date

NAMES = {"statutory": "法定期限", "promised": "承诺期限"}


@dataclass(frozen=True)
class DeadlineView:
    kind: str  # statutory | promised
    name: str  # 法定期限 | 承诺期限
    due: date
    due_text: str  # 2026年10月15日（星期四），with 暂定 while provisional
    provisional: bool
    missing_years: tuple[int, ...]
    explanation: str
    working_days: int  # the limit plus extensions
    extended_days: int
    stopped_on: date | None  # the decision day: the clock stopped there
    on_time: bool | None  # whether the decision came in time (None while running)


def deadline_views(clock: str | None, calendar: WorkCalendar, today: date) -> list[DeadlineView]:
    """The statutory, then the promised deadline of a case's stored clock (none untimed)."""
    if clock is None:
        return []
    stored = json.loads(clock)
    out = []
    for kind in ("statutory", "promised"):
        if kind not in stored:
            continue
        inputs = DeadlineInputs.from_json(stored[kind])
        d = compute_deadline(calendar, inputs, as_of=today)
        text = f"{full_date(d.due)}（{weekday_zh(d.due)}）"
        if d.provisional:
            text += "（暂定）"
        stopped = inputs.stopped_on
        out.append(
            DeadlineView(
                kind=kind,
                name=NAMES[kind],
                due=d.due,
                due_text=text,
                provisional=d.provisional,
                missing_years=d.missing_years,
                explanation=d.explain(),
                working_days=inputs.total_days,
                extended_days=inputs.total_days - inputs.days,
                stopped_on=stopped,
                on_time=None if stopped is None else stopped <= d.due,
            )
        )
    return out
