"""Each legal act: its allowed path and every refusal with its reason, on both databases.

Cases run over the shipped catalogue (promised, reported, joint, township-decided,
instant items and fees) with the demo organisation's people."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.models import ItemDefinition
from rbac.people import add_user, find_user, grant_role
from runtime.audit import verify_case
from runtime.case_tables import Case, CaseEvent, CaseFee, OutboxMessage
from runtime.errors import (
    ActError,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    ReasonRequired,
    WrongState,
)
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, advance, food_definition, required_materials, sample_data

PROMISED = "422822-SCJG-XK-0001"  # food licence: accept, inspect (when), review, decide, complete
SIMPLE = "422822-ZFB-QT-0001"  # accept, review, decide, complete; extension 20 days
COUNTY_ONLY = "422822-JTJ-XK-0001"  # accepted at the county hall only
REPORTED = "422822-LYJ-XK-0001"  # township accept, forward, inspect, review, decide, complete
JOINT = "422822-ZJJ-XK-0002"  # ..., review, countersign (county.gaj), decide, complete; fees
JOINT_FIRST = "422822-WHJ-XK-0001"  # countersign right after acceptance
TOWNSHIP = "422822-MZJ-GF-0002"  # decided by the accepting township, no extension allowed
INSTANT = "422822-RSJ-GG-0001"  # 即办件: accept, complete
FEES = "422822-ZRZY-QR-0003"  # waivable registration fee, per-certificate fee; pay before complete

CLERK = Actor("window_clerk@county.hall")
CLERK2 = Actor("window_clerk2@county.hall")
TOWN_CLERK = Actor("window_clerk@township.yezhou")
OTHER_TOWN_CLERK = Actor("window_clerk@township.gaoping")
TOWN_CHIEF = Actor("chief_representative@township.yezhou")
ADMIN = Actor("admin@county")
SUPERVISOR = Actor("supervisor@county")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def hall_of(pub: Any) -> str:
    return "county.hall" if "county.hall" in pub.definition.levels.accept else "township.yezhou"


def submit(
    service: CaseService,
    pub: Any,
    domain: str | None = None,
    *,
    seed: int = 0,
    data: dict[str, Any] | None = None,
    applicant: Applicant | None = None,
    actor: Actor | None = None,
) -> Case:
    domain = domain or hall_of(pub)
    return service.submit(
        actor or Actor(f"window_clerk@{domain}"),
        pub.code,
        data if data is not None else sample_data(pub, seed),
        accepting_domain=domain,
        applicant=applicant or Applicant("谭斌", "13972800001"),
    )


def accepted(service: CaseService, pub: Any, domain: str | None = None, **kw: Any) -> Case:
    case = submit(service, pub, domain, **kw)
    return advance(service, pub, case)


def until(service: CaseService, pub: Any, case: Case, step_key: str) -> Case:
    for _ in range(20):
        if case.current_step == step_key:
            return case
        case = advance(service, pub, case)
    raise AssertionError(f"{pub.code} never reached {step_key}")


def events(sessions: sessionmaker[Session], case: Case) -> list[CaseEvent]:
    with sessions() as s:
        return list(
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).scalars()
        )


def row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def refused(
    sessions: sessionmaker[Session],
    number: str,
    error: type[ActError],
    act: Callable[[], Any],
) -> ActError:
    """The act is refused with ``error`` and a message, and nothing is written."""
    before = row(sessions, number)
    with pytest.raises(error) as caught:
        act()
    assert caught.value.message.strip()
    after = row(sessions, number)
    assert after.version == before.version and after.last_hash == before.last_hash
    return caught.value


def user_id(service: CaseService, username: str) -> int:
    user = service.authorizer.store.snapshot(TENANT).users[username]
    return int(user.id)


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


# ---------------------------------------------------------------------------- submit


def test_submit_refusals(service: CaseService, catalog: dict[str, Any]) -> None:
    pub = catalog[COUNTY_ONLY]
    with pytest.raises(NotFound):
        service.submit(
            CLERK, "422822-NO-SUCH", {}, accepting_domain="county.hall", applicant=Applicant("谭斌")
        )
    # an item that is not devolved to townships cannot be filed at a township window
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, "township.yezhou")
    assert "township.yezhou" in err.value.message
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, applicant=Applicant("   "))
    assert "申请人" in err.value.message
    # a clerk of another hall cannot file at this one; an applicant files only for themself
    with pytest.raises(NotAllowed):
        submit(service, pub, "county.hall", actor=TOWN_CLERK)
    with pytest.raises(NotAllowed):
        submit(
            service,
            pub,
            actor=Actor("applicant@demo"),
            applicant=Applicant("黄世平", "13972800002", user_id(service, "applicant2@demo")),
        )
    with pytest.raises(NotAllowed):
        submit(service, pub, actor=ADMIN)
    with Session(service.sessions.kw["bind"]) as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 0


def test_submit_takes_the_desks_evaluation_only_from_the_same_version(
    service: CaseService, catalog: dict[str, Any]
) -> None:
    pub = catalog[COUNTY_ONLY]
    data = sample_data(pub, 3)
    # the desk's evaluation of this very version is used as it is
    case = submit(service, pub, data=pub.compiled.evaluate(data))  # type: ignore[arg-type]
    assert json.loads(case.data) == pub.compiled.evaluate(data).data
    # an evaluation said to come from another version is evaluated afresh: its errors count
    forged = pub.compiled.evaluate({})
    forged.errors.clear()
    forged.sha256 = "0" * 64
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, data=forged)  # type: ignore[arg-type]
    assert err.value.errors
    # and an evaluation with errors is refused like the data it came from
    with pytest.raises(InvalidInput):
        submit(service, pub, data=pub.compiled.evaluate({}))  # type: ignore[arg-type]


def test_applicant_files_online_for_themself(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[COUNTY_ONLY]
    me = user_id(service, "applicant@demo")
    case = submit(
        service, pub, actor=Actor("applicant@demo"), applicant=Applicant("谭斌", "13972800001", me)
    )
    assert case.state == "submitted" and case.applicant_user_id == me
    (ev,) = events(sessions, case)
    assert ev.act == "submit" and ev.role == "applicant" and ev.actor == "applicant@demo"


def test_submit_writes_number_query_code_one_event(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    a = submit(service, catalog[SIMPLE])
    b = submit(service, catalog[SIMPLE])
    assert a.number.startswith("42282220260930") and a.number != b.number
    assert len(a.query_code) == 6 and a.version == 1
    (ev,) = events(sessions, a)
    assert (ev.seq, ev.act, ev.role, ev.domain) == (1, "submit", "window_clerk", "county.hall")


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


# ---------------------------------------------------------------------------- department acts


def test_review_decide_and_who_may_not(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    case = accepted(service, pub)
    n = case.number
    # review: the reviewer of the department where the step sits, nobody else
    for who in (
        "reviewer@county.scjg",
        "window_clerk@county.hall",
        "department_head@county.zfb",
        "admin@county",
        "supervisor@county",
        "applicant@demo",
    ):
        refused(sessions, n, NotAllowed, lambda who=who: service.review(Actor(who), n))
    refused(
        sessions,
        n,
        WrongState,
        lambda: service.decide(Actor("chief_representative@county.zfb"), n, approve=True),
    )
    refused(sessions, n, WrongState, lambda: service.complete(CLERK, n))
    refused(sessions, n, WrongState, lambda: service.forward(CLERK, n))
    refused(sessions, n, WrongState, lambda: service.start_special(Actor("reviewer@county.zfb"), n))
    case = service.review(Actor("reviewer@county.zfb"), n, opinion="材料齐全")
    assert case.current_step == "decide" and case.current_domain == "county.zfb"
    # decide: the chief representative only — not the department head (the reform), not a
    # reviewer, not another department's chief, not the window
    for who in (
        "department_head@county.zfb",
        "reviewer@county.zfb",
        "chief_representative@county.scjg",
        "window_clerk@county.hall",
        "admin@county",
    ):
        err = refused(
            sessions, n, NotAllowed, lambda who=who: service.decide(Actor(who), n, approve=True)
        )
        assert who in err.message
    refused(
        sessions,
        n,
        ReasonRequired,
        lambda: service.decide(
            Actor("chief_representative@county.zfb"), n, approve=False, reason=" "
        ),
    )
    case = service.decide(Actor("chief_representative@county.zfb"), n, approve=True)
    assert (case.state, case.decision, case.current_step, case.current_domain) == (
        "decided",
        "approved",
        "complete",
        "county.hall",
    )
    refused(
        sessions,
        n,
        WrongState,
        lambda: service.decide(
            Actor("chief_representative@county.zfb"), n, approve=False, reason="改主意"
        ),
    )
    case = service.complete(CLERK, n)
    assert case.state == "completed" and not case.open
    assert [e.act for e in events(sessions, case)] == [
        "submit",
        "accept",
        "review",
        "decide",
        "complete",
    ]


def test_denial_needs_reasons_and_goes_straight_back_to_the_window(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[PROMISED]
    case = until(service, pub, accepted(service, pub), "decide")
    chief = Actor("chief_representative@county.scjg")
    case = service.decide(chief, case.number, approve=False, reason="场所不符合卫生要求")
    assert (case.state, case.decision, case.current_step) == ("decided", "denied", "complete")
    assert events(sessions, case)[-1].reason == "场所不符合卫生要求"
    with sessions() as s:
        body = s.execute(
            select(OutboxMessage.body).where(
                OutboxMessage.case_id == case.id, OutboxMessage.template == "decided"
            )
        ).scalar_one()
    assert "场所不符合卫生要求" in body
    case = service.complete(CLERK, case.number)
    assert case.state == "completed" and case.decision == "denied"


def test_special_procedure_stops_the_clock_and_only_the_department_runs_it(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog["422822-SLJ-XK-0001"]  # inspect: site inspection that does not count
    case = until(service, pub, accepted(service, pub), "inspect")
    n, reviewer = case.number, Actor("reviewer@county.slj")
    refused(sessions, n, WrongState, lambda: service.finish_special(reviewer, n))
    refused(sessions, n, NotAllowed, lambda: service.start_special(Actor("reviewer@county.zfb"), n))
    refused(sessions, n, NotAllowed, lambda: service.start_special(CLERK, n))
    case = service.start_special(reviewer, n, note="约定现场时间")
    assert case.state == "suspended" and case.suspended and case.special_running
    refused(sessions, n, WrongState, lambda: service.start_special(reviewer, n))
    refused(sessions, n, WrongState, lambda: service.return_step(reviewer, n, reason="x"))
    refused(
        sessions,
        n,
        WrongState,
        lambda: service.decide(Actor("chief_representative@county.slj"), n, approve=True),
    )
    clock = json.loads(case.clock)
    assert clock["promised"]["suspensions"][-1]["end"] is None
    case = service.finish_special(reviewer, n, result="现场符合要求")
    assert case.state == "in_progress" and not case.suspended and not case.special_running
    assert json.loads(case.clock)["promised"]["suspensions"][-1]["end"] is not None


def test_return_needs_a_reason_and_goes_to_the_previous_active_step(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[PROMISED]
    case = until(service, pub, accepted(service, pub), "decide")
    n = case.number
    chief = Actor("chief_representative@county.scjg")
    refused(sessions, n, ReasonRequired, lambda: service.return_step(chief, n, reason=""))
    refused(
        sessions,
        n,
        NotAllowed,
        lambda: service.return_step(Actor("reviewer@county.zfb"), n, reason="补充审查"),
    )
    case = service.return_step(chief, n, reason="请补充审查从业人员健康证明")
    assert case.current_step == "review" and case.state == "in_progress"
    assert events(sessions, case)[-1].act == "return"
    # nothing before the accept step to return to from the first step after it
    first = accepted(service, catalog[SIMPLE])
    refused(
        sessions,
        first.number,
        WrongState,
        lambda: service.return_step(Actor("reviewer@county.zfb"), first.number, reason="x"),
    )


def test_extension_is_bounded_by_the_law(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    assert pub.definition.limits.extension_days == 20
    case = accepted(service, pub)
    # a disclosure request: the head of the disclosure office extends (政府信息公开条例第三十三条)
    n, chief = case.number, Actor("department_head@county.zfb")
    before = case.due_statutory
    refused(sessions, n, ReasonRequired, lambda: service.extend(chief, n, days=5, reason=" "))
    refused(
        sessions,
        n,
        NotAllowed,
        lambda: service.extend(Actor("chief_representative@county.zfb"), n, days=5, reason="复杂"),
    )
    refused(
        sessions,
        n,
        NotAllowed,
        lambda: service.extend(Actor("reviewer@county.zfb"), n, days=5, reason="复杂"),
    )
    refused(sessions, n, InvalidInput, lambda: service.extend(chief, n, days=0, reason="复杂"))
    refused(sessions, n, InvalidInput, lambda: service.extend(chief, n, days=21, reason="复杂"))
    case = service.extend(
        chief, n, days=15, reason="情况复杂，经负责人批准（依据：条例第三十三条）"
    )
    assert case.due_statutory > before
    err = refused(
        sessions, n, InvalidInput, lambda: service.extend(chief, n, days=6, reason="再延")
    )
    assert "20" in err.message
    case = service.extend(chief, n, days=5, reason="再延五日")
    assert len(json.loads(case.clock)["statutory"]["extensions"]) == 2
    # an item whose law allows no extension, an instant item (no clock), a closed case
    t = accepted(service, catalog[TOWNSHIP], "township.yezhou")
    refused(
        sessions,
        t.number,
        InvalidInput,
        lambda: service.extend(TOWN_CHIEF, t.number, days=1, reason="复杂"),
    )
    i = accepted(service, catalog[INSTANT])
    refused(
        sessions,
        i.number,
        WrongState,
        lambda: service.extend(
            Actor("chief_representative@county.rsj"), i.number, days=1, reason="复杂"
        ),
    )


def test_withdraw_from_open_states_only_by_the_applicant(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog["422822-SLJ-XK-0001"]
    me = Applicant("谭斌", "13972800001", user_id(service, "applicant@demo"))
    owner, other = Actor("applicant@demo"), Actor("applicant2@demo")
    # submitted
    case = submit(service, pub, applicant=me)
    refused(sessions, case.number, NotAllowed, lambda: service.withdraw(other, case.number))
    refused(sessions, case.number, NotAllowed, lambda: service.withdraw(CLERK, case.number))
    refused(sessions, case.number, NotAllowed, lambda: service.withdraw(ADMIN, case.number))
    case = service.withdraw(owner, case.number, reason="不再需要")
    assert case.state == "withdrawn" and not case.open and case.current_domain is None
    refused(sessions, case.number, WrongState, lambda: service.withdraw(owner, case.number))
    refused(sessions, case.number, WrongState, lambda: service.accept(CLERK, case.number))
    # suspended: the clock's open suspension is closed
    case = until(service, pub, accepted(service, pub, applicant=me), "inspect")
    case = service.start_special(Actor("reviewer@county.slj"), case.number)
    case = service.withdraw(owner, case.number)
    assert case.state == "withdrawn" and not case.suspended and not case.special_running
    assert all(s["end"] for s in json.loads(case.clock)["promised"]["suspensions"])
    # completed: too late
    case = accepted(service, catalog[INSTANT], applicant=me)
    case = advance(service, catalog[INSTANT], case)
    refused(sessions, case.number, WrongState, lambda: service.withdraw(owner, case.number))


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


# ---------------------------------------------------------------------------- fees


def test_fees_assessed_waived_and_paid_before_the_paying_step(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[FEES]
    data = sample_data(pub, 0, property_use="residential", extra_certificates=2)
    lines = {f.key: f for f in pub.compiled.fees_for(pub.compiled.clean(data))}
    assert set(lines) == {"reg_fee_residential", "extra_certificates"}
    case = until(service, pub, accepted(service, pub, data=data), "decide")
    n = case.number
    case = service.decide(Actor("chief_representative@county.zrzy"), n, approve=True)
    assert case.current_step == "complete"
    err = refused(sessions, n, WrongState, lambda: service.complete(CLERK, n))
    assert "收费" in err.message
    refused(sessions, n, WrongState, lambda: service.record_payment(CLERK, n, payment_ref="JF1"))
    refused(sessions, n, NotAllowed, lambda: service.assess_fee(TOWN_CLERK, n))
    refused(
        sessions,
        n,
        InvalidInput,
        lambda: service.assess_fee(CLERK, n, waive=["extra_certificates"]),
    )
    refused(sessions, n, InvalidInput, lambda: service.assess_fee(CLERK, n, waive=["nope"]))
    case = service.assess_fee(CLERK, n, waive=["reg_fee_residential"])
    assert case.fee_total == "20.00" and not case.fee_paid
    with sessions() as s:
        fees = {
            f.fee_key: f
            for f in s.execute(select(CaseFee).where(CaseFee.case_id == case.id)).scalars()
        }
    assert fees["reg_fee_residential"].waived and fees["extra_certificates"].amount == "20.00"
    assert all(f.basis for f in fees.values())
    refused(sessions, n, WrongState, lambda: service.assess_fee(CLERK, n))
    err = refused(sessions, n, WrongState, lambda: service.complete(CLERK, n))
    assert "缴" in err.message
    refused(sessions, n, ReasonRequired, lambda: service.record_payment(CLERK, n, payment_ref=" "))
    case = service.record_payment(CLERK, n, payment_ref="JF20260930001")
    assert case.fee_paid
    refused(sessions, n, WrongState, lambda: service.record_payment(CLERK, n, payment_ref="JF2"))
    assert service.complete(CLERK, n).state == "completed"


def test_no_fee_for_an_application_without_fee_lines(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = accepted(service, catalog[SIMPLE])
    refused(sessions, case.number, WrongState, lambda: service.assess_fee(CLERK, case.number))


def test_a_denied_case_can_be_completed_without_paying(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    """A fee is for the service granted: a denial is handed over without payment."""
    pub = catalog[FEES]
    data = sample_data(pub, 0, property_use="non_residential", extra_certificates=0)
    case = until(service, pub, accepted(service, pub, data=data), "decide")
    case = service.decide(
        Actor("chief_representative@county.zrzy"), case.number, approve=False, reason="权属存在争议"
    )
    case = service.complete(CLERK, case.number)
    assert case.state == "completed" and case.decision == "denied"
