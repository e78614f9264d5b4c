"""Specific rules: separation of duties, delegations, inactive users, tenants, the stored domain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.explain import Resolver, TargetError, resolve_target
from rbac.permissions import PermissionDenied
from rbac.targets import CaseTarget, DomainTarget, Target

from .conftest import ACTOR, TENANT, OrgSpec, built, make_authorizer

DOMAINS = {
    "county": None,
    "county.hall": "county",
    "county.scjg": "county",
    "township.yezhou": "county",
    "township.gaoping": "county",
}
CHIEF = "chief_representative@county.scjg"
DEPUTY = "reviewer@county.scjg"
CLERK = "window_clerk@county.hall"
DAY = date(2026, 5, 6)


def _spec(**extra: object) -> OrgSpec:
    spec = OrgSpec(
        domains=DOMAINS,
        staff=[
            CHIEF,
            DEPUTY,
            CLERK,
            "window_clerk@township.yezhou",
            "window_clerk@township.gaoping",
        ],
        applicants=["applicant@demo"],
        grants=[
            (CHIEF, "chief_representative", "county.scjg"),
            (DEPUTY, "reviewer", "county.scjg"),
            (CLERK, "window_clerk", "county.hall"),
            ("window_clerk@township.yezhou", "window_clerk", "township.yezhou"),
            ("window_clerk@township.gaoping", "window_clerk", "township.gaoping"),
        ],
    )
    for key, value in extra.items():
        setattr(spec, key, value)
    return spec


def _case(accepted_by: int | None, accepting: str = "county.hall", **kw: object) -> CaseTarget:
    fields: dict[str, object] = dict(
        tenant=TENANT,
        case_id="422822-20260506-0001",
        owner="county.scjg",
        accepting_domain=accepting,
        current_domain="county.scjg",
        applicant_user_id=None,
        accepted_by_user_id=accepted_by,
        accept_patterns=("county.hall", "township.*"),
    )
    fields.update(kw)
    return CaseTarget(**fields)  # type: ignore[arg-type]


def test_separation_of_duties_is_a_flag(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, _spec())
    # The chief representative accepted the case himself (e.g. while covering the window).
    case = _case(accepted_by=ids[CHIEF])
    on = make_authorizer(sessions, sod=True).can(CHIEF, "decide", case)
    assert not on.allowed and on.code == "separation_of_duties"
    assert make_authorizer(sessions, sod=True).can(CHIEF, "extend", case).allowed
    assert make_authorizer(sessions, sod=False).can(CHIEF, "decide", case).allowed
    assert make_authorizer(sessions).can(CHIEF, "decide", _case(accepted_by=ids[CLERK])).allowed


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (DAY - timedelta(days=1), False),  # the day before
        (DAY, True),  # first day
        (DAY + timedelta(days=2), True),  # last day
        (DAY + timedelta(days=3), False),  # the day after
    ],
)
def test_delegation_is_dated_inclusive(
    sessions: sessionmaker[Session], day: date, allowed: bool
) -> None:
    delegation = (
        CHIEF,
        DEPUTY,
        "chief_representative",
        "county.scjg",
        DAY,
        DAY + timedelta(days=2),
    )
    ids = built(sessions, _spec(delegations=[delegation]))
    decision = make_authorizer(sessions).can(DEPUTY, "decide", _case(ids[CLERK]), today=day)
    assert decision.allowed is allowed
    if allowed:
        assert decision.code == "delegation"
        assert "代理" in decision.reason and "出差" in decision.reason


def test_delegation_ends_with_end_or_revocation(sessions: sessionmaker[Session]) -> None:
    delegation = (CHIEF, DEPUTY, "chief_representative", "county.scjg", DAY, DAY)
    ids = built(sessions, _spec(delegations=[delegation]))
    authorizer = make_authorizer(sessions)
    case = _case(ids[CLERK])
    assert authorizer.can(DEPUTY, "decide", case, today=DAY).allowed
    with transaction(sessions) as s:
        people.revoke_role(s, TENANT, CHIEF, "chief_representative", "county.scjg", actor=ACTOR)
    assert not authorizer.can(
        DEPUTY, "decide", case, today=DAY
    ).allowed  # the delegator no longer holds it
    with transaction(sessions) as s:
        people.grant_role(s, TENANT, CHIEF, "chief_representative", "county.scjg", actor=ACTOR)
    assert authorizer.can(DEPUTY, "decide", case, today=DAY).allowed
    with transaction(sessions) as s:
        (row,) = [d for d in s.query(people.OrgDelegation).all()]
        people.end_delegation(s, TENANT, row.id, actor=ACTOR)
    assert not authorizer.can(DEPUTY, "decide", case, today=DAY).allowed


def test_delegation_needs_the_grant(sessions: sessionmaker[Session]) -> None:
    built(sessions, _spec())
    with transaction(sessions) as s, pytest.raises(people.OrgError, match="没有"):
        people.delegate(
            s,
            TENANT,
            DEPUTY,
            CLERK,
            "chief_representative",
            "county.scjg",
            DAY,
            DAY,
            "x",
            actor=ACTOR,
        )


def test_inactive_users_are_denied_everything(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, _spec(inactive=[CHIEF]))
    decision = make_authorizer(sessions).can(CHIEF, "read", _case(ids[CLERK]))
    assert not decision.allowed and decision.code == "inactive"


def test_other_tenant_and_unknown_user(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, _spec())
    authorizer = make_authorizer(sessions)
    other = _case(ids[CLERK], tenant="420100")
    assert authorizer.can(CHIEF, "decide", other).code == "unknown_user"
    assert authorizer.can("nobody", "read", _case(ids[CLERK])).code == "unknown_user"
    assert authorizer.can(CHIEF, "fly", _case(ids[CLERK])).code == "unknown_act"


def test_require_raises_with_the_reason(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, _spec())
    authorizer = make_authorizer(sessions)
    assert authorizer.require(CHIEF, "decide", _case(ids[CLERK])).allowed
    with pytest.raises(PermissionDenied) as caught:
        authorizer.require(CLERK, "decide", _case(ids[CLERK]))
    assert caught.value.decision is not None and caught.value.decision.code == "no_role"
    assert "首席代表" in caught.value.reason


def test_township_window_only_for_items_devolved_to_townships(
    sessions: sessionmaker[Session],
) -> None:
    ids = built(sessions, _spec())
    authorizer = make_authorizer(sessions)
    clerk = "window_clerk@township.yezhou"
    devolved = _case(ids[clerk], accepting="township.yezhou")
    county_only = _case(ids[clerk], accepting="township.yezhou", accept_patterns=("county.hall",))
    named = _case(ids[clerk], accepting="township.yezhou", accept_patterns=("township.yezhou",))
    assert authorizer.can(clerk, "accept", devolved).allowed
    assert authorizer.can(clerk, "accept", named).allowed
    refused = authorizer.can(clerk, "accept", county_only)
    assert not refused.allowed and refused.code == "not_acceptable_here"


def test_request_naming_another_domain_is_judged_by_the_stored_case(
    sessions: sessionmaker[Session],
) -> None:
    """A clerk at township.gaoping posts "accept case N at township.gaoping"; the case is stored
    as submitted at township.yezhou. The target is resolved from storage (a resolver, as the
    house hands runtime's for ``case:``), so the request's domain never reaches the decision."""
    ids = built(sessions, _spec())
    stored: dict[str, Target] = {"N1": _case(None, accepting="township.yezhou", case_id="N1")}
    resolvers: dict[str, Resolver] = {"case": lambda _s, _t, ref: stored[ref]}
    authorizer = make_authorizer(sessions)
    request = {"case": "N1", "domain": "township.gaoping"}  # what the browser claims
    with sessions() as session:
        target = resolve_target(session, TENANT, f"case:{request['case']}", resolvers)
        # the domain the request names is a domain target, never the case
        assert resolve_target(session, TENANT, request["domain"], resolvers) == DomainTarget(
            TENANT, "township.gaoping"
        )
        with pytest.raises(TargetError, match="未知前缀 item:"):
            resolve_target(session, TENANT, "item:X", resolvers)  # only what was handed
    gaoping = authorizer.can("window_clerk@township.gaoping", "accept", target)
    assert not gaoping.allowed and gaoping.domain == "township.yezhou"
    assert "township.yezhou" in gaoping.reason
    yezhou = authorizer.can("window_clerk@township.yezhou", "accept", target)
    assert yezhou.allowed and yezhou.domain == "township.yezhou"
    # and the domain target the request names is not the case
    assert authorizer.can(
        "window_clerk@township.gaoping", "accept", DomainTarget(TENANT, "township.gaoping")
    )
    assert ids  # built
