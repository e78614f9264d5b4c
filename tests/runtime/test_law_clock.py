"""The law, exactly: the clock's boundary cases through the service, on both databases.

行政许可法第四十二条 (the limit runs to the decision; an extension is decided within it,
by whom the law names), 第四十四条 (delivery has its own time), 第四十五条 and the
applicant's waits (not counted), and a calendar change recomputing every affected open
case as events (before → after for both dates)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import verify_case
from runtime.calendar import DayEntry
from runtime.calendar_provider import CalendarProvider
from runtime.calendar_recompute import recompute_pending
from runtime.calendar_store import calendar_version, clear_day, replace_year, set_day
from runtime.case_tables import Case, CaseEvent, OutboxMessage
from runtime.clock import WAIT_PAYMENT, Card, DeadlineInputs, compute_deadline, progress
from runtime.errors import ActError, NotAllowed, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, FixedNow, advance, food_definition, sample_data

NINE_DAYS = "422822-ZFB-QT-0001"  # promised 9, statutory 20, extension 20 wd
THREE_DAYS = "422822-ZJJ-XK-0001"  # promised 3, statutory 7
INSTANT = "422822-RSJ-GG-0001"  # accept, complete
#: a disclosure request is extended by the head of the disclosure office (条例第三十三条)
CHIEF = Actor("department_head@county.zfb")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)  # 10:00 in Jianshi


def file(service: CaseService, pub: Any, day: date, seed: int = 0, **data: Any) -> Any:
    return service.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub, seed, **data),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
        at=at(day),
    )


def accept_on(service: CaseService, pub: Any, day: date, seed: int = 0, **data: Any) -> Any:
    return advance(service, pub, file(service, pub, day, seed, **data), at=at(day))


def row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def events(sessions: sessionmaker[Session], number: str) -> list[CaseEvent]:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        assert verify_case(s, case) is None
        return list(
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).scalars()
        )


def refused(sessions: sessionmaker[Session], number: str, error: type[ActError], act: Any) -> str:
    before = row(sessions, number)
    with pytest.raises(error) as caught:
        act()
    after = row(sessions, number)
    assert (after.version, after.last_hash) == (before.version, before.last_hash)
    return caught.value.message


def inputs(case: Any, key: str = "promised") -> DeadlineInputs:
    return DeadlineInputs.from_json(json.loads(case.clock)[key])


# -- 第四十二条: extensions within the limit ----------------------------------------------


def test_an_extension_after_the_statutory_deadline_is_refused(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    """The issue's case: due 11-30, extended on 12-07 by 20 days — refused, still late."""
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 11, 2))
    assert case.due_statutory == date(2026, 11, 30)
    message = refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.extend(
            CHIEF, case.number, days=20, reason="情况复杂", at=at(date(2026, 12, 7))
        ),
    )
    assert "2026年11月30日" in message and "第四十二条" in message
    # the day after the deadline is already too late
    refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.extend(CHIEF, case.number, days=1, reason="x", at=at(date(2026, 12, 1))),
    )


def test_an_extension_on_the_last_day_is_granted_and_the_sms_gives_the_statutory_date(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 11, 2))
    case = service.extend(
        CHIEF, case.number, days=20, reason="需向第三方征求意见", at=at(date(2026, 11, 30))
    )
    assert case.due_statutory == date(2026, 12, 28)  # December 1–4, 7–11, 14–18, 21–25, 28
    with sessions() as s:
        sms = s.execute(
            select(OutboxMessage.body).where(
                OutboxMessage.case_id == case.id, OutboxMessage.template == "extended"
            )
        ).scalar_one()
    assert "2026年12月28日" in sms and "需向第三方征求意见" in sms
    assert f"{case.due_promised:%Y年%m月%d日}" not in sms  # not the promised date


