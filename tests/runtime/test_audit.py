"""Tamper detection: every edit, deletion, insertion or reordering of an event row, and any
edit of the case row, is named by verify_case / verify_all and by `banshi audit verify`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from banshi.cli import build
from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from runtime.audit import Break, replay, verify_all, verify_case
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.case_tables import Case, CaseEvent, OutboxMessage
from runtime.chain import event_body, link_hash
from runtime.publishing import Catalog
from runtime.service import Actor, Applicant, CaseService, ServiceConfig
from tests.runtime.conftest import (
    DEMO_ORG,
    TENANT,
    FixedNow,
    advance,
    catalog_definitions,
    sample_data,
)

ITEM = "422822-ZFB-QT-0001"  # submit, accept, review, decide, complete: 5 events


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def completed_case(service: CaseService, pub: Any, seed: int = 0) -> Case:
    case = service.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub, seed),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    while case.open:
        case = advance(service, pub, case)
    return case


@pytest.fixture
def three(service: CaseService, catalog: dict[str, Any]) -> list[Case]:
    return [completed_case(service, catalog[ITEM], seed) for seed in range(3)]


def check(sessions: sessionmaker[Session], number: str) -> Break | None:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        return verify_case(s, case)


def broken_all(sessions: sessionmaker[Session]) -> dict[str, Break]:
    with sessions() as s:
        return {n: b for n, b in verify_all(s, TENANT) if b is not None}


def event_id(sessions: sessionmaker[Session], number: str, seq: int) -> int:
    with sessions() as s:
        return s.execute(
            select(CaseEvent.id)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.number == number, CaseEvent.seq == seq)
        ).scalar_one()


def test_untouched_chains_verify(sessions: sessionmaker[Session], three: list[Case]) -> None:
    assert broken_all(sessions) == {}
    with sessions() as s:
        assert [n for n, _ in verify_all(s, TENANT, batch=2)] == [c.number for c in three]


def test_editing_an_events_reason_is_named(
    sessions: sessionmaker[Session], three: list[Case]
) -> None:
    victim = three[1].number
    eid = event_id(sessions, victim, 4)  # the decision
    with transaction(sessions) as s:
        s.execute(update(CaseEvent).where(CaseEvent.id == eid).values(reason="改过的意见"))
    b = check(sessions, victim)
    assert b is not None and b.seq == 4 and "hash" in b.problem
    assert b.format().startswith(f"{victim}: event 4")
    assert set(broken_all(sessions)) == {victim}


def test_editing_an_events_changes_is_named(
    sessions: sessionmaker[Session], three: list[Case]
) -> None:
    victim = three[0].number
    eid = event_id(sessions, victim, 4)
    with sessions() as s:
        changes = json.loads(s.get_one(CaseEvent, {"id": eid, "tenant": TENANT}).changes)
    changes["decision"] = "denied"
    with transaction(sessions) as s:
        s.execute(update(CaseEvent).where(CaseEvent.id == eid).values(changes=json.dumps(changes)))
    b = check(sessions, victim)
    assert b is not None and b.seq == 4


def test_rewriting_an_event_and_rehashing_it_breaks_the_next_link(
    sessions: sessionmaker[Session], three: list[Case]
) -> None:
    """A forger who recomputes the edited event's own hash is caught at the next event."""
    victim = three[2].number
    eid = event_id(sessions, victim, 2)
    with transaction(sessions) as s:
        ev = s.get_one(CaseEvent, {"id": eid, "tenant": TENANT})
        ev.actor = "someone_else@county.hall"
        ev.hash = link_hash(ev.prev_hash, event_body(ev, victim))
    b = check(sessions, victim)
    assert b is not None and b.seq == 3 and "prev_hash" in b.problem


def drop_event(sessions: sessionmaker[Session], number: str, seq: int) -> None:
    eid = event_id(sessions, number, seq)
    with transaction(sessions) as s:
        s.execute(delete(OutboxMessage).where(OutboxMessage.event_id == eid))
        s.execute(delete(CaseEvent).where(CaseEvent.id == eid))


def test_deleting_an_event_is_named(sessions: sessionmaker[Session], three: list[Case]) -> None:
    victim = three[0].number
    drop_event(sessions, victim, 3)
    b = check(sessions, victim)
    assert b is not None and b.seq == 4 and "gap" in b.problem
    # deleting the last event: the chain head on the case row no longer matches
    other = three[1].number
    drop_event(sessions, other, 5)
    b = check(sessions, other)
    assert b is not None and b.seq is None and "head" in b.problem and b.kind == "deleted"
    assert set(broken_all(sessions)) == {victim, other}


