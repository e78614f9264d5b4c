"""Each kind of catalogue item runs its own path: every item to completion with a
verified chain, reported items (township to county and back), township-decided items,
separation of duties, joint items' countersigning, instant items without a clock.

Over the shipped catalogue, with the demo people (tests/runtime/acts_helpers.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.models import ItemDefinition
from rbac.people import add_user, find_user, grant_role
from runtime.audit import verify_case
from runtime.errors import InvalidInput, NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.acts_helpers import (
    CLERK,
    INSTANT,
    JOINT_FIRST,
    OTHER_TOWN_CLERK,
    PROMISED,
    REPORTED,
    TOWN_CHIEF,
    TOWN_CLERK,
    TOWNSHIP,
    accepted,
    engine,  # noqa: F401 (fixture)
    events,
    org,  # noqa: F401 (fixture)
    refused,
    submit,
    until,
)
from tests.runtime.conftest import TENANT, advance, food_definition, required_materials

# ---------------------------------------------------------------------------- everything


def test_every_catalogue_item_runs_to_completion_with_a_verified_chain(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    for code, pub in catalog.items():
        case = submit(service, pub)
        acts = 1
        # completion closes the clock; an item with a delivery step is then delivered
        while case.open or case.current_step is not None:
            case = advance(service, pub, case)
            acts += 1
            assert acts < 30, code
        delivers = any(st.kind.value == "deliver" for st in pub.definition.steps)
        assert case.state == ("delivered" if delivers else "completed"), code
        assert case.decision == "approved", code
        assert case.closed_on is not None and case.current_step is None
        with sessions() as s:
            assert verify_case(s, case) is None, code


# ---------------------------------------------------------------------------- item kinds


def test_reported_item_goes_up_to_the_county_and_back_to_the_township_window(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[REPORTED]
    with pytest.raises(InvalidInput):
        submit(service, pub, "county.hall")
    case = submit(service, pub, "township.yezhou")
    n = case.number
    refused(sessions, n, NotAllowed, lambda: service.accept(OTHER_TOWN_CLERK, n))
    refused(sessions, n, NotAllowed, lambda: service.accept(CLERK, n))
    case = advance(service, pub, case)
    assert (case.current_step, case.current_domain) == ("forward", "township.yezhou")
    refused(sessions, n, NotAllowed, lambda: service.forward(CLERK, n))
    refused(sessions, n, NotAllowed, lambda: service.forward(OTHER_TOWN_CLERK, n))
    # the department cannot act before the township window forwards the case
    refused(sessions, n, NotAllowed, lambda: service.review(Actor("reviewer@county.lyj"), n))
    case = service.forward(TOWN_CLERK, n)
    assert case.current_domain == "county.lyj" and case.current_step == "inspect"
    refused(sessions, n, WrongState, lambda: service.forward(TOWN_CLERK, n))
    case = until(service, pub, case, "decide")
    refused(sessions, n, NotAllowed, lambda: service.decide(TOWN_CHIEF, n, approve=True))
    case = service.decide(Actor("chief_representative@county.lyj"), n, approve=True)
    # the result comes back to the accepting township window, which completes it
    assert (case.current_step, case.current_domain) == ("complete", "township.yezhou")
    refused(sessions, n, NotAllowed, lambda: service.complete(CLERK, n))
    case = service.complete(TOWN_CLERK, n)
    assert case.state == "completed"
    assert [e.act for e in events(sessions, case)][:3] == ["submit", "accept", "forward"]


def test_township_decides_a_devolved_item(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[TOWNSHIP]
    assert pub.definition.levels.decide == "township"
    case = accepted(service, pub, "township.yezhou")
    n = case.number
    assert (case.current_step, case.current_domain) == ("decide", "township.yezhou")
    for who in (
        "chief_representative@county.mzj",
        "chief_representative@township.gaoping",
        "department_head@county.mzj",
        "window_clerk@township.yezhou",
    ):
        refused(
            sessions, n, NotAllowed, lambda who=who: service.decide(Actor(who), n, approve=True)
        )
    case = service.decide(TOWN_CHIEF, n, approve=True)
    ev = events(sessions, case)[-1]
    assert (ev.role, ev.domain) == ("chief_representative", "township.yezhou")
    assert service.complete(TOWN_CLERK, n).state == "completed"


def test_separation_of_duties_the_accepting_clerk_cannot_decide(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    username = "dual_role@township.yezhou"
    with transaction(sessions) as s:
        if find_user(s, TENANT, username) is None:
            add_user(s, TENANT, username, "身兼二职", password="x" * 12, actor="test")
        grant_role(s, TENANT, username, "window_clerk", "township.yezhou", actor="test")
        grant_role(s, TENANT, username, "chief_representative", "township.yezhou", actor="test")
    service.authorizer.store.invalidate() if hasattr(
        service.authorizer.store, "invalidate"
    ) else None
    pub = catalog[TOWNSHIP]
    dual = Actor(username)
    case = submit(service, pub, "township.yezhou", actor=dual)
    case = service.accept(
        dual, case.number, received=required_materials(pub, json.loads(case.data))
    )
    err = refused(
        sessions, case.number, NotAllowed, lambda: service.decide(dual, case.number, approve=True)
    )
    assert "职责分离" in err.message
    # someone else accepted: the same person may decide
    other = accepted(service, pub, "township.yezhou", seed=1)
    assert service.decide(dual, other.number, approve=True).state == "decided"


def test_joint_item_needs_every_listed_department(
    service: CaseService, publish: Callable[[ItemDefinition], str], sessions: sessionmaker[Session]
) -> None:
    raw = food_definition().model_dump(mode="json", exclude_none=True)
    raw["handling"] = "joint"
    raw["steps"].insert(
        3,
        {
            "key": "countersign",
            "kind": "countersign",
            "at": "owner",
            "role": "chief_representative",
            "days": 1,
            "departments": ["county.gaj", "county.zjj"],
        },
    )
    raw["steps"][1]["days"] = 3
    publish(ItemDefinition.model_validate(raw))
    data = {
        "operator_name": "联办店",
        "uscc": "91422822MA4F0XJ025",
        "legal_person_id": "42282219900101001X",
        "mobile": "13972800001",
        "cold_chain": False,
        "staff": [{"name": "张三", "health_cert_no": "JK2026-001"}],
    }
    case = service.submit(
        CLERK,
        PROMISED,
        data,
        accepting_domain="county.hall",
        applicant=Applicant("联办店", "13972800001"),
    )
    case = service.accept(CLERK, case.number, received=[{"key": "layout_plan"}])
    reviewer = Actor("reviewer@county.scjg")
    case = service.start_special(reviewer, case.number)
    case = service.finish_special(reviewer, case.number)
    case = service.review(reviewer, case.number)
    n = case.number
    assert case.current_step == "countersign" and case.current_domain == "county.gaj"
    gaj, zjj = Actor("chief_representative@county.gaj"), Actor("chief_representative@county.zjj")
    for who in (
        "reviewer@county.gaj",
        "department_head@county.gaj",
        "chief_representative@county.wjj",
        "chief_representative@county.scjg",
    ):
        refused(
            sessions, n, NotAllowed, lambda who=who: service.countersign(Actor(who), n, agree=True)
        )
    refused(sessions, n, ReasonRequired, lambda: service.countersign(gaj, n, agree=False))
    case = service.countersign(gaj, n, agree=True, opinion="同意")
    assert case.current_step == "countersign" and case.current_domain == "county.zjj"
    refused(sessions, n, WrongState, lambda: service.countersign(gaj, n, agree=True))
    refused(
        sessions,
        n,
        WrongState,
        lambda: service.decide(Actor("chief_representative@county.scjg"), n, approve=True),
    )
    # a disagreement (with reasons) returns the case to the previous step; all sign again
    case = service.countersign(zjj, n, agree=False, opinion="消防通道不符合要求")
    assert case.current_step == "review" and json.loads(case.countersigned) == []
    case = service.review(reviewer, n)
    case = service.countersign(zjj, n, agree=True)
    assert case.current_step == "countersign" and case.current_domain == "county.gaj"
    case = service.countersign(gaj, n, agree=True)
    assert case.current_step == "decide" and case.current_domain == "county.scjg"
    assert [e.domain for e in events(sessions, case) if e.act == "countersign"] == [
        "county.gaj",
        "county.zjj",
        "county.zjj",
        "county.gaj",
    ]


def test_joint_item_countersign_disagreement_right_after_acceptance(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    """WHJ-XK-0001 countersigns right after acceptance: a disagreeing department must still
    be able to record its disagreement (with reasons)."""
    pub = catalog[JOINT_FIRST]
    case = accepted(service, pub)
    assert case.current_step == "countersign"
    case = service.countersign(
        Actor("chief_representative@county.gaj"), case.number, agree=False, opinion="场所消防不合格"
    )
    assert case.state in ("in_progress", "decided")
    assert events(sessions, case)[-1].reason == "场所消防不合格"
    # with nothing to return to, the owner's chief representative decides with the opinion on record
    assert case.current_step == "decide" and case.current_domain == pub.definition.owner


def test_instant_item_is_decided_on_the_spot_without_a_clock(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[INSTANT]
    case = accepted(service, pub, "township.yezhou")
    assert case.clock is None and case.due_promised is None and case.due_statutory is None
    assert case.step_due is None and not case.due_provisional
    assert (case.current_step, case.current_domain) == ("complete", "township.yezhou")
    refused(sessions, case.number, NotAllowed, lambda: service.complete(CLERK, case.number))
    case = service.complete(TOWN_CLERK, case.number)
    assert (case.state, case.decision, case.closed_on) == (
        "completed",
        "approved",
        case.accepted_on,
    )
