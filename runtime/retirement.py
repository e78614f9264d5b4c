"""Retired items: taken out of service by the reform office (/admin), they take no new
applications — not at the window, not online, not through the API — and leave the
catalogue lists; cases already filed go on under the version they are pinned to.

Retiring is a row of its own (``admin_item_retirement``, written by admin/), never a
change to a published version (``item_version`` rows are immutable). The runtime reads
the set of retired codes per tenant, cached for the catalogue's ``latest_ttl`` like the
newest versions, so a filing costs no extra round trip while the answer is fresh."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Connection, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ItemRetirement(Base):
    """An item taken out of service: no new applications; cases in flight go on."""

    __tablename__ = "admin_item_retirement"

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    retired_by: Mapped[str] = mapped_column(String(100))
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    reason: Mapped[str] = mapped_column(Text)


class RetiredCodes:
    """The retired codes of each tenant, read at most once per ``ttl`` seconds."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._seen: dict[str, tuple[frozenset[str], float]] = {}

    def cached(self, tenant: str) -> frozenset[str] | None:
        hit = self._seen.get(tenant)
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def of(self, session: Session | Connection, tenant: str) -> frozenset[str]:
        hit = self.cached(tenant)
        if hit is not None:
            return hit
        codes = frozenset(
            session.execute(
                select(ItemRetirement.code).where(ItemRetirement.tenant == tenant)
            ).scalars()
        )
        self._seen[tenant] = (codes, time.monotonic() + self.ttl)
        return codes

    def forget(self, tenant: str) -> None:
        """After a retirement or reinstatement in this process: seen at once."""
        self._seen.pop(tenant, None)
