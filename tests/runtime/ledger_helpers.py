"""What the ledger tests share (tests/runtime/test_ledger_*.py): the items they drive, the
fixtures (the prepared database, a signing key, the export folder, three finished cases
and a paid one) and the helpers that sign a checkpoint, collect what verify names, find
an event and re-chain a case as a forger with database access would.

The fixtures are defined under other function names (``name=`` gives pytest theirs) so
that a test module imports them without its parameters shadowing the import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import Break, verify_cases
from runtime.audit_log import verify_log
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent
from runtime.chain import event_body, link_hash
from runtime.checkpoints import Checkpoint, exported, load_key, make_checkpoint
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, advance, required_materials, sample_data

ITEM = "422822-ZJJ-XK-0001"  # submit, accept (with scans), review, decide, complete: 5 events
FEES = "422822-ZRZY-QR-0003"  # a waivable fee and a per-certificate fee, paid before completing
CLERK = Actor("window_clerk@county.hall")


@pytest.fixture(name="engine")
def engine_fixture(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture(name="org")
def org_fixture() -> None:
    """The prepared database already holds the demo organisation and calendar."""


@pytest.fixture(name="key")
def key_fixture(tmp_path: Path) -> Ed25519PrivateKey:
    return load_key(tmp_path / "audit-key.pem", create=True)


@pytest.fixture(name="out")
def out_fixture(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


def finished(service: CaseService, pub: Any, seed: int = 0, **data: Any) -> CaseRecord:
    """A case driven to completion; its materials are scans with hashes and sizes."""
    values = sample_data(pub, seed, **data)
    case = service.submit(
        CLERK,
        pub.code,
        values,
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    scans = [
        {**m, "sha256": f"{i + 1:x}" * 64, "size": 1000 + i, "content_type": "application/pdf"}
        for i, m in enumerate(required_materials(pub, values))
    ]
    case = service.accept(CLERK, case.number, received=scans)
    while case.open:
        case = advance(service, pub, case)
    return case


@pytest.fixture(name="three")
def three_fixture(service: CaseService, catalog: dict[str, Any]) -> list[CaseRecord]:
    return [finished(service, catalog[ITEM], seed) for seed in range(3)]


@pytest.fixture(name="paid")
def paid_fixture(service: CaseService, catalog: dict[str, Any]) -> CaseRecord:
    return finished(service, catalog[FEES], 0, property_use="residential", extra_certificates=2)


def sign(engine: Engine, key: Ed25519PrivateKey, out: Path) -> Checkpoint:
    cp = make_checkpoint(engine, TENANT, key, batch=3, export_dir=out)
    assert cp is not None
    return cp


def problems(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey, out: Path | None = None
) -> list[Break]:
    files = exported(out, TENANT)[0] if out is not None else []
    with sessions() as s:
        found = [b for _, bs in verify_cases(s, TENANT) for b in bs]
        found += verify_log(s.connection(), TENANT, key.public_key(), files).problems
    return found


def named(found: list[Break], number: str, kind: str, seq: int | None = ...) -> bool:  # type: ignore[assignment]
    return any(
        b.number == number and b.kind == kind and (seq is ... or b.seq == seq) for b in found
    )


def event_row(s: Session, number: str, seq: int) -> CaseEvent:
    return s.execute(
        select(CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.number == number, CaseEvent.seq == seq)
    ).scalar_one()


def rechain(sessions: sessionmaker[Session], number: str, seq: int, **values: Any) -> None:
    """What a forger with database access does: edit one event, then recompute its hash
    and every later one, and the head stored on the case, so the case's chain verifies."""
    with transaction(sessions) as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        for k, v in values.items():
            setattr(event_row(s, number, seq), k, v)
        events = s.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).scalars()
        prev = "0" * 64
        for ev in events:
            ev.prev_hash = prev
            ev.hash = prev = link_hash(prev, event_body(ev, number))
        case.last_hash = prev
