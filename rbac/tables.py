"""Organisation tables (declared on db.base.Base).

The organisation tables are the single source of truth for permissions: Casbin's
``g`` lines are generated from ``org_grant`` (see rbac/policy.py). Every row carries
``tenant`` (the county's region code) and every query filters by it (DESIGN §8).
Every change bumps ``org_policy_version`` in the same transaction, so other processes
notice it on their next poll.

Distribution note (Citus and friends): the surrogate integer keys are single-column so
SQLite can autoincrement them; on a distributed engine make each primary key
``(tenant, id)`` — every unique constraint below already starts with ``tenant``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base as Base
from db.base import tenant_key, tenant_ref

#: Kinds of organisational domain.
DOMAIN_KINDS: tuple[str, ...] = ("county", "department", "hall", "township", "village")
#: Kinds of user: staff act in domains through grants; applicants act on their own cases.
USER_KINDS: tuple[str, ...] = ("staff", "applicant")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OrgDomain(Base):
    """A node of the organisation tree: county, department, hall, township or village."""

    __tablename__ = "org_domain"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "name"),
        ForeignKeyConstraint(["tenant", "parent"], ["org_domain.tenant", "org_domain.name"]),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    #: Dotted name, e.g. ``county.scjg``, ``township.yezhou``, ``village.qiaotou``.
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    parent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Chinese display name, e.g. 县市场监督管理局.
    title: Mapped[str] = mapped_column(String(100))
    #: The department's approval section (行政审批股) or the township's hall (便民服务中心).
    section: Mapped[str | None] = mapped_column(String(100), nullable=True)


class OrgUser(Base):
    """A person who logs in: staff or applicant."""

    __tablename__ = "org_user"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "username"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(100))
    #: argon2id hash (argon2-cffi); None: the user cannot log in with a password.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(16), default="staff")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Bumped when the user's open sessions must end (deactivation, password change, role
    #: revocation); a session remembers the epoch it was opened in (web/sessions.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Set when too many wrong passwords locked the account; ``banshi user unlock`` clears it.
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OrgGrant(Base):
    """A standing role of a user in a domain: one Casbin ``g`` line."""

    __tablename__ = "org_grant"
    __table_args__ = (
        tenant_key(),
        tenant_ref("user_id", "org_user"),
        UniqueConstraint("tenant", "user_id", "role", "domain"),
        ForeignKeyConstraint(["tenant", "domain"], ["org_domain.tenant", "org_domain.name"]),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    user_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrgDelegation(Base):
    """Acting delegation (代理): ``to_user`` holds ``from_user``'s role in ``domain`` from
    ``valid_from`` to ``valid_to`` inclusive, unless ended early (``ended_at``)."""

    __tablename__ = "org_delegation"
    __table_args__ = (
        tenant_key(),
        tenant_ref("from_user_id", "org_user"),
        tenant_ref("to_user_id", "org_user"),
        ForeignKeyConstraint(["tenant", "domain"], ["org_domain.tenant", "org_domain.name"]),
        Index(None, "tenant", "to_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    from_user_id: Mapped[int] = mapped_column(Integer)
    to_user_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class OrgAudit(Base):
    """One recorded organisation change: who, when, what."""

    __tablename__ = "org_audit"
    __table_args__ = (
        tenant_key(),
        Index(None, "tenant", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    #: e.g. ``user.add``, ``grant.add``, ``delegation.end``, ``domain.update``.
    action: Mapped[str] = mapped_column(String(40))
    #: What was changed, e.g. ``reviewer@county.scjg`` or ``county.scjg``.
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OrgPolicyVersion(Base):
    """A counter per tenant, bumped by every organisation change (see rbac/policy.py)."""

    __tablename__ = "org_policy_version"

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
