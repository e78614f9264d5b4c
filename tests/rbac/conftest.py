"""Fixtures for rbac tests: real organisations built through rbac.people on the
``engine`` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.passwords import CHEAP_HASHER
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from rbac.tables import OrgAudit, OrgDelegation, OrgDomain, OrgGrant, OrgPolicyVersion, OrgUser

TENANT = "422822"
ACTOR = "pytest"

KIND_OF_PREFIX = {"county": "county", "township": "township", "village": "village"}


def kind_of(name: str) -> str:
    if name == "county":
        return "county"
    if name == "county.hall":
        return "hall"
    return {"county": "department", "township": "township", "village": "village"}[
        name.split(".")[0]
    ]


@dataclass
class OrgSpec:
    """A plain description of an organisation, built into the database by :func:`build_org`."""

    domains: dict[str, str | None]  # name -> parent
    staff: list[str] = field(default_factory=list)
    applicants: list[str] = field(default_factory=list)
    grants: list[tuple[str, str, str]] = field(default_factory=list)  # user, role, domain
    delegations: list[tuple[str, str, str, str, date, date]] = field(default_factory=list)
    inactive: list[str] = field(default_factory=list)


def build_org(session: Session, spec: OrgSpec, tenant: str = TENANT) -> dict[str, int]:
    """Create the spec's domains, users, grants and delegations; return user ids by name."""
    placed: set[str] = set()
    pending = dict(spec.domains)
    while pending:
        for name, parent in list(pending.items()):
            if parent is None or parent in placed:
                people.ensure_domain(
                    session,
                    tenant,
                    name,
                    kind=kind_of(name),
                    title=f"域{name}",
                    parent=parent,
                    actor=ACTOR,
                )
                placed.add(name)
                del pending[name]
    ids: dict[str, int] = {}
    for name in spec.staff:
        ids[name] = people.add_user(
            session, tenant, name, f"员工{name}", hasher=CHEAP_HASHER, actor=ACTOR
        ).id
    for name in spec.applicants:
        ids[name] = people.add_user(
            session, tenant, name, f"群众{name}", kind="applicant", actor=ACTOR
        ).id
    for user, role, domain in spec.grants:
        people.grant_role(session, tenant, user, role, domain, actor=ACTOR)
    for frm, to, role, domain, start, end in spec.delegations:
        people.delegate(session, tenant, frm, to, role, domain, start, end, "出差", actor=ACTOR)
    for name in spec.inactive:
        people.set_active(session, tenant, name, False, actor=ACTOR)
    return ids


def wipe(session: Session) -> None:
    for table in (OrgDelegation, OrgGrant, OrgAudit, OrgUser, OrgPolicyVersion):
        session.execute(delete(table))
    # children before parents (villages, then the rest, then the root)
    session.execute(delete(OrgDomain).where(OrgDomain.kind == "village"))
    session.execute(delete(OrgDomain).where(OrgDomain.parent.is_not(None)))
    session.execute(delete(OrgDomain))


def make_authorizer(
    sessions: sessionmaker[Session], *, sod: bool = True, use_casbin: bool = False
) -> Authorizer:
    return Authorizer(
        PolicyStore(sessions, poll_interval_ms=0), separation_of_duties=sod, use_casbin=use_casbin
    )


def built(sessions: sessionmaker[Session], spec: OrgSpec) -> dict[str, int]:
    with transaction(sessions) as session:
        return build_org(session, spec)


def users_for(rows: Iterable[str]) -> list[str]:
    return sorted({r for r in rows if "@" in r})


@pytest.fixture
def tenant() -> str:
    return TENANT
