"""The anchored audit inside each case's chain: fee and material rows carried by the
events that wrote them, and no column of an event left out of its hash (issue 16), even
when the forger re-chains the case.

Each tampering is made with plain SQL; verify must name it (which case, which event,
what kind). Shared fixtures and helpers: tests/runtime/ledger_helpers.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import verify_case, verify_cases
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent, CaseFee, CaseMaterial
from tests.runtime.conftest import TENANT
from tests.runtime.ledger_helpers import (
    engine_fixture,  # noqa: F401 (fixture)
    event_row,
    key_fixture,  # noqa: F401 (fixture)
    named,
    org_fixture,  # noqa: F401 (fixture)
    out_fixture,  # noqa: F401 (fixture)
    paid_fixture,  # noqa: F401 (fixture)
    problems,
    rechain,
    sign,
    three_fixture,  # noqa: F401 (fixture)
)

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
