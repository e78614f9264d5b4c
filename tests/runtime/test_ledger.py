"""The anchored audit: fee and material rows inside the chained events, the tenant log (a
Merkle tree as in RFC 9162) and its signed checkpoints. Each tampering a database writer
can do is made here with plain SQL and must be named by verify: which case, which event,
what kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import Break, verify_case, verify_cases
from runtime.audit_log import verify_log
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent, CaseFee, CaseMaterial, OutboxMessage
from runtime.chain import event_body, link_hash
from runtime.checkpoints import Checkpoint, exported, load_key, make_checkpoint, read_file
from runtime.ledger import Frontier, leaf_hash, merkle_root, seal, seal_all
from runtime.ledger_tables import AuditCheckpoint, AuditLogEntry, AuditPending
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, advance, required_materials, sample_data

ITEM = "422822-ZJJ-XK-0001"  # submit, accept (with scans), review, decide, complete: 5 events
FEES = "422822-ZRZY-QR-0003"  # a waivable fee and a per-certificate fee, paid before completing
CLERK = Actor("window_clerk@county.hall")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_key(tmp_path / "audit-key.pem", create=True)


@pytest.fixture
def out(tmp_path: Path) -> Path:
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


@pytest.fixture
def three(service: CaseService, catalog: dict[str, Any]) -> list[CaseRecord]:
    return [finished(service, catalog[ITEM], seed) for seed in range(3)]


@pytest.fixture
def paid(service: CaseService, catalog: dict[str, Any]) -> CaseRecord:
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


# ------------------------------------------------------- fee and material rows in the chain


def test_fee_and_material_rows_are_carried_by_the_events_that_wrote_them(
    sessions: sessionmaker[Session], paid: CaseRecord
) -> None:
    with sessions() as s:
        events = {
            e.act: e
            for e in s.execute(select(CaseEvent).where(CaseEvent.case_id == paid.id)).scalars()
        }
        fees = s.execute(select(CaseFee).where(CaseFee.case_id == paid.id)).scalars().all()
        scans = s.execute(select(CaseMaterial).where(CaseMaterial.case_id == paid.id)).scalars()
        scan_hashes = sorted(m.sha256 for m in scans)
    assessed = json.loads(events["assess_fee"].records)["fees"]
    assert {k: v["amount"] for k, v in assessed.items()} == {f.fee_key: f.amount for f in fees}
    payment = json.loads(events["record_payment"].records)["fees"]
    assert {v["payment_ref"] for v in payment.values()} == {"JF000001"}
    received = json.loads(events["accept"].records)["materials"]
    assert sorted(m["sha256"] for m in received) == scan_hashes and scan_hashes
    assert events["review"].records is None


@pytest.mark.parametrize(
    ("column", "value"),
    [("amount", "0.01"), ("payment_ref", "JF-FORGED"), ("waived", True), ("basis", "伪造依据")],
)
def test_editing_a_fee_row_is_named(
    sessions: sessionmaker[Session], paid: CaseRecord, column: str, value: Any
) -> None:
    with transaction(sessions) as s:
        s.execute(
            update(CaseFee)
            .where(CaseFee.case_id == paid.id, CaseFee.fee_key == "extra_certificates")
            .values({column: value})
        )
    with sessions() as s:
        b = verify_case(s, s.get_one(Case, {"id": paid.id, "tenant": TENANT}))
    assert b is not None and b.kind == "edited" and column in b.problem
    assert "extra_certificates" in b.problem and b.seq is not None


def test_deleting_or_inserting_a_fee_row_is_named(
    sessions: sessionmaker[Session], paid: CaseRecord, three: list[CaseRecord]
) -> None:
    with transaction(sessions) as s:
        s.execute(
            delete(CaseFee).where(
                CaseFee.case_id == paid.id, CaseFee.fee_key == "reg_fee_residential"
            )
        )
        s.execute(
            insert(CaseFee).values(
                tenant=TENANT,
                case_id=three[0].id,
                fee_key="forged",
                name="伪造收费",
                amount="99.00",
                waived=False,
            )
        )
    with sessions() as s:
        found = {n: bs for n, bs in verify_cases(s, TENANT) if bs}
    assert set(found) == {paid.number, three[0].number}
    assert [b.kind for b in found[paid.number]] == ["deleted"]
    assert "reg_fee_residential" in found[paid.number][0].problem
    assert [(b.kind, b.seq) for b in found[three[0].number]] == [("inserted", None)]


def test_editing_deleting_or_inserting_a_scan_is_named(
    sessions: sessionmaker[Session], three: list[CaseRecord]
) -> None:
    a, b, c = three
    with transaction(sessions) as s:
        first = (
            s.execute(
                select(CaseMaterial).where(CaseMaterial.case_id == a.id).order_by(CaseMaterial.id)
            )
            .scalars()
            .first()
        )
        assert first is not None
        first.sha256 = "f" * 64
        s.execute(delete(CaseMaterial).where(CaseMaterial.case_id == b.id))
        s.add(
            CaseMaterial(
                tenant=TENANT,
                case_id=c.id,
                material_key=first.material_key,
                sha256="e" * 64,
                name="forged.pdf",
                received_at=first.received_at,
                event_seq=2,
            )
        )
    with sessions() as s:
        found = {n: bs for n, bs in verify_cases(s, TENANT) if bs}
    assert [(x.kind, x.seq) for x in found[a.number]] == [("edited", 2)]
    assert "sha256" in found[a.number][0].problem
    assert {(x.kind, x.seq) for x in found[b.number]} == {("deleted", 2)}
    assert [(x.kind, x.seq) for x in found[c.number]] == [("inserted", 2)]


# ------------------------------------------------- issue 16: no column drops out of the hash

#: Every column of an event except its surrogate key and its case (moving an event to
#: another case is a deletion from one chain and an insertion into another: tested below).
#: Taken from the table, not from runtime.chain.HASHED, so a field dropped from the hash
#: is caught here.
EVENT_COLUMNS = [c.key for c in CaseEvent.__table__.columns if c.key not in ("id", "case_id")]
CONTENT = [c for c in EVENT_COLUMNS if c not in ("tenant", "seq", "prev_hash", "hash")]


def _other(column: str, value: Any) -> Any:
    """A different value of the same type for one event column."""
    from datetime import timedelta

    if column == "tenant":
        return "422823"
    if column in ("changes", "records"):
        doc = json.loads(value) if value else {}
        doc["forged"] = 1
        return json.dumps(doc)
    if column == "at":
        return value + timedelta(seconds=1)
    if column in ("seq", "actor_user_id"):
        return 100 + (value or 0)
    if value is None:
        return "forged"
    text = str(value)
    if len(text) == 64 and all(ch in "0123456789abcdef" for ch in text):
        return ("0" if text[0] != "0" else "1") + text[1:]
    return text + "x"


def test_every_event_column_edited_in_turn_is_named(
    sessions: sessionmaker[Session], three: list[CaseRecord], key: Ed25519PrivateKey
) -> None:
    victim = three[1].number
    with sessions() as s:
        ev = event_row(s, victim, 2)  # the acceptance: role, domain, user id, materials
        original = {c: getattr(ev, c) for c in EVENT_COLUMNS}
    assert original["role"] and original["domain"] and original["actor_user_id"]
    assert original["records"] and original["acting_for"] is None
    assert set(CONTENT) >= {"role", "domain", "acting_for", "actor_user_id", "item_sha256", "act"}
    for column in EVENT_COLUMNS:
        if column == "tenant":  # the database's own keys refuse it (the next test)
            continue
        with transaction(sessions) as s:
            setattr(event_row(s, victim, 2), column, _other(column, original[column]))
        found = problems(sessions, key)
        assert found, f"editing case_event.{column} went unnoticed"
        assert {b.number for b in found} == {victim}, (column, found)
        if column in CONTENT:
            assert named(found, victim, "edited", 2), (column, found)
        with transaction(sessions) as s:
            row = s.execute(select(CaseEvent).where(CaseEvent.id == ev.id)).scalar_one()
            for c, v in original.items():
                setattr(row, c, v)
        assert problems(sessions, key) == [], column


def test_an_event_cannot_be_moved_to_another_county(
    sessions: sessionmaker[Session], three: list[CaseRecord], key: Ed25519PrivateKey
) -> None:
    """Its case, its outbox rows and it are one county's: the keys (tenant, id) refuse the
    move in the database itself (migration 0014), and nothing is changed."""
    victim = three[1].number
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        event_row(s, victim, 2).tenant = _other("tenant", TENANT)
    assert problems(sessions, key) == []


def test_every_content_column_edited_and_rechained_is_named_by_the_log(
    engine: Engine,
    sessions: sessionmaker[Session],
    three: list[CaseRecord],
    key: Ed25519PrivateKey,
    out: Path,
) -> None:
    sign(engine, key, out)
    victim = three[0].number
    with sessions() as s:
        original = {c: getattr(event_row(s, victim, 3), c) for c in EVENT_COLUMNS}
    for column in CONTENT:
        rechain(sessions, victim, 3, **{column: _other(column, original[column])})
        found = problems(sessions, key, out)
        assert named(found, victim, "re-chained", 3), (column, found)
        rechain(sessions, victim, 3, **{column: original[column]})
    assert problems(sessions, key, out) == []


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
