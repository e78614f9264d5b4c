"""Working-day facts through the service: National Day and Spring Festival 2026, suspensions,
and a provisional deadline in an unknown year that is recomputed — as an event — when an
administrator enters that year."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.audit import verify_case
from runtime.calendar import DayEntry
from runtime.calendar_store import replace_year
from runtime.case_tables import Case, CaseEvent
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, FixedNow, advance, sample_data

THREE_DAYS = "422822-ZJJ-XK-0001"  # promised 3, statutory 7 working days
NINE_DAYS = "422822-ZFB-QT-0001"  # promised 9, statutory 20
SUSPENDING = "422822-SLJ-XK-0001"  # site inspection that does not count toward the limit
INSTANT = "422822-RSJ-GG-0001"


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)  # 10:00 in Jianshi


def accept_on(service: CaseService, pub: Any, day: date, seed: int = 0) -> Case:
    case = service.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub, seed),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
        at=at(day),
    )
    return advance(service, pub, case, at=at(day))


def test_three_working_days_from_30_september_2026_is_10_october(
    service: CaseService, catalog: dict[str, Any]
) -> None:
    case = accept_on(service, catalog[THREE_DAYS], date(2026, 9, 30))
    # 1–7 October are holidays; Saturday 10 October is an adjusted working day (调休)
    assert case.accepted_on == date(2026, 9, 30)
    assert case.due_promised == date(2026, 10, 10)
    assert case.due_statutory == date(2026, 10, 15)  # 8, 9, 10, 12, 13, 14, 15 October
    assert not case.due_provisional


def test_spring_festival_2026(service: CaseService, catalog: dict[str, Any]) -> None:
    # Friday 13 February: Saturday 14th is worked, 15–23 February are the holiday
    case = accept_on(service, catalog[THREE_DAYS], date(2026, 2, 13))
    assert case.due_promised == date(2026, 2, 25)
    # accepted during the holiday (an online case accepted on a day off) counts from the 24th
    case = accept_on(service, catalog[THREE_DAYS], date(2026, 2, 18), seed=1)
    assert case.due_promised == date(2026, 2, 26)


def test_a_suspension_moves_both_deadlines_by_the_suspended_working_days(
    service: CaseService, catalog: dict[str, Any], clock: FixedNow
) -> None:
    """Golden dates, counted by hand on the 2026 calendar (promised 15, statutory 45 wd)."""
    pub = catalog[SUSPENDING]
    case = accept_on(service, pub, date(2026, 3, 2))  # Monday
    # promised: 3–6, 9–13, 16–20, 23 March; statutory: …, 3 April, (4–6 April 清明),
    # 7–30 April, (1–5 May 劳动节), 6, 7, 8 May
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 23), date(2026, 5, 8))
    while case.current_step != "inspect":
        case = advance(service, pub, case, at=at(date(2026, 3, 3)))
    reviewer = Actor("reviewer@county.slj")
    case = service.start_special(reviewer, case.number, at=at(date(2026, 3, 4)))
    assert case.state == "suspended"
    case = service.finish_special(reviewer, case.number, at=at(date(2026, 3, 11)))
    # suspended from Wednesday 4 to Wednesday 11 March: 5, 6, 9, 10, 11 March do not count.
    # promised: 3, 4, then 12, 13, 16–20, 23–27, 30 March;
    # statutory: five more after 8 May — Saturday 9 May (调休上班), 11, 12, 13, 14 May
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 30), date(2026, 5, 14))
    clock_json = json.loads(case.clock)
    for key in ("promised", "statutory"):
        susp = clock_json[key]["suspensions"][-1]
        assert (susp["start"], susp["end"]) == ("2026-03-04", "2026-03-11")


def test_an_extension_moves_both_deadlines(service: CaseService, catalog: dict[str, Any]) -> None:
    """Golden dates (promised 9, statutory 20 wd, extended by 5 across 清明 2026)."""
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 3, 2))
    # promised: 3–6, 9–13 March; statutory: 3–6, 9–13, 16–20, 23–27, 30 March
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 13), date(2026, 3, 30))
    chief = Actor("department_head@county.zfb")  # a disclosure request (条例第三十三条)
    case = service.extend(chief, case.number, days=5, reason="情况复杂", at=at(date(2026, 3, 5)))
    # promised + 5: 16–20 March; statutory + 5: 31 March, 1–3 April, (4–6 April 清明), 7 April
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 20), date(2026, 4, 7))
    case = service.extend(chief, case.number, days=2, reason="仍需核实", at=at(date(2026, 3, 6)))
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 24), date(2026, 4, 9))


def test_instant_items_have_no_clock(service: CaseService, catalog: dict[str, Any]) -> None:
    case = accept_on(service, catalog[INSTANT], date(2026, 12, 30))
    assert case.clock is None and case.due_promised is None and not case.due_provisional


def test_late_december_2026_is_provisional_until_2027_is_entered(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[NINE_DAYS]
    case = accept_on(service, pub, date(2026, 12, 24))
    firm = accept_on(service, catalog[THREE_DAYS], date(2026, 12, 1), seed=1)
    closed = accept_on(service, pub, date(2026, 12, 24), seed=2)
    while closed.open:
        closed = advance(service, pub, closed, at=at(date(2026, 12, 24)))
    assert closed.due_provisional  # closed with a provisional deadline: left alone
    assert case.due_provisional and case.due_promised is not None
    # weekends only: 25, 28, 29, 30, 31 December, 1, 4, 5, 6 January
    assert case.due_promised == date(2027, 1, 6)
    assert not firm.due_provisional
    # nothing to recompute while 2027 is unknown
    assert service.recompute_deadlines() == []
    # the administrator enters 2027: New Year's Day off, the year complete
    with transaction(sessions) as s:
        replace_year(
            s, TENANT, 2027, [DayEntry(date(2027, 1, 1), False, "元旦")], by="admin@county"
        )
    service.calendar_cache.clear()  # type: ignore[attr-defined]
    changed = service.recompute_deadlines(at=at(date(2026, 12, 28)))
    assert changed == [case.number]
    with sessions() as s:
        row = s.execute(select(Case).where(Case.number == case.number)).scalar_one()
        last = (
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == row.id).order_by(CaseEvent.seq.desc())
            )
            .scalars()
            .first()
        )
        assert verify_case(s, row) is None
    assert not row.due_provisional and row.due_promised == date(2027, 1, 7)
    assert last is not None and last.act == "recompute_deadline" and last.actor == "system"
    assert "2027-01-06" in (last.reason or "") and "2027-01-07" in (last.reason or "")
    # a second run finds nothing more to do
    assert service.recompute_deadlines() == []
