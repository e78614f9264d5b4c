"""Retired items: taken out of service by the reform office (/admin), they take no new
applications — not at the window, not online, not through the API — and leave the
catalogue lists; cases already filed go on under the version they are pinned to.

Retiring is a row of its own (``admin_item_retirement``, written by admin/), never a
change to a published version (``item_version`` rows are immutable). The runtime reads
the set of retired codes per tenant, cached for the catalogue's ``latest_ttl`` like the
newest versions, so a filing costs no extra round trip while the answer is fresh."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, DateTime, String, Text, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.single_flight import Kept


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


#: The retired codes of a tenant.
RETIRED_CODES = select(ItemRetirement.code).where(ItemRetirement.tenant == bindparam("t"))


class RetiredCodes(Kept[str, frozenset[str]]):
    """The retired codes of each tenant, read at most once per ``ttl`` seconds, by one
    thread at a time (db/single_flight.py)."""

    def __init__(self, ttl: float = 2.0) -> None:
        super().__init__(ttl)

    def of(self, session: Session | Connection, tenant: str) -> frozenset[str]:
        codes = self.get(
            tenant, lambda: frozenset(session.execute(RETIRED_CODES, {"t": tenant}).scalars())
        )
        assert codes is not None  # a frozenset, however empty, is kept
        return codes

    def forget(self, tenant: str) -> None:
        """After a retirement or reinstatement in this process: seen at once."""
        super().forget(tenant)
