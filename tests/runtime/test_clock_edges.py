"""The clock's edges, each a behaviour the mutation run (pyproject [tool.mutmut]) found
unguarded: stored inputs read back whole, boundaries of suspensions (zero-length, touching,
starting on the due date), open suspensions merged with closed ones, progress's running
flag and share, and recomputing a deadline whose date stays while it becomes firm.
Dates are hand-counted on the 2026 calendar (DOMAIN-FACTS.md)."""

from __future__ import annotations

from datetime import date

import pytest

from runtime.calendar import DayEntry
from runtime.calendar_source import calendar_from_chinesecalendar
from runtime.clock import (
    DeadlineInputs,
    Extension,
    Suspension,
    compute_deadline,
    progress,
    recompute,
    step_deadline,
)

CAL = calendar_from_chinesecalendar()
MONDAY = date(2026, 3, 2)  # + 10 working days = Monday 16 March


def test_stored_inputs_read_back_whole() -> None:
    inputs = DeadlineInputs(
        MONDAY,
        10,
        (Suspension(date(2026, 3, 4), date(2026, 3, 6), "现场勘查"), Suspension(date(2026, 3, 9))),
        (Extension(2, "情况复杂"),),
        limit_name="法定时限",
        start_verb="开始",
    )
    assert DeadlineInputs.from_json(inputs.to_json()) == inputs
    # what older rows lack takes the defaults
    bare = DeadlineInputs.from_json({"start": "2026-03-02", "days": 10})
    assert bare == DeadlineInputs(MONDAY, 10)
    assert (bare.limit_name, bare.start_verb) == ("承诺时限", "受理")
    without_reason = DeadlineInputs.from_json(
        {"start": "2026-03-02", "days": 10, "suspensions": [{"start": "2026-03-04", "end": None}]}
    )
    assert without_reason.suspensions == (Suspension(date(2026, 3, 4), None, ""),)


def test_invalid_inputs_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Suspension(date(2026, 3, 4), date(2026, 3, 3))
    with pytest.raises(ValueError, match="at least one working day"):
        Extension(0, "x")
    with pytest.raises(ValueError, match="needs a reason"):
        Extension(1, "  ")
    with pytest.raises(ValueError, match="at least 0 working days"):
        DeadlineInputs(MONDAY, -1)
    two_open = (Suspension(date(2026, 3, 4)), Suspension(date(2026, 3, 9)))
    with pytest.raises(ValueError, match="at most one suspension can be open"):
        DeadlineInputs(MONDAY, 10, two_open)
    with pytest.raises(ValueError, match="needs as_of"):
        compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (Suspension(date(2026, 3, 4)),)))
    with pytest.raises(ValueError, match="yellow_share"):
        progress(CAL, DeadlineInputs(MONDAY, 10), as_of=MONDAY, yellow_share=0)
    with pytest.raises(ValueError, match="yellow_share"):
        progress(CAL, DeadlineInputs(MONDAY, 10), as_of=MONDAY, yellow_share=1.5)


def test_suspension_boundaries() -> None:
    # a zero-length suspension stops nothing and is not listed; a later one still counts
    empty = Suspension(date(2026, 3, 4), date(2026, 3, 4), "当日结束")
    before_start = Suspension(date(2026, 2, 20), date(2026, 3, 1), "受理前")
    real = Suspension(date(2026, 3, 9), date(2026, 3, 10), "检测")
    d = compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (empty, before_start, real)))
    assert [(s.start, s.workdays, s.reasons) for s in d.suspensions] == [
        (date(2026, 3, 9), 1, ("检测",))
    ]
    assert d.due == date(2026, 3, 17)
    # a suspension without a reason carries none
    d = compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (Suspension(date(2026, 3, 9), real.end),)))
    assert d.suspensions[0].reasons == ()
    # touching suspensions are one stop
    a = Suspension(date(2026, 3, 4), date(2026, 3, 6), "甲")
    b = Suspension(date(2026, 3, 6), date(2026, 3, 10), "乙")
    d = compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (a, b)))
    assert len(d.suspensions) == 1 and d.suspensions[0].reasons == ("甲", "乙")
    assert d.suspended_workdays == 4 and d.due == date(2026, 3, 20)
    # one that starts on the due date comes too late to move it
    late = Suspension(date(2026, 3, 16), date(2026, 3, 20), "迟")
    d = compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (late,)))
    assert d.due == date(2026, 3, 16) and d.suspensions == ()


