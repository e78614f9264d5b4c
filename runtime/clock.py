"""The statutory clock: deadlines in working days, with suspensions and extensions (DESIGN §4).

Conventions (the same as :mod:`runtime.calendar`):

* A period runs from a start day (acceptance, or the start of a step) which is **not
  counted**; working day 1 is the next working day. The due date is the day on which the
  last working day of the limit falls; the work is on time when done on or before it.
* A suspension (中止计时: a special procedure that does not count toward the limit) from
  day F to day T stops the clock for the working days in ``(F, T]``: the day the
  procedure starts is still a counted day, counting resumes the working day after T. This
  is the same interval the special procedure's own limit is counted over. An open
  suspension (``end=None``) runs until ``as_of``; while it is open the due date is given
  as if the clock resumed on ``as_of`` and :attr:`Deadline.running` is False.
  Overlapping suspensions are merged; parts before the start are ignored; a suspension
  that begins on or after the due date does not move it (the limit had already run out).
* Extensions add working days to the limit (行政许可法第四十二条: the head of the office
  may extend, telling the applicant why). An extension is granted *within* the limit, never
  after it has run out: :func:`extension_refusal` says why one is too late.
* The limit of Art. 42 runs from acceptance to the **decision** (作出决定), not to
  completion (办结): issuing and delivering the certificate has its own 10 days (Art. 44).
  ``stopped_on`` is the day the decision was taken; working days after it are never
  counted (:func:`progress` measures up to it, and a stopped clock gives no yellow card).
* Time the law does not count (Art. 45: hearing, bidding, auction, inspection, testing,
  quarantine, appraisal, expert review) and time spent waiting on the applicant (payment,
  a correction the law allows after acceptance) are suspensions. Several may be open at
  once when their reasons differ (a payment awaited during an expert review); overlapping
  ones are merged, so a day is never subtracted twice.
* The periods are working days, statutory holidays not counted (Art. 82).
* The due date is *provisional* when any day in ``(start, due]`` falls in a year the
  calendar does not know; :func:`recompute` gives the new deadline once the year is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from runtime.calendar import WorkCalendar
from runtime.clock_text import explain_deadline

DEFAULT_YELLOW_SHARE = 0.8
DEFAULT_LIMIT_NAME = "承诺时限"
DEFAULT_START_VERB = "受理"
#: The reason of the suspension while the applicant is awaited to pay (not the office's time)
WAIT_PAYMENT = "等待申请人缴费"
#: The reason of the suspension while the applicant is asked, after acceptance, to supplement
#: or clarify the request where the law allows it (政府信息公开条例第三十条)
WAIT_SUPPLEMENT = "等待申请人补充"


# -- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suspension:
    """A period of a special procedure that does not count toward the limit."""

    start: date
    end: date | None = None  # None: still running
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"suspension ends ({self.end}) before it starts ({self.start})")

    @property
    def open(self) -> bool:
        return self.end is None


@dataclass(frozen=True, slots=True)
class Extension:
    """Extra working days granted, with the reason (and basis) the law wants."""

    days: int
    reason: str

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"an extension adds at least one working day, got {self.days}")
        if not self.reason.strip():
            raise ValueError("an extension needs a reason")


@dataclass(frozen=True, slots=True)
class DeadlineInputs:
    """Everything a deadline is computed from; store it (``to_json``) to recompute later."""

    start: date
    days: int
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[Extension, ...] = ()
    limit_name: str = DEFAULT_LIMIT_NAME
    start_verb: str = DEFAULT_START_VERB
    #: the day of the decision: the clock stops there (Art. 42 runs to the decision)
    stopped_on: date | None = None

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"a limit is at least 0 working days, got {self.days}")
        reasons = [s.reason for s in self.suspensions if s.open]
        if len(set(reasons)) != len(reasons):
            raise ValueError("at most one suspension can be open for each reason")
        if self.stopped_on is not None and self.stopped_on < self.start:
            raise ValueError(f"the clock stops ({self.stopped_on}) before it starts ({self.start})")

    def stopped(self, day: date) -> DeadlineInputs:
        """The same limit with the clock stopped on ``day`` (the decision); open suspensions
        end that day."""
        closed = tuple(
            Suspension(s.start, max(day, s.start), s.reason) if s.end is None else s
            for s in self.suspensions
        )
        return replace(self, suspensions=closed, stopped_on=day)

    @property
    def total_days(self) -> int:
        return self.days + sum(e.days for e in self.extensions)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "suspensions": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat() if s.end else None,
                    "reason": s.reason,
                }
                for s in self.suspensions
            ],
            "extensions": [{"days": e.days, "reason": e.reason} for e in self.extensions],
            "limit_name": self.limit_name,
            "start_verb": self.start_verb,
        } | ({"stopped_on": self.stopped_on.isoformat()} if self.stopped_on else {})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeadlineInputs:
        return cls(
            start=date.fromisoformat(data["start"]),
            days=int(data["days"]),
            suspensions=tuple(
                Suspension(
                    date.fromisoformat(s["start"]),
                    date.fromisoformat(s["end"]) if s.get("end") else None,
                    s.get("reason", ""),
                )
                for s in data.get("suspensions", ())
            ),
            extensions=tuple(
                Extension(int(e["days"]), e["reason"]) for e in data.get("extensions", ())
            ),
            limit_name=data.get("limit_name", DEFAULT_LIMIT_NAME),
            start_verb=data.get("start_verb", DEFAULT_START_VERB),
            stopped_on=date.fromisoformat(data["stopped_on"]) if data.get("stopped_on") else None,
        )


# -- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HolidaySpan:
    """Consecutive rest days of one holiday skipped by a deadline (weekend days included)."""

    name: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True, slots=True)
class AdjustedWorkday:
    """A weekend day worked instead (调休上班) inside a deadline's span."""

    day: date
    name: str | None


