"""Delivering the notification outbox: at most once per (event, channel), with retries.

Messages are written by the acts in the same transaction as their event. A worker claims
a batch (a lease, so a crashed worker's claim expires), sends each through a gateway,
and marks it sent. The gateway receives the outbox id as an idempotency key; the default
:class:`RecordingGateway` records each message once (unique on the outbox id) where an
operator can read it (``sent_message``), so a worker killed between send and mark cannot
make a second copy: the retry finds the record and only marks the message sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.errors import BanshiError
from runtime.case_tables import OutboxMessage, SentMessage

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 2**attempts))


class GatewayError(BanshiError):
    """A temporary failure of the gateway: the message is retried later. Its text is the
    provider's, for operators (not ``public``)."""

    status = 503
    code = "gateway_unavailable"
    default_message = "短信通知暂时无法发送，系统会稍后重试"
    public = False
    #: True: never retried (the provider refused the message itself)
    permanent = False


class GatewayRejected(GatewayError):
    """The provider refused the message itself (a 4xx: bad number, bad signature): trying
    again cannot help, so it goes straight to the dead-letter list."""

    code = "gateway_rejected"
    default_message = "短信服务商拒收了这条通知，不再重试"
    permanent = True


class Gateway(Protocol):
    def send(self, session: Session, message: OutboxMessage) -> None:
        """Deliver ``message``; ``message.id`` is the idempotency key. Raise GatewayError to retry."""


class RecordingGateway:
    """Records messages in ``sent_message``, where an operator reads them (``banshi outbox
    sent``). It behaves like an external SMS provider: it commits on its own, outside the
    worker's transaction, and drops a second message with the same idempotency key."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def send(self, session: Session, message: OutboxMessage) -> None:
        try:
            with transaction(self.sessions) as own:
                own.add(
                    SentMessage(
                        tenant=message.tenant,
                        outbox_id=message.id,
                        channel=message.channel,
                        recipient=message.recipient,
                        body=message.body,
                        sent_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            pass  # delivered by an earlier, interrupted attempt: never twice


def gateway_for(settings: Any, sessions: sessionmaker[Session]) -> Gateway:
    """The gateway ``BANSHI_SMS_GATEWAY`` names: ``record`` (the default: messages are
    recorded in ``sent_message``, none leaves) or ``http`` (a provider, runtime/sms_http.py,
    configured by ``BANSHI_SMS_HTTP_URL``, ``_KEY``, ``_SIGNATURE``, ``_SENDER``)."""
    if getattr(settings, "sms_gateway", "record") != "http":
        return RecordingGateway(sessions)
    from definitions.formats import county_name
    from runtime.sms_http import HttpGateway, HttpSmsConfig

    return HttpGateway(
        HttpSmsConfig(
            url=settings.sms_http_url or "",
            key=settings.sms_http_key or "",
            # the county's own signature unless one is set (BANSHI_SMS_HTTP_SIGNATURE)
            signature=settings.sms_http_signature
            or f"{county_name(settings.tenant) or ''}政务服务",
            sender=settings.sms_http_sender,
            timeout_s=settings.sms_http_timeout_s,
        )
    )


@dataclass
class WorkerReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: Gateway | None = None,
        *,
        batch: int = 50,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_send: Callable[[OutboxMessage], None] | None = None,
        tenant: str | None = None,
    ) -> None:
        self.sessions = sessions
        #: the county whose messages this worker sends (its gateway, signature and account
        #: are that county's); None: every county's (tests of the outbox alone)
        self.tenant = tenant
        self.gateway = gateway or RecordingGateway(sessions)
        self.batch = batch
        self.now = now
        self.after_send = after_send  # test hook: runs between send and mark

    def claim(self) -> list[int]:
        """Lease up to ``batch`` due messages; returns their ids."""
        now = self.now()
        with transaction(self.sessions) as s:
            ids = list(
                s.execute(
                    select(OutboxMessage.id)
                    .where(
                        *([OutboxMessage.tenant == self.tenant] if self.tenant else []),
                        OutboxMessage.status == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        or_(
                            OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now
                        ),
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(self.batch)
                ).scalars()
            )
            claimed = []
            for mid in ids:
                # compare-and-set the lease so two workers never hold the same message
                result = s.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == mid,
                        OutboxMessage.status == "pending",
                        or_(
                            OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now
                        ),
                    )
                    .values(claimed_until=now + LEASE)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(mid)
            return claimed

    def deliver(self, message_id: int) -> str:
        """Send one claimed message and mark it; returns its new status."""
        with transaction(self.sessions) as s:
            message = s.execute(
                select(OutboxMessage).where(OutboxMessage.id == message_id)
            ).scalar_one()
            if message.status != "pending":
                return message.status
            try:
                self.gateway.send(s, message)
                if self.after_send is not None:
                    self.after_send(message)
            except GatewayError as exc:
                message.attempts += 1
                message.last_error = str(exc)[:1000]
                message.claimed_until = None
                if message.attempts >= MAX_ATTEMPTS or exc.permanent:
                    message.status = "failed"  # the dead-letter list (``banshi outbox``)
                else:
                    message.next_attempt_at = self.now() + backoff(message.attempts)
                return message.status if message.status == "failed" else "retry"
            message.status = "sent"
            message.attempts += 1
            message.sent_at = self.now()
            message.claimed_until = None
            return "sent"

    def run_once(self) -> WorkerReport:
        report = WorkerReport()
        for mid in self.claim():
            status = self.deliver(mid)
            if status == "sent":
                report.sent += 1
            elif status == "retry":
                report.retried += 1
            elif status == "failed":
                report.failed += 1
        # the public side's messages that belong to no case event (codes, replies to SMS
        # queries, complaint notices): the same gateway, the same rules
        from runtime.public.messages import deliver_public

        public = deliver_public(
            self.sessions, self.gateway, self.now, batch=self.batch, tenant=self.tenant
        )
        report.sent += public.sent
        report.retried += public.retried
        report.failed += public.failed
        return report

    def run_forever(
        self, idle_seconds: float = 1.0, stop: Callable[[], bool] = lambda: False
    ) -> None:
        while not stop():
            report = self.run_once()
            if not (report.sent or report.retried):
                time.sleep(idle_seconds)
