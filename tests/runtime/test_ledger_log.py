"""The anchored audit's tenant log: a Merkle tree as in RFC 9162 (checked on the
certificate transparency vectors) and its signed checkpoints, which name a re-chained,
deleted or inserted event, a rewritten log and a checkpoint not signed by our key.

Each tampering is made with plain SQL; verify must name it (which case, which event,
what kind). Shared fixtures and helpers: tests/runtime/ledger_helpers.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import verify_case
from runtime.audit_log import verify_log
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent, CaseFee, CaseMaterial, OutboxMessage
from runtime.chain import event_body, link_hash
from runtime.checkpoints import exported, load_key, make_checkpoint, read_file
from runtime.ledger import Frontier, leaf_hash, merkle_root
from runtime.ledger_tables import AuditCheckpoint, AuditLogEntry, AuditPending
from runtime.service import CaseService
from tests.runtime.conftest import TENANT
from tests.runtime.ledger_helpers import (
    ITEM,
    engine_fixture,  # noqa: F401 (fixture)
    event_row,
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

# ------------------------------------------------------------------ the Merkle tree itself


def test_the_tree_head_is_rfc_9162s_on_the_certificate_transparency_vectors() -> None:
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        bytes(range(0x50, 0x58)),
        bytes(range(0x60, 0x70)),
    ]
    roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    assert [merkle_root(leaves[:n]) for n in range(9)] == roots
    # a stored compact range resumes the tree exactly where it stopped
    f = Frontier()
    for data in leaves[:5]:
        f.append(leaf_hash(data))
    resumed = Frontier.from_json(5, f.to_json())
    for data in leaves[5:]:
        resumed.append(leaf_hash(data))
    assert resumed.root() == roots[8]
    with pytest.raises(ValueError):
        Frontier.from_json(6, f.to_json())


# ---------------------------------------------------------- the tenant log and checkpoints


def test_untouched_data_verifies_against_its_checkpoint(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    with sessions() as s:
        report = verify_log(s.connection(), TENANT, key.public_key())
    assert report.problems == [] and report.size == 0 and report.waiting == 15
    cp = sign(engine, key, out)
    assert cp.tree_size == 15 and cp.signature_ok(key.public_key())
    files, bad = exported(out, TENANT)
    assert bad == [] and [(c.tree_size, c.root) for c in files] == [(15, cp.root)]
    with sessions() as s:
        report = verify_log(s.connection(), TENANT, key.public_key(), files)
    assert report.problems == [] and report.size == 15 and report.waiting == 0
    assert problems(sessions, key, out) == []


def test_a_checkpoint_extends_the_last_one(
    engine: Engine,
    sessions: sessionmaker[Session],
    service: CaseService,
    catalog: dict[str, Any],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    first = sign(engine, key, out)
    assert make_checkpoint(engine, TENANT, key, batch=3, only_if_grown=True) is None
    finished(service, catalog[ITEM], 7)
    second = sign(engine, key, out)
    assert second.tree_size == first.tree_size + 5
    with sessions() as s:
        leaves = s.execute(
            select(AuditLogEntry.case_number, AuditLogEntry.seq, AuditLogEntry.event_hash)
            .where(AuditLogEntry.tenant == TENANT)
            .order_by(AuditLogEntry.idx)
        ).all()
    from runtime.ledger import leaf_data

    assert second.root == merkle_root(leaf_data(TENANT, *row) for row in leaves)
    assert merkle_root(leaf_data(TENANT, *row) for row in leaves[:15]) == first.root
    assert problems(sessions, key, out) == []


def test_rechaining_a_case_passes_its_chain_but_is_named_by_the_log(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[2].number
    rechain(sessions, victim, 4, reason="改过的决定意见")
    with sessions() as s:
        assert (
            verify_case(s, s.execute(select(Case).where(Case.number == victim)).scalar_one())
            is None
        )
    found = problems(sessions, key, out)
    assert [(b.number, b.seq, b.kind) for b in found] == [(victim, 4, "re-chained")]
    assert "and 1 later event" in found[0].problem


def test_rewriting_the_log_as_well_breaks_every_signed_checkpoint(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[0].number
    rechain(sessions, victim, 2, actor="someone_else@county.hall")
    with transaction(sessions) as s:
        for ev in s.execute(
            select(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(Case.number == victim)
        ).scalars():
            s.execute(
                update(AuditLogEntry)
                .where(AuditLogEntry.event_id == ev.id)
                .values(event_hash=ev.hash)
            )
    found = problems(sessions, key, out)
    kinds = [b.kind for b in found]
    assert kinds == ["checkpoint mismatch", "checkpoint mismatch"], found  # stored and exported
    assert all("no longer hash" in b.problem for b in found)
    # without the exported file and the stored row, the forger is still caught by the file
    with transaction(sessions) as s:
        s.execute(delete(AuditCheckpoint))
    found = problems(sessions, key, out)
    assert {b.kind for b in found} == {"checkpoint mismatch"}
    assert any("missing from the database" in b.problem for b in found)


def test_deleting_a_whole_case_is_named(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[1]
    with transaction(sessions) as s:
        for model in (OutboxMessage, CaseMaterial, CaseFee, CaseEvent):
            s.execute(delete(model).where(model.case_id == victim.id))  # type: ignore[attr-defined]
        s.execute(delete(Case).where(Case.id == victim.id))
    found = problems(sessions, key, out)
    assert [(b.number, b.kind) for b in found] == [(victim.number, "case missing")]
    assert "1, 2, 3, 4, 5" in found[0].problem
    # removing its log entries too leaves a hole the signed root no longer covers
    with transaction(sessions) as s:
        s.execute(delete(AuditLogEntry).where(AuditLogEntry.case_number == victim.number))
    found = problems(sessions, key, out)
    assert "deleted" in {b.kind for b in found} and "checkpoint mismatch" in {b.kind for b in found}


def test_deleting_a_sealed_event_is_named_even_when_the_case_row_is_fixed_up(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[0]
    with transaction(sessions) as s:
        last = event_row(s, victim.number, 5)
        fourth = event_row(s, victim.number, 4)
        s.execute(delete(OutboxMessage).where(OutboxMessage.event_id == last.id))
        s.delete(last)
        # the forger makes the case row agree with its shortened chain
        case = s.get_one(Case, {"id": victim.id, "tenant": TENANT})
        case.last_hash = fourth.hash
        state: dict[str, Any] = {}
        for ev in s.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == victim.id, CaseEvent.seq <= 4)
            .order_by(CaseEvent.seq)
        ).scalars():
            state.update(json.loads(ev.changes))
        from runtime.chain import apply_changes

        apply_changes(case, state)
    with sessions() as s:
        assert verify_case(s, s.get_one(Case, {"id": victim.id, "tenant": TENANT})) is None
    found = problems(sessions, key, out)
    assert [(b.number, b.seq, b.kind) for b in found] == [(victim.number, 5, "deleted")]


def test_an_inserted_event_is_named_unless_it_waits_in_the_window(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[2]
    with transaction(sessions) as s:
        last = event_row(s, victim.number, 5)
        forged = CaseEvent(
            tenant=TENANT,
            case_id=victim.id,
            seq=6,
            act="deliver",
            actor=last.actor,
            actor_user_id=last.actor_user_id,
            role=last.role,
            domain=last.domain,
            acting_for=None,
            reason=None,
            changes=json.dumps({"version": 6}),
            item_sha256=last.item_sha256,
            at=last.at,
            prev_hash=last.hash,
        )
        forged.hash = link_hash(last.hash, event_body(forged, victim.number))
        s.add(forged)
        s.flush()
        forged_id = forged.id
        case = s.get_one(Case, {"id": victim.id, "tenant": TENANT})
        case.version, case.last_hash = 6, forged.hash
    found = problems(sessions, key, out)
    assert [(b.number, b.seq, b.kind) for b in found] == [(victim.number, 6, "inserted")]
    # an event that also queued itself to be sealed is within the window: until it is sealed
    # and signed, only its case's chain protects it (DESIGN: the worker's BANSHI_AUDIT_SEAL_S)
    with transaction(sessions) as s:
        s.add(AuditPending(event_id=forged_id, tenant=TENANT))
    assert problems(sessions, key, out) == []
    with sessions() as s:
        assert verify_log(s.connection(), TENANT, key.public_key()).waiting == 1


def test_a_checkpoint_not_signed_by_our_key_is_named(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
    tmp_path: Path,
) -> None:
    cp = sign(engine, key, out)
    other = load_key(tmp_path / "other.pem", create=True)
    forged = make_checkpoint(engine, TENANT, other, batch=3, only_if_grown=False)
    assert forged is not None and not forged.signature_ok(key.public_key())
    found = problems(sessions, key, out)
    assert [b.kind for b in found] == ["checkpoint mismatch"]
    assert "signature" in found[0].problem
    # an exported line whose root was changed after signing
    bad = tmp_path / "edited.json"
    bad.write_text(cp.to_json().replace(cp.root, "0" * 64))
    files, unreadable = read_file(bad)
    assert unreadable == [] and not files[0].signature_ok(key.public_key())
