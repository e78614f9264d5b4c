"""The window's acts on a filed case: accept (the clock starts), the one-time notice of
missing materials and the applicant's correction, refusal, and the stale-version
conflict every act checks; each allowed path and every refusal with its reason.

Over the shipped catalogue, with the demo people (tests/runtime/acts_helpers.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from definitions.models import ItemDefinition
from runtime.case_tables import OutboxMessage
from runtime.errors import Conflict, InvalidInput, NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.acts_helpers import (
    ADMIN,
    CLERK,
    CLERK2,
    COUNTY_ONLY,
    PROMISED,
    SIMPLE,
    SUPERVISOR,
    TOWN_CLERK,
    accepted,
    engine,  # noqa: F401 (fixture)
    events,
    org,  # noqa: F401 (fixture)
    refused,
    submit,
    user_id,
)
from tests.runtime.conftest import food_definition, required_materials

# ---------------------------------------------------------------------------- window acts


def test_accept_starts_the_clock_and_routes_to_the_department(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    case = submit(service, pub)
    # the wrong people: another hall's clerk, a reviewer, a supervisor, an admin, the applicant
    for who in (
        TOWN_CLERK,
        Actor("reviewer@county.zfb"),
        SUPERVISOR,
        ADMIN,
        Actor("applicant@demo"),
    ):
        refused(sessions, case.number, NotAllowed, lambda who=who: service.accept(who, case.number))
    case = service.accept(
        CLERK2, case.number, received=required_materials(pub, json.loads(case.data))
    )
    assert case.state == "in_progress" and case.accepted_on is not None
    assert case.current_step == "review" and case.current_domain == "county.zfb"
    assert case.due_promised is not None and case.due_statutory is not None
    assert case.due_promised <= case.due_statutory
    assert case.accepted_by_user_id == user_id(service, "window_clerk2@county.hall")
    refused(sessions, case.number, WrongState, lambda: service.accept(CLERK, case.number))
    refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.refuse(CLERK, case.number, reason="迟到的不予受理"),
    )
    refused(
        sessions, case.number, WrongState, lambda: service.request_correction(CLERK, case.number)
    )


def test_one_time_notice_lists_every_missing_material_then_correction(
    service: CaseService, publish: Callable[[ItemDefinition], str], sessions: sessionmaker[Session]
) -> None:
    publish(food_definition())
    data = {
        "operator_name": "建始县好味道餐饮店",
        "uscc": "91422822MA4F0XJ025",
        "legal_person_id": "42282219900101001X",
        "mobile": "13972800001",
        "cold_chain": True,
        "cold_storage_m3": 12,
        "staff": [{"name": "张三", "health_cert_no": "JK2026-001"}],
    }
    case = service.submit(
        CLERK,
        PROMISED,
        data,
        accepting_domain="county.hall",
        applicant=Applicant("好味道", "13972800001"),
    )
    err = refused(sessions, case.number, WrongState, lambda: service.accept(CLERK, case.number))
    # one notice naming every missing material at once (the shared licence is exempt)
    assert "经营场所平面图" in err.message and "冷链管理制度" in err.message
    assert "营业执照" not in err.message
    refused(
        sessions,
        case.number,
        InvalidInput,
        lambda: service.request_correction(CLERK, case.number, missing=["no_such"]),
    )
    refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.request_correction(TOWN_CLERK, case.number),
    )
    case = service.request_correction(CLERK, case.number, note="请加盖公章")
    assert case.state == "correction_requested" and case.due_promised is None
    assert [m["name"] for m in json.loads(case.missing_materials)] == [
        "经营场所平面图",
        "冷链管理制度",
    ]
    ev = events(sessions, case)[-1]
    assert "经营场所平面图" in (ev.reason or "") and "冷链管理制度" in (ev.reason or "")
    with sessions() as s:
        sms = s.execute(select(OutboxMessage).where(OutboxMessage.event_id == ev.id)).scalar_one()
    assert sms.template == "correction_requested" and "冷链管理制度" in sms.body
    # one layout plan handed in: still one notice naming the one that is missing
    err = refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.accept(CLERK, case.number, received=[{"key": "layout_plan"}]),
    )
    assert "冷链管理制度" in err.message and "经营场所平面图" not in err.message
    # the applicant completes (here at the desk: correct is the applicant's act)
    refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.correct(CLERK, case.number, materials=[{"key": "layout_plan"}]),
    )
    case = service.accept(
        CLERK, case.number, received=[{"key": "layout_plan"}, {"key": "cold_chain_plan"}]
    )
    assert case.state == "in_progress" and case.missing_materials == "[]"


def test_request_correction_needs_something_missing(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    case = submit(service, pub)
    assert not required_materials(pub, json.loads(case.data))
    refused(
        sessions, case.number, InvalidInput, lambda: service.request_correction(CLERK, case.number)
    )


def test_correct_by_the_applicant_returns_the_case_to_the_window(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[COUNTY_ONLY]
    me = user_id(service, "applicant@demo")
    case = submit(service, pub, applicant=Applicant("谭斌", "13972800001", me))
    needed = required_materials(pub, json.loads(case.data))
    assert needed
    refused(
        sessions,
        case.number,
        WrongState,
        lambda: service.correct(Actor("applicant@demo"), case.number, materials=needed),
    )
    case = service.request_correction(CLERK, case.number)
    refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.correct(Actor("applicant2@demo"), case.number, materials=needed),
    )
    refused(
        sessions,
        case.number,
        InvalidInput,
        lambda: service.correct(
            Actor("applicant@demo"), case.number, data=json.loads(case.data) | {"mobile": "123"}
        ),
    )
    case = service.correct(Actor("applicant@demo"), case.number, materials=needed)
    assert case.state == "submitted" and case.missing_materials == "[]"
    case = service.accept(CLERK, case.number)
    assert case.state == "in_progress"


def test_refuse_needs_a_reason_and_is_final(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = submit(service, catalog[SIMPLE])
    for blank in ("", "   \n"):
        refused(
            sessions,
            case.number,
            ReasonRequired,
            lambda blank=blank: service.refuse(CLERK, case.number, reason=blank),
        )
    refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.refuse(TOWN_CLERK, case.number, reason="不属于本机关职权范围"),
    )
    case = service.refuse(CLERK, case.number, reason="  不属于本机关职权范围 ")
    assert case.state == "not_accepted" and not case.open and case.current_domain is None
    assert events(sessions, case)[-1].reason == "不属于本机关职权范围"
    me = Actor("applicant@demo")
    for act in (
        lambda: service.accept(CLERK, case.number),
        lambda: service.refuse(CLERK, case.number, reason="再次"),
        lambda: service.request_correction(CLERK, case.number, missing=["resident_id"]),
        lambda: service.complete(CLERK, case.number),
    ):
        refused(sessions, case.number, WrongState, act)
    refused(sessions, case.number, NotAllowed, lambda: service.withdraw(me, case.number))


def test_stale_version_is_a_conflict_for_every_act(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    case = accepted(service, pub)
    stale = case.version - 1
    reviewer = Actor("reviewer@county.zfb")
    for act in (
        lambda: service.review(reviewer, case.number, expected_version=stale),
        lambda: service.return_step(reviewer, case.number, reason="x", expected_version=stale),
        lambda: service.extend(
            Actor("department_head@county.zfb"),  # a disclosure request's extender
            case.number,
            days=1,
            reason="x",
            expected_version=stale,
        ),
    ):
        err = refused(sessions, case.number, Conflict, act)
        assert "刷新" in err.message
    # permission comes before the version: who may not act learns nothing of the case
    err = refused(
        sessions,
        case.number,
        NotAllowed,
        lambda: service.withdraw(Actor("applicant@demo"), case.number, expected_version=stale),
    )
    assert "版" not in err.message
    case = service.review(reviewer, case.number, opinion="同意", expected_version=case.version)
    assert case.current_step == "decide"
    c2 = submit(service, pub)
    refused(
        sessions,
        c2.number,
        Conflict,
        lambda: service.accept(CLERK, c2.number, expected_version=c2.version + 1),
    )
    refused(
        sessions,
        c2.number,
        Conflict,
        lambda: service.refuse(CLERK, c2.number, reason="x", expected_version=0),
    )
