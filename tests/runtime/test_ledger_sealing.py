"""Sealing events into the tenant log: bounded batches in event order, concurrently with
acts, the worker's step that seals and signs when due, and events from before the
upgrade (migration 0006).

Each tampering is made with plain SQL; verify must name it (which case, which event,
what kind). Shared fixtures and helpers: tests/runtime/ledger_helpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import verify_cases
from runtime.audit_log import verify_log
from runtime.case_record import CaseRecord
from runtime.case_tables import CaseEvent
from runtime.checkpoints import exported
from runtime.ledger import seal, seal_all
from runtime.ledger_tables import AuditLogEntry, AuditPending
from runtime.service import CaseService
from tests.runtime.conftest import TENANT
from tests.runtime.ledger_helpers import (
    ITEM,
    engine_fixture,  # noqa: F401 (fixture)
    finished,
    key_fixture,  # noqa: F401 (fixture)
    org_fixture,  # noqa: F401 (fixture)
    out_fixture,  # noqa: F401 (fixture)
    paid_fixture,  # noqa: F401 (fixture)
    problems,
    rechain,
    sign,
    three_fixture,  # noqa: F401 (fixture)
)

# --------------------------------------------------------------------------- sealing


def test_sealing_takes_bounded_batches_in_event_order(
    engine: Engine, sessions: sessionmaker[Session], three: list[CaseRecord]
) -> None:
    assert seal(engine, TENANT, 4) == 4
    assert seal(engine, TENANT, 4) == 4
    assert seal_all(engine, TENANT, 4) == 7
    assert seal(engine, TENANT, 4) == 0
    with sessions() as s:
        rows = s.execute(
            select(AuditLogEntry.idx, AuditLogEntry.event_id).order_by(AuditLogEntry.idx)
        ).all()
        waiting = s.execute(select(func.count()).select_from(AuditPending)).scalar_one()
    assert [r.idx for r in rows] == list(range(15)) and waiting == 0
    assert [r.event_id for r in rows] == sorted(r.event_id for r in rows)


def test_acts_and_sealing_run_concurrently_without_losing_an_event(
    engine: Engine,
    sessions: sessionmaker[Session],
    service: CaseService,
    catalog: dict[str, Any],
    key: Ed25519PrivateKey,
) -> None:
    import threading

    pub = catalog[ITEM]
    stop = threading.Event()
    sealed: list[int] = []

    def sealer() -> None:
        while not stop.is_set():
            sealed.append(seal(engine, TENANT, 3))

    def filer(seed: int) -> Callable[[], None]:
        return lambda: [finished(service, pub, seed * 10 + i) for i in range(2)] and None

    t = threading.Thread(target=sealer)
    t.start()
    workers = [threading.Thread(target=filer(i)) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    stop.set()
    t.join(60)
    seal_all(engine, TENANT, 3)
    with sessions() as s:
        events = s.execute(select(func.count()).select_from(CaseEvent)).scalar_one()
        report = verify_log(s.connection(), TENANT, key.public_key())
    assert events == 30 and report.size == 30 and report.problems == []


def test_the_workers_step_seals_and_signs_when_due_and_only_when_the_log_grew(
    engine: Engine,
    sessions: sessionmaker[Session],
    service: CaseService,
    catalog: dict[str, Any],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    from runtime.checkpoints import Sealer

    now = [100.0]
    sealer = Sealer(engine, TENANT, key, batch=4, every_s=10, export_dir=out, clock=lambda: now[0])
    first = sealer.step()
    assert first is not None and first.tree_size == 15
    finished(service, catalog[ITEM], 9)
    assert sealer.step() is None  # not due yet: the five new events wait
    with sessions() as s:
        assert verify_log(s.connection(), TENANT, key.public_key()).waiting == 5
    now[0] += 10
    second = sealer.step()
    assert second is not None and second.tree_size == 20
    now[0] += 10
    assert sealer.step() is None  # nothing new: no new checkpoint
    assert [c.tree_size for c in exported(out, TENANT)[0]] == [15, 20]
    unsigned = Sealer(engine, TENANT, None, batch=4, every_s=10, export_dir=out)
    finished(service, catalog[ITEM], 11)
    assert unsigned.step() is None
    with sessions() as s:
        report = verify_log(s.connection(), TENANT, key.public_key())
    assert report.waiting == 0 and report.size == 25 and report.problems == []


def test_events_from_before_the_upgrade_verify_and_their_mark_is_sealed(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    """Migration 0006 queues every existing event marked legacy: such events carry no
    fee or material rows, so the rows they wrote are not expected in them; the mark is part
    of the sealed leaf, so setting it later on other events breaks the checkpoint."""
    old, new = three[0], three[1]
    with transaction(sessions) as s:  # what a database from before 0006 holds
        ids = s.execute(select(CaseEvent.id).where(CaseEvent.case_id == old.id)).scalars().all()
        s.execute(update(CaseEvent).where(CaseEvent.id.in_(ids)).values(records=None))
        s.execute(update(AuditPending).where(AuditPending.event_id.in_(ids)).values(legacy=True))
    rechain(sessions, old.number, 1)
    with sessions() as s:
        found = [b for _, bs in verify_cases(s, TENANT) for b in bs]
    assert found == []
    sign(engine, key, out)
    assert problems(sessions, key, out) == []
    with transaction(sessions) as s:
        s.execute(
            update(AuditLogEntry).where(AuditLogEntry.case_number == new.number).values(legacy=True)
        )
    found = problems(sessions, key, out)
    assert found and {b.kind for b in found} == {"checkpoint mismatch"}
