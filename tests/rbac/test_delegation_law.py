"""Delegation never gives back what the reform took away, on both databases.

首席代表制: the chief representative has full authority over the department's approvals and
the department heads no longer handle them — so no grant and no delegation lets a
department head accept, review, countersign or decide; and separation of duties (whoever
accepted a case does not decide it) holds for a delegate exactly as for the delegator."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.explain import explain
from rbac.people import OrgError
from rbac.permissions import Authorizer
from rbac.tables import OrgDelegation, utcnow
from rbac.targets import CaseTarget, DomainTarget

from .conftest import ACTOR, TENANT, OrgSpec, built, make_authorizer

DAY = date(2026, 3, 2)
SPEC = OrgSpec(
    domains={
        "county": None,
        "county.hall": "county",
        "county.scjg": "county",
        "county.jyj": "county",
    },
    staff=["chief", "head", "other_head", "deputy", "clerk"],
    grants=[
        ("chief", "chief_representative", "county.scjg"),
        ("head", "department_head", "county.scjg"),
        ("other_head", "department_head", "county.jyj"),
        ("deputy", "reviewer", "county.scjg"),
        ("clerk", "window_clerk", "county.hall"),
    ],
)


def case(accepted_by: int | None) -> CaseTarget:
    return CaseTarget(
        TENANT,
        "42282220260302000001",
        owner="county.scjg",
        accepting_domain="county.hall",
        current_domain="county.scjg",
        applicant_user_id=None,
        accepted_by_user_id=accepted_by,
        accept_patterns=("county.hall",),
    )


def delegate(sessions: sessionmaker[Session], frm: str, to: str, role: str, domain: str) -> None:
    with transaction(sessions) as s:
        people.delegate(s, TENANT, frm, to, role, domain, DAY, DAY, "出差", actor=ACTOR)


def delegations(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return len(s.scalars(select(OrgDelegation.id)).all())


def test_a_department_head_is_never_delegated_a_role_that_handles_approvals(
    sessions: sessionmaker[Session],
) -> None:
    built(sessions, SPEC)
    for to, role, domain, frm in (
        ("head", "chief_representative", "county.scjg", "chief"),  # the case
        ("other_head", "chief_representative", "county.scjg", "chief"),  # any department's head
        ("head", "reviewer", "county.scjg", "deputy"),
        ("head", "window_clerk", "county.hall", "clerk"),
    ):
        with pytest.raises(OrgError, match="部门负责人不再直接审批"):
            delegate(sessions, frm, to, role, domain)
    assert delegations(sessions) == 0
    # the head keeps what the head has: reading (and, by the definition, extending)
    authorizer = make_authorizer(sessions)
    assert not authorizer.can("head", "decide", case(None), today=DAY).allowed
    assert authorizer.can("head", "read", case(None), today=DAY).allowed
    # a deputy who handles no approvals' head role may be delegated the chief's
    delegate(sessions, "chief", "deputy", "chief_representative", "county.scjg")
    decision = authorizer.can("deputy", "decide", case(None), today=DAY)
    assert decision.allowed and decision.code == "delegation"


def test_no_grant_makes_a_department_head_an_approver_or_an_approver_a_head(
    sessions: sessionmaker[Session],
) -> None:
    built(sessions, SPEC)
    with pytest.raises(OrgError, match="部门负责人"), transaction(sessions) as s:
        people.grant_role(s, TENANT, "head", "chief_representative", "county.scjg", actor=ACTOR)
    with pytest.raises(OrgError, match="不能兼任部门负责人"), transaction(sessions) as s:
        people.grant_role(s, TENANT, "chief", "department_head", "county.jyj", actor=ACTOR)
    with pytest.raises(OrgError, match="不能兼任部门负责人"):  # nor by delegation
        delegate(sessions, "head", "chief", "department_head", "county.scjg")


def test_a_delegation_recorded_before_the_rule_gives_a_head_nothing(
    sessions: sessionmaker[Session],
) -> None:
    ids = built(sessions, SPEC)
    with transaction(sessions) as s:  # as an older version stored it, bypassing the check
        s.add(
            OrgDelegation(
                tenant=TENANT,
                from_user_id=ids["chief"],
                to_user_id=ids["head"],
                role="chief_representative",
                domain="county.scjg",
                valid_from=DAY,
                valid_to=DAY,
                reason="旧数据",
                created_at=utcnow(),
                created_by=ACTOR,
            )
        )
        people.record(s, TENANT, ACTOR, "test", "legacy")
    for use_casbin in (False, True):
        authorizer = make_authorizer(sessions, use_casbin=use_casbin)
        for act in ("decide", "countersign", "review"):
            assert not authorizer.can("head", act, case(None), today=DAY).allowed, act
        assert not authorizer.can(
            "head", "decide", DomainTarget(TENANT, "county.scjg"), today=DAY
        ).allowed
    # the explanation shows the delegation and why it gives nothing
    target = case(None)
    snap = authorizer.store.snapshot(TENANT)
    lines = explain(authorizer.can("head", "decide", target, today=DAY), target, snap)
    assert any("旧数据" in x and "不生效：部门负责人不再直接审批" in x for x in lines), lines


def test_separation_of_duties_holds_for_a_delegate(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, SPEC)
    # the hall's clerk acts for the chief representative while the chief is away
    delegate(sessions, "chief", "clerk", "chief_representative", "county.scjg")
    authorizer: Authorizer = make_authorizer(sessions)
    own = authorizer.can("clerk", "decide", case(ids["clerk"]), today=DAY)
    assert not own.allowed and own.code == "separation_of_duties"
    assert "受理人不能决定同一案件" in own.reason
    other = authorizer.can("clerk", "decide", case(ids["deputy"]), today=DAY)
    assert other.allowed and other.code == "delegation"
    # and outside the delegation's dates, nothing
    assert not authorizer.can("clerk", "decide", case(None), today=date(2026, 3, 3)).allowed