def test_an_open_suspension_merged_with_a_closed_one_keeps_the_clock_stopped() -> None:
    closed = Suspension(date(2026, 3, 4), date(2026, 3, 10), "专家评审")
    still = Suspension(date(2026, 3, 6), None, "检测")
    d = compute_deadline(CAL, DeadlineInputs(MONDAY, 10, (closed, still)), as_of=date(2026, 3, 12))
    assert not d.running and d.as_of == date(2026, 3, 12)
    assert len(d.suspensions) == 1 and d.suspensions[0].end is None
    # stopped 5, 6, 9–12 March; counted 3, 4 then 13, 16–20, 23, 24 March
    assert d.due == date(2026, 3, 24)


def test_progress_running_share_and_total() -> None:
    plain = DeadlineInputs(MONDAY, 10)
    p = progress(CAL, plain, as_of=date(2026, 3, 6))
    assert p.running and (p.elapsed, p.total, p.left) == (4, 10, 6)
    assert p.share_used == pytest.approx(0.4)
    assert progress(CAL, plain, as_of=MONDAY, yellow_share=1).card.value == "none"
    # a closed suspension in the past does not stop the clock now
    past = DeadlineInputs(MONDAY, 10, (Suspension(date(2026, 3, 3), date(2026, 3, 4)),))
    assert progress(CAL, past, as_of=date(2026, 3, 9)).running
    # an open one stops it from its first day
    today = DeadlineInputs(MONDAY, 10, (Suspension(date(2026, 3, 9)),))
    assert not progress(CAL, today, as_of=date(2026, 3, 9)).running
    # a limit of 0 days: one working day used is a whole share, overdue
    instant = progress(CAL, DeadlineInputs(MONDAY, 0), as_of=date(2026, 3, 3))
    assert instant.share_used == 1.0 and instant.overdue and instant.total == 0


def test_step_deadline_counts_its_suspensions() -> None:
    s = Suspension(date(2026, 3, 4), None, "现场勘查")
    d = step_deadline(CAL, MONDAY, 3, step_name="勘查", suspensions=(s,), as_of=date(2026, 3, 6))
    # counted 3, 4 March; stopped 5, 6; the clock resumes on 9 March
    assert d.due == date(2026, 3, 9) and not d.running
    assert d.inputs.limit_name == "勘查环节时限" and d.inputs.start_verb == "开始"


def test_recompute_when_only_the_provisional_status_changes() -> None:
    inputs = DeadlineInputs(date(2026, 12, 30), 3)
    before = compute_deadline(CAL, inputs)
    # 31 December, 1 January (weekends only: 2027 unknown), 4 January
    assert before.due == date(2027, 1, 4) and before.provisional
    plain_2027 = CAL.with_entries((), known_years=[2027])  # no holiday on 1 January
    after = recompute(plain_2027, inputs, due=before.due, missing_years=before.missing_years)
    assert after is not None and after.due == before.due and not after.provisional
    # an open suspension is read at as_of when recomputing, too
    held = DeadlineInputs(date(2026, 12, 30), 3, (Suspension(date(2026, 12, 31)),))
    first = compute_deadline(CAL, held, as_of=date(2027, 1, 5))
    again = first.recompute(plain_2027)
    assert again is not None and again.as_of == date(2027, 1, 5)


def test_what_a_deadline_skipped_is_named() -> None:
    # Friday 18 September 2026 + 10: Sunday 20th worked (国庆节调休上班), 21–24, (中秋节
    # 25–27), 28–30, (国庆节 1–7 October), 8, 9 October
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 9, 18), 10))
    assert d.due == date(2026, 10, 9)
    assert [(a.day, a.name) for a in d.adjusted_workdays] == [(date(2026, 9, 20), "国庆节调休上班")]
    assert [(h.name, h.first, h.last) for h in d.holidays] == [
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
    ]
    # a rest day an administrator entered without a name is called 节假日
    cal = CAL.with_entries((DayEntry(date(2026, 3, 4), False, None),), known_years=[2026])
    d = compute_deadline(cal, DeadlineInputs(MONDAY, 3))
    assert d.due == date(2026, 3, 6)
    assert [(h.name, h.first) for h in d.holidays] == [("节假日", date(2026, 3, 4))]
