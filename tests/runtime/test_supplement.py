"""要求申请人补充 after acceptance (《政府信息公开条例》第三十条), through the real acts on
both databases: the wait is not the office's time, both deadlines move by exactly the
working days waited; an item without the basis (a licence) is never offered the act."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from rbac.permissions import PermissionDenied
from runtime.acts.context import Situation
from runtime.acts.registry import ACTS, offers
from runtime.audit import verify_case
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case, CaseEvent, OutboxMessage
from runtime.clock import WAIT_SUPPLEMENT, DeadlineInputs
from runtime.errors import ActError, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from runtime.states import NOTIFY_ON
from tests.runtime.conftest import FixedNow, advance, sample_data

DISCLOSURE = "422822-ZFB-QT-0001"
FOOD = "422822-SCJG-XK-0001"
CLERK = Actor("window_clerk@county.hall")
REVIEWER = Actor("reviewer@county.zfb")
ASK = "请明确所需政府信息的名称、文号或者形成时间"


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def refused(sessions: sessionmaker[Session], number: str, error: type[ActError], act: Any) -> Any:
    """The act is refused with ``error`` and nothing is written."""
    before = row(sessions, number)
    with pytest.raises(error) as caught:
        act()
    after = row(sessions, number)
    assert (after.version, after.last_hash) == (before.version, before.last_hash)
    return caught.value


def offered(sessions: sessionmaker[Session], pub: Any, number: str) -> set[str]:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        return {o.act for o in offers(Situation(s, case, pub))}


def on(clock: FixedNow, day: date) -> None:
    clock.moment = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Jianshi


def accepted(service: CaseService, catalog: dict[str, Any], code: str, seed: int = 0) -> Any:
    pub = catalog[code]
    case = service.submit(
        CLERK,
        code,
        sample_data(pub, seed),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    case = advance(service, pub, case)
    assert case.state == "in_progress"
    return case


def waits(case: Any) -> list[tuple[str, date | None]]:
    assert case.clock is not None
    inputs = DeadlineInputs.from_json(json.loads(case.clock)["statutory"])
    return [(x.reason, x.end) for x in inputs.suspensions]


def test_the_acts_are_registered_and_told_to_the_applicant() -> None:
    assert {"ask_applicant", "applicant_replied"} <= set(ACTS)
    assert NOTIFY_ON["ask_applicant"] == "supplement_requested"


def test_the_wait_for_a_supplement_moves_both_deadlines_by_the_days_waited(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    clock: FixedNow,
) -> None:
    calendar: WorkCalendar = service.calendar()
    pub = catalog[DISCLOSURE]
    assert pub.definition.limits.supplement_basis == "ogi_reg_30"
    case = accepted(service, catalog, DISCLOSURE)
    control = accepted(service, catalog, DISCLOSURE, seed=1)  # the same day, never asked
    number = case.number
    assert case.current_step == "review"
    assert "ask_applicant" in offered(sessions, pub, number)
    assert "applicant_replied" not in offered(sessions, pub, number)
    # replying when nothing was asked is refused
    err = refused(sessions, number, WrongState, lambda: service.applicant_replied(REVIEWER, number))
    assert err.message == "案件没有在等待申请人补充"
    # asked on day D (a working day after acceptance); what to supplement is required
    day = calendar.add_workdays(date(2026, 9, 30), 2).value  # accepted on 2026-09-30
    on(clock, day)
    err = refused(
        sessions,
        number,
        ReasonRequired,
        lambda: service.ask_applicant(REVIEWER, number, reason=" "),
    )
    assert err.status == 422
    case = service.ask_applicant(REVIEWER, number, reason=ASK)
    assert waits(case) == [(WAIT_SUPPLEMENT, None)]
    with sessions() as s:
        ev = (
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            )
            .scalars()
            .first()
        )
        sms = list(
            s.execute(
                select(OutboxMessage.body).where(
                    OutboxMessage.case_id == case.id,
                    OutboxMessage.template == "supplement_requested",
                )
            ).scalars()
        )
    assert ev is not None and ev.act == "ask_applicant"
    assert ev.reason == f"{ASK}（依据：《中华人民共和国政府信息公开条例》第三十条）"
    assert len(sms) == 1 and ASK in sms[0] and "补充期间不计入办理时限" in sms[0]
    # asking twice is refused; the reply is now offered, the ask is not
    err = refused(
        sessions, number, WrongState, lambda: service.ask_applicant(REVIEWER, number, reason=ASK)
    )
    assert "已要求申请人补充" in err.message
    assert {"applicant_replied"} <= offered(sessions, pub, number)
    assert "ask_applicant" not in offered(sessions, pub, number)
    # the applicant replies k working days later: both dates move by exactly k working days
    k = 4
    back = calendar.add_workdays(day, k).value
    on(clock, back)
    case = service.applicant_replied(REVIEWER, number, note="已补充文号")
    assert waits(case) == [(WAIT_SUPPLEMENT, back)]
    for due, plain in (
        (case.due_statutory, control.due_statutory),
        (case.due_promised, control.due_promised),
    ):
        assert due is not None and plain is not None
        assert due == calendar.add_workdays(plain, k).value
        assert calendar.workdays_between(plain, due).value == k
    # the case goes on to its decision; a decided case cannot be asked
    case = advance(service, pub, case)  # review
    case = advance(service, pub, case)  # decide
    assert case.decided_on is not None
    assert "ask_applicant" not in offered(sessions, pub, number)
    with sessions() as s:
        stored = s.execute(select(Case).where(Case.number == number)).scalar_one()
        refusal = ACTS["ask_applicant"].refusal(Situation(s, stored, pub), None)
        assert refusal == "案件已作出决定，不能再要求申请人补充"
    # (the step is back at the window now: the reviewer holds no step there either)
    refused(
        sessions,
        number,
        PermissionDenied,
        lambda: service.ask_applicant(REVIEWER, number, reason=ASK),
    )
    with sessions() as s:
        assert verify_case(s, case) is None


def test_a_licence_has_no_supplement_after_acceptance(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[FOOD]
    assert pub.definition.limits.supplement_basis is None
    case = accepted(service, catalog, FOOD)
    number = case.number
    seen: set[str] = set()
    while case.open:
        seen |= offered(sessions, pub, number)
        with sessions() as s:
            stored = s.execute(select(Case).where(Case.number == number)).scalar_one()
            refusal = ACTS["ask_applicant"].refusal(Situation(s, stored, pub), None)
        assert refusal is not None and "没有受理后要求申请人补充的法定依据" in refusal
        case = advance(service, pub, case)
    assert not seen & {"ask_applicant", "applicant_replied"}
    # posted by the reviewer where a step sits, it is refused with the guard's sentence
    case = accepted(service, catalog, FOOD, seed=1)
    assert case.current_domain is not None
    who = Actor(f"reviewer@{case.current_domain}")
    err = refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.ask_applicant(who, case.number, reason=ASK),
    )
    assert err.status == 409 and "没有受理后要求申请人补充的法定依据" in err.message
