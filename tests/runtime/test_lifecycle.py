"""A promised item from the window to the department and back, with every guard."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from definitions.models import ItemDefinition
from runtime.case_tables import CaseEvent, OutboxMessage
from runtime.errors import InvalidInput, NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import FixedNow, food_definition

CLERK = Actor("window_clerk@county.hall")
TOWN_CLERK = Actor("window_clerk@township.yezhou")
REVIEWER = Actor("reviewer@county.scjg")
CHIEF = Actor("chief_representative@county.scjg")
HEAD = Actor("department_head@county.scjg")

GOOD = {
    "operator_name": "建始县好味道餐饮店",
    "uscc": "91422822MA4F0XJ025",
    "legal_person_id": "42282219900101001X",
    "mobile": "13972800001",
    "cold_chain": False,
    "staff": [{"name": "张三", "health_cert_no": "JK2026-001"}],
}


def valid_data() -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(GOOD))
    return data


def submit(
    service: CaseService, actor: Actor = CLERK, domain: str = "county.hall", **kw: object
) -> str:
    case = service.submit(
        actor,
        "422822-SCJG-XK-0001",
        kw.pop("data", valid_data()),  # type: ignore[arg-type]
        accepting_domain=domain,
        applicant=Applicant("建始县好味道餐饮店", "13972800001"),
        **kw,  # type: ignore[arg-type]
    )
    return case.number


@pytest.fixture
def food(publish: Callable[[ItemDefinition], str]) -> str:
    return publish(food_definition())


def test_full_lifecycle_with_deadlines_events_and_messages(
    service: CaseService, food: str, sessions: sessionmaker[Session], clock: FixedNow
) -> None:
    number = submit(service)
    assert number.startswith("42282220260930")
    case = service.accept(CLERK, number, received=[{"key": "layout_plan", "name": "平面图.pdf"}])
    assert case.state == "in_progress"
    assert case.accepted_on == date(2026, 9, 30)
    # 7 working days from 30 September 2026: 10-01..10-07 skipped, Saturday 10-10 worked
    assert case.due_promised == date(2026, 10, 15)
    assert case.current_step == "inspect" and case.current_domain == "county.scjg"
    case = service.start_special(REVIEWER, number)
    assert case.state == "suspended" and case.suspended
    case = service.finish_special(REVIEWER, number, result="现场符合要求")
    assert case.state == "in_progress" and case.current_step == "review"
    # the suspension (start day counted, nothing after it since it ended the same day) keeps the date
    assert case.due_promised == date(2026, 10, 15)
    with pytest.raises(NotAllowed):
        service.decide(HEAD, number, approve=True)
    case = service.review(REVIEWER, number, opinion="材料齐全，符合条件")
    assert case.current_step == "decide"
    with pytest.raises(NotAllowed) as refused:
        service.decide(HEAD, number, approve=True)
    assert refused.value.message
    case = service.decide(CHIEF, number, approve=True)
    assert case.state == "decided" and case.current_domain == "county.hall"
    case = service.complete(CLERK, number)
    assert case.state == "completed" and not case.open and case.closed_on == date(2026, 9, 30)
    with sessions() as s:
        acts = list(
            s.execute(
                select(CaseEvent.act).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).scalars()
        )
        sms = list(
            s.execute(
                select(OutboxMessage.template).where(OutboxMessage.case_id == case.id)
            ).scalars()
        )
    assert acts == [
        "submit",
        "accept",
        "start_special",
        "finish_special",
        "review",
        "decide",
        "complete",
    ]
    assert sms == ["accepted", "special_started", "decided", "completed"]


def test_missing_materials_give_one_notice_then_correction(service: CaseService, food: str) -> None:
    data = valid_data() | {"cold_chain": True, "cold_storage_m3": 12}
    number = submit(service, data=data)
    with pytest.raises(WrongState) as err:
        service.accept(CLERK, number)
    assert "经营场所平面图" in err.value.message and "冷链管理制度" in err.value.message
    case = service.request_correction(CLERK, number, note="请加盖公章")
    assert case.state == "correction_requested"
    assert [m["key"] for m in json.loads(case.missing_materials)] == [
        "layout_plan",
        "cold_chain_plan",
    ]
    case = service.accept(
        CLERK, number, received=[{"key": "layout_plan"}, {"key": "cold_chain_plan"}]
    )
    assert case.state == "in_progress"


def test_refusal_needs_a_reason_and_is_final(service: CaseService, food: str) -> None:
    number = submit(service)
    with pytest.raises(ReasonRequired):
        service.refuse(CLERK, number, reason="  ")
    case = service.refuse(CLERK, number, reason="不属于本机关职权范围")
    assert case.state == "not_accepted"
    with pytest.raises(WrongState):
        service.accept(CLERK, number, received=[{"key": "layout_plan"}])


def test_invalid_application_names_fields_and_writes_nothing(
    service: CaseService, food: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        submit(service, data=valid_data() | {"mobile": "12345"})
    assert [e.path for e in err.value.errors] == ["/mobile"]


def test_township_window_and_other_domain(service: CaseService, food: str) -> None:
    number = submit(service, actor=TOWN_CLERK, domain="township.yezhou")
    with pytest.raises(NotAllowed):
        service.accept(CLERK, number, received=[{"key": "layout_plan"}])
    case = service.accept(TOWN_CLERK, number, received=[{"key": "layout_plan"}])
    assert case.accepting_domain == "township.yezhou"


def test_submit_and_accept_in_one_transaction(
    service: CaseService, food: str, sessions: sessionmaker[Session]
) -> None:
    case = service.submit(
        CLERK,
        "422822-SCJG-XK-0001",
        valid_data(),
        accepting_domain="county.hall",
        applicant=Applicant("建始县好味道餐饮店", "13972800001"),
        materials=[{"key": "layout_plan", "name": "平面图.pdf"}],
        accept=True,
    )
    assert case.state == "in_progress" and case.version == 2
    with sessions() as s:
        acts = list(
            s.execute(
                select(CaseEvent.act).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).scalars()
        )
    assert acts == ["submit", "accept"]
    with pytest.raises(WrongState, match="经营场所平面图"):
        service.submit(
            CLERK,
            "422822-SCJG-XK-0001",
            valid_data(),
            accepting_domain="county.hall",
            applicant=Applicant("另一家店"),
            accept=True,
        )
    with sessions() as s:
        # the refused acceptance took the application with it: nothing half-written
        assert s.execute(select(CaseEvent.id)).all().__len__() == 2


def test_only_who_may_decide_can_send_a_decision_back(service: CaseService, food: str) -> None:
    number = submit(service)
    service.accept(CLERK, number, received=[{"key": "layout_plan"}])
    service.start_special(REVIEWER, number)
    service.finish_special(REVIEWER, number)
    case = service.review(REVIEWER, number)
    assert case.current_step == "decide"
    with pytest.raises(NotAllowed, match="首席代表"):
        service.return_step(REVIEWER, number, reason="再看看")
    case = service.return_step(CHIEF, number, reason="请补充审查从业人员健康证明")
    assert case.current_step == "review"
