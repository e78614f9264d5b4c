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
