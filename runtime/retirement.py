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
from contextlib import AbstractContextManager

from sqlalchemy import Connection, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.single_flight import Refreshes


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
        self._refreshing = Refreshes()

    def cached(self, tenant: str) -> frozenset[str] | None:
        """The codes when a fresh answer is kept, or a stale one while another thread reads
        them again (db/single_flight.py); else None."""
        hit = self._seen.get(tenant)
        if hit is not None and (hit[1] > time.monotonic() or self._refreshing.busy(tenant)):
            return hit[0]
        return None

    def refreshing(self, tenant: str) -> AbstractContextManager[bool]:
        """Claim the re-read for a reader of its own (see ``Catalog.refreshing``)."""
        return self._refreshing.claim(tenant)

    def confirm(self, tenant: str, codes: frozenset[str]) -> None:
        """A read made elsewhere found ``codes``: kept for another ``ttl``."""
        self._seen[tenant] = (codes, time.monotonic() + self.ttl)

    def of(self, session: Session | Connection, tenant: str) -> frozenset[str]:
        hit = self._seen.get(tenant)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with self._refreshing.claim(tenant) as mine:
            if hit is not None and not mine:  # another thread is reading them now
                return hit[0]
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
