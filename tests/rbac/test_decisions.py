"""What a decision on a domain (a desk, a queue) says besides yes or no: the domain it was
judged in, the grant or delegation behind it, and a refusal's code and reason — the words
the 403 page and ``banshi authz check`` show. Found unguarded by the mutation run
(pyproject [tool.mutmut])."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rbac.permissions import PermissionDenied
from rbac.policy import DelegationRec, GrantRec
from rbac.targets import DomainTarget, ItemTarget

from .conftest import TENANT, OrgSpec, built, make_authorizer

DAY = date(2026, 5, 6)
CHIEF = "chief_representative@county.scjg"
DEPUTY = "reviewer@county.scjg"
CLERK = "window_clerk@county.hall"
SPEC = OrgSpec(
    domains={"county": None, "county.hall": "county", "county.scjg": "county"},
    staff=[CHIEF, DEPUTY, CLERK, "supervisor@county"],
    applicants=["applicant@demo"],
    grants=[
        (CHIEF, "chief_representative", "county.scjg"),
        (DEPUTY, "reviewer", "county.scjg"),
        (CLERK, "window_clerk", "county.hall"),
        ("supervisor@county", "supervisor", "county"),
    ],
    delegations=[(CHIEF, DEPUTY, "chief_representative", "county.scjg", DAY, DAY)],
)


@pytest.fixture
def built_org(sessions: sessionmaker[Session]) -> None:
    built(sessions, SPEC)


def at(domain: str) -> DomainTarget:
    return DomainTarget(TENANT, domain)


def test_allowed_on_a_domain_names_the_domain_and_the_grant(
    sessions: sessionmaker[Session], built_org: None
) -> None:
    auth = make_authorizer(sessions)
    d = auth.can(CLERK, "accept", at("county.hall"))
    assert d.allowed and d.domain == "county.hall"
    assert isinstance(d.via, GrantRec) and d.via.role == "window_clerk"
    read = auth.can(DEPUTY, "read", at("county.scjg"))
    assert read.allowed and read.domain == "county.scjg"
    # a supervisor reads a department from the county above it
    sup = auth.can("supervisor@county", "read", at("county.scjg"))
    assert sup.allowed and sup.domain == "county.scjg" and sup.via is not None
    assert sup.via.domain == "county"


def test_a_delegation_counts_on_its_day_at_the_desk(
    sessions: sessionmaker[Session], built_org: None
) -> None:
    auth = make_authorizer(sessions)
    d = auth.can(DEPUTY, "decide", at("county.scjg"), today=DAY)
    assert d.allowed and isinstance(d.via, DelegationRec) and d.domain == "county.scjg"
    assert auth.require(DEPUTY, "decide", at("county.scjg"), today=DAY).allowed
    later = DAY + timedelta(days=1)
    refused = auth.can(DEPUTY, "decide", at("county.scjg"), today=later)
    assert not refused.allowed and refused.code == "no_role"
    with pytest.raises(PermissionDenied) as caught:
        auth.require(DEPUTY, "decide", at("county.scjg"), today=later)
    assert caught.value.decision is not None and caught.value.decision.code == "no_role"
    assert (caught.value.code, caught.value.status) == ("forbidden", 403)
    assert str(caught.value) == refused.reason


def test_refusals_on_a_domain_say_why(sessions: sessionmaker[Session], built_org: None) -> None:
    auth = make_authorizer(sessions)
    unknown = auth.can(CLERK, "accept", at("county.nowhere"))
    assert (unknown.allowed, unknown.code, unknown.domain) == (
        False,
        "unknown_domain",
        "county.nowhere",
    )
    assert unknown.user == CLERK and unknown.act == "accept"
    assert "组织机构中没有 county.nowhere" in unknown.reason
    applicant = auth.can("applicant@demo", "withdraw", at("county.hall"))
    assert (applicant.allowed, applicant.code, applicant.domain) == (
        False,
        "not_a_case",
        "county.hall",
    )
    assert "申请人只能对本人的案件" in applicant.reason and applicant.user == "applicant@demo"
    no_read = auth.can(CLERK, "read", at("county.scjg"))
    assert (no_read.code, no_read.domain) == ("no_role", "county.scjg")
    assert f"{CLERK} 不是 county.scjg 的工作人员或监察员" in no_read.reason
    no_supervision = auth.can(CLERK, "handle_warning", at("county.scjg"))
    assert "county.scjg 的（或上级的）电子监察员" in no_supervision.reason
    no_admin = auth.can(CLERK, "manage_items", at("county.scjg"))
    assert "county.scjg 的（或上级的）系统管理员" in no_admin.reason
    no_window = auth.can(DEPUTY, "accept", at("county.hall"))
    assert no_window.domain == "county.hall" and "受理窗口人员" in no_window.reason


ITEM = ItemTarget(TENANT, "422822-SCJG-XK-0001", "county.scjg", ("county.hall", "township.*"))


def test_decisions_on_an_item_say_what_and_where(
    sessions: sessionmaker[Session], built_org: None
) -> None:
    auth = make_authorizer(sessions)
    submit = auth.can("applicant@demo", "submit", ITEM)
    assert (submit.allowed, submit.code, submit.domain) == (True, "own_case", "county.scjg")
    assert submit.user == "applicant@demo" and submit.act == "submit"
    assert "任何用户都可以为本人申请事项 422822-SCJG-XK-0001" in submit.reason
    guide = auth.can("applicant@demo", "read", ITEM)
    assert (guide.allowed, guide.code, guide.domain) == (True, "open_item", "county.scjg")
    assert guide.user == "applicant@demo" and guide.act == "read"
    assert "事项 422822-SCJG-XK-0001 的办事指南公开" in guide.reason
    other = auth.can("applicant@demo", "withdraw", ITEM)
    assert (other.allowed, other.code, other.domain) == (False, "not_a_case", "county.scjg")
    assert other.user == "applicant@demo" and other.act == "withdraw"
    assert "申请人只能对本人的案件" in other.reason
    # a refusal names every place the role would have counted, or none
    window = auth.can(DEPUTY, "accept", ITEM)
    assert window.code == "no_role" and window.user == DEPUTY and window.domain == "county.hall"
    assert f"{DEPUTY} 不是 county.hall、township.* 的受理窗口人员" in window.reason
    nowhere = auth.can(DEPUTY, "countersign", ITEM)
    assert nowhere.code == "no_role" and nowhere.domain is None
    assert f"{DEPUTY} 不是 （无） 的" in nowhere.reason
