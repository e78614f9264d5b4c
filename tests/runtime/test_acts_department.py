"""The department's acts on an accepted case: review and decide (and who may not),
denial, special procedures that stop the clock, return, the extension the law bounds,
and the applicant's withdrawal; each allowed path and every refusal with its reason.

Over the shipped catalogue, with the demo people (tests/runtime/acts_helpers.py)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_tables import OutboxMessage
from runtime.errors import InvalidInput, NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.acts_helpers import (
    ADMIN,
    CLERK,
    INSTANT,
    PROMISED,
    SIMPLE,
    TOWN_CHIEF,
    TOWNSHIP,
    accepted,
    engine,  # noqa: F401 (fixture)
    events,
    org,  # noqa: F401 (fixture)
    refused,
    submit,
    until,
    user_id,
)
from tests.runtime.conftest import advance

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