@dataclass(frozen=True, slots=True)
class AppliedSuspension:
    """A (merged) suspension and the working days it stopped the clock for."""

    start: date
    end: date | None  # None: still open
    counted_until: date  # end, or as_of for an open one
    workdays: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Deadline:
    inputs: DeadlineInputs
    due: date
    missing_years: tuple[int, ...]
    holidays: tuple[HolidaySpan, ...]
    adjusted_workdays: tuple[AdjustedWorkday, ...]
    suspensions: tuple[AppliedSuspension, ...]
    as_of: date | None = None

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)

    @property
    def running(self) -> bool:
        """False while an open suspension stops the clock (the due date will move)."""
        return not any(s.end is None for s in self.suspensions)

    @property
    def suspended_workdays(self) -> int:
        return sum(s.workdays for s in self.suspensions)

    @property
    def stopped_on(self) -> date | None:
        """The day of the decision, when the clock has stopped."""
        return self.inputs.stopped_on

    def awaits(self, calendar: WorkCalendar) -> bool:
        """True when a missing year has since become known: time to :meth:`recompute`."""
        return must_recompute(calendar, self.missing_years)

    def recompute(self, calendar: WorkCalendar) -> Deadline | None:
        return recompute(
            calendar, self.inputs, due=self.due, missing_years=self.missing_years, as_of=self.as_of
        )

    def explain(self) -> str:
        """The deadline in words (Chinese), for the case file, the receipt and the applicant."""
        return explain_deadline(self)


class Card(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Progress:
    """How much of a limit is used at ``as_of`` (or at completion)."""

    elapsed: int  # working days counted (suspended days excluded)
    total: int  # the limit plus extensions
    left: int  # total - elapsed; negative when overdue
    share_used: float
    overdue: bool
    running: bool  # False once completed or while suspended
    card: Card  # the card to issue now
    withheld_card: Card | None  # the card a provisional calendar would give (not issued)
    missing_years: tuple[int, ...] = field(default=())

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)


