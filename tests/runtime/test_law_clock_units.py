"""The law's clock without a database: the stop at the decision (行政许可法第四十二条), the
extension only within the limit, several open suspensions (a payment awaited during an
expert review), the explanation of a stopped clock — and the exact messages the mutation
run found unguarded. Dates hand-counted on the 2026 calendar (DOMAIN-FACTS.md).

Two mutants of ``elapsed_workdays`` survive and are equivalent: ``end <= start`` → ``end <
start`` (the interval (start, start] is empty: no working day, no missing year either) and
``sp.start >= last`` → ``sp.start > last`` (a suspension starting on the last day stops no
day before it, and every later one starts later still)."""

from __future__ import annotations

from datetime import date

import pytest

from runtime.calendar import DayEntry, WorkCalendar
from runtime.calendar_source import calendar_from_chinesecalendar
from runtime.clock import (
    WAIT_PAYMENT,
    Card,
    DeadlineInputs,
    Extension,
    Suspension,
    compute_deadline,
    elapsed_workdays,
    extension_refusal,
    progress,
)

CAL = calendar_from_chinesecalendar()
MONDAY = date(2026, 3, 2)  # + 5 working days = Monday 9 March; + 20 = Monday 30 March
NOV = date(2026, 11, 2)  # + 20 working days = Monday 30 November


# -- the stop at the decision ---------------------------------------------------------------


def test_a_stopped_clock_counts_to_the_decision_only() -> None:
    inputs = DeadlineInputs(MONDAY, 5).stopped(date(2026, 3, 6))  # decided on day 4
    assert inputs.stopped_on == date(2026, 3, 6)
    months_later = progress(CAL, inputs, as_of=date(2026, 6, 1))
    assert (months_later.elapsed, months_later.left, months_later.card) == (4, 1, Card.NONE)
    assert not months_later.overdue and not months_later.running
    # even a "completed" date long after it does not move the count
    done = progress(CAL, inputs, as_of=date(2026, 6, 1), completed=date(2026, 5, 29))
    assert done.elapsed == 4


def test_a_clock_stopped_after_the_due_date_is_red_by_the_decision_day() -> None:
    inputs = DeadlineInputs(MONDAY, 5).stopped(date(2026, 3, 11))  # day 7
    p = progress(CAL, inputs, as_of=date(2026, 6, 1))
    assert (p.elapsed, p.left, p.overdue, p.card) == (7, -2, True, Card.RED)


def test_no_yellow_card_on_a_stopped_clock() -> None:
    inputs = DeadlineInputs(MONDAY, 5).stopped(date(2026, 3, 6))  # 80% used
    assert progress(CAL, inputs, as_of=date(2026, 3, 6)).card is Card.NONE
    running = DeadlineInputs(MONDAY, 5)
    assert progress(CAL, running, as_of=date(2026, 3, 6)).card is Card.YELLOW


def test_stopping_closes_open_suspensions_on_the_decision_day() -> None:
    open_ = DeadlineInputs(MONDAY, 5, (Suspension(date(2026, 3, 4), None, WAIT_PAYMENT),))
    stopped = open_.stopped(date(2026, 3, 10))
    assert stopped.suspensions == (Suspension(date(2026, 3, 4), date(2026, 3, 10), WAIT_PAYMENT),)
    # a suspension that (oddly) starts after the stop day ends where it starts
    late = DeadlineInputs(MONDAY, 5, (Suspension(date(2026, 3, 12)),)).stopped(date(2026, 3, 10))
    assert late.suspensions == (Suspension(date(2026, 3, 12), date(2026, 3, 12)),)
    closed = Suspension(date(2026, 3, 3), date(2026, 3, 4), "专家评审")
    assert DeadlineInputs(MONDAY, 5, (closed,)).stopped(date(2026, 3, 10)).suspensions == (closed,)


def test_the_stop_day_is_stored_and_read_back() -> None:
    inputs = DeadlineInputs(MONDAY, 5, limit_name="法定时限").stopped(date(2026, 3, 6))
    raw = inputs.to_json()
    assert raw["stopped_on"] == "2026-03-06"
    assert DeadlineInputs.from_json(raw) == inputs
    assert "stopped_on" not in DeadlineInputs(MONDAY, 5).to_json()  # older rows unchanged
    assert DeadlineInputs.from_json(DeadlineInputs(MONDAY, 5).to_json()).stopped_on is None


def test_the_clock_cannot_stop_before_it_starts() -> None:
    with pytest.raises(ValueError) as caught:
        DeadlineInputs(MONDAY, 5, stopped_on=date(2026, 3, 1))
    assert str(caught.value) == "the clock stops (2026-03-01) before it starts (2026-03-02)"
    assert DeadlineInputs(MONDAY, 5, stopped_on=MONDAY).stopped_on == MONDAY


def test_the_explanation_says_where_the_clock_stopped_and_whether_in_time() -> None:
    on_time = compute_deadline(CAL, DeadlineInputs(MONDAY, 5).stopped(date(2026, 3, 9)))
    text = on_time.explain()
    assert on_time.stopped_on == date(2026, 3, 9)
    assert "2026年3月9日已作出决定，在期限内，计时至此停止" in text
    assert "第四十二条" in text
    late = compute_deadline(CAL, DeadlineInputs(MONDAY, 5).stopped(date(2026, 3, 10)))
    assert "2026年3月10日已作出决定，已超过期限" in late.explain()
    assert "作出决定" not in compute_deadline(CAL, DeadlineInputs(MONDAY, 5)).explain()


