"""The law, exactly — on cases, on both databases: township-hosted steps of a reported item
(上报件: the township reviews, surveys the household and publicises in the village before
forwarding to the county, 社会救助暂行办法第十一条), 退回 only where a step precedes, and a
walk-in applicant's 撤件 recorded at the window with the written request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.case_tables import Case, CaseEvent
from runtime.errors import NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import (
    TENANT,
    advance,
    catalog_definitions,
    required_materials,
    sample_data,
)

TEKUN = "422822-MZJ-QR-0001"  # 特困人员认定: township-hosted survey, review and publicity
SIMPLE = "422822-ZFB-QT-0001"  # accept, review, decide, complete
TOWN = "township.yezhou"
CLERK = Actor(f"window_clerk@{TOWN}")
TOWN_REVIEWER = Actor(f"reviewer@{TOWN}")
HALL_CLERK = Actor("window_clerk@county.hall")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


@pytest.fixture
def items(service: CaseService, sessions: sessionmaker[Session]) -> dict[str, Any]:
    shipped = catalog_definitions()
    with transaction(sessions) as s:
        return {
            code: service.catalog.publish(s, TENANT, shipped[code], "admin@county")
            for code in (TEKUN, SIMPLE)
        }


def file_case(
    service: CaseService, pub: Any, domain: str, applicant: Applicant | None = None
) -> Case:
    return service.submit(
        Actor(f"window_clerk@{domain}"),
        pub.code,
        sample_data(pub),
        accepting_domain=domain,
        applicant=applicant or Applicant("谭斌", "13972800001"),
    )


def accept(service: CaseService, pub: Any, case: Case, domain: str) -> Case:
    received = required_materials(pub, json.loads(case.data))
    return service.accept(Actor(f"window_clerk@{domain}"), case.number, received=received)


def offered(
    service: CaseService, sessions: sessionmaker[Session], who: str, number: str
) -> list[tuple[str, str | None]]:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        pub = service.catalog.by_id(s, case.item_version_id)
        return [(o.act, o.value) for o in service.possible(who, case, pub, s)]


def last_event(sessions: sessionmaker[Session], case: Case) -> CaseEvent:
    with sessions() as s:
        return (
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            )
            .scalars()
            .first()
        )  # type: ignore[return-value]


# -- township-hosted steps --------------------------------------------------------------


def test_a_reported_item_is_surveyed_reviewed_and_publicised_at_the_township(
    service: CaseService, items: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = items[TEKUN]
    case = accept(service, pub, file_case(service, pub, TOWN), TOWN)
    # 入户调查 runs at the accepting township, by its reviewer — not by the county's
    assert (case.current_step, case.current_domain) == ("household_survey", TOWN)
    county = Actor("reviewer@county.mzj")
    with pytest.raises(NotAllowed):
        service.start_special(county, case.number)
    with pytest.raises(NotAllowed):  # another township's reviewer neither
        service.start_special(Actor("reviewer@township.gaoping"), case.number)
    case = service.start_special(TOWN_REVIEWER, case.number, note="村委会协助入户调查")
    case = service.finish_special(TOWN_REVIEWER, case.number, result="家庭情况属实")
    assert (case.current_step, case.current_domain) == ("township_review", TOWN)
    case = service.review(TOWN_REVIEWER, case.number, opinion="符合特困人员认定条件")
    # the village publicity: a special procedure at the township that stops the clock
    assert (case.current_step, case.current_domain) == ("village_notice", TOWN)
    case = service.start_special(TOWN_REVIEWER, case.number, note="村务公开栏公示")
    assert case.suspended
    case = service.finish_special(TOWN_REVIEWER, case.number, result="公示期满无异议")
    # the township window forwards it up; from then on the county civil affairs bureau
    assert case.current_step == "forward"
    case = service.forward(CLERK, case.number)
    assert (case.current_step, case.current_domain) == ("county_review", "county.mzj")
    with pytest.raises(NotAllowed):
        service.review(TOWN_REVIEWER, case.number, opinion="越级")
    while case.open:
        case = advance(service, pub, case)
    assert case.state == "completed" and case.decision == "approved"


# -- returns ------------------------------------------------------------------------------


def test_return_is_offered_only_where_a_step_precedes(
    service: CaseService, items: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = items[SIMPLE]
    case = accept(service, pub, file_case(service, pub, "county.hall"), "county.hall")
    assert case.current_step == "review"
    reviewer, chief = "reviewer@county.zfb", "chief_representative@county.zfb"
    # the first step after acceptance: nothing to return to — not offered, and refused (409)
    assert ("return", None) not in offered(service, sessions, reviewer, case.number)
    assert ("return", None) not in offered(service, sessions, chief, case.number)
    with pytest.raises(WrongState, match="没有可以退回的上一环节"):
        service.return_step(Actor(reviewer), case.number, reason="材料不全")
    case = service.review(Actor(reviewer), case.number, opinion="同意")
    # at the decision a review precedes: offered to who may decide, and it goes back there
    assert case.current_step == "decide"
    assert ("return", None) in offered(service, sessions, chief, case.number)
    case = service.return_step(Actor(chief), case.number, reason="请补充现场核查意见")
    assert case.current_step == "review"
    assert ("return", None) not in offered(service, sessions, reviewer, case.number)


# -- 撤件 at the window ----------------------------------------------------------------------


def test_a_walk_in_applicant_withdraws_at_the_window_with_a_written_request(
    service: CaseService, items: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = items[SIMPLE]
    case = accept(service, pub, file_case(service, pub, "county.hall"), "county.hall")
    assert case.applicant_user_id is None  # a walk-in applicant: no account
    # the clerk of the accepting window is offered the recording of the written request
    assert offered(service, sessions, HALL_CLERK.username, case.number) == [("withdraw", "written")]
    # the reviewer, another hall's clerk and an applicant account may not
    for who in ("reviewer@county.zfb", "window_clerk@township.yezhou", "applicant@demo"):
        assert ("withdraw", "written") not in offered(service, sessions, who, case.number)
        with pytest.raises(NotAllowed):
            service.withdraw(Actor(who), case.number, reason="书面申请", written=True)
    # the written request is required, and it is what the event records
    with pytest.raises(ReasonRequired, match="书面撤回申请"):
        service.withdraw(HALL_CLERK, case.number, reason="  ", written=True)
    case = service.withdraw(
        HALL_CLERK, case.number, reason="谭斌 2026年9月30日书面申请：已另行办理", written=True
    )
    assert case.state == "withdrawn" and not case.open
    event = last_event(sessions, case)
    assert event.act == "withdraw" and event.actor == HALL_CLERK.username
    assert "书面申请撤件（窗口登记）" in (event.reason or "")
    assert "已另行办理" in (event.reason or "")


def test_an_applicant_with_an_account_withdraws_online_not_through_the_clerk(
    service: CaseService, items: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = items[SIMPLE]
    user_id = service.authorizer.store.snapshot(TENANT).users["applicant@demo"].id
    case = file_case(service, pub, "county.hall", Applicant("谭斌", "13972800001", user_id))
    assert offered(service, sessions, "applicant@demo", case.number) == [("withdraw", None)]
    assert offered(service, sessions, HALL_CLERK.username, case.number) != []
    assert ("withdraw", "written") not in offered(
        service, sessions, HALL_CLERK.username, case.number
    )
    with pytest.raises(NotAllowed):
        service.withdraw(HALL_CLERK, case.number, reason="代为撤回", written=True)
    with pytest.raises(WrongState):  # the applicant's own withdrawal is not a window record
        service.withdraw(Actor("applicant@demo"), case.number, reason="x", written=True)
    case = service.withdraw(Actor("applicant@demo"), case.number)
    assert case.state == "withdrawn"
    assert last_event(sessions, case).reason == "申请人撤回申请"