# -- computing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    start: int  # ordinal; the span stops the clock for working days in (start, end]
    end: int
    open: bool
    reasons: tuple[str, ...]


def _merge(inputs: DeadlineInputs, as_of: date | None) -> list[_Span]:
    """Suspensions clipped to the start, open ones ended at ``as_of``, overlaps merged."""
    begin = inputs.start.toordinal()
    raw: list[_Span] = []
    for s in inputs.suspensions:
        if s.end is None:
            if as_of is None:
                raise ValueError("an open suspension needs as_of (the day the clock is read)")
            end = max(as_of, s.start).toordinal()
        else:
            end = s.end.toordinal()
        start = max(s.start.toordinal(), begin)
        if end <= start:
            continue
        raw.append(_Span(start, end, s.end is None, (s.reason,) if s.reason else ()))
    raw.sort(key=lambda sp: sp.start)
    merged: list[_Span] = []
    for sp in raw:
        if merged and sp.start <= merged[-1].end:
            last = merged[-1]
            reasons = last.reasons + tuple(r for r in sp.reasons if r not in last.reasons)
            merged[-1] = _Span(last.start, max(last.end, sp.end), last.open or sp.open, reasons)
        else:
            merged.append(sp)
    return merged


def compute_deadline(
    calendar: WorkCalendar, inputs: DeadlineInputs, *, as_of: date | None = None
) -> Deadline:
    """The due date of ``inputs`` under ``calendar``, with what it skipped and why."""
    target = inputs.total_days
    counted = 0
    cursor = inputs.start.toordinal()
    applied: list[AppliedSuspension] = []
    for sp in _merge(inputs, as_of):
        before = calendar.count_ordinals(cursor, sp.start)
        if counted + before >= target:
            break  # the limit runs out before this suspension starts
        counted += before
        stopped = calendar.count_ordinals(sp.start, sp.end)
        applied.append(
            AppliedSuspension(
                start=date.fromordinal(sp.start),
                end=None if sp.open else date.fromordinal(sp.end),
                counted_until=date.fromordinal(sp.end),
                workdays=stopped,
                reasons=sp.reasons,
            )
        )
        cursor = sp.end
    due = date.fromordinal(calendar.add_ordinal(cursor, target - counted))
    holidays, adjusted = _skipped(calendar, inputs.start, due)
    return Deadline(
        inputs=inputs,
        due=due,
        missing_years=calendar.missing_years(inputs.start, due),
        holidays=holidays,
        adjusted_workdays=adjusted,
        suspensions=tuple(applied),
        as_of=as_of,
    )


def _skipped(
    calendar: WorkCalendar, start: date, due: date
) -> tuple[tuple[HolidaySpan, ...], tuple[AdjustedWorkday, ...]]:
    spans: list[HolidaySpan] = []
    adjusted: list[AdjustedWorkday] = []
    for e in calendar.entries_between(start, due):
        if e.is_workday:
            if e.adjusted:
                adjusted.append(AdjustedWorkday(e.day, e.name))
            continue
        name = e.name or "节假日"
        last = spans[-1] if spans else None
        if last and last.name == name and (e.day - last.last).days == 1:
            spans[-1] = HolidaySpan(name, last.first, e.day)
        else:
            spans.append(HolidaySpan(name, e.day, e.day))
    return tuple(spans), tuple(adjusted)


def step_deadline(
    calendar: WorkCalendar,
    started: date,
    days: int,
    *,
    step_name: str,
    suspensions: Sequence[Suspension] = (),
    as_of: date | None = None,
) -> Deadline:
    """A step's own budget: ``days`` working days from the day the step started."""
    inputs = DeadlineInputs(
        start=started,
        days=days,
        suspensions=tuple(suspensions),
        limit_name=f"{step_name}环节时限",
        start_verb="开始",
    )
    return compute_deadline(calendar, inputs, as_of=as_of)


