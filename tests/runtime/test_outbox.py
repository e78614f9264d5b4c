"""The notification outbox: written with its event, sent once, retried with backoff, never
lost and never sent twice — even when the worker dies between sending and marking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_tables import CaseEvent, OutboxMessage, SentMessage
from runtime.errors import ReasonRequired
from runtime.outbox import LEASE, MAX_ATTEMPTS, GatewayError, OutboxWorker, RecordingGateway
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import advance, sample_data

ITEM = "422822-ZFB-QT-0001"
T0 = datetime(2026, 9, 30, 3, 0, tzinfo=UTC)


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


class Killed(BaseException):
    """The worker process dies (not an Exception: nothing catches it)."""


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def make_cases(service: CaseService, catalog: dict[str, Any], n: int) -> list[str]:
    """n cases submitted (one 'submitted' SMS each)."""
    pub = catalog[ITEM]
    out = []
    for seed in range(n):
        case = service.submit(
            Actor("window_clerk@county.hall"),
            pub.code,
            sample_data(pub, seed),
            accepting_domain="county.hall",
            applicant=Applicant("谭斌", f"1397280000{seed}"),
        )
        out.append(case.number)
    return out


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def statuses(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return list(s.execute(select(OutboxMessage.status).order_by(OutboxMessage.id)).scalars())


def test_messages_are_written_with_their_event_and_not_when_the_act_fails(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    (number,) = make_cases(service, catalog, 1)
    advance(service, catalog[ITEM], _case(sessions, number))  # accept
    with sessions() as s:
        rows = s.execute(
            select(OutboxMessage, CaseEvent).join(CaseEvent, CaseEvent.id == OutboxMessage.event_id)
        ).all()
    assert sorted((m.template, e.act) for m, e in rows) == [
        ("accepted", "accept"),
        ("submitted", "submit"),
    ]
    for msg, ev in rows:
        assert msg.recipient == "13972800000" and msg.status == "pending" and msg.attempts == 0
        assert number in msg.body and msg.case_id == ev.case_id
    before = count(sessions, OutboxMessage)
    # a refused act writes no message (the decision SMS would go out only on success)
    with pytest.raises(ReasonRequired):
        case = advance(service, catalog[ITEM], _case(sessions, number))  # review
        service.decide(
            Actor("chief_representative@county.zfb"), case.number, approve=False, reason=""
        )
    assert count(sessions, OutboxMessage) == before
    assert count(sessions, OutboxMessage, OutboxMessage.template == "decided") == 0


def _case(sessions: sessionmaker[Session], number: str) -> Any:
    from runtime.case_tables import Case

    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def test_the_worker_sends_each_message_once(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    make_cases(service, catalog, 3)
    worker = OutboxWorker(sessions, now=Clock(T0))
    report = worker.run_once()
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    assert statuses(sessions) == ["sent"] * 3
    assert worker.run_once().sent == 0
    with sessions() as s:
        sent = list(s.execute(select(SentMessage).order_by(SentMessage.outbox_id)).scalars())
        outbox = list(s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
    assert [m.outbox_id for m in sent] == [m.id for m in outbox]
    assert [m.body for m in sent] == [m.body for m in outbox]


class Flaky:
    """Fails ``failures`` times, then delivers through the recording gateway."""

    def __init__(self, sessions: sessionmaker[Session], failures: int) -> None:
        self.inner = RecordingGateway(sessions)
        self.failures = failures
        self.calls = 0

    def send(self, session: Session, message: OutboxMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise GatewayError("短信网关超时")
        self.inner.send(session, message)


def test_gateway_errors_retry_with_backoff_then_deliver(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    make_cases(service, catalog, 1)
    clock = Clock(T0)
    gateway = Flaky(sessions, failures=2)
    worker = OutboxWorker(sessions, gateway, now=clock)
    assert worker.run_once().retried == 1
    with sessions() as s:
        m = s.execute(select(OutboxMessage)).scalar_one()
    assert m.status == "pending" and m.attempts == 1 and m.last_error == "短信网关超时"
    first_wait = m.next_attempt_at.replace(tzinfo=UTC) - T0
    assert first_wait > timedelta(0)
    # not due yet: nothing is claimed
    assert worker.run_once().retried == 0 and gateway.calls == 1
    clock.moment = m.next_attempt_at.replace(tzinfo=UTC)
    assert worker.run_once().retried == 1
    with sessions() as s:
        m = s.execute(select(OutboxMessage)).scalar_one()
    assert m.next_attempt_at.replace(tzinfo=UTC) - clock.moment > first_wait  # backs off
    clock.moment = m.next_attempt_at.replace(tzinfo=UTC)
    assert worker.run_once().sent == 1
    assert statuses(sessions) == ["sent"] and count(sessions, SentMessage) == 1


def test_a_message_fails_after_max_attempts(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    make_cases(service, catalog, 1)
    clock = Clock(T0)
    worker = OutboxWorker(sessions, Flaky(sessions, failures=10**6), now=clock)
    outcomes = []
    for _ in range(MAX_ATTEMPTS + 3):
        r = worker.run_once()
        outcomes.append("failed" if r.failed else "retry" if r.retried else "-")
        clock.moment += timedelta(hours=1)
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"] + ["-"] * 3
    with sessions() as s:
        m = s.execute(select(OutboxMessage)).scalar_one()
    assert m.status == "failed" and m.attempts == MAX_ATTEMPTS
    assert count(sessions, SentMessage) == 0


def test_killed_between_send_and_mark_no_loss_no_duplicate(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    make_cases(service, catalog, 2)
    clock = Clock(T0)

    def die(message: OutboxMessage) -> None:
        raise Killed

    doomed = OutboxWorker(sessions, now=clock, after_send=die)
    with pytest.raises(Killed):
        doomed.run_once()
    # the gateway delivered the first message, the worker died before marking it
    assert count(sessions, SentMessage) == 1
    assert statuses(sessions) == ["pending", "pending"]
    # within the lease another worker leaves the dead worker's claims alone
    survivor = OutboxWorker(sessions, now=clock)
    assert survivor.run_once().sent == 0
    # after the lease both are marked sent; the first is not delivered a second time
    clock.moment = T0 + LEASE + timedelta(seconds=1)
    assert survivor.run_once().sent == 2
    assert statuses(sessions) == ["sent", "sent"]
    with sessions() as s:
        sent = list(s.execute(select(SentMessage.outbox_id)).scalars())
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 2


def test_two_workers_never_claim_the_same_message(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    make_cases(service, catalog, 6)
    workers = [OutboxWorker(sessions, batch=4, now=Clock(T0)) for _ in range(2)]
    claims: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        barrier.wait()
        claims[i] = workers[i].claim()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claims[0]) & set(claims[1])
    assert len(claims[0]) + len(claims[1]) <= 6
    for i in range(2):
        for mid in claims[i]:
            workers[i].deliver(mid)
    # whatever was left over goes on the next round; each message exactly once
    workers[0].run_once()
    assert statuses(sessions) == ["sent"] * 6 and count(sessions, SentMessage) == 6
