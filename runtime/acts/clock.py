"""The clock's upkeep: 延期 (extend), the stop at the decision, the applicant's waits, and
the system's recomputed deadlines after a calendar year is entered or changed.

What the law counts (docs/clock.md has the table):

* 延期 — 《行政许可法》第四十二条: the limit may be extended once, by the head of the office
  (for a joint item: the government head), telling the applicant why. It is decided
  *within* the limit: an extension after the statutory deadline has passed is refused.
  Who may extend is the definition's ``limits.extension_by`` / ``extension_at`` (default:
  the chief representative of the deciding domain, who holds the department's authority
  under the reform), checked by rbac; the basis (``limits.extension_basis``) is recorded.
* The stop — 第四十二条 runs from acceptance to the decision (作出决定); issuing and
  delivering the certificate has its own 10 days (第四十四条). :func:`stop_clock` records
  the decision day on both limits; later steps keep their own step budgets only.
* Waiting on the applicant — the time an applicant takes to pay, or to supplement a request
  where the law allows it after acceptance (政府信息公开条例第三十条, :mod:`.supplement`), is
  not the office's time: :func:`await_applicant` opens a suspension that
  :func:`applicant_back` closes (the special procedures of 第四十五条 suspend through
  ``rules.suspend``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Unpack

from definitions.compile import FieldError
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, Texts, When, act
from runtime.acts.rules import edit_clock, required_reason
from runtime.clock import (
    WAIT_PAYMENT,
    DeadlineInputs,
    Extension,
    Suspension,
    compute_deadline,
    extension_refusal,
)
from runtime.clock_text import full_date
from runtime.errors import InvalidInput, WrongState
from runtime.states import State


def _statutory(s: Situation) -> DeadlineInputs:
    raw = s.values.get("clock", s.case.clock) if isinstance(s, Ctx) else s.case.clock
    assert raw is not None
    return DeadlineInputs.from_json(json.loads(raw)["statutory"])


def _extend_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in (State.IN_PROGRESS, State.SUSPENDED) or s.case.clock is None:
        return "只有计时中的案件可以延期"
    inputs = _statutory(s)
    if isinstance(s, Ctx):  # inside the act: the exact answer, on the act's day
        return extension_refusal(s.work_calendar, inputs, s.today)
    # a page: the stored due date is exact unless a suspension is still open (then the
    # clock is not running and the limit cannot have run out meanwhile)
    due, today = s.case.due_statutory, s.today
    if today is None:
        return None  # the day is not known here: the act judges it
    if due is not None and today > due and all(not x.open for x in inputs.suspensions):
        return f"法定期限已于{full_date(due)}届满，不能再延期"
    return None


def _extended(s: Situation) -> int:
    return sum(e.days for e in _statutory(s).extensions)


def _room_left(s: Situation) -> bool:
    """Days are left to extend by (otherwise every extension is refused for its days)."""
    return s.case.clock is not None and _extended(s) < s.pub.definition.limits.extension_days


def _extend_text(t: Texts) -> dict[str, Any]:
    days = t.one("days")
    if not (0 < len(days) <= 4 and days.isascii() and days.isdigit()):
        raise InvalidInput(
            "请填写延长的工作日数（整数）", [FieldError("/days", "请填写延长的工作日数（整数）")]
        )
    return {"days": int(days), "reason": t.one("reason")}


def _basis(c: Ctx) -> str | None:
    """The title of the definition's extension basis (its ``ref`` when it has no title)."""
    ref = c.pub.definition.limits.extension_basis
    if ref is None:
        return None
    entry = next((b for b in c.pub.definition.basis if b.ref == ref), None)
    return entry.title if entry is not None else ref


@act(
    "extend",
    rank=120,
    guard=_extend_guard,
    choices=[Choice("延长办理期限", reason="延期理由和依据", days=True)],
    text=_extend_text,
    done="已延长办理期限",
    offer_if=_room_left,
)
def extend(c: Ctx, *, days: int, reason: str, **_: Unpack[When]) -> None:
    """延期 within the statutory limit, by whom the definition names, with reasons and
    basis, bounded by ``limits.extension_days`` (行政许可法第四十二条)."""
    text = required_reason(reason, "延期必须说明理由和依据")
    used = _extended(c)
    allowed = c.pub.definition.limits.extension_days
    if days < 1 or used + days > allowed:
        raise InvalidInput(
            f"最多可延长 {allowed} 个工作日，已延长 {used} 个工作日",
            [FieldError("/days", f"最多还可延长 {max(allowed - used, 0)} 个工作日")],
        )
    basis = _basis(c)
    recorded = f"{text}（依据：{basis}）" if basis else text
    edit_clock(c, lambda d: replace(d, extensions=(*d.extensions, Extension(days, recorded))))
    c.reason = f"延长{days}个工作日：{recorded}"
    due = c.values["due_statutory"]
    c.notify_extra["due"] = f"{due:%Y年%m月%d日}"  # the statutory date the law extended


