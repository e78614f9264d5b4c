"""Electronic supervision's tables (电子监察, DESIGN §7): figure rollups, the watch list of
open cases, findings made at act time, and the append-only card ledger.

All are written in the act's own transaction (``runtime.supervision.hook``) or by a
supervisor's act, so a page reads a few index ranges, never the case or event tables
in full:

- ``supervision_rollup``: counters per (tenant, day, department, accepting hall, item):
  accepted, completed, on time, early, working days used / promised / statutory,
  not accepted, denied, corrections, withdrawals, returns; and ``supervision_rollup_month``,
  the same per month (without the item). A figure sums the whole months of its range
  from the month rows and the days at either end from the day rows.
- ``supervision_watch``: one row per open, accepted-or-waiting case with the dates on
  which its warnings begin (``warn_on`` is the earliest), so the warnings page reads the
  range ``warn_on <= today`` of one index.
- ``supervision_finding``: what an act did that the rules forbid (a refusal without
  reasons, a fee without basis), found as it happened.
- ``supervision_card`` and ``supervision_card_entry``: cards and their ledger. A card row
  is written once; its answer and resolution are appended entries, never edits.
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

#: The counters of a rollup row, in the order figures show them.
COUNTERS: tuple[str, ...] = (
    "accepted",
    "completed",
    "clocked",
    "on_time",
    "early",
    "used_days",
    "promised_days",
    "statutory_days",
    "not_accepted",
    "denied",
    "corrections",
    "withdrawn",
    "returned",
)


class SupervisionRollup(Base):
    """Counters of one day, department (owner), accepting hall and item."""

    __tablename__ = "supervision_rollup"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "day", "owner_domain", "accepting_domain", "item_code"),
        Index("ix_sup_rollup_owner", "tenant", "owner_domain", "day"),
        Index("ix_sup_rollup_hall", "tenant", "accepting_domain", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    day: Mapped[dt.date] = mapped_column(Date)
    owner_domain: Mapped[str] = mapped_column(String(64))
    accepting_domain: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(40))
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    clocked: Mapped[int] = mapped_column(Integer, default=0)  # completed with a clock
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    used_days: Mapped[int] = mapped_column(Integer, default=0)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    statutory_days: Mapped[int] = mapped_column(Integer, default=0)
    not_accepted: Mapped[int] = mapped_column(Integer, default=0)
    denied: Mapped[int] = mapped_column(Integer, default=0)
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)


class SupervisionRollupMonth(Base):
    """The same counters per calendar month, department and accepting hall (no item): a
    figure over a year reads twelve rows per hall, the days of a partial month at either
    end of its range from the day rollups."""

    __tablename__ = "supervision_rollup_month"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "month", "owner_domain", "accepting_domain"),
        Index("ix_sup_month_owner", "tenant", "owner_domain", "month"),
        Index("ix_sup_month_hall", "tenant", "accepting_domain", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month
    owner_domain: Mapped[str] = mapped_column(String(64))
    accepting_domain: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    clocked: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    used_days: Mapped[int] = mapped_column(Integer, default=0)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    statutory_days: Mapped[int] = mapped_column(Integer, default=0)
    not_accepted: Mapped[int] = mapped_column(Integer, default=0)
    denied: Mapped[int] = mapped_column(Integer, default=0)
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)


class SupervisionWatch(Base):
    """An open case under watch, with the first day of each of its warnings."""

    __tablename__ = "supervision_watch"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        UniqueConstraint("tenant", "case_id"),
        # read in due-date order (fewest working days left first), warn_on filtered
        # from the index itself: the first page stops after a page of warned cases
        Index("ix_sup_watch_due", "tenant", "due", "number", "warn_on"),
        Index("ix_sup_watch_owner", "tenant", "owner_domain", "due", "number", "warn_on"),
        Index("ix_sup_watch_hall", "tenant", "accepting_domain", "due", "number", "warn_on"),
        Index("ix_sup_watch_item", "tenant", "item_code", "due", "number", "warn_on"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32))
    owner_domain: Mapped[str] = mapped_column(String(64))
    accepting_domain: Mapped[str] = mapped_column(String(64))
    current_domain: Mapped[str | None] = mapped_column(String(64), nullable=True)
    item_code: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(24))
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # the promised limit
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    nearing_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    step_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    step_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    special: Mapped[bool] = mapped_column(Boolean, default=False)
    waiting: Mapped[str | None] = mapped_column(String(16), nullable=True)
    waiting_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    warn_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class SupervisionFinding(Base):
    """An act the rules forbid, found as it was written (refusal without reasons, …)."""

    __tablename__ = "supervision_finding"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        UniqueConstraint("tenant", "case_id", "seq", "rule"),
        Index("ix_sup_finding_day", "tenant", "found_on"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    owner_domain: Mapped[str] = mapped_column(String(64))
    accepting_domain: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    found_on: Mapped[dt.date] = mapped_column(Date)


class SupervisionCard(Base):
    """A yellow or red card, written once (its answers and resolution are entries)."""

    __tablename__ = "supervision_card"
    __table_args__ = (
        tenant_key(),
        tenant_ref("case_id", "case"),
        # a rule cards a case once per colour (a supervisor's own cards have rule "manual")
        Index("ix_sup_card_case", "tenant", "case_id", "rule", "color"),
        Index("ix_sup_card_owner", "tenant", "owner_domain", "issued_on"),
        Index("ix_sup_card_hall", "tenant", "accepting_domain", "issued_on"),
        Index("ix_sup_card_day", "tenant", "issued_on"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    case_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32))
    color: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    responsible_domain: Mapped[str] = mapped_column(String(64))
    owner_domain: Mapped[str] = mapped_column(String(64))
    accepting_domain: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(40))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    answer_due: Mapped[dt.date] = mapped_column(Date)


class SupervisionCardEntry(Base):
    """One appended line of a card's ledger: an explanation, or the resolution."""

    __tablename__ = "supervision_card_entry"
    __table_args__ = (
        tenant_key(),
        tenant_ref("card_id", "supervision_card"),
        UniqueConstraint("tenant", "card_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    card_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # explained | resolved
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
