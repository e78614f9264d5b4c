"""Administration's tables (item drafts and reviews, retirements, the admin log).

A draft holds the definition being edited as JSON text exactly as the administrator left
it — it may be invalid for a while; checking tells what is wrong. Its ``state`` walks
``draft -> in_review -> published`` (or back to ``draft`` when the reviewer sends it back,
or ``discarded``). Published versions themselves stay in ``item_version`` (runtime), which
nobody ever updates; retiring an item is a row of its own (runtime/retirement.py, which the runtime reads to
refuse new applications), not a change of a version. The admin
log is append-only: nothing in the code updates or deletes its rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base as Base
from db.base import tenant_key
from runtime.message_templates import MessageTemplate as MessageTemplate
from runtime.retirement import ItemRetirement as ItemRetirement

#: The states of a draft.
DRAFT_STATES: tuple[str, ...] = ("draft", "in_review", "published", "discarded")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ItemDraft(Base):
    """A definition being edited, and its review."""

    __tablename__ = "admin_item_draft"
    __table_args__ = (
        tenant_key(),
        Index("ix_admin_item_draft_code", "tenant", "code", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(40))
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    #: The published version this draft started from (None: a new item).
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Bumped by every save: two editors of one draft, the second is told (compare-and-set).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    submit_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AdminLogEntry(Base):
    """One administrative change: who, when, what, the change in words, why."""

    __tablename__ = "admin_log"
    __table_args__ = (
        tenant_key(),
        Index("ix_admin_log_at", "tenant", "at"),
        Index("ix_admin_log_target", "tenant", "target", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    #: items, org, people, calendar, templates
    area: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    #: What was changed: an item code, a username, a domain, a year, an event.
    target: Mapped[str] = mapped_column(String(100))
    #: The domain concerned (an item's owner, a user's domain): whose admins may read it.
    domain: Mapped[str] = mapped_column(String(64), default="")
    #: For items: the version published or retired.
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    #: The change in words, one sentence a line.
    diff: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
