"""SMS that belong to no case event: confirmation codes, replies to inbound queries,
complaint and rectification notices. They wait in ``public_message`` and leave through the
same gateway as the case outbox, with the same rules: claimed under a lease, sent at most
once (the gateway receives an idempotency key), retried with backoff, and after the last
try kept as ``failed`` — the dead-letter list an operator reads (``dead_letters``).

A gateway knows messages by an integer id; public messages are handed over with the
negative of their id, so the case outbox's ids and theirs never meet in the gateway's
record (``sent_message.outbox_id`` is unique).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.public_tables import PublicMessage

CHANNEL = "sms"


@dataclass(frozen=True)
class GatewayMessage:
    """What a gateway reads of a message (the case outbox's rows have the same names)."""

    id: int
    tenant: str
    channel: str
    recipient: str
    body: str
    template: str

    @property
    def key(self) -> str:
        """The idempotency key a provider sees."""
        return f"p{-self.id}" if self.id < 0 else f"o{self.id}"


def enqueue(
    session: Session,
    tenant: str,
    template: str,
    recipient: str,
    body: str,
    *,
    ref: str | None = None,
    now: datetime | None = None,
) -> PublicMessage:
    """Write a message in the caller's transaction (it leaves when the worker runs)."""
    now = now or datetime.now(UTC)
    message = PublicMessage(
        tenant=tenant,
        template=template,
        recipient=recipient,
        body=body,
        ref=ref,
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message


@dataclass
class Delivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_public(
    sessions: sessionmaker[Session],
    gateway: Any,
    now: Callable[[], datetime],
    *,
    batch: int = 50,
    max_attempts: int = 8,
    backoff: Callable[[int], Any] | None = None,
    retryable: type[Exception] = Exception,
    tenant: str | None = None,
) -> Delivered:
    """Send what is due (of ``tenant`` only, when given); the caller (the outbox worker)
    passes its gateway, clock, backoff and the exception class that means "try again
    later"."""
    from runtime.outbox import LEASE, GatewayError
    from runtime.outbox import backoff as default_backoff

    wait = backoff or default_backoff
    retry_on = retryable if retryable is not Exception else GatewayError
    report = Delivered()
    moment = now()
    with transaction(sessions) as s:
        ids = list(
            s.execute(
                select(PublicMessage.id)
                .where(
                    *([PublicMessage.tenant == tenant] if tenant else []),
                    PublicMessage.status == "pending",
                    PublicMessage.next_attempt_at <= moment,
                    or_(
                        PublicMessage.claimed_until.is_(None),
                        PublicMessage.claimed_until < moment,
                    ),
                )
                .order_by(PublicMessage.next_attempt_at, PublicMessage.id)
                .limit(batch)
            ).scalars()
        )
        claimed = []
        for mid in ids:
            result = s.execute(
                update(PublicMessage)
                .where(
                    PublicMessage.id == mid,
                    PublicMessage.status == "pending",
                    or_(
                        PublicMessage.claimed_until.is_(None),
                        PublicMessage.claimed_until < moment,
                    ),
                )
                .values(claimed_until=moment + LEASE)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(mid)
    for mid in claimed:
        with transaction(sessions) as s:
            row = s.execute(select(PublicMessage).where(PublicMessage.id == mid)).scalar_one()
            if row.status != "pending":
                continue
            message = GatewayMessage(
                -row.id, row.tenant, CHANNEL, row.recipient, row.body, row.template
            )
            try:
                gateway.send(s, message)
            except retry_on as exc:
                row.attempts += 1
                row.last_error = str(exc)[:1000]
                row.claimed_until = None
                if row.attempts >= max_attempts or getattr(exc, "permanent", False):
                    row.status = "failed"
                    report.failed += 1
                else:
                    row.next_attempt_at = now() + wait(row.attempts)
                    report.retried += 1
                continue
            row.status = "sent"
            row.attempts += 1
            row.sent_at = now()
            row.claimed_until = None
            report.sent += 1
    return report


def dead_letters(session: Session, tenant: str, *, limit: int = 100) -> list[PublicMessage]:
    """Public messages that failed every try, newest first."""
    return list(
        session.execute(
            select(PublicMessage)
            .where(PublicMessage.tenant == tenant, PublicMessage.status == "failed")
            .order_by(PublicMessage.id.desc())
            .limit(limit)
        ).scalars()
    )


def sent_to(session: Session, tenant: str, recipient: str) -> list[PublicMessage]:
    """The public messages to one mobile, oldest first (tests and operators)."""
    return list(
        session.execute(
            select(PublicMessage)
            .where(PublicMessage.tenant == tenant, PublicMessage.recipient == recipient)
            .order_by(PublicMessage.id)
        ).scalars()
    )
