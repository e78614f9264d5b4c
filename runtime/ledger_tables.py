"""Tables of the tenant-wide audit log (a Merkle tree over every event, RFC 9162) and its
signed checkpoints. See :mod:`runtime.ledger` for the design.

- ``audit_pending``: one row per event not yet sealed, written by the act in the event's
  own transaction (an insert, no shared row: concurrent acts do not queue behind it).
- ``audit_log_entry``: the log's leaves in seal order, ``idx`` 0, 1, 2 … per tenant. Each
  names its event by case number and seq and holds the event's hash at sealing time.
  ``legacy`` marks an event written before events carried their fee and material rows
  (it is part of the leaf, so a checkpoint covers the mark). There is deliberately no foreign key to the event: deleting an event or a whole case
  leaves its entries behind, where verify finds them.
- ``audit_checkpoint``: signed tree heads (size, root, time, key id, Ed25519 signature),
  with the compact range (``frontier``) that lets the next checkpoint hash only new leaves.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, tenant_key


class AuditPending(Base):
    """An event written but not yet sealed into the tenant log."""

    __tablename__ = "audit_pending"

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # written before events carried their fee and material rows (queued by migration 0006)
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditLogEntry(Base):
    """One leaf of the tenant log: an event, by case number and seq, with its hash."""

    __tablename__ = "audit_log_entry"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant", "idx"),
        UniqueConstraint("tenant", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    idx: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer)
    case_number: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    event_hash: Mapped[str] = mapped_column(String(64))
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditCheckpoint(Base):
    """A signed head of the tenant log (also exported to a file outside the database)."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (
        tenant_key(),
        Index("ix_audit_checkpoint_size", "tenant", "tree_size"),
    )

    id: Mapped[int] = mapped_column(Integer, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(6))
    tree_size: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    frontier: Mapped[str] = mapped_column(Text)