def test_who_may_extend_is_the_definitions_and_its_basis_is_recorded(
    service: CaseService, publish: Any, sessions: sessionmaker[Session]
) -> None:
    """A disclosure request: the head of the department extends (政府信息公开条例第三十三条),
    not the chief representative."""
    definition = food_definition(
        code="422822-SCJG-QT-0099",
        basis=[
            {"ref": "food-safety-law-35", "title": "《中华人民共和国食品安全法》第三十五条"},
            {"ref": "ogi-33", "title": "《政府信息公开条例》第三十三条"},
        ],
        limits={
            "statutory_days": 20,
            "promised_days": 7,
            "basis": "food-safety-law-35",
            "extension_days": 20,
            "extension_by": "department_head",
            "extension_basis": "ogi-33",
        },
    )
    code = publish(definition)
    pub = service.latest_published(code)
    case = accept_on(service, pub, date(2026, 3, 2))
    message = refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.extend(
            Actor("chief_representative@county.scjg"), case.number, days=5, reason="征求第三方意见"
        ),
    )
    assert "department_head" in message
    case = service.extend(
        Actor("department_head@county.scjg"),
        case.number,
        days=5,
        reason="征求第三方意见",
        at=at(date(2026, 3, 3)),
    )
    last = events(sessions, case.number)[-1]
    assert last.act == "extend" and last.role == "department_head"
    assert "《政府信息公开条例》第三十三条" in (last.reason or "")


# -- 第四十二条 / 第四十四条: the clock stops at the decision --------------------------------


def test_a_case_decided_in_time_is_never_late_however_late_it_is_completed(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[THREE_DAYS]
    case = accept_on(service, pub, date(2026, 3, 2))  # promised 5 March, statutory 11 March
    case = advance(service, pub, case, at=at(date(2026, 3, 3)))  # review
    case = advance(service, pub, case, at=at(date(2026, 3, 4)))  # decide
    assert case.state == "decided" and case.decided_on == date(2026, 3, 4)
    assert inputs(case).stopped_on == date(2026, 3, 4)
    message = refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.extend(
            Actor("chief_representative@county.zjj"), case.number, days=1, reason="x"
        ),
    )
    assert message == "只有计时中的案件可以延期"
    assert inputs(case, "statutory").stopped_on == date(2026, 3, 4)
    later = date(2026, 4, 30)
    cal = service.calendar()
    for key in ("promised", "statutory"):
        p = progress(cal, inputs(case, key), as_of=later)
        assert (p.card, p.overdue, p.running) == (Card.NONE, False, False)
        assert p.elapsed == 2
    # completed long after the promised date: still on time
    case = advance(service, pub, case, at=at(later))
    assert case.state == "completed" and case.due_promised == date(2026, 3, 5)
    assert "按期" not in compute_deadline(cal, inputs(case)).explain()  # wording below
    assert "在期限内" in compute_deadline(cal, inputs(case)).explain()


def test_a_case_decided_late_is_late_from_the_decision(
    service: CaseService, catalog: dict[str, Any]
) -> None:
    pub = catalog[THREE_DAYS]
    case = accept_on(service, pub, date(2026, 3, 2))
    case = advance(service, pub, case, at=at(date(2026, 3, 3)))
    case = advance(service, pub, case, at=at(date(2026, 3, 9)))  # decided after 5 March
    p = progress(service.calendar(), inputs(case), as_of=date(2026, 3, 9))
    assert p.card is Card.RED and p.elapsed == 5 and p.left == -2
    assert "已超过期限" in compute_deadline(service.calendar(), inputs(case)).explain()


def test_a_post_decision_special_step_keeps_the_case_decided_and_the_clock_stopped(
    service: CaseService, publish: Any, sessions: sessionmaker[Session]
) -> None:
    """An acceptance inspection after construction (竣工验收) after the decision: its own
    budget, no suspension of a stopped clock, never back to 办理中."""
    raw = json.loads(food_definition().model_dump_json(exclude_none=True))
    steps = [s for s in raw["steps"] if s["key"] != "inspect"]
    steps.insert(
        3,
        {
            "key": "after_inspection",
            "name": "竣工验收",
            "kind": "special",
            "procedure": "site_inspection",
            "at": "owner",
            "role": "reviewer",
            "days": 5,
            "counts_toward_limit": False,
        },
    )
    code = publish(food_definition(code="422822-SCJG-XK-0098", steps=steps))
    pub = service.latest_published(code)
    case = accept_on(service, pub, date(2026, 3, 2))
    case = advance(service, pub, case, at=at(date(2026, 3, 3)))  # review
    case = advance(service, pub, case, at=at(date(2026, 3, 4)))  # decide
    assert case.state == "decided" and case.current_step == "after_inspection"
    reviewer = Actor("reviewer@county.scjg")
    case = service.start_special(reviewer, case.number, at=at(date(2026, 3, 5)))
    assert case.state == "decided" and not case.suspended
    assert inputs(case).suspensions == ()
    assert case.step_due == date(2026, 3, 12)  # the step's own 5 working days
    case = service.finish_special(reviewer, case.number, result="合格", at=at(date(2026, 4, 20)))
    assert case.state == "decided"
    assert case.due_promised == date(2026, 3, 11)  # unchanged by the post-decision step
    case = advance(service, pub, case, at=at(date(2026, 4, 21)))
    assert case.state == "completed"
    assert [e.act for e in events(sessions, case.number)][-3:] == [
        "start_special",
        "finish_special",
        "complete",
    ]


