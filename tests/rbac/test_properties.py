"""Properties: ``can()`` against an independent plain-Python oracle over random organisations,
grants, delegations (dates at the boundaries) and requests; and the compiled fast path
against ``casbin.Enforcer.enforce``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.permissions import Authorizer
from rbac.policy import DelegationRec, DomainRec, GrantRec, OrgData, PolicyStore, UserRec
from rbac.targets import CaseTarget, DomainTarget, ItemTarget

from .conftest import ACTOR, TENANT, OrgSpec, build_org, make_authorizer, wipe

TODAY = date(2026, 2, 14)
DAYS = [TODAY + timedelta(days=k) for k in (-2, -1, 0, 1, 2)]

ROLES = [
    "window_clerk",
    "reviewer",
    "chief_representative",
    "department_head",
    "supervisor",
    "admin",
]
STAFF_ROLES = {"window_clerk", "reviewer", "chief_representative", "department_head"}
HANDLING_ROLES = {"window_clerk", "reviewer", "chief_representative"}
APPLICANT = ["submit", "correct", "withdraw", "evaluate", "complain"]
WINDOW = [
    "accept",
    "refuse",
    "request_correction",
    "record_payment",
    "assess_fee",
    "complete",
    "deliver",
    "forward",
]
STEP = ["review", "start_special", "finish_special", "return", "ask_applicant", "applicant_replied"]
SUPERVISION = ["handle_warning", "handle_complaint", "rectify"]
ADMIN = ["manage_items", "manage_org", "manage_users", "manage_calendar", "manage_templates"]
ACTS = [*APPLICANT, *WINDOW, *STEP, "countersign", "decide", "extend", "read", *SUPERVISION, *ADMIN]
PATTERNS = ["county.hall", "township.*", "township.t1", "township.t2", "county"]


# ------------------------------------------------------------------------------ random orgs


@dataclass(frozen=True)
class Org:
    domains: dict[str, str | None]
    staff: list[str]
    applicants: list[str]
    inactive: frozenset[str]
    grants: list[tuple[str, str, str]]
    # (from, to, role, domain, start, end, ended, delegator's grant revoked afterwards)
    delegations: list[tuple[str, str, str, str, date, date, bool]]
    revoked: list[tuple[str, str, str]]


@st.composite
def orgs(draw: st.DrawFn) -> Org:
    n_depts = draw(st.integers(1, 3))
    n_towns = draw(st.integers(1, 2))
    domains: dict[str, str | None] = {"county": None, "county.hall": "county"}
    for i in range(n_depts):
        domains[f"county.d{i}"] = "county"
    for i in range(1, n_towns + 1):
        domains[f"township.t{i}"] = "county"
    domains["village.v1"] = "township.t1"
    names = sorted(domains)
    staff = [f"s{i}" for i in range(draw(st.integers(1, 5)))]
    applicants = ["a0", "a1"]
    grants = sorted(
        set(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(staff), st.sampled_from(ROLES), st.sampled_from(names)
                    ),
                    max_size=10,
                )
            )
        )
    )
    # 首席代表制: a department head holds no role that handles approvals (rbac/people.py
    # refuses such grants and delegations)
    heads = {who for who, role, _ in grants if role == "department_head"}
    grants = [g for g in grants if not (g[0] in heads and g[1] in HANDLING_ROLES)]
    handlers = {who for who, role, _ in grants if role in HANDLING_ROLES}
    delegations = []
    if grants:
        for g_index, to, start_k, length, ended in draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(grants) - 1),
                    st.sampled_from(staff),
                    st.sampled_from([-1, 0, 1]),
                    st.sampled_from([0, 1, 2]),
                    st.booleans(),
                ),
                max_size=3,
            )
        ):
            frm, role, domain = grants[g_index]
            if (
                to != frm
                and not (to in heads and role in HANDLING_ROLES)
                and not (to in handlers and role == "department_head")
            ):
                start = TODAY + timedelta(days=start_k)
                delegations.append(
                    (frm, to, role, domain, start, start + timedelta(days=length), ended)
                )
    revoked = draw(st.lists(st.sampled_from(grants), max_size=2, unique=True)) if grants else []
    inactive = frozenset(draw(st.lists(st.sampled_from(staff + applicants), max_size=2)))
    return Org(domains, staff, applicants, inactive, grants, delegations, revoked)


@st.composite
def requests(draw: st.DrawFn, org: Org) -> tuple[str, str, object, date]:
    names = sorted(org.domains)
    depts = [d for d in names if d.startswith("county.d")]
    people_ = [*org.staff, *org.applicants, "ghost"]
    user = draw(st.sampled_from(people_))
    act = draw(st.sampled_from(ACTS))
    day = draw(st.sampled_from(DAYS))
    kind = draw(st.sampled_from(["case", "case", "case", "domain", "item"]))
    patterns = tuple(draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3, unique=True)))
    decide = draw(st.sampled_from(["owner", "township"]))
    countersign = tuple(draw(st.lists(st.sampled_from(depts), max_size=2, unique=True)))
    target: object
    if kind == "domain":
        target = DomainTarget(TENANT, draw(st.sampled_from([*names, "county.nowhere"])))
    elif kind == "item":
        target = ItemTarget(
            TENANT, "422822-X-XK-0001", draw(st.sampled_from(depts)), patterns, decide, countersign
        )  # type: ignore[arg-type]
    else:
        target = (
            draw(st.sampled_from(depts)),  # owner
            draw(
                st.sampled_from(
                    ["county.hall", *[n for n in names if n.startswith("township.")], "village.v1"]
                )
            ),
            draw(st.one_of(st.none(), st.sampled_from(names))),  # current
            draw(st.one_of(st.none(), st.sampled_from(people_))),  # applicant
            draw(st.one_of(st.none(), st.sampled_from(people_))),  # accepted by
            patterns,
            decide,
            countersign,
        )
    return user, act, target, day


# ------------------------------------------------------------------------------ the oracle


class Oracle:
    """The rules of DESIGN §5 and the brief, written again from scratch in plain Python."""

    def __init__(self, org: Org, ids: dict[str, int], sod: bool = True) -> None:
        self.org, self.ids, self.sod = org, ids, sod
        revoked = set(org.revoked)
        self.grants = {g for g in org.grants if g not in revoked}

    def active(self, name: str) -> bool:
        return name in self.ids and name not in self.org.inactive

    def roles(self, name: str, domain: str, day: date) -> set[str]:
        out = {role for (who, role, where) in self.grants if who == name and where == domain}
        for frm, to, role, where, start, end, ended in self.org.delegations:
            if (
                to == name
                and where == domain
                and not ended
                and start <= day <= end
                and (frm, role, where) in self.grants
                and self.active(frm)
            ):
                out.add(role)
        return out

    def chain(self, domain: str) -> list[str]:
        out = []
        current: str | None = domain
        while current is not None:
            out.append(current)
            current = self.org.domains.get(current)
        return out

    def roles_over(self, name: str, domain: str, day: date) -> set[str]:
        out: set[str] = set()
        for d in self.chain(domain):
            out |= self.roles(name, d, day)
        return out

    @staticmethod
    def accepts(patterns: tuple[str, ...], domain: str) -> bool:
        for p in patterns:
            if p == domain:
                return True
            if p.endswith(".*") and "." in domain and domain.rsplit(".", 1)[0] == p[:-2]:
                return True
        return False

    def allowed(self, name: str, act: str, target: object, day: date) -> bool:
        if not self.active(name):
            return False
        me = self.ids[name]
        if isinstance(target, DomainTarget):
            d = target.domain
            if d not in self.org.domains or act in APPLICANT:
                return False
            here = self.roles(name, d, day)
            over = self.roles_over(name, d, day)
            if act in WINDOW:
                return "window_clerk" in here
            if act in STEP:
                return bool(here & {"reviewer", "chief_representative"})
            if act in ("countersign", "decide", "extend"):
                return "chief_representative" in here
            if act == "read":
                return bool(here & STAFF_ROLES) or "supervisor" in over
            if act in SUPERVISION:
                return "supervisor" in over
            return "admin" in over
        if isinstance(target, ItemTarget):
            if act in ("submit", "read"):
                return True
            if act in APPLICANT:
                return False
            if act in WINDOW:
                return any(
                    "window_clerk" in self.roles(name, d, day)
                    and self.accepts(target.accept_patterns, d)
                    for d in self.org.domains
                )
            if act in STEP:
                return bool(
                    self.roles(name, target.owner, day) & {"reviewer", "chief_representative"}
                )
            if act == "countersign":
                return any(
                    "chief_representative" in self.roles(name, d, day)
                    for d in target.countersign_departments
                )
            if act in ("decide", "extend"):
                deciders = [target.owner]
                if target.decide == "township":
                    deciders += [d for d in self.org.domains if d.startswith("township.")]
                return any("chief_representative" in self.roles(name, d, day) for d in deciders)
            if act in SUPERVISION:
                return "supervisor" in self.roles_over(name, target.owner, day)
            return "admin" in self.roles_over(name, target.owner, day)
        assert isinstance(target, CaseTarget)
        t = target
        case_domains = [t.accepting_domain, t.owner, *t.countersign_departments]
        if t.current_domain is not None:
            case_domains.append(t.current_domain)
        if act in APPLICANT:
            if act == "withdraw" and t.applicant_user_id is None:
                # a walk-in applicant's written request, recorded at the accepting window
                return "window_clerk" in self.roles(name, t.accepting_domain, day)
            return t.applicant_user_id == me
        if act in WINDOW:
            return self.accepts(
                t.accept_patterns, t.accepting_domain
            ) and "window_clerk" in self.roles(name, t.accepting_domain, day)
        if act in STEP:
            return t.current_domain is not None and bool(
                self.roles(name, t.current_domain, day) & {"reviewer", "chief_representative"}
            )
        if act == "countersign":
            return any(
                "chief_representative" in self.roles(name, d, day)
                for d in t.countersign_departments
            )
        if act in ("decide", "extend"):
            decider = t.owner
            if t.decide == "township" and t.accepting_domain.startswith("township."):
                decider = t.accepting_domain
            if "chief_representative" not in self.roles(name, decider, day):
                return False
            return not (act == "decide" and self.sod and t.accepted_by_user_id == me)
        if act == "read":
            if t.applicant_user_id == me:
                return True
            if any(self.roles(name, d, day) & STAFF_ROLES for d in case_domains):
                return True
            return any("supervisor" in self.roles_over(name, d, day) for d in case_domains)
        if act in SUPERVISION:
            return any("supervisor" in self.roles_over(name, d, day) for d in case_domains)
        return False  # admins never act on cases


def _case(raw: tuple[object, ...], ids: dict[str, int]) -> CaseTarget:
    owner, accepting, current, applicant, accepted_by, patterns, decide, countersign = raw
    return CaseTarget(
        TENANT,
        1,
        owner=str(owner),
        accepting_domain=str(accepting),
        current_domain=current,  # type: ignore[arg-type]
        applicant_user_id=ids.get(str(applicant)) if applicant else None,
        accepted_by_user_id=ids.get(str(accepted_by)) if accepted_by else None,
        accept_patterns=patterns,  # type: ignore[arg-type]
        decide=decide,  # type: ignore[arg-type]
        countersign_departments=countersign,  # type: ignore[arg-type]
    )


def _build(session: Session, org: Org) -> dict[str, int]:
    spec = OrgSpec(
        domains=org.domains, staff=org.staff, applicants=org.applicants, grants=list(org.grants)
    )
    ids = build_org(session, spec)
    for frm, to, role, domain, start, end, ended in org.delegations:
        row = people.delegate(
            session, TENANT, frm, to, role, domain, start, end, "休假", actor=ACTOR
        )
        if ended:
            people.end_delegation(session, TENANT, row.id, actor=ACTOR)
    for who, role, domain in org.revoked:
        people.revoke_role(session, TENANT, who, role, domain, actor=ACTOR)
    for name in org.inactive:
        people.set_active(session, TENANT, name, False, actor=ACTOR)
    return ids


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), org=orgs(), sod=st.booleans())
def test_can_agrees_with_the_oracle(
    sessions: sessionmaker[Session], data: st.DataObject, org: Org, sod: bool
) -> None:
    with transaction(sessions) as session:
        wipe(session)
        ids = _build(session, org)
    authorizer = make_authorizer(sessions, sod=sod)
    oracle = Oracle(org, ids, sod)
    mismatches = []
    for user, act, raw, day in data.draw(st.lists(requests(org), min_size=25, max_size=25)):
        target = _case(raw, ids) if isinstance(raw, tuple) else raw
        decision = authorizer.can(user, act, target, today=day)  # type: ignore[arg-type]
        expected = oracle.allowed(user, act, target, day)
        if decision.allowed != expected:
            mismatches.append((user, act, target, day, expected, decision.code, decision.reason))
    assert mismatches == []


# ------------------------------------------------------------------------------ fast path vs Casbin


#: Every (family, scope) pair of the p lines, plus two that no p line has.
FAMILY_SCOPES = [
    ("window", "here"),
    ("step", "here"),
    ("countersign", "here"),
    ("decision", "here"),
    ("extension", "here"),
    ("read", "here"),
    ("read", "subtree"),
    ("supervision", "subtree"),
    ("admin", "subtree"),
    ("admin", "here"),
    ("decision", "subtree"),
]


def _data(org: Org) -> tuple[OrgData, dict[str, int]]:
    ids = {name: i + 1 for i, name in enumerate([*org.staff, *org.applicants])}
    revoked = set(org.revoked)
    grants = tuple(
        GrantRec(i + 1, who, role, where)
        for i, (who, role, where) in enumerate(org.grants)
        if (who, role, where) not in revoked
    )
    return (
        OrgData(
            TENANT,
            tuple(DomainRec(n, "x", p, n) for n, p in org.domains.items()),
            tuple(
                UserRec(
                    i, n, n, n not in org.inactive, "applicant" if n in org.applicants else "staff"
                )
                for n, i in ids.items()
            ),
            grants,
            tuple(
                DelegationRec(i + 1, f, t, r, d, s, e, "休假", ended)
                for i, (f, t, r, d, s, e, ended) in enumerate(org.delegations)
            ),
        ),
        ids,
    )


@settings(max_examples=20, deadline=None)
@given(data=st.data(), org=orgs())
def test_fast_path_agrees_with_casbin_enforce(data: st.DataObject, org: Org) -> None:
    org_data, ids = _data(org)
    store = PolicyStore()
    snap = store.put(org_data)
    fast = Authorizer(store)
    slow = Authorizer(store, use_casbin=True)
    names = sorted(org.domains)
    for user, act, raw, day in data.draw(st.lists(requests(org), min_size=20, max_size=20)):
        target = _case(raw, ids) if isinstance(raw, tuple) else raw
        assert fast.can(user, act, target, today=day) == slow.can(user, act, target, today=day)  # type: ignore[arg-type]
    for user in [*org.staff, "ghost"]:
        for domain in names:
            for family, scope in FAMILY_SCOPES:
                in_casbin = snap.enforcer.enforce(user, domain, family, scope)
                compiled = snap.lookup(
                    user, domain, family, scope, date(1900, 1, 1)
                )  # no delegation that day
                assert (compiled is not None) == in_casbin, (user, domain, family, scope)
