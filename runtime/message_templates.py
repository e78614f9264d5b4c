"""A county's own SMS wording: the text an administrator set for a notification event
(/admin/templates) replaces the built-in template (runtime/messages.py) in every message
queued afterwards. The overrides of a tenant are read once per ``ttl`` seconds (a message
costs no extra round trip while the answer is fresh); the admin page forgets the cache of
its own process when it saves, other processes see the change within ``ttl``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping

from sqlalchemy import Connection, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MessageTemplate(Base):
    """The text of the SMS sent at one notification event (a county's own wording)."""

    __tablename__ = "admin_message_template"

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


def own_texts(conn: Session | Connection, tenant: str) -> Mapping[str, str]:
    """A tenant's own texts, read now (for the public side's messages, sent rarely); under
    them, the built-in texts in the tenant's own county name (runtime/messages.py)."""
    from runtime.messages import county_texts

    rows = conn.execute(
        select(MessageTemplate.event, MessageTemplate.text).where(MessageTemplate.tenant == tenant)
    ).all()
    return {**county_texts(tenant), **{event: text for event, text in rows}}


class TemplateOverrides:
    """Each tenant's own texts by event, read at most once per ``ttl`` seconds."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._seen: dict[str, tuple[Mapping[str, str], float]] = {}

    def of(self, conn: Session | Connection, tenant: str) -> Mapping[str, str]:
        hit = self._seen.get(tenant)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        texts = own_texts(conn, tenant)
        self._seen[tenant] = (texts, time.monotonic() + self.ttl)
        return texts

    def forget(self, tenant: str) -> None:
        self._seen.pop(tenant, None)