# -- waiting on the applicant -----------------------------------------------------------


def test_the_applicants_time_to_pay_is_not_counted(
    service: CaseService, publish: Any, sessions: sessionmaker[Session]
) -> None:
    """A fee to be paid before the review can end: the wait is the applicant's."""
    raw = json.loads(food_definition().model_dump_json(exclude_none=True))
    for step in raw["steps"]:
        if step["key"] == "review":
            step["requires_payment"] = True
    code = publish(
        food_definition(
            code="422822-SCJG-XK-0097",
            steps=raw["steps"],
            fees=[
                {
                    "key": "cert",
                    "name": "工本费",
                    "amount": "10.00",
                    "basis": "《中华人民共和国食品安全法》第三十五条",
                }
            ],
        )
    )
    pub = service.latest_published(code)
    case = accept_on(service, pub, date(2026, 3, 2))
    case = advance(service, pub, case, at=at(date(2026, 3, 2)))  # the inspection, same day
    assert case.current_step == "review"
    before = (case.due_promised, case.due_statutory)
    clerk = Actor("window_clerk@county.hall")
    case = service.assess_fee(clerk, case.number, at=at(date(2026, 3, 3)))
    assert not case.fee_paid
    assert [s.reason for s in inputs(case).suspensions if s.open] == [WAIT_PAYMENT]
    case = service.record_payment(clerk, case.number, payment_ref="JF1", at=at(date(2026, 3, 10)))
    waited = [s for s in inputs(case).suspensions if s.reason == WAIT_PAYMENT]
    assert [(s.start, s.end) for s in waited] == [(date(2026, 3, 3), date(2026, 3, 10))]
    # 4–6, 9–10 March: five working days waited, both dates five working days later
    cal = service.calendar()
    assert case.due_promised == cal.add_workdays(before[0], 5).value
    assert case.due_statutory == cal.add_workdays(before[1], 5).value
    assert events(sessions, case.number)[-1].act == "record_payment"


# -- 第三十八条: every item can be refused after acceptance -----------------------------------


def test_an_instant_item_can_be_refused_after_acceptance(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[INSTANT]
    case = accept_on(service, pub, date(2026, 3, 2))
    assert case.current_step == pub.definition.steps[-1].key and case.state == "in_progress"
    chief = Actor(f"chief_representative@{pub.definition.owner}")
    refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.decide(chief, case.number, approve=True),
    )
    refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.decide(
            Actor("window_clerk@county.hall"), case.number, approve=False, reason="不符合条件"
        ),
    )
    case = service.decide(chief, case.number, approve=False, reason="不符合参保条件")
    assert (case.state, case.decision, case.current_step) == (
        "decided",
        "denied",
        pub.definition.steps[-1].key,
    )
    case = service.complete(Actor("window_clerk@county.hall"), case.number)
    assert (case.state, case.decision) == ("completed", "denied")


# -- a calendar change recomputes every affected open case -------------------------------


