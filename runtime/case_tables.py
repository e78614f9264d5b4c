"""Case engine tables: published item versions, cases, events, materials, fees, numbers,
the notification outbox and the messages the default gateway records.

Every row carries ``tenant`` (the county's region code) and every query filters by it,
so the tables can be distributed by tenant (DESIGN §8). JSON documents are stored as
TEXT holding canonical JSON, which is portable and hash-stable on both engines.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, tenant_key, tenant_ref


class ItemVersion(Base):
    """A published, immutable version of an item definition."""

    __tablename__ = "item_version"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "code", "version"),
        UniqueConstraint("tenant", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(64))
    canonical: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Case(Base):
    """A case: one application of one item version. A projection of its events."""

    __tablename__ = "case"
    __table_args__ = (
        tenant_key(),
        tenant_ref("item_version_id", "item_version"),
        UniqueConstraint("tenant", "number"),
        # worklists: where the current step sits, by state and due date
        Index("ix_case_worklist", "tenant", "current_domain", "open", "due_promised", "number"),
        # the owning department's view and supervision of deadlines
        Index("ix_case_owner_due", "tenant", "owner_domain", "state", "due_promised"),
        Index("ix_case_accepting", "tenant", "accepting_domain", "state", "due_promised"),
        Index("ix_case_open_due", "tenant", "open", "due_promised", "number"),
        Index("ix_case_applicant", "tenant", "applicant_user_id"),
        Index("ix_case_query", "tenant", "query_code"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    number: Mapped[str] = mapped_column(String(32))
    query_code: Mapped[str] = mapped_column(String(12))
    item_version_id: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(40))
    item_sha256: Mapped[str] = mapped_column(String(64))
    applicant_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_mobile: Mapped[str | None] = mapped_column(String(20), nullable=True)
    data: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(24))
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    step_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    current_domain: Mapped[str | None] = mapped_column(String(64), nullable=True)
    step_started_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    step_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    countersigned: Mapped[str] = mapped_column(Text, default="[]")
    accepting_domain: Mapped[str] = mapped_column(String(64))
    owner_domain: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accepted_by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    clock: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_promised: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_statutory: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    special_running: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_total: Mapped[str] = mapped_column(String(20), default="0.00")
    fee_paid: Mapped[bool] = mapped_column(Boolean, default=True)
    missing_materials: Mapped[str] = mapped_column(Text, default="[]")
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # the day of the decision: the statutory clock stops (行政许可法第四十二条; migration 0007)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class CaseEvent(Base):
    """One legal act on a case, chained: hash = sha256(previous hash + canonical event)."""

    __tablename__ = "case_event"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        UniqueConstraint("tenant", "case_id", "seq"),
        Index("ix_case_event_tenant_at", "tenant", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    act: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    domain: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acting_for: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes: Mapped[str] = mapped_column(Text)
    # the fee and material rows this act wrote, as canonical JSON (hashed with the event);
    # NULL when it wrote none
    records: Mapped[str | None] = mapped_column(Text, nullable=True)
    item_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class StoredFile(Base):
    """An uploaded file, stored on disk under its sha256."""

    __tablename__ = "stored_file"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CaseMaterial(Base):
    """A material handed in for a case (a scan by content hash, or a paper copy seen)."""

    __tablename__ = "case_material"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        Index("ix_case_material_case", "tenant", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    material_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    event_seq: Mapped[int] = mapped_column(Integer)


class CaseFee(Base):
    """A fee line assessed on a case and its payment."""

    __tablename__ = "case_fee"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        UniqueConstraint("tenant", "case_id", "fee_key"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    fee_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[str] = mapped_column(String(20))
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    payment_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the quantity a per-unit or tiered line was priced on, as decimal text (migration 0009)
    quantity: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Counter(Base):
    """Sequences for case numbers, one row per (tenant, prefix)."""

    __tablename__ = "counter"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """A notification written in the same transaction as its event; sent by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        tenant_key(),
        tenant_ref("event_id", "case_event"),
        tenant_ref("case_id", "case"),
        UniqueConstraint("tenant", "event_id", "channel"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    event_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(100))
    template: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SentMessage(Base):
    """What the default (recording) gateway delivered: one row per outbox message, ever."""

    __tablename__ = "sent_message"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "outbox_id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    outbox_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