def test_inserting_a_forged_event_is_named(
    sessions: sessionmaker[Session], three: list[Case]
) -> None:
    victim = three[1]
    with transaction(sessions) as s:
        last = s.execute(
            select(CaseEvent).where(CaseEvent.case_id == victim.id, CaseEvent.seq == 5)
        ).scalar_one()
        forged = CaseEvent(
            tenant=TENANT,
            case_id=victim.id,
            seq=6,
            act="withdraw",
            actor="applicant@demo",
            actor_user_id=None,
            role="applicant",
            domain=None,
            acting_for=None,
            reason="伪造",
            changes=json.dumps({"state": "withdrawn", "version": 6}),
            item_sha256=last.item_sha256,
            at=last.at,
            prev_hash=last.hash,
        )
        forged.hash = link_hash(last.hash, event_body(forged, victim.number))
        s.add(forged)
    b = check(sessions, victim.number)
    # a well-formed appended event is still caught: the case row's head and fold disagree
    assert b is not None and b.seq is None and b.kind == "inserted"
    # a forged event in the middle (seq shifted up) is caught at its own position
    other = three[2]
    with transaction(sessions) as s:
        s.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == other.id, CaseEvent.seq >= 3)
            .values(seq=CaseEvent.seq + 10)
        )
    b = check(sessions, other.number)
    assert b is not None and b.seq == 13 and "gap" in b.problem and b.kind == "deleted"


def test_swapping_two_events_is_named(sessions: sessionmaker[Session], three: list[Case]) -> None:
    victim = three[0]
    a, b_ = event_id(sessions, victim.number, 2), event_id(sessions, victim.number, 3)
    with transaction(sessions) as s:
        s.execute(update(CaseEvent).where(CaseEvent.id == a).values(seq=-1))
        s.execute(update(CaseEvent).where(CaseEvent.id == b_).values(seq=2))
        s.execute(update(CaseEvent).where(CaseEvent.id == a).values(seq=3))
    b = check(sessions, victim.number)
    assert b is not None and b.seq == 2


def test_editing_the_case_row_is_named(sessions: sessionmaker[Session], three: list[Case]) -> None:
    victim = three[2].number
    with transaction(sessions) as s:
        s.execute(update(Case).where(Case.number == victim).values(decision="denied"))
    b = check(sessions, victim)
    assert b is not None and b.seq is None and "decision" in b.problem
    other = three[0].number
    with transaction(sessions) as s:
        s.execute(update(Case).where(Case.number == other).values(applicant_name="张冒名"))
    b = check(sessions, other)
    assert b is not None and "applicant_name" in b.problem


def test_replay_shows_the_state_after_each_event(
    sessions: sessionmaker[Session], three: list[Case]
) -> None:
    with sessions() as s:
        steps = replay(s, TENANT, three[0].number)
    assert [st.act for st in steps] == ["submit", "accept", "review", "decide", "complete"]
    assert [st.state["state"] for st in steps] == [
        "submitted",
        "in_progress",
        "in_progress",
        "decided",
        "completed",
    ]
    assert [st.state["version"] for st in steps] == [1, 2, 3, 4, 5]
    with sessions() as s, pytest.raises(LookupError):
        replay(s, TENANT, "nope")


# ---------------------------------------------------------------------------- the command line


