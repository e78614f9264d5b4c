"""The calendar table (seeding, administrators' edits, loading) on SQLite and PostgreSQL,
the year-file formats, and the ``banshi calendar`` commands."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from banshi.cli import build
from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from runtime.calendar import DayEntry, UnknownYearError
from runtime.calendar_file import CalendarFileError, parse_mapping, parse_text, read_year_file
from runtime.calendar_source import (
    calendar_from_chinesecalendar,
    entries_for_year,
    knows_year,
    supported_years,
)
from runtime.calendar_store import (
    clear_day,
    load_calendar,
    mark_year_complete,
    mark_year_incomplete,
    replace_year,
    seed_from_chinesecalendar,
    set_day,
    year_status,
)
from runtime.clock import DeadlineInputs, compute_deadline
from runtime.tables import CalendarDay

T = "422822"
OTHER = "422801"

YEAR_2027_TEXT = """\
# test data for 2027, not the State Council's arrangement
year 2027
2027-01-01..2027-01-03 holiday 元旦
2027-02-06..2027-02-12 holiday 春节
2027-02-20 workday 春节调休上班
"""


# -- chinesecalendar ---------------------------------------------------------------------


def test_source_knows_2004_to_2026_and_refuses_2027() -> None:
    assert knows_year(2026) and knows_year(2004)
    assert not knows_year(2027)
    assert supported_years()[0] <= 2004 and supported_years()[-1] >= 2026
    with pytest.raises(UnknownYearError):
        entries_for_year(2027)
    names = {e.name for e in entries_for_year(2026)}
    assert {
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
        "国庆节调休上班",
    } <= names


# -- the table ----------------------------------------------------------------------------


def test_seed_and_load_agree_with_chinesecalendar(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        report = seed_from_chinesecalendar(s, T, [2025, 2026, 2027], by="admin@county")
    assert report.seeded == (2025, 2026) and report.unknown == (2027,)
    with sessions() as s:
        cal = load_calendar(s, T)
    assert cal.known_years == frozenset({2025, 2026})
    assert cal == calendar_from_chinesecalendar([2025, 2026])
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert cal.is_workday(day).known() == chinese_calendar.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)
    assert cal.add_workdays(date(2026, 9, 30), 3).known() == date(2026, 10, 10)


def test_seed_is_idempotent_and_scoped_by_tenant(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, T, [2026])
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, T, [2026])
    with sessions() as s:
        count = s.scalar(
            select(func.count()).select_from(CalendarDay).where(CalendarDay.tenant == T)
        )
        assert count == len(entries_for_year(2026))
        other = load_calendar(s, OTHER)
    assert other.known_years == frozenset()
    assert other.is_workday(date(2026, 10, 1)).provisional


def test_admin_edits_survive_reseeding(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, T, [2026])
        # a county-wide day off (e.g. a local festival) and a correction
        set_day(s, T, date(2026, 3, 3), is_workday=False, name="县庆", by="admin@county")
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, T, [2026])
    with sessions() as s:
        cal = load_calendar(s, T)
        status = year_status(s, T, 2026)
    entry = cal.entry(date(2026, 3, 3))
    assert entry == DayEntry(date(2026, 3, 3), False, "县庆", "admin")
    assert status.known and status.source == "chinesecalendar"
    assert any(e.source == "admin" for e in status.entries)
    with transaction(sessions) as s:
        assert clear_day(s, T, date(2026, 3, 3))
        assert not clear_day(s, T, date(2026, 3, 3))
    with sessions() as s:
        assert load_calendar(s, T).is_workday(date(2026, 3, 3)).known()


def test_2027_entered_by_an_administrator_recomputes_the_deadline(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, T, [2026])
        cal = load_calendar(s, T)
    inputs = DeadlineInputs(start=date(2026, 12, 29), days=3)
    before = compute_deadline(cal, inputs)
    assert before.provisional and before.missing_years == (2027,)
    assert before.due == date(2027, 1, 1)  # weekends only: Friday

    # the administrator records New Year's day; until the year is complete it stays provisional
    with transaction(sessions) as s:
        set_day(s, T, date(2027, 1, 1), is_workday=False, name="元旦", by="admin@county")
        partial = load_calendar(s, T)
    assert not before.awaits(partial)
    interim = compute_deadline(partial, inputs)
    assert interim.provisional and interim.due == date(2027, 1, 4)

    with transaction(sessions) as s:
        mark_year_complete(s, T, 2027, by="admin@county")
        cal2027 = load_calendar(s, T)
    assert before.awaits(cal2027)
    after = before.recompute(cal2027)
    assert after is not None and not after.provisional
    assert after.due == date(2027, 1, 4)
    assert "元旦（2027年1月1日）" in after.explain()

    with transaction(sessions) as s:
        mark_year_incomplete(s, T, 2027)
        assert compute_deadline(load_calendar(s, T), inputs).provisional


def test_replace_year_from_a_file(sessions: sessionmaker[Session]) -> None:
    parsed = parse_text(YEAR_2027_TEXT)
    with transaction(sessions) as s:
        set_day(s, T, date(2027, 5, 5), is_workday=False, name="错误录入")
        n = replace_year(s, T, parsed.year, parsed.entries, by="admin@county")
    assert n == 3 + 7 + 1
    with sessions() as s:
        cal = load_calendar(s, T)
        status = year_status(s, T, 2027)
    assert status.known and status.source == "admin"
    assert cal.entry(date(2027, 5, 5)) is None  # replaced
    assert cal.is_workday(date(2027, 2, 20)).known()  # a worked Saturday
    assert not cal.is_workday(date(2027, 2, 8)).known()
    # Fri 02-05 → Mon 02-15 (02-06..02-12 rest, 02-13/14 weekend)
    assert cal.add_workdays(date(2027, 2, 5), 1).known() == date(2027, 2, 15)
    with transaction(sessions) as s, pytest.raises(ValueError):
        replace_year(s, T, 2028, parsed.entries)


def test_table_rejects_unknown_sources(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    factory = session_factory(engine)
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.add(
            CalendarDay(
                tenant=T,
                day=date(2027, 1, 1),
                is_workday=False,
                source="holidays",
                updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )


# -- files ----------------------------------------------------------------------------------


def test_text_file() -> None:
    parsed = parse_text(YEAR_2027_TEXT)
    assert parsed.year == 2027 and parsed.complete
    assert parsed.entries[0] == DayEntry(date(2027, 1, 1), False, "元旦", "admin")
    assert parse_text("2027-01-01 休 元旦\n2027-02-20 班\n").entries[1] == DayEntry(
        date(2027, 2, 20), True, None, "admin"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-01-01 rest 元旦", "kind must be holiday or workday"),
        ("2027-13-01 holiday", "not a date"),
        ("2027-01-05..2027-01-01 holiday", "range ends before it starts"),
        ("year 2027\n2028-01-01 holiday", "is not in 2027"),
        ("2027-01-01 holiday\n2027-01-01 workday", "already given"),
        ("# nothing", "no days"),
    ],
)
def test_text_file_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(CalendarFileError, match=message) as err:
        parse_text(text, "y.txt")
    assert "y.txt" in str(err.value)


def test_toml_and_json_files(tmp_path: Path) -> None:
    toml = tmp_path / "2027.toml"
    toml.write_text(
        'year = 2027\n[[days]]\ndate = "2027-01-01..2027-01-03"\nkind = "holiday"\nname = "元旦"\n'
        '[[days]]\ndate = "2027-02-20"\nkind = "workday"\nname = "春节调休上班"\n',
        encoding="utf-8",
    )
    data = {
        "year": 2027,
        "complete": False,
        "days": [
            {"date": "2027-01-01..2027-01-03", "kind": "holiday", "name": "元旦"},
            {"date": "2027-02-20", "kind": "workday", "name": "春节调休上班"},
        ],
    }
    js = tmp_path / "2027.json"
    js.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    a, b = read_year_file(toml), read_year_file(js)
    assert a.entries == b.entries and len(a.entries) == 4
    assert a.complete and not b.complete
    with pytest.raises(CalendarFileError, match=r"/days/0"):
        parse_mapping({"year": 2027, "days": [{"kind": "holiday"}]}, "x.json")
    with pytest.raises(CalendarFileError, match="cannot read"):
        read_year_file(tmp_path / "missing.txt")


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("BANSHI_DATABASE_URL", url)
    monkeypatch.setenv("BANSHI_TENANT", T)
    return url


def _calendar_of(url: str) -> tuple[frozenset[int], DayEntry | None]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            cal = load_calendar(s, T)
            return cal.known_years, cal.entry(date(2027, 1, 1))
    finally:
        engine.dispose()


def test_cli_seed_show_set_complete_load(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    app = build()

    r = runner.invoke(app, ["calendar", "seed", "--years", "2025-2027"])
    assert r.exit_code == 0, r.output
    assert "seeded 2025–2026" in r.output
    assert "2027" in r.output  # reported as unknown

    r = runner.invoke(app, ["calendar", "show", "2026"])
    assert r.exit_code == 0, r.output
    assert "known" in r.output and "国庆节" in r.output and "2026-10-10" in r.output

    r = runner.invoke(app, ["calendar", "show", "2027"])
    assert r.exit_code == 0 and "NOT KNOWN" in r.output

    r = runner.invoke(
        app, ["calendar", "set", "2027-01-01", "holiday", "--name", "元旦", "--by", "admin@county"]
    )
    assert r.exit_code == 0, r.output
    assert "not marked complete" in r.output
    known, entry = _calendar_of(cli_db)
    assert 2027 not in known and entry == DayEntry(date(2027, 1, 1), False, "元旦", "admin")

    r = runner.invoke(app, ["calendar", "complete", "2027"])
    assert r.exit_code == 0, r.output
    assert 2027 in _calendar_of(cli_db)[0]

    r = runner.invoke(app, ["calendar", "set", "2027-13-01", "holiday"])
    assert r.exit_code != 0
    r = runner.invoke(app, ["calendar", "set", "2027-01-02", "rest"])
    assert r.exit_code != 0

    f = tmp_path / "2027.txt"
    f.write_text(YEAR_2027_TEXT, encoding="utf-8")
    r = runner.invoke(app, ["calendar", "load", str(f)])
    assert r.exit_code == 0, r.output
    assert "2027: 11 days loaded" in r.output
    r = runner.invoke(app, ["calendar", "show", "2027"])
    assert "春节调休上班" in r.output and "NOT KNOWN" not in r.output

    bad = tmp_path / "bad.txt"
    bad.write_text("2027-01-01 sometimes\n", encoding="utf-8")
    r = runner.invoke(app, ["calendar", "load", str(bad)])
    assert r.exit_code == 2 and "bad.txt:1" in r.output


def test_cli_seed_of_only_unknown_years_fails(cli_db: str) -> None:
    r = CliRunner().invoke(build(), ["calendar", "seed", "--years", "2027"])
    assert r.exit_code == 1
    assert "not known to chinesecalendar: 2027" in r.output
    r = CliRunner().invoke(build(), ["calendar", "seed", "--years", "2026-2025"])
    assert r.exit_code != 0
