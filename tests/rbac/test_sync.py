"""A change made through one process's store is seen by another's within the poll interval."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore, read_policy_version
from rbac.targets import DomainTarget

from .conftest import ACTOR, TENANT, OrgSpec, built

SPEC = OrgSpec(domains={"county": None, "county.scjg": "county"}, staff=["u"])


def test_every_change_bumps_the_policy_version_and_is_audited(
    sessions: sessionmaker[Session],
) -> None:
    built(sessions, SPEC)
    with sessions() as s:
        before = read_policy_version(s, TENANT)
    with transaction(sessions) as s:
        people.grant_role(s, TENANT, "u", "reviewer", "county.scjg", actor="alice")
    with sessions() as s:
        assert read_policy_version(s, TENANT) == before + 1
        rows = s.query(people.OrgAudit).filter_by(action="grant.add").all()
    assert [(r.actor, r.subject, r.detail) for r in rows] == [
        ("alice", "u", {"role": "reviewer", "domain": "county.scjg"})
    ]


def test_second_store_sees_the_change_after_its_poll_interval(
    sessions: sessionmaker[Session],
) -> None:
    built(sessions, SPEC)
    target = DomainTarget(TENANT, "county.scjg")
    other = Authorizer(PolicyStore(sessions, poll_interval_ms=1000))
    assert not other.can("u", "review", target).allowed  # loads now, polls again in 1 s
    with transaction(sessions) as s:
        people.grant_role(s, TENANT, "u", "reviewer", "county.scjg", actor=ACTOR)
    changed_at = time.monotonic()
    stale = other.can("u", "review", target)  # within the interval the old snapshot answers
    seen = False
    while time.monotonic() - changed_at < 5:
        if other.can("u", "review", target).allowed:
            seen = True
            break
        time.sleep(0.01)
    assert seen
    assert not stale.allowed
    assert other.store.reloads(TENANT) == 2


def test_unchanged_version_does_not_reload(sessions: sessionmaker[Session]) -> None:
    built(sessions, SPEC)
    store = PolicyStore(sessions, poll_interval_ms=0)
    store.snapshot(TENANT)
    store.snapshot(TENANT)
    store.snapshot(TENANT)
    assert store.reloads(TENANT) == 1
