"""The public side's tables: SMS codes, online drafts, applicant accounts, public messages
(codes, query replies, complaint notices), complaints with their chained events,
evaluations (好差评) and the rectification tasks a bad rating opens.

Supervision reads ``complaint``, ``complaint_event``, ``evaluation`` and
``rectification`` for its queues: their shape is kept stable. Cases are referred to by
number (``case_number``), never by a foreign key, so a complaint or an evaluation can be
kept (and sharded by tenant) apart from the case tables. Every row carries ``tenant`` and
every key includes it (DESIGN §8).
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


class SmsCode(Base):
    """A one-time code sent to a mobile (confirming an online application, resuming a
    draft, logging in). Only its hash is kept; tries are counted."""

    __tablename__ = "public_sms_code"
    __table_args__ = (
        tenant_key(),
        Index("ix_public_sms_code_lookup", "tenant", "mobile", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    mobile: Mapped[str] = mapped_column(String(20))
    #: what the code confirms: apply | draft | login
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Draft(Base):
    """An online application saved by the citizen, resumed by its link and an SMS code to
    the same mobile; it expires (``BANSHI_PUBLIC_DRAFT_DAYS``)."""

    __tablename__ = "public_draft"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "token"),
        Index("ix_public_draft_expiry", "tenant", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    token: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(20))
    #: the posted form as canonical JSON (field name -> list of values), re-parsed on resume
    form: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_number: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ApplicantAccount(Base):
    """A citizen's account: a mobile confirmed by SMS code, and the organisation's user
    (kind ``applicant``) the acts are performed as, so "my cases" are the user's cases."""

    __tablename__ = "public_account"
    __table_args__ = (
        tenant_key(),
        tenant_ref("user_id", "org_user"),
        UniqueConstraint("tenant", "mobile"),
        UniqueConstraint("tenant", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    mobile: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class PublicMessage(Base):
    """An SMS that belongs to no case event (a code, a reply to an inbound query, a
    complaint's notice): delivered by the outbox worker through the same gateway; a
    message that failed every try stays ``failed`` (the dead-letter list)."""

    __tablename__ = "public_message"
    __table_args__ = (
        tenant_key(),
        Index("ix_public_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    template: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    #: what it is about: a case number, a complaint code (None for codes)
    ref: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Complaint(Base):
    """A complaint (网上诉求) to electronic supervision: named or anonymous, about a case or
    not. Supervision decides whether to accept it by ``accept_due`` and answers by
    ``answer_due`` (working days, settings). A projection of its events."""

    __tablename__ = "complaint"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "code"),
        Index("ix_complaint_queue", "tenant", "state", "accept_due"),
        Index("ix_complaint_department", "tenant", "department", "state"),
        Index("ix_complaint_case", "tenant", "case_number"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    #: the tracking code the complainant follows it by
    code: Mapped[str] = mapped_column(String(16))
    case_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    item_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: the department or hall complained about (a domain), when known
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    mobile: Mapped[str | None] = mapped_column(String(20), nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: filed | accepted | not_accepted | answered
    state: Mapped[str] = mapped_column(String(16))
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accept_due: Mapped[dt.date] = mapped_column(Date)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answer_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class ComplaintEvent(Base):
    """One act on a complaint, chained like a case's: hash = sha256(prev + event)."""

    __tablename__ = "complaint_event"
    __table_args__ = (
        tenant_key(),
        tenant_ref("complaint_id", "complaint"),
        UniqueConstraint("tenant", "complaint_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    complaint_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    #: file | accept | not_accept | answer
    act: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Evaluation(Base):
    """One rating per completed case (一事一评): the level (5 非常满意 … 1 非常不满意) and
    the indicators on the same scale, for the department that decided it."""

    __tablename__ = "evaluation"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "case_number"),
        Index("ix_evaluation_department", "tenant", "department", "evaluated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_number: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(40))
    #: the responsible department (the case's owner domain)
    department: Mapped[str] = mapped_column(String(64))
    #: the hall that accepted the case
    hall: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    overall: Mapped[int] = mapped_column(Integer)
    efficiency: Mapped[int] = mapped_column(Integer)
    guide_accuracy: Mapped[int] = mapped_column(Integer)
    convenience: Mapped[int] = mapped_column(Integer)
    attitude: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: web | kiosk | sms
    channel: Mapped[str] = mapped_column(String(16))
    named: Mapped[bool] = mapped_column(Boolean, default=True)
    bad: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Rectification(Base):
    """The task a bad rating opens for the responsible department: call the citizen back,
    fix it by ``due`` (working days, ``BANSHI_RECTIFY_DAYS``)."""

    __tablename__ = "rectification"
    __table_args__ = (
        tenant_key(),
        tenant_ref("evaluation_id", "evaluation"),
        UniqueConstraint("tenant", "evaluation_id"),
        Index("ix_rectification_queue", "tenant", "department", "state", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    evaluation_id: Mapped[int] = mapped_column(Integer)
    case_number: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64))
    #: open | called_back | rectified
    state: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due: Mapped[dt.date] = mapped_column(Date)
    callback_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    callback_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    callback_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    rectified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rectified_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rectification_note: Mapped[str | None] = mapped_column(Text, nullable=True)