@pytest.fixture
def cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[sessionmaker[Session], list[str]]:
    """A migrated SQLite file with three completed cases, as BANSHI_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    eng = make_engine(url)
    upgrade(eng)
    sessions = session_factory(eng)
    with transaction(sessions) as s:
        load_org_file(s, DEMO_ORG, TENANT, demo=True, hasher=CHEAP_HASHER)
        seed_from_chinesecalendar(s, TENANT, [2025, 2026])
    from rbac.permissions import Authorizer
    from rbac.policy import PolicyStore

    cal: dict[str, WorkCalendar] = {}

    def calendar() -> WorkCalendar:
        if "c" not in cal:
            with sessions() as s:
                cal["c"] = load_calendar(s, TENANT)
        return cal["c"]

    service = CaseService(
        sessions,
        Authorizer(PolicyStore(sessions=sessions, poll_interval_ms=0)),
        Catalog(),
        calendar,
        ServiceConfig(tenant=TENANT),
        now=FixedNow(datetime(2026, 9, 30, 2, 0, tzinfo=UTC)),
    )
    with transaction(sessions) as s:
        pub = service.catalog.publish(s, TENANT, catalog_definitions()[ITEM], "admin@county")
    numbers = [completed_case(service, pub, seed).number for seed in range(3)]
    monkeypatch.setenv("BANSHI_DATABASE_URL", url)
    monkeypatch.setenv("BANSHI_TENANT", TENANT)
    monkeypatch.setenv("BANSHI_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    monkeypatch.delenv("BANSHI_AUDIT_KEY_FILE", raising=False)
    monkeypatch.delenv("BANSHI_DEMO_MODE", raising=False)
    yield sessions, numbers
    eng.dispose()


def test_cli_audit_verify_and_replay(cli_db: tuple[sessionmaker[Session], list[str]]) -> None:
    sessions, numbers = cli_db
    runner = CliRunner()
    app = build()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3 cases: 0 broken" in ok.output and "0 problem(s)" in ok.output
    assert "15 waiting to be sealed" in ok.output  # nothing sealed or signed yet
    shown = runner.invoke(app, ["case", "replay", numbers[0]])
    assert shown.exit_code == 0, shown.output
    for act in ("submit", "accept", "review", "decide", "complete"):
        assert act in shown.output
    missing = runner.invoke(app, ["case", "replay", "42282200000000000000"])
    assert missing.exit_code == 1
    with transaction(sessions) as s:
        s.execute(
            update(CaseEvent)
            .where(
                CaseEvent.seq == 3,
                CaseEvent.case_id
                == select(Case.id).where(Case.number == numbers[1]).scalar_subquery(),
            )
            .values(reason="篡改")
        )
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"{numbers[1]}: event 3" in bad.output
    assert numbers[0] not in bad.output and "1 broken" in bad.output


def test_cli_checkpoint_needs_a_key_outside_demo_mode(
    cli_db: tuple[sessionmaker[Session], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    app = build()
    refused = runner.invoke(app, ["audit", "checkpoint"])
    assert refused.exit_code == 2 and "BANSHI_AUDIT_KEY_FILE" in refused.output
    monkeypatch.setenv("BANSHI_AUDIT_KEY_FILE", str(tmp_path / "nowhere.pem"))
    refused = runner.invoke(app, ["audit", "checkpoint"])
    assert refused.exit_code == 2 and "BANSHI_AUDIT_KEY_FILE" in refused.output
    assert "Traceback" not in refused.output
    assert not (tmp_path / "nowhere.pem").exists()


def test_cli_checkpoint_then_verify_names_a_deleted_case(
    cli_db: tuple[sessionmaker[Session], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runtime.case_tables import CaseFee, CaseMaterial
    from runtime.checkpoints import load_key, read_file
    from runtime.ledger_tables import AuditCheckpoint, AuditLogEntry

    sessions, numbers = cli_db
    load_key(tmp_path / "key.pem", create=True)
    monkeypatch.setenv("BANSHI_AUDIT_KEY_FILE", str(tmp_path / "key.pem"))
    runner = CliRunner()
    app = build()
    signed = runner.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "cp.json")])
    assert signed.exit_code == 0, signed.output
    assert "checkpoint: 15 event(s)" in signed.output
    kept, bad = read_file(tmp_path / "cp.json")
    assert bad == [] and kept[0].tree_size == 15
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "15 sealed event(s), 0 waiting" in ok.output and "latest of size 15" in ok.output
    victim = numbers[1]
    with transaction(sessions) as s:
        case_id = s.execute(select(Case.id).where(Case.number == victim)).scalar_one()
        for model in (OutboxMessage, CaseMaterial, CaseFee, CaseEvent):
            s.execute(delete(model).where(model.case_id == case_id))  # type: ignore[attr-defined]
        s.execute(delete(Case).where(Case.id == case_id))
    bad_run = runner.invoke(app, ["audit", "verify"])
    assert bad_run.exit_code == 1
    assert f"{victim}: case row: case missing" in bad_run.output
    assert "verified 2 cases: 0 broken" in bad_run.output
    # the forger also removes the log entries, the stored checkpoints and the exported file:
    # the checkpoint kept elsewhere still names the rewrite
    with transaction(sessions) as s:
        s.execute(delete(AuditLogEntry).where(AuditLogEntry.case_number == victim))
        s.execute(delete(AuditCheckpoint))
    for f in (tmp_path / "checkpoints").rglob("*.jsonl"):
        f.unlink()
    still = runner.invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "cp.json")])
    assert still.exit_code == 1
    assert "checkpoint mismatch" in still.output and "cp.json" in still.output


def test_demo_load_then_verify_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("BANSHI_TENANT", TENANT)
    monkeypatch.setenv("BANSHI_DEMO_MODE", "1")
    monkeypatch.setenv("BANSHI_AUDIT_KEY_FILE", str(tmp_path / "demo-key.pem"))
    monkeypatch.setenv("BANSHI_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    runner = CliRunner()
    app = build()
    loaded = runner.invoke(app, ["demo", "load", "--cases", "6"])
    assert loaded.exit_code == 0, loaded.output
    assert "sealed and signed" in loaded.output
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "verified 6 cases: 0 broken" in ok.output and "0 waiting" in ok.output
    assert "0 problem(s)" in ok.output
    # a second database beside it (another demo file, same key and checkpoint folder) is
    # not judged by the first one's checkpoints, nor the first by the second's
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other = runner.invoke(app, ["demo", "load", "--cases", "2"])
    assert other.exit_code == 0, other.output
    again = runner.invoke(app, ["audit", "verify"])
    assert again.exit_code == 0, again.output
    assert "verified 2 cases: 0 broken" in again.output and "0 problem(s)" in again.output
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    first = runner.invoke(app, ["audit", "verify"])
    assert first.exit_code == 0 and "0 problem(s)" in first.output, first.output
