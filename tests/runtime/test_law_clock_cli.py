"""``banshi calendar load`` recomputes at once every open case the new year touches, each as
an event with before → after for the statutory and the promised date (no separate call to
``CaseService.recompute_deadlines`` any more); ``banshi calendar recompute`` catches up on
changes another process recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from banshi.cli import build
from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from house.settings import load_settings
from house.wiring import build_house
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from runtime.calendar import DayEntry
from runtime.calendar_store import calendar_version, replace_year, seed_from_chinesecalendar
from runtime.case_tables import Case, CaseEvent
from runtime.service import Actor, Applicant
from tests.runtime.conftest import DEMO_ORG, advance, catalog_definitions, sample_data

T = "422822"
NINE_DAYS = "422822-ZFB-QT-0001"  # promised 9, statutory 20 working days
YEAR_2027 = """\
year 2027
2027-01-01 holiday 元旦
"""


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("BANSHI_DATABASE_URL", url)
    monkeypatch.setenv("BANSHI_TENANT", T)
    return url


def _a_case_accepted_on_christmas_eve() -> str:
    """A case of the demo county accepted on 24 December 2026: its deadlines run into 2027."""
    house = build_house(load_settings())
    try:
        with transaction(house.sessions) as s:
            load_org_file(s, DEMO_ORG, T, demo=True, hasher=CHEAP_HASHER)
            seed_from_chinesecalendar(s, T, [2026])
            pub = house.catalog.publish(s, T, catalog_definitions()[NINE_DAYS], "admin@county")
        moment = datetime(2026, 12, 24, 2, tzinfo=UTC)
        case = house.cases.submit(
            Actor("window_clerk@county.hall"),
            pub.code,
            sample_data(pub),
            accepting_domain="county.hall",
            applicant=Applicant("谭斌", "13972800001"),
            at=moment,
        )
        case = advance(house.cases, pub, case, at=moment)
        assert case.due_provisional
        return str(case.number)
    finally:
        house.engine.dispose()


def _case_and_last_event(url: str, number: str) -> tuple[Case, CaseEvent]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            case = conn.execute(select(Case).where(Case.number == number)).one()
            event = conn.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            ).first()
            assert event is not None
            return case, event  # type: ignore[return-value]
    finally:
        engine.dispose()


def test_loading_a_year_recomputes_the_open_cases_it_touches(cli_db: str, tmp_path: Path) -> None:
    number = _a_case_accepted_on_christmas_eve()
    before, _ = _case_and_last_event(cli_db, number)
    f = tmp_path / "2027.txt"
    f.write_text(YEAR_2027, encoding="utf-8")
    r = CliRunner().invoke(build(), ["calendar", "load", str(f)])
    assert r.exit_code == 0, r.output
    assert "deadlines recomputed for" in r.output and "1 changed" in r.output
    assert number in r.output
    after, event = _case_and_last_event(cli_db, number)
    assert not after.due_provisional and after.due_promised == date(2027, 1, 7)
    assert event.act == "recompute_deadline" and event.actor == "system"
    assert (
        f"法定期限 {before.due_statutory.isoformat()}（暂定） → {after.due_statutory.isoformat()}"
        in event.reason
    )
    assert f"承诺期限 {before.due_promised.isoformat()}（暂定） → 2027-01-07" in event.reason
    # nothing left to do
    r = CliRunner().invoke(build(), ["calendar", "recompute"])
    assert r.exit_code == 0 and "changed" not in r.output


def test_recompute_catches_up_on_a_change_made_elsewhere(cli_db: str) -> None:
    number = _a_case_accepted_on_christmas_eve()
    engine = make_engine(cli_db)
    try:
        with transaction(session_factory(engine)) as s:  # another process enters 2027
            before = calendar_version(s, T)
            replace_year(s, T, 2027, [DayEntry(date(2027, 1, 1), False, "元旦")], by="admin")
            assert calendar_version(s, T) > before
    finally:
        engine.dispose()
    r = CliRunner().invoke(build(), ["calendar", "recompute"])
    assert r.exit_code == 0, r.output
    assert "2027" in r.output and "1 changed" in r.output and number in r.output
    after, event = _case_and_last_event(cli_db, number)
    assert not after.due_provisional and event.act == "recompute_deadline"
