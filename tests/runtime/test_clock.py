"""The statutory clock: working-day arithmetic, deadlines, suspensions, explanations.

The calendar here comes straight from chinesecalendar (no database); the table and the
administrators' edits are tested in test_calendar.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.calendar import DayEntry, UnknownYearError, WorkCalendar
from runtime.calendar_source import calendar_from_chinesecalendar
from runtime.clock import (
    Card,
    DeadlineInputs,
    Extension,
    Suspension,
    compute_deadline,
    elapsed_workdays,
    must_recompute,
    progress,
    recompute,
    step_deadline,
)

CAL = calendar_from_chinesecalendar()

#: test data for 2027 (NOT the State Council's arrangement, which is not published yet):
#: New Year's day on Friday 2027-01-01 with the weekend, and Monday 01-04 given as well.
NEW_YEAR_2027 = (
    DayEntry(date(2027, 1, 1), False, "元旦"),
    DayEntry(date(2027, 1, 2), False, "元旦"),
    DayEntry(date(2027, 1, 3), False, "元旦"),
    DayEntry(date(2027, 1, 4), False, "元旦"),
    DayEntry(date(2027, 1, 9), True, "元旦调休上班"),
)
CAL_2027 = CAL.with_entries(NEW_YEAR_2027, known_years=[2027])

known_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31))


def add(d: date, n: int, cal: WorkCalendar = CAL) -> date:
    return cal.add_workdays(d, n).value


# -- the given facts --------------------------------------------------------------------


def test_national_day_2026_fact() -> None:
    r = CAL.add_workdays(date(2026, 9, 30), 3)
    assert r.value == date(2026, 10, 10)
    assert not r.provisional
    assert r.known() == date(2026, 10, 10)


def test_national_day_week_2026() -> None:
    # 10-01..10-07 rest; 10-08 (Thu) and 10-09 (Fri) work; 10-10 (Sat) is worked (调休)
    for d in (date(2026, 10, 1) + timedelta(days=i) for i in range(7)):
        assert CAL.is_workday(d).known() is False
    assert CAL.is_workday(date(2026, 10, 8)).known()
    assert CAL.is_workday(date(2026, 10, 10)).known()
    assert CAL.is_workday(date(2026, 9, 20)).known()  # Sunday worked
    assert not CAL.is_workday(date(2026, 9, 19)).known()  # Saturday rest
    assert add(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert add(date(2026, 9, 18), 3) == date(2026, 9, 22)
    # Mid-autumn 09-25..09-27
    assert add(date(2026, 9, 24), 3) == date(2026, 9, 30)
    assert add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 10)).known() == 3
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 7)).known() == 0


def test_spring_festival_week_2026() -> None:
    # 02-15..02-23 rest; Saturdays 02-14 and 02-28 worked
    for d in (date(2026, 2, 15) + timedelta(days=i) for i in range(9)):
        assert not CAL.is_workday(d).known()
    assert CAL.is_workday(date(2026, 2, 14)).known()
    assert CAL.is_workday(date(2026, 2, 28)).known()
    assert add(date(2026, 2, 12), 1) == date(2026, 2, 13)
    assert add(date(2026, 2, 12), 2) == date(2026, 2, 14)
    assert add(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert add(date(2026, 2, 26), 2) == date(2026, 2, 28)
    assert CAL.workdays_between(date(2026, 2, 13), date(2026, 2, 24)).known() == 2


def test_adjusted_working_weekends_2026() -> None:
    worked = [
        d
        for d in (date(2026, 1, 1) + timedelta(days=i) for i in range(365))
        if d.weekday() >= 5 and CAL.is_workday(d).known()
    ]
    assert worked == [
        date(2026, m, d) for m, d in ((1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10))
    ]


def test_conventions() -> None:
    d = date(2026, 3, 10)
    assert add(d, 0) == d
    assert CAL.workdays_between(d, d).known() == 0
    assert CAL.workdays_between(date(2026, 3, 13), date(2026, 3, 9)).known() == -4
    with pytest.raises(ValueError):
        CAL.add_workdays(d, -1)
    # starting on a rest day: day 1 is the next working day
    assert add(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_reckoned_refuses_truth_testing() -> None:
    with pytest.raises(TypeError):
        bool(CAL.is_workday(date(2026, 1, 5)))


# -- unknown years ------------------------------------------------------------------------


def test_unknown_year_is_provisional_and_named() -> None:
    r = CAL.add_workdays(date(2026, 12, 28), 5)
    assert r.provisional
    assert r.missing_years == (2027,)
    assert r.value == date(2027, 1, 4)  # weekends only
    with pytest.raises(UnknownYearError) as err:
        r.known()
    assert err.value.years == (2027,)
    assert "2027" in str(err.value)
    assert CAL.is_workday(date(2027, 3, 1)).missing_years == (2027,)
    assert CAL.workdays_between(date(2026, 12, 1), date(2028, 1, 5)).missing_years == (2027, 2028)
    # a span ending on 12-31 does not touch the next year
    assert not CAL.add_workdays(date(2026, 12, 28), 3).provisional


def test_provisional_deadline_recomputed_when_2027_is_entered() -> None:
    inputs = DeadlineInputs(start=date(2026, 12, 28), days=5)
    before = compute_deadline(CAL, inputs)
    assert before.provisional and before.missing_years == (2027,)
    assert before.due == date(2027, 1, 4)
    assert "【暂定】" in before.explain() and "2027年" in before.explain()
    assert not must_recompute(CAL, before.missing_years)
    assert recompute(CAL, inputs, due=before.due, missing_years=before.missing_years) is None

    assert before.awaits(CAL_2027)
    after = before.recompute(CAL_2027)
    assert after is not None
    assert not after.provisional
    # 12-29, 12-30, 12-31, then 01-01..01-04 rest, 01-05, 01-06
    assert after.due == date(2027, 1, 6)
    assert [(h.name, h.first, h.last) for h in after.holidays] == [
        ("元旦", date(2027, 1, 1), date(2027, 1, 4))
    ]
    text = after.explain()
    assert "暂定" not in text
    assert "元旦（2027年1月1日至2027年1月4日，共4天）" in text
    assert "2027年1月6日" in text
    # nothing more to do once firm
    assert after.recompute(CAL_2027) is None


# -- deadlines -----------------------------------------------------------------------------


def test_explanation_of_the_national_day_deadline() -> None:
    d = compute_deadline(CAL, DeadlineInputs(start=date(2026, 9, 30), days=3))
    assert d.due == date(2026, 10, 10)
    assert not d.provisional and d.running
    assert [(h.name, h.first, h.last) for h in d.holidays] == [
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7))
    ]
    assert [a.day for a in d.adjusted_workdays] == [date(2026, 10, 10)]
    assert d.explain() == (
        "2026年9月30日（星期三）受理，承诺时限3个工作日（受理当日不计入）；"
        "期间跳过国庆节（10月1日至10月7日，共7天），10月10日（星期六）调休上班，计为工作日；"
        "中止计时：无；故应于2026年10月10日（星期六）前（含当日）办结。"
    )


def test_suspension_extends_by_the_suspended_working_days() -> None:
    start = date(2026, 3, 2)  # Monday
    plain = compute_deadline(CAL, DeadlineInputs(start, 10))
    assert plain.due == date(2026, 3, 16)
    # site inspection from Wed 03-04 to Tue 03-10: (03-04, 03-10] holds 4 working days
    s = Suspension(date(2026, 3, 4), date(2026, 3, 10), "现场勘查")
    d = compute_deadline(CAL, DeadlineInputs(start, 10, suspensions=(s,)))
    assert d.suspended_workdays == 4
    assert d.due == date(2026, 3, 20)
    assert "3月4日至3月10日中止计时（现场勘查），计4个工作日不计入时限" in d.explain()


def test_suspension_over_a_holiday_counts_only_working_days() -> None:
    s = Suspension(date(2026, 9, 29), date(2026, 10, 9), "专家评审")
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 9, 28), 5, suspensions=(s,)))
    # (09-29, 10-09] working days: 09-30, 10-08, 10-09 → 3
    assert d.suspended_workdays == 3
    # counted: 09-29, then 10-10 (调休上班), 10-12, 10-13, 10-14
    assert d.due == date(2026, 10, 14)


def test_overlapping_suspensions_are_merged() -> None:
    a = Suspension(date(2026, 3, 4), date(2026, 3, 10), "现场勘查")
    b = Suspension(date(2026, 3, 9), date(2026, 3, 12), "检测")
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 3, 2), 10, suspensions=(a, b)))
    assert len(d.suspensions) == 1
    assert d.suspensions[0].reasons == ("现场勘查", "检测")
    assert d.suspended_workdays == 6  # 03-05 .. 03-12 working days
    # counted: 03-03, 03-04, then 13, 16, 17, 18, 19, 20, 23, 24 March
    assert d.due == date(2026, 3, 24)


def test_a_nested_suspension_does_not_shorten_the_outer_one() -> None:
    outer = Suspension(date(2026, 3, 4), date(2026, 3, 13), "专家评审")
    inner = Suspension(date(2026, 3, 6), date(2026, 3, 10), "现场勘查")
    for order in ((outer, inner), (inner, outer)):
        d = compute_deadline(CAL, DeadlineInputs(date(2026, 3, 2), 10, suspensions=order))
        # stopped: 5, 6, 9–13 March (7 working days); counted: 3, 4, then 16–20, 23–25 March
        assert d.suspended_workdays == 7
        assert d.due == date(2026, 3, 25)
        inputs = d.inputs
        # on 18 March: 3, 4, 16, 17, 18 March counted
        assert elapsed_workdays(CAL, inputs, date(2026, 3, 18))[0] == 5
        p = progress(CAL, inputs, as_of=date(2026, 3, 18))
        assert (p.elapsed, p.left) == (5, 5)


def test_suspensions_and_extensions_across_the_spring_festival() -> None:
    # accepted Friday 13 February 2026: Saturday 14th worked, 15–23 February rest,
    # Saturday 28 February worked
    ext = Extension(3, "情况复杂")
    plain = compute_deadline(CAL, DeadlineInputs(date(2026, 2, 13), 5))
    assert plain.due == date(2026, 2, 27)  # 14, 24, 25, 26, 27 February
    extended = compute_deadline(CAL, DeadlineInputs(date(2026, 2, 13), 5, extensions=(ext,)))
    assert extended.due == date(2026, 3, 3)  # … 27, 28 February, 2, 3 March
    s = Suspension(date(2026, 2, 26), date(2026, 3, 3), "检测")
    both = DeadlineInputs(date(2026, 2, 13), 5, suspensions=(s,), extensions=(ext,))
    d = compute_deadline(CAL, both)
    # counted 14, 24, 25, 26 February; stopped 27, 28 February, 2, 3 March; then 4, 5, 6, 9
    assert d.suspended_workdays == 4
    assert d.due == date(2026, 3, 9)
    # two suspensions, the second starting the day the first ends (touching, merged)
    t = Suspension(date(2026, 3, 3), date(2026, 3, 5), "专家评审")
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 2, 13), 5, (s, t), (ext,)))
    assert d.suspended_workdays == 6 and d.due == date(2026, 3, 11)


def test_suspension_after_the_limit_ran_out_does_not_move_it() -> None:
    s = Suspension(date(2026, 3, 20), date(2026, 3, 31))
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 3, 2), 10, suspensions=(s,)))
    assert d.due == date(2026, 3, 16)
    assert d.suspensions == ()


def test_open_suspension() -> None:
    s = Suspension(date(2026, 3, 4), None, "专家评审")
    inputs = DeadlineInputs(date(2026, 3, 2), 10, suspensions=(s,))
    with pytest.raises(ValueError):
        compute_deadline(CAL, inputs)
    d = compute_deadline(CAL, inputs, as_of=date(2026, 3, 6))
    assert not d.running
    assert d.suspensions[0].end is None and d.suspensions[0].workdays == 2
    assert d.due == date(2026, 3, 18)
    assert "自3月4日起中止计时（专家评审），尚未恢复，截至3月6日已中止2个工作日" in d.explain()
    # the due date moves while the clock stands still
    later = compute_deadline(CAL, inputs, as_of=date(2026, 3, 13))
    assert later.due == date(2026, 3, 25)
    # and the elapsed count stands still too
    assert elapsed_workdays(CAL, inputs, date(2026, 3, 6))[0] == 2
    assert elapsed_workdays(CAL, inputs, date(2026, 3, 13))[0] == 2
    p = progress(CAL, inputs, as_of=date(2026, 3, 13))
    assert not p.running and p.elapsed == 2 and p.left == 8


def test_extension_adds_working_days() -> None:
    ext = Extension(10, "情况复杂，经首席代表批准延长")
    d = compute_deadline(CAL, DeadlineInputs(date(2026, 9, 30), 3, extensions=(ext,)))
    assert d.inputs.total_days == 13
    # 10-08, 10-09, 10-10 (调休上班), 10-12 … 10-16, 10-19 … 10-23
    assert d.due == date(2026, 10, 23)
    assert "延长10个工作日（理由：情况复杂，经首席代表批准延长），合计13个工作日" in d.explain()
    with pytest.raises(ValueError):
        Extension(0, "x")
    with pytest.raises(ValueError):
        Extension(3, " ")


def test_step_deadline() -> None:
    d = step_deadline(CAL, date(2026, 9, 30), 2, step_name="审查")
    assert d.due == date(2026, 10, 9)
    text = d.explain()
    assert text.startswith("2026年9月30日（星期三）开始，审查环节时限2个工作日（开始当日不计入）")
    assert text.endswith("故应于2026年10月9日（星期五）前（含当日）完成。")


def test_inputs_round_trip_as_json() -> None:
    inputs = DeadlineInputs(
        date(2026, 3, 2),
        10,
        suspensions=(
            Suspension(date(2026, 3, 4), date(2026, 3, 10), "现场勘查"),
            Suspension(date(2026, 3, 20)),
        ),
        extensions=(Extension(5, "依法延长"),),
        limit_name="法定时限",
    )
    assert DeadlineInputs.from_json(inputs.to_json()) == inputs


# -- progress and cards -------------------------------------------------------------------------


def test_progress_yellow_red_and_left() -> None:
    inputs = DeadlineInputs(date(2026, 3, 2), 10)  # due 03-16
    p = progress(CAL, inputs, as_of=date(2026, 3, 9))
    assert (p.elapsed, p.left, p.card, p.overdue) == (5, 5, Card.NONE, False)
    p = progress(CAL, inputs, as_of=date(2026, 3, 12))
    assert (p.elapsed, p.share_used, p.card) == (8, 0.8, Card.YELLOW)
    p = progress(CAL, inputs, as_of=date(2026, 3, 12), yellow_share=0.9)
    assert p.card is Card.NONE
    p = progress(CAL, inputs, as_of=date(2026, 3, 16))
    assert (p.left, p.overdue, p.card) == (0, False, Card.YELLOW)
    p = progress(CAL, inputs, as_of=date(2026, 3, 18))
    assert (p.left, p.overdue, p.card) == (-2, True, Card.RED)
    # completed: on time → no card, late → red
    p = progress(CAL, inputs, as_of=date(2026, 4, 1), completed=date(2026, 3, 13))
    assert (p.elapsed, p.card, p.running) == (9, Card.NONE, False)
    p = progress(CAL, inputs, as_of=date(2026, 4, 1), completed=date(2026, 3, 17))
    assert (p.left, p.card) == (-1, Card.RED)


def test_no_card_on_a_provisional_count_alone() -> None:
    inputs = DeadlineInputs(date(2026, 12, 28), 5)
    p = progress(CAL, inputs, as_of=date(2027, 1, 8))
    assert p.provisional and p.missing_years == (2027,)
    assert p.overdue and p.card is Card.NONE and p.withheld_card is Card.RED
    firm = progress(CAL_2027, inputs, as_of=date(2027, 1, 8))
    assert not firm.provisional and firm.card is Card.RED and firm.withheld_card is None


# -- properties ------------------------------------------------------------------------------


@settings(deadline=None)
@given(known_dates, st.integers(min_value=0, max_value=300))
def test_add_workdays_is_strictly_increasing_and_lands_on_workdays(d: date, n: int) -> None:
    a = add(d, n)
    b = add(d, n + 1)
    assert a < b
    assert CAL.is_workday(b).value
    if n >= 1:
        assert CAL.is_workday(a).value


@settings(deadline=None)
@given(known_dates, st.integers(min_value=0, max_value=400))
def test_workdays_between_inverts_add_workdays(d: date, n: int) -> None:
    due = add(d, n)
    assert CAL.workdays_between(d, due).value == n
    assert CAL.workdays_between(due, d).value == -n


@settings(deadline=None)
@given(
    st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30)),
    st.integers(min_value=1, max_value=20),
)
def test_add_workdays_agrees_with_a_day_by_day_walk(d: date, n: int) -> None:
    day, left = d, n
    while left:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            left -= 1
    assert add(d, n) == day


def test_agrees_with_chinesecalendar_for_every_day_of_2025_and_2026() -> None:
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert CAL.is_workday(day).known() == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@settings(deadline=None)
@given(known_dates)
def test_agrees_with_chinesecalendar_on_known_years(d: date) -> None:
    assert CAL.is_workday(d).known() == chinese_calendar.is_workday(d)


suspension_lists = st.lists(
    st.tuples(st.integers(min_value=-5, max_value=60), st.integers(min_value=0, max_value=30)),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(known_dates, st.integers(min_value=0, max_value=60), suspension_lists)
def test_suspensions_never_make_a_deadline_earlier(
    d: date, n: int, spans: list[tuple[int, int]]
) -> None:
    suspensions = tuple(
        Suspension(d + timedelta(days=a), d + timedelta(days=a + length)) for a, length in spans
    )
    plain = compute_deadline(CAL, DeadlineInputs(d, n))
    held = compute_deadline(CAL, DeadlineInputs(d, n, suspensions=suspensions))
    assert plain.due == add(d, n)
    assert held.due >= plain.due
    assert held.due == add(plain.due, held.suspended_workdays)
    # on the due date exactly the limit is used
    assert elapsed_workdays(CAL, held.inputs, held.due)[0] == n


@settings(deadline=None)
@given(known_dates, st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=20))
def test_extensions_add_exactly(d: date, n: int, extra: int) -> None:
    d1 = compute_deadline(CAL, DeadlineInputs(d, n, extensions=(Extension(extra, "依法延长"),)))
    assert d1.due == add(add(d, n), extra)
