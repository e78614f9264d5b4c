"""SMS for real: the public messages leave through the same worker and gateway as the
case outbox; the HTTP gateway, against a local test server, delivers on 2xx, retries with
backoff on 5xx and timeouts, never retries a 4xx, and keeps what failed on the
dead-letter list."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.case_tables import SentMessage
from runtime.outbox import MAX_ATTEMPTS, OutboxWorker, gateway_for
from runtime.public.messages import dead_letters, enqueue
from runtime.public_tables import PublicMessage
from runtime.sms_http import HttpGateway, HttpSmsConfig

T0 = datetime(2026, 9, 30, 3, 0, tzinfo=UTC)
OK, BROKEN, REFUSED, SLOW = "13900000200", "13900000500", "13900000400", "13900000999"


class Provider(BaseHTTPRequestHandler):
    calls: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Provider.calls.append(
            {**body, "auth": self.headers["Authorization"], "key": self.headers["Idempotency-Key"]}
        )
        to = body["to"]
        if to == SLOW:
            time.sleep(0.6)
        status = {OK: 200, BROKEN: 503, REFUSED: 400}.get(to, 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    Provider.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()


class Clock:
    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> datetime:
        return self.moment


def _queue(sessions: sessionmaker[Session], *recipients: str) -> None:
    with transaction(sessions) as s:
        for r in recipients:
            enqueue(s, "422822", "sms_code", r, "【建始县政务服务】验证码 123456", now=T0)


def _status(sessions: sessionmaker[Session]) -> dict[str, tuple[str, int]]:
    with sessions() as s:
        return {
            m.recipient: (m.status, m.attempts) for m in s.execute(select(PublicMessage)).scalars()
        }


def test_the_recording_gateway_records_public_messages_once(
    sessions: sessionmaker[Session],
) -> None:
    _queue(sessions, OK)
    clock = Clock()
    report = OutboxWorker(sessions, now=clock).run_once()
    assert report.sent == 1
    with sessions() as s:
        sent = s.execute(select(SentMessage)).scalars().all()
    assert [(m.recipient, m.outbox_id < 0) for m in sent] == [(OK, True)]
    assert OutboxWorker(sessions, now=clock).run_once().sent == 0  # never twice


def test_the_http_gateway_delivers_retries_and_gives_up(
    sessions: sessionmaker[Session], provider: str
) -> None:
    gateway = HttpGateway(
        HttpSmsConfig(provider, "secret-key", "建始县政务服务", "10690000", timeout_s=0.3)
    )
    _queue(sessions, OK, BROKEN, REFUSED, SLOW)
    clock = Clock()
    worker = OutboxWorker(sessions, gateway, now=clock)
    report = worker.run_once()
    assert (report.sent, report.retried, report.failed) == (1, 2, 1)
    assert _status(sessions) == {
        OK: ("sent", 1),
        BROKEN: ("pending", 1),  # 5xx: again later
        SLOW: ("pending", 1),  # timeout: again later
        REFUSED: ("failed", 1),  # 4xx: never again
    }
    ok = next(c for c in Provider.calls if c["to"] == OK)
    assert ok["auth"] == "Bearer secret-key" and ok["key"].startswith("p")
    assert ok["text"] == "验证码 123456" and ok["signature"] == "建始县政务服务"
    assert worker.run_once().sent == 0  # nothing is due before the backoff
    for _ in range(MAX_ATTEMPTS):
        clock.moment += timedelta(minutes=11)
        worker.run_once()
    assert _status(sessions)[BROKEN] == ("failed", MAX_ATTEMPTS)
    with sessions() as s:
        dead = {m.recipient for m in dead_letters(s, "422822")}
    assert dead == {BROKEN, REFUSED, SLOW}
    assert sum(1 for c in Provider.calls if c["to"] == REFUSED) == 1


def test_the_gateway_is_chosen_by_settings(sessions: sessionmaker[Session]) -> None:
    from house.settings import Settings

    assert type(gateway_for(Settings(), sessions)).__name__ == "RecordingGateway"
    http = Settings(sms_gateway="http", sms_http_url="https://sms.example/send", sms_http_key="k")
    assert isinstance(gateway_for(http, sessions), HttpGateway)
    with pytest.raises(ValueError, match="KEY"):
        gateway_for(Settings(sms_gateway="http", sms_http_url="https://sms.example/send"), sessions)
