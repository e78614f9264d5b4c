"""The warning rules on crafted cases at their exact boundaries: 80% of the promised time,
the due date (across National Day 2026 and its adjusted working Saturday), a step's own
budget, a special procedure's limit, a case left waiting, and a provisional deadline in a
year the calendar does not know (shown, never carded)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.service import Actor, Applicant, CaseService
from runtime.supervision.hook import _findings
from runtime.supervision.rules import Filters, Watched, warnings
from runtime.supervision.sweep import issue_rule_cards
from tests.runtime.conftest import TENANT, advance, sample_data

THREE_DAYS = "422822-ZJJ-XK-0001"  # promised 3 wd; review 1 wd
NINE_DAYS = "422822-ZFB-QT-0001"  # promised 9 wd; review 4 wd
SPECIAL = "422822-SLJ-XK-0001"  # review 3, expert review 10, site inspection 5 (not counted)
CLERK = Actor("window_clerk@county.hall")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def accept_on(service: CaseService, pub: Any, day: date, seed: int = 0) -> Any:
    case = service.submit(
        CLERK,
        pub.code,
        sample_data(pub, seed),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
        at=at(day),
    )
    return advance(service, pub, case, at=at(day))


def watched(
    service: CaseService, sessions: sessionmaker[Session], today: date, **kw: Any
) -> dict[str, Watched]:
    with sessions() as s:
        rows, _ = warnings(
            s.connection(),
            service.calendar(),
            TENANT,
            today,
            Filters(**kw),
            yellow_share=0.8,
            waiting_days=5,
            limit=500,
        )
    return {w.number: w for w in rows}


def kinds(found: dict[str, Watched], number: str) -> set[str]:
    w = found.get(number)
    return set() if w is None else {x.kind for x in w.warnings}


def test_yellow_at_80_percent_red_after_the_due_date(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    # accepted Monday 2 November 2026: working days 3, 4, 5, 6, 9, 10, 11, 12, 13 November
    case = accept_on(service, catalog[NINE_DAYS], date(2026, 11, 2))
    assert case.due_promised == date(2026, 11, 13)
    n = case.number
    # 7 of 9 working days used (78%): not yet; 8 of 9 (89% >= 80%): yellow
    assert "nearing" not in kinds(watched(service, sessions, date(2026, 11, 11)), n)
    assert kinds(watched(service, sessions, date(2026, 11, 12)), n) >= {"nearing"}
    # the due date itself and the weekend after it are on time; Monday 16th is overdue
    for day in (date(2026, 11, 13), date(2026, 11, 15)):
        found = watched(service, sessions, day)
        assert "overdue" not in kinds(found, n) and found[n].severity == "yellow"
    found = watched(service, sessions, date(2026, 11, 16))
    assert "overdue" in kinds(found, n) and found[n].severity == "red" and found[n].left == -1
    assert n in watched(service, sessions, date(2026, 11, 16), severity="red")
    assert n not in watched(service, sessions, date(2026, 11, 12), severity="red")


def test_across_national_day_and_the_adjusted_saturday(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    # accepted 30 September: 1–7 October are holidays, Saturday 10 October is worked
    case = accept_on(service, catalog[THREE_DAYS], date(2026, 9, 30))
    assert case.due_promised == date(2026, 10, 10)
    n = case.number
    assert "nearing" not in kinds(watched(service, sessions, date(2026, 10, 7)), n)
    assert "nearing" not in kinds(watched(service, sessions, date(2026, 10, 9)), n)  # 2 of 3
    assert "nearing" in kinds(watched(service, sessions, date(2026, 10, 10)), n)  # 3 of 3
    assert "overdue" not in kinds(watched(service, sessions, date(2026, 10, 11)), n)  # Sunday
    assert "overdue" in kinds(watched(service, sessions, date(2026, 10, 12)), n)


def test_a_step_past_its_own_budget_while_the_case_is_on_time(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = accept_on(service, catalog[NINE_DAYS], date(2026, 11, 2))
    assert case.current_step == "review" and case.step_due is not None
    n = case.number
    on_due = watched(service, sessions, case.step_due)
    assert "step" not in kinds(on_due, n)
    after = watched(service, sessions, case.step_due + timedelta(days=1))
    assert "step" in kinds(after, n)
    assert "overdue" not in kinds(after, n)  # the case as a whole is on time


def test_a_special_procedure_past_its_limit(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SPECIAL]
    case = accept_on(service, pub, date(2026, 11, 2))
    day = date(2026, 11, 3)
    while case.current_step != "inspect":
        case = advance(service, pub, case, at=at(day))
    reviewer = Actor(f"reviewer@{case.current_domain}")
    case = service.start_special(reviewer, case.number, at=at(day))
    assert case.state == "suspended" and case.step_due is not None
    n = case.number
    assert "special" not in kinds(watched(service, sessions, case.step_due), n)
    found = watched(service, sessions, case.step_due + timedelta(days=1))
    assert "special" in kinds(found, n) and "step" not in kinds(found, n)


def test_waiting_for_a_correction_past_the_setting(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[NINE_DAYS]
    case = service.submit(
        CLERK,
        pub.code,
        sample_data(pub),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
        at=at(date(2026, 11, 2)),
    )
    first = pub.definition.materials[0].key
    case = service.request_correction(
        CLERK, case.number, missing=[first], note="缺材料", at=at(date(2026, 11, 2))
    )
    n = case.number
    # 5 working days: 3, 4, 5, 6, 9 November
    assert "waiting" not in kinds(watched(service, sessions, date(2026, 11, 9)), n)
    assert "waiting" in kinds(watched(service, sessions, date(2026, 11, 10)), n)


def test_a_provisional_deadline_is_shown_as_such_and_never_carded(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    # the calendar knows 2025–2026 only: a case due in 2027 has a provisional deadline
    late = accept_on(service, catalog[NINE_DAYS], date(2026, 12, 28))
    firm = accept_on(service, catalog[NINE_DAYS], date(2026, 11, 2), seed=1)
    assert late.due_provisional and not firm.due_provisional
    today = date(2027, 2, 1)
    found = watched(service, sessions, today)
    assert all(w.provisional for w in found[late.number].warnings)
    assert not found[late.number].cardable
    with transaction(sessions) as s:
        issued = issue_rule_cards(
            s.connection(),
            service.calendar(),
            TENANT,
            today,
            at(today),
            yellow_share=0.8,
            waiting_days=5,
        )
    assert issued
    from runtime.supervision.cards import list_cards

    with sessions() as s:
        carded = {c.number for c in list_cards(s.connection(), TENANT)}
    assert firm.number in carded and late.number not in carded
    with transaction(sessions) as s:  # the rules card a case once per rule and colour
        again = issue_rule_cards(
            s.connection(),
            service.calendar(),
            TENANT,
            today,
            at(today),
            yellow_share=0.8,
            waiting_days=5,
        )
    assert again == []


def test_a_closed_case_leaves_the_watch_list(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[THREE_DAYS]
    case = accept_on(service, pub, date(2026, 9, 30))
    while case.open:
        case = advance(service, pub, case, at=at(date(2026, 10, 20)))
    assert case.number not in watched(service, sessions, date(2026, 10, 21))


def test_refusals_without_reasons_and_fees_without_basis_are_findings() -> None:
    assert _findings("refuse", {"state": "not_accepted"}, "  ", {}) == [
        ("refusal_without_reason", "不予受理")
    ]
    assert _findings("decide", {"decision": "denied"}, None, {}) == [
        ("refusal_without_reason", "不予许可")
    ]
    assert _findings("decide", {"decision": "denied"}, "不符合条件", {}) == []
    fees = {"a": {"name": "工本费", "basis": ""}, "b": {"name": "证书费", "basis": "某某规定"}}
    assert _findings("assess_fee", {}, None, fees) == [("fee_without_basis", "工本费")]