def calendar_due(started: date, days: int) -> date:
    """The last day of a period of ``days`` calendar days (自然日) from ``started`` (not
    counted): weekends and holidays count like any day, so a 7-day publicity started on
    2026-09-30 ends on 2026-10-07, in the middle of the National Day holiday."""
    return started + timedelta(days=days)


def elapsed_workdays(
    calendar: WorkCalendar, inputs: DeadlineInputs, end: date
) -> tuple[int, tuple[int, ...]]:
    """Working days counted in ``(start, end]``, suspended days excluded; and missing years."""
    if end <= inputs.start:
        return 0, ()
    start = inputs.start.toordinal()
    last = end.toordinal()
    total = calendar.count_ordinals(start, last)
    for sp in _merge(inputs, end):
        if sp.start >= last:
            break
        total -= calendar.count_ordinals(sp.start, min(sp.end, last))
    return total, calendar.missing_years(inputs.start, end)


def progress(
    calendar: WorkCalendar,
    inputs: DeadlineInputs,
    *,
    as_of: date,
    completed: date | None = None,
    yellow_share: float = DEFAULT_YELLOW_SHARE,
) -> Progress:
    """Elapsed and remaining working days, share of the limit used, and the card to issue.

    The count ends at the decision when the clock has stopped (``inputs.stopped_on``,
    Art. 42), else at ``completed``, else at ``as_of``: steps after the decision never
    make a case late. Red when overdue (open or finished late); yellow when a running
    clock has used at least ``yellow_share`` of its limit. No card is issued on a
    provisional count alone: it is returned as ``withheld_card`` instead.
    """
    if not 0 < yellow_share <= 1:
        raise ValueError(f"yellow_share must be in (0, 1], got {yellow_share}")
    if inputs.stopped_on is not None:
        completed = inputs.stopped_on
    end = completed if completed is not None else as_of
    elapsed, missing = elapsed_workdays(calendar, inputs, end)
    total = inputs.total_days
    left = total - elapsed
    share = elapsed / max(total, 1)
    overdue = left < 0
    card = Card.NONE
    if overdue:
        card = Card.RED
    elif completed is None and share >= yellow_share:
        card = Card.YELLOW
    suspended_now = completed is None and any(
        s.end is None and s.start <= as_of for s in inputs.suspensions
    )
    withheld: Card | None = None
    if missing and card is not Card.NONE:
        withheld, card = card, Card.NONE
    return Progress(
        elapsed=elapsed,
        total=total,
        left=left,
        share_used=share,
        overdue=overdue,
        running=completed is None and not suspended_now,
        card=card,
        withheld_card=withheld,
        missing_years=missing,
    )


def extension_refusal(calendar: WorkCalendar, inputs: DeadlineInputs, today: date) -> str | None:
    """Why the statutory limit ``inputs`` can no longer be extended on ``today``, or None.

    行政许可法第四十二条: the extension is decided within the limit; once the limit has run
    out (``today`` after the due date, suspensions counted) or the decision is taken, there
    is nothing left to extend."""
    if inputs.stopped_on is not None:
        return "已作出决定，办理期限已停止计算，不能延期"
    due = compute_deadline(calendar, inputs, as_of=today).due
    if today > due:
        return (
            f"法定期限已于{due.year}年{due.month}月{due.day}日届满，不能再延期"
            "（《行政许可法》第四十二条：延期须在法定期限内决定）"
        )
    return None


def must_recompute(calendar: WorkCalendar, missing_years: Iterable[int]) -> bool:
    """Whether a provisional deadline (missing these years) can now be made firmer."""
    return any(calendar.knows(y) for y in missing_years)


def recompute(
    calendar: WorkCalendar,
    inputs: DeadlineInputs,
    *,
    due: date,
    missing_years: Sequence[int],
    as_of: date | None = None,
) -> Deadline | None:
    """The deadline under the new ``calendar``, or None when neither the due date nor its
    provisional status changed. The case engine records a non-None result as an event."""
    new = compute_deadline(calendar, inputs, as_of=as_of)
    if new.due == due and new.missing_years == tuple(missing_years):
        return None
    return new
