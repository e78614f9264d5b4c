"""Organisation changes are validated and audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac import people
from rbac.passwords import CHEAP_HASHER, hash_password, verify_password
from rbac.tables import OrgAudit

from .conftest import TENANT, OrgSpec, built

SPEC = OrgSpec(
    domains={"county": None, "county.scjg": "county"}, staff=["a", "b"], applicants=["c"]
)


def test_passwords_are_argon2_and_verify() -> None:
    hashed = hash_password("banshi-demo", CHEAP_HASHER)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "banshi-demo", CHEAP_HASHER)
    assert not verify_password(hashed, "nope", CHEAP_HASHER)
    assert not verify_password(None, "banshi-demo")
    assert not verify_password("not-a-hash", "banshi-demo")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: people.grant_role(s, TENANT, "a", "pope", "county", actor="t"), "角色"),
        (
            lambda s: people.grant_role(s, TENANT, "a", "reviewer", "county.nowhere", actor="t"),
            "没有 county.nowhere",
        ),
        (
            lambda s: people.grant_role(s, TENANT, "c", "reviewer", "county.scjg", actor="t"),
            "申请人",
        ),
        (
            lambda s: people.grant_role(s, TENANT, "zz", "reviewer", "county.scjg", actor="t"),
            "不存在",
        ),
        (lambda s: people.add_user(s, TENANT, "a", "重复", actor="t"), "已存在"),
        (lambda s: people.add_user(s, TENANT, "有空格 x", "x", actor="t"), "不合法"),
        (lambda s: people.revoke_role(s, TENANT, "a", "reviewer", "county", actor="t"), "没有"),
        (lambda s: people.end_delegation(s, TENANT, 999, actor="t"), "不存在"),
        (
            lambda s: people.ensure_domain(
                s, TENANT, "county.x", kind="department", title="x", actor="t"
            ),
            "上级",
        ),
        (
            lambda s: people.ensure_domain(
                s, TENANT, "County.X", kind="department", title="x", parent="county", actor="t"
            ),
            "不合法",
        ),
    ],
)
def test_invalid_changes_are_refused(
    sessions: sessionmaker[Session], change: object, message: str
) -> None:
    built(sessions, SPEC)
    with transaction(sessions) as s, pytest.raises(people.OrgError, match=message):
        change(s)  # type: ignore[operator]


def test_delegation_checks_dates_reason_and_self(sessions: sessionmaker[Session]) -> None:
    built(
        sessions,
        OrgSpec(**{**SPEC.__dict__, "grants": [("a", "chief_representative", "county.scjg")]}),
    )
    d1, d2 = date(2026, 3, 2), date(2026, 3, 1)
    for args, message in [
        (("a", "b", d1, d2, "出差"), "期限"),
        (("a", "b", d2, d1, "  "), "事由"),
        (("a", "a", d2, d1, "出差"), "自己"),
        (("a", "c", d2, d1, "出差"), "申请人"),
    ]:
        frm, to, start, end, reason = args
        with transaction(sessions) as s, pytest.raises(people.OrgError, match=str(message)):
            people.delegate(
                s,
                TENANT,
                str(frm),
                str(to),
                "chief_representative",
                "county.scjg",
                start,
                end,
                str(reason),
                actor="t",
            )  # type: ignore[arg-type]


def test_every_change_is_audited_with_actor(sessions: sessionmaker[Session]) -> None:
    built(sessions, SPEC)
    with transaction(sessions) as s:
        people.grant_role(s, TENANT, "a", "chief_representative", "county.scjg", actor="王主任")
        row = people.delegate(
            s,
            TENANT,
            "a",
            "b",
            "chief_representative",
            "county.scjg",
            date(2026, 3, 1),
            date(2026, 3, 5),
            "学习培训",
            actor="王主任",
        )
        people.end_delegation(s, TENANT, row.id, actor="王主任")
        people.set_active(s, TENANT, "b", False, actor="王主任")
        people.revoke_role(s, TENANT, "a", "chief_representative", "county.scjg", actor="王主任")
    with sessions() as s:
        rows = s.scalars(
            select(OrgAudit).where(OrgAudit.actor == "王主任").order_by(OrgAudit.id)
        ).all()
    assert [r.action for r in rows] == [
        "grant.add",
        "delegation.add",
        "delegation.end",
        "user.deactivate",
        "grant.revoke",
    ]
    assert rows[1].detail["reason"] == "学习培训" and rows[1].detail["valid_to"] == "2026-03-05"
    assert all(r.tenant == TENANT and r.at is not None for r in rows)


def _epoch(sessions: sessionmaker[Session], username: str) -> int:
    with sessions() as s:
        return people.get_user(s, TENANT, username).session_epoch


def test_changes_that_must_end_sessions_bump_the_epoch_and_others_do_not(
    sessions: sessionmaker[Session],
) -> None:
    built(sessions, SPEC)
    with transaction(sessions) as s:
        people.grant_role(s, TENANT, "a", "reviewer", "county.scjg", actor="t")
    seen = [_epoch(sessions, "a")]
    steps = [
        lambda s: people.set_active(s, TENANT, "a", False, actor="t"),
        lambda s: people.set_active(s, TENANT, "a", True, actor="t"),
        lambda s: people.set_password(s, TENANT, "a", "new-pass", hasher=CHEAP_HASHER, actor="t"),
        lambda s: people.revoke_role(s, TENANT, "a", "reviewer", "county.scjg", actor="t"),
    ]
    for step in steps:
        with transaction(sessions) as s:
            step(s)
        seen.append(_epoch(sessions, "a"))
    # deactivating, reactivating (old sessions stay dead), a new password, a revoked role
    assert seen == sorted(set(seen)) and len(seen) == 5
    with transaction(sessions) as s:  # a grant widens nothing that a session must lose
        people.grant_role(s, TENANT, "a", "reviewer", "county.scjg", actor="t")
    assert _epoch(sessions, "a") == seen[-1]
    assert _epoch(sessions, "b") == 0


def test_a_lock_is_audited_without_touching_the_policy_and_an_unlock_lifts_it(
    sessions: sessionmaker[Session],
) -> None:
    from rbac.policy import read_policy_version

    built(sessions, SPEC)
    with sessions() as s:
        version = read_policy_version(s, TENANT)
    with transaction(sessions) as s:
        assert people.lock_user(s, TENANT, "a", actor="10.0.0.9", failures=10)
        assert not people.lock_user(s, TENANT, "a", actor="10.0.0.9", failures=11)
        assert not people.lock_user(s, TENANT, "nobody", actor="10.0.0.9")
    with sessions() as s:
        assert people.get_user(s, TENANT, "a").locked_at is not None
        assert read_policy_version(s, TENANT) == version  # no reload in every process
        rows = s.scalars(select(OrgAudit).where(OrgAudit.action == "login.lock")).all()
        assert [(r.subject, r.actor, r.detail) for r in rows] == [
            ("a", "10.0.0.9", {"failures": 10})
        ]
    with transaction(sessions) as s:
        assert people.unlock_user(s, TENANT, "a", actor="admin")
        assert not people.unlock_user(s, TENANT, "a", actor="admin")
    with sessions() as s:
        assert people.get_user(s, TENANT, "a").locked_at is None
        assert s.scalar(select(OrgAudit.actor).where(OrgAudit.action == "user.unlock")) == "admin"


def test_an_unknown_user_costs_one_argon2_verification_like_a_known_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from argon2 import PasswordHasher

    from rbac.passwords import dummy_hash, verify_with_equal_cost

    checked: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, stored: str, password: str) -> bool:
        checked.append(stored)
        return real(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    known = hash_password("right", CHEAP_HASHER)
    assert verify_with_equal_cost(known, "right")
    assert not verify_with_equal_cost(known, "wrong")
    assert not verify_with_equal_cost(None, "right")  # unknown user / no password
    assert checked == [known, known, dummy_hash()]
    # the dummy is hashed with the production parameters, not the cheap test ones
    assert dummy_hash().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