def test_entering_a_year_recomputes_every_affected_open_case_with_both_dates(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[NINE_DAYS]
    late = accept_on(service, pub, date(2026, 12, 24))
    untouched = accept_on(service, catalog[THREE_DAYS], date(2026, 3, 2), seed=1)
    assert late.due_provisional
    before = (late.due_statutory, late.due_promised)
    assert recompute_pending(service).changed == ()  # whatever was pending: nothing moves
    version = _version(sessions)
    with transaction(sessions) as s:
        replace_year(s, TENANT, 2027, [DayEntry(date(2027, 1, 1), False, "元旦")], by="admin")
    assert _version(sessions) > version
    service.calendar_cache.clear()  # type: ignore[attr-defined]
    report = recompute_pending(service, at=at(date(2026, 12, 28)))
    assert report.years == (2027,) and report.changed == (late.number,)
    case = row(sessions, late.number)
    assert not case.due_provisional
    assert case.due_promised == date(2027, 1, 7) and case.due_statutory != before[0]
    last = events(sessions, late.number)[-1]
    assert last.act == "recompute_deadline" and last.actor == "system"
    reason = last.reason or ""
    assert "2027年" in reason
    assert f"法定期限 {before[0].isoformat()}（暂定） → {case.due_statutory.isoformat()}" in reason
    assert f"承诺期限 {before[1].isoformat()}（暂定） → 2027-01-07" in reason
    assert len(events(sessions, untouched.number)) == untouched.version
    assert recompute_pending(service).changed == ()  # done: nothing pending


def test_changing_a_known_year_recomputes_the_cases_it_touches(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[THREE_DAYS]
    case = accept_on(service, pub, date(2026, 3, 2))  # promised 5 March
    recompute_pending(service)
    with transaction(sessions) as s:  # 4 March becomes a day off
        set_day(s, TENANT, date(2026, 3, 4), is_workday=False, name="调整", by="admin")
    try:
        service.calendar_cache.clear()  # type: ignore[attr-defined]
        report = recompute_pending(service, at=at(date(2026, 3, 3)))
        assert case.number in report.changed
        assert row(sessions, case.number).due_promised == date(2026, 3, 6)
    finally:
        _restore(sessions)


def test_every_process_sees_a_calendar_change(
    service: CaseService, sessions: sessionmaker[Session]
) -> None:
    web_a = CalendarProvider(sessions, TENANT, poll_seconds=0)
    web_b = CalendarProvider(sessions, TENANT, poll_seconds=3600)
    assert web_a().is_workday(date(2026, 3, 4)).value
    web_b()
    with transaction(sessions) as s:
        set_day(s, TENANT, date(2026, 3, 4), is_workday=False, name="调整", by="admin")
        assert calendar_version(s, TENANT) == web_a.version + 1
    try:
        assert not web_a().is_workday(date(2026, 3, 4)).value  # polled at once
        assert web_b().is_workday(date(2026, 3, 4)).value  # within its interval: not yet
        web_b.invalidate()
        assert not web_b().is_workday(date(2026, 3, 4)).value
    finally:
        _restore(sessions)


def _restore(sessions: sessionmaker[Session]) -> None:
    """Undo the edited day (PostgreSQL's prepared database outlives the test)."""
    with transaction(sessions) as s:
        clear_day(s, TENANT, date(2026, 3, 4))


def _version(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return calendar_version(s, TENANT)


def _paid_at(step_key: str, code: str) -> Any:
    """The food licence with a 10-yuan fee to be paid before ``step_key`` can end."""
    raw = json.loads(food_definition().model_dump_json(exclude_none=True))
    for step in raw["steps"]:
        if step["key"] == step_key:
            step["requires_payment"] = True
    fee = {
        "key": "cert",
        "name": "工本费",
        "amount": "10.00",
        "basis": "《中华人民共和国食品安全法》第三十五条",
    }
    return food_definition(code=code, steps=raw["steps"], fees=[fee])


def test_a_payment_awaited_during_a_special_procedure_is_its_own_suspension(
    service: CaseService, publish: Any
) -> None:
    pub = service.latest_published(publish(_paid_at("inspect", "422822-SCJG-XK-0096")))
    case = accept_on(service, pub, date(2026, 3, 2))
    reviewer, clerk = Actor("reviewer@county.scjg"), Actor("window_clerk@county.hall")
    case = service.start_special(reviewer, case.number, at=at(date(2026, 3, 3)))
    case = service.assess_fee(clerk, case.number, at=at(date(2026, 3, 4)))
    opened = [(s.start, s.reason) for s in inputs(case, "statutory").suspensions if s.open]
    assert opened == [(date(2026, 3, 3), "现场勘查"), (date(2026, 3, 4), WAIT_PAYMENT)]
    case = service.record_payment(clerk, case.number, payment_ref="JF2", at=at(date(2026, 3, 6)))
    still = [(s.start, s.end, s.reason) for s in inputs(case).suspensions]
    assert still == [
        (date(2026, 3, 3), None, "现场勘查"),  # the inspection goes on
        (date(2026, 3, 4), date(2026, 3, 6), WAIT_PAYMENT),
    ]
    case = service.finish_special(reviewer, case.number, result="合格", at=at(date(2026, 3, 9)))
    assert all(not s.open for s in inputs(case).suspensions)
    # merged: stopped 4–9 March (4 working days), not 2 + 4
    assert case.due_promised == service.calendar().add_workdays(date(2026, 3, 11), 4).value


def test_a_fee_after_the_decision_does_not_touch_the_stopped_clock(
    service: CaseService, publish: Any
) -> None:
    pub = service.latest_published(publish(_paid_at("complete", "422822-SCJG-XK-0095")))
    case = accept_on(service, pub, date(2026, 3, 2))
    while case.state != "decided":
        case = advance(service, pub, case, at=at(date(2026, 3, 3)))
    stopped = (inputs(case), inputs(case, "statutory"), case.due_promised)
    case = service.assess_fee(
        Actor("window_clerk@county.hall"), case.number, at=at(date(2026, 3, 20))
    )
    assert not case.fee_paid
    assert (inputs(case), inputs(case, "statutory"), case.due_promised) == stopped
    case = service.record_payment(
        Actor("window_clerk@county.hall"), case.number, payment_ref="JF3", at=at(date(2026, 4, 1))
    )
    assert (inputs(case), inputs(case, "statutory")) == stopped[:2]


def test_the_recompute_event_says_exactly_what_moved(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = accept_on(service, catalog[NINE_DAYS], date(2026, 12, 24))
    before = (case.due_statutory, case.due_promised)
    with transaction(sessions) as s:
        replace_year(s, TENANT, 2027, [DayEntry(date(2027, 1, 1), False, "元旦")], by="admin")
    service.calendar_cache.clear()  # type: ignore[attr-defined]
    assert service.recompute_deadlines(at=at(date(2026, 12, 28))) == [case.number]
    after = row(sessions, case.number)
    assert events(sessions, case.number)[-1].reason == (
        f"工作日历更新，重新计算期限：法定期限 {before[0].isoformat()}（暂定） → "
        f"{after.due_statutory.isoformat()}；承诺期限 {before[1].isoformat()}（暂定） → "
        f"{after.due_promised.isoformat()}"
    )


def test_no_extension_is_offered_once_the_law_allows_no_more_days(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    clock: FixedNow,
) -> None:
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 3, 2))
    clock.moment = at(date(2026, 3, 3))  # the day the page is read
    clerk = service.possible  # the desk's buttons for the disclosure office's head

    def offered() -> list[str]:
        with sessions() as s:
            stored = s.execute(select(Case).where(Case.number == case.number)).scalar_one()
            return [o.act for o in clerk(CHIEF.username, stored, pub, s)]

    assert "extend" in offered()
    service.extend(CHIEF, case.number, days=19, reason="征求第三方意见", at=at(date(2026, 3, 3)))
    assert "extend" in offered()  # one day left
    service.extend(CHIEF, case.number, days=1, reason="仍需核实", at=at(date(2026, 3, 4)))
    assert "extend" not in offered()


def test_no_extension_is_offered_after_the_statutory_deadline(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    clock: FixedNow,
) -> None:
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 11, 2))  # statutory due 30 November

    def offered(day: date) -> bool:
        clock.moment = at(day)
        with sessions() as s:
            stored = s.execute(select(Case).where(Case.number == case.number)).scalar_one()
            return "extend" in [o.act for o in service.possible(CHIEF.username, stored, pub, s)]

    assert offered(date(2026, 11, 30)) and not offered(date(2026, 12, 1))