# -- 第四十二条: an extension is decided within the limit ---------------------------------------


def test_an_extension_is_possible_up_to_and_including_the_due_date() -> None:
    inputs = DeadlineInputs(NOV, 20)
    assert compute_deadline(CAL, inputs).due == date(2026, 11, 30)
    assert extension_refusal(CAL, inputs, date(2026, 11, 30)) is None
    assert extension_refusal(CAL, inputs, NOV) is None
    refusal = extension_refusal(CAL, inputs, date(2026, 12, 1))
    assert refusal == (
        "法定期限已于2026年11月30日届满，不能再延期（《行政许可法》第四十二条：延期须在法定期限内决定）"
    )
    assert extension_refusal(CAL, inputs, date(2026, 12, 7)) == refusal


def test_an_extension_after_a_suspension_counts_the_suspended_days() -> None:
    # suspended 2–9 December (5 working days): the limit runs to 7 December
    inputs = DeadlineInputs(NOV, 20, (Suspension(date(2026, 11, 23), date(2026, 11, 30)),))
    assert compute_deadline(CAL, inputs).due == date(2026, 12, 7)
    assert extension_refusal(CAL, inputs, date(2026, 12, 7)) is None
    assert extension_refusal(CAL, inputs, date(2026, 12, 8)) is not None
    # an open suspension: the due date moves with it, the limit cannot run out meanwhile
    waiting = DeadlineInputs(NOV, 20, (Suspension(date(2026, 11, 27)),))
    assert extension_refusal(CAL, waiting, date(2026, 12, 20)) is None


def test_no_extension_once_decided() -> None:
    inputs = DeadlineInputs(NOV, 20).stopped(date(2026, 11, 10))
    assert extension_refusal(CAL, inputs, date(2026, 11, 11)) == (
        "已作出决定，办理期限已停止计算，不能延期"
    )


def test_an_extension_moves_the_due_date_by_its_working_days() -> None:
    extended = DeadlineInputs(NOV, 20, extensions=(Extension(20, "征求第三方意见"),))
    assert extended.total_days == 40
    assert compute_deadline(CAL, extended).due == date(2026, 12, 28)


# -- several open suspensions -------------------------------------------------------------


def test_two_open_suspensions_for_different_reasons_are_merged_not_counted_twice() -> None:
    both = DeadlineInputs(
        MONDAY,
        5,
        (
            Suspension(date(2026, 3, 3), None, "专家评审"),
            Suspension(date(2026, 3, 4), None, WAIT_PAYMENT),
        ),
    )
    d = compute_deadline(CAL, both, as_of=date(2026, 3, 10))
    # stopped from the 4th to the 10th (5 working days), the 3rd counted before; then the
    # 11th, 12th, 13th and 16th
    assert d.suspended_workdays == 5
    assert d.due == date(2026, 3, 16)
    assert not d.running
    with pytest.raises(ValueError) as caught:
        DeadlineInputs(MONDAY, 5, (Suspension(date(2026, 3, 3)), Suspension(date(2026, 3, 4))))
    assert str(caught.value) == "at most one suspension can be open for each reason"


# -- exact messages and boundaries the mutation run left alive ------------------------------


def test_exact_refusals() -> None:
    with pytest.raises(ValueError) as caught:
        Extension(1, " ")
    assert str(caught.value) == "an extension needs a reason"
    with pytest.raises(ValueError) as caught:
        compute_deadline(CAL, DeadlineInputs(MONDAY, 5, (Suspension(date(2026, 3, 4)),)))
    assert str(caught.value) == "an open suspension needs as_of (the day the clock is read)"


def test_nothing_elapsed_on_the_start_day_and_no_year_missing_for_it() -> None:
    cal = WorkCalendar([DayEntry(date(2026, 1, 1), False, "元旦")], [2026])
    start = date(2027, 3, 1)  # 2027 unknown
    assert elapsed_workdays(cal, DeadlineInputs(start, 5), start) == (0, ())
    assert elapsed_workdays(cal, DeadlineInputs(start, 5), date(2027, 3, 2)) == (1, (2027,))


# -- the extension's form ------------------------------------------------------------------


def test_the_extension_form_takes_whole_working_days_only() -> None:
    from runtime.acts.clock import extend
    from runtime.acts.registry import Texts
    from runtime.errors import InvalidInput

    assert extend.from_text is not None
    parse = extend.from_text
    assert parse(Texts({"days": [" 10 "], "reason": ["征求意见"]})) == {
        "days": 10,
        "reason": "征求意见",
    }
    assert parse(Texts({"days": ["9999"], "reason": [""]}))["days"] == 9999
    assert parse(Texts({"days": ["5"], "reason": [""]}))["days"] == 5
    for bad in ("", "0x1", "-1", "1.5", "12345", "１０", "十"):
        with pytest.raises(InvalidInput) as caught:
            parse(Texts({"days": [bad], "reason": ["x"]}))
        assert caught.value.message == "请填写延长的工作日数（整数）"
        assert [(e.path, e.message) for e in caught.value.errors] == [
            ("/days", "请填写延长的工作日数（整数）")
        ]