def open_waits(s: Situation) -> list[str]:
    """The reasons of the suspensions open now on the statutory limit (the applicant
    awaited to pay or to supplement, a special procedure), read from the case's clock JSON;
    usable from a page's Situation as from an act's context."""
    raw = s.values.get("clock", s.case.clock) if isinstance(s, Ctx) else s.case.clock
    if raw is None:
        return []
    return [x.reason for x in _statutory(s).suspensions if x.open]


def clock_running(c: Ctx) -> bool:
    """Whether the case has a clock that has not stopped at a decision."""
    raw = c.values.get("clock", c.case.clock)
    return raw is not None and c.values.get("decided_on", c.case.decided_on) is None


def stop_clock(c: Ctx) -> None:
    """The decision: both limits stop today (第四十二条); open suspensions end today."""
    c.values["decided_on"] = c.today
    if c.values.get("clock", c.case.clock) is not None:
        edit_clock(c, lambda d: d.stopped(c.today))


def await_applicant(c: Ctx, why: str = WAIT_PAYMENT) -> None:
    """The case now waits on the applicant (to pay): the clock stops until
    :func:`applicant_back` (not the office's time). Nothing happens once decided."""
    if not clock_running(c):
        return
    if any(s.open and s.reason == why for s in _statutory(c).suspensions):
        return
    edit_clock(
        c, lambda d: replace(d, suspensions=(*d.suspensions, Suspension(c.today, None, why)))
    )


def applicant_back(c: Ctx, why: str = WAIT_PAYMENT) -> None:
    """The applicant has done what was awaited: the clock runs again from today."""
    if not clock_running(c):
        return

    def close(d: DeadlineInputs) -> DeadlineInputs:
        closed = tuple(
            Suspension(s.start, c.today, s.reason) if s.open and s.reason == why else s
            for s in d.suspensions
        )
        return replace(d, suspensions=closed)

    edit_clock(c, close)


@act("recompute_deadline", rank=900, text=None, system=True)
def recompute_deadline(c: Ctx, *, years: str = "", **_: Unpack[When]) -> None:
    """Recompute both deadlines under the calendar as it now stands (or refuse: no change,
    nothing is written). The event says before → after for the statutory and the
    promised date."""
    before = (c.case.due_statutory, c.case.due_promised, c.case.due_provisional)
    assert c.case.clock is not None
    clock = json.loads(c.case.clock)
    limits = [DeadlineInputs.from_json(clock[k]) for k in ("statutory", "promised")]
    # While a suspension is open the stored date was computed as if the clock resumed the
    # day it stopped: recompute on that same footing, so only the calendar moves a date.
    opened = [s.start for i in limits for s in i.suspensions if s.open]
    statutory, promised = (
        compute_deadline(c.work_calendar, i, as_of=max(opened, default=c.today)) for i in limits
    )
    c.values.update(
        due_statutory=statutory.due,
        due_promised=promised.due,
        due_provisional=statutory.provisional or promised.provisional,
    )
    after = (
        c.values.get("due_statutory"),
        c.values.get("due_promised"),
        c.values.get("due_provisional"),
    )
    if before == after:
        raise WrongState("期限没有变化")
    c.reason = recompute_reason(before, after, years)


def _dated(day: Any, provisional: bool) -> str:
    if day is None:
        return "无"
    return f"{day.isoformat()}{'（暂定）' if provisional else ''}"


def recompute_reason(before: tuple[Any, Any, Any], after: tuple[Any, Any, Any], years: str) -> str:
    """``工作日历更新（2027年），重新计算期限：法定 … → …；承诺 … → …``."""
    why = f"工作日历更新（{years}）" if years else "工作日历更新"
    return (
        f"{why}，重新计算期限：法定期限 {_dated(before[0], before[2])} → "
        f"{_dated(after[0], after[2])}；承诺期限 {_dated(before[1], before[2])} → "
        f"{_dated(after[1], after[2])}"
    )


__all__ = [
    "applicant_back",
    "await_applicant",
    "clock_running",
    "extend",
    "open_waits",
    "recompute_deadline",
    "stop_clock",
]
