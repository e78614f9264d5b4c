"""The shared key-value table behind the app's stores (sessions, rate limits, idempotency
keys, login throttles) when no Redis is configured (``web/stores.py``: ``DatabaseStore``).

Keys are namespaced (``sessions``, ``ratelimit``, ``idempotency``, ``login``); a key that
belongs to a county includes its tenant. An expired row is never returned and is deleted
lazily (on read) and in batches (on write, at most once a minute per process).
Distribution note: on Citus this is a local (non-distributed) table, like a cache."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class KvEntry(Base):
    """One value of a store: ``namespace`` + ``key`` -> ``value`` until ``expires_at``."""

    __tablename__ = "kv_entry"
    __table_args__ = (Index(None, "expires_at"),)

    namespace: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    #: None: never expires.
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
