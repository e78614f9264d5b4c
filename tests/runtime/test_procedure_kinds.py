"""Special procedures as plugins, through the case engine: a county's own kind (民主评议)
registered in its own registry runs like a built-in and the applicant's SMS carries its
wording; a kind measured in calendar days (自然日) has its own limit in calendar days, over
the National Day holiday too. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.compile import Compiler
from definitions.plugins import Plugins
from definitions.problems import DefinitionError
from definitions.procedures import (
    DayUnit,
    ProcedureKind,
    ProcedureRegistry,
    register_builtin_procedures,
)
from definitions.stepkinds import StepKindPlugin, StepKindRegistry, register_builtin_step_kinds
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar
from runtime.case_tables import Case, CaseEvent, ItemVersion, OutboxMessage
from runtime.publishing import Catalog
from runtime.service import Actor, Applicant, CaseService, ServiceConfig
from tests.runtime.conftest import FOOD, TENANT, FixedNow

CLERK = Actor("window_clerk@county.hall")
REVIEWER = Actor("reviewer@county.scjg")
GOOD = {
    "operator_name": "建始县好味道餐饮店",
    "uscc": "91422822MA4F0XJ025",
    "legal_person_id": "42282219900101001X",
    "mobile": "13972800001",
    "cold_chain": False,
    "staff": [{"name": "张三", "health_cert_no": "JK2026-001"}],
}
DEMOCRATIC_REVIEW = ProcedureKind(
    "democratic_review",
    "民主评议",
    counts=False,
    days=5,
    unit=DayUnit.WORKING,
    basis="《湖北省最低生活保障实施办法》（村民委员会组织民主评议）",
)


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def make_service(
    sessions: sessionmaker[Session], clock: FixedNow, compiler: Compiler
) -> CaseService:
    cache: dict[str, WorkCalendar] = {}

    def calendar() -> WorkCalendar:
        if "c" not in cache:
            with sessions() as s:
                cache["c"] = load_calendar(s, TENANT)
        return cache["c"]

    return CaseService(
        sessions,
        Authorizer(PolicyStore(sessions=sessions, poll_interval_ms=0)),
        Catalog(compiler),
        calendar,
        ServiceConfig(tenant=TENANT),
        now=clock,
    )


def food_with(step: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(FOOD.read_text(encoding="utf-8"))
    raw["steps"][1] = {
        "key": "inspect",
        "kind": "special",
        "at": "owner",
        "role": "reviewer",
        **step,
    }
    return raw


def at_special(service: CaseService, sessions: sessionmaker[Session], raw: dict[str, Any]) -> str:
    definition = service.catalog.compiler.validate(raw)
    with transaction(sessions) as s:
        service.catalog.publish(s, TENANT, definition, "admin@county")
    case = service.submit(
        CLERK,
        raw["code"],
        GOOD,
        accepting_domain="county.hall",
        applicant=Applicant("建始县好味道餐饮店", "13972800001"),
    )
    case = service.accept(
        CLERK, case.number, received=[{"key": "layout_plan", "name": "平面图.pdf"}]
    )
    assert case.current_step == "inspect"
    return case.number


def sms(sessions: sessionmaker[Session], number: str, template: str) -> str:
    with sessions() as s:
        case_id = s.execute(select(Case.id).where(Case.number == number)).scalar_one()
        return s.execute(
            select(OutboxMessage.body).where(
                OutboxMessage.case_id == case_id, OutboxMessage.template == template
            )
        ).scalar_one()


def test_a_countys_own_kind_runs_and_the_applicant_reads_its_wording(
    org: None, sessions: sessionmaker[Session], clock: FixedNow
) -> None:
    procedures = ProcedureRegistry()
    register_builtin_procedures(procedures)
    procedures.register(DEMOCRATIC_REVIEW)
    service = make_service(sessions, clock, Compiler(Plugins(procedures=procedures)))
    raw = food_with({"procedure": "democratic_review", "days": 5})
    number = at_special(service, sessions, raw)
    case = service.start_special(REVIEWER, number, note="村民代表会议")
    assert case.state == "suspended"  # 民主评议 does not count, as the county registered it
    body = sms(sessions, number, "special_started")
    assert "因民主评议需要，暂停计算办理时限 5 个工作日" in body
    with sessions() as s:
        reasons = (
            s.execute(select(CaseEvent.reason).where(CaseEvent.act == "start_special"))
            .scalars()
            .all()
        )
    assert any("民主评议" in (r or "") and "村民代表会议" in (r or "") for r in reasons)
    case = service.finish_special(REVIEWER, number, result="评议通过")
    assert case.state == "in_progress" and case.current_step == "review"


def test_the_default_registry_refuses_the_countys_kind_with_a_pointer(
    org: None, sessions: sessionmaker[Session], clock: FixedNow
) -> None:
    procedures = ProcedureRegistry()
    register_builtin_procedures(procedures)
    procedures.register(DEMOCRATIC_REVIEW)
    definition = Compiler(Plugins(procedures=procedures)).validate(
        food_with({"procedure": "democratic_review", "days": 5})
    )
    service = make_service(sessions, clock, Compiler())
    with transaction(sessions) as s, pytest.raises(DefinitionError) as refused:
        service.catalog.publish(s, TENANT, definition, "admin@county")
    [problem] = refused.value.problems
    assert problem.pointer == "/steps/1/procedure" and "democratic_review" in problem.message


@pytest.mark.parametrize(
    ("unit", "due", "wording"),
    [
        # 7 calendar days from 30 September: the holiday counts, it ends on 7 October
        ("calendar", date(2026, 10, 7), "因公示需要，暂停计算办理时限 7 个自然日"),
        # 7 working days: 1–7 October skipped, Saturday 10 October worked
        ("working", date(2026, 10, 15), "因公示需要，暂停计算办理时限 7 个工作日"),
    ],
)
def test_a_calendar_day_publicity_over_national_day_ends_seven_days_later(
    org: None,
    sessions: sessionmaker[Session],
    clock: FixedNow,
    unit: str,
    due: date,
    wording: str,
) -> None:
    service = make_service(sessions, clock, Compiler())
    number = at_special(
        service, sessions, food_with({"procedure": "public_notice", "days": 7, "unit": unit})
    )
    case = service.start_special(REVIEWER, number)
    assert case.step_due == due
    assert wording in sms(sessions, number, "special_started")


@pytest.mark.parametrize(
    ("finished", "due_promised"),
    [
        # the publicity ends inside the holiday: no working day was suspended
        (date(2026, 10, 7), date(2026, 10, 15)),
        # finished two working days after it (8 and 9 October): the promise moves by two
        (date(2026, 10, 9), date(2026, 10, 19)),
    ],
)
def test_a_calendar_day_publicity_stops_the_case_clock_for_the_working_days_it_spans(
    org: None,
    sessions: sessionmaker[Session],
    clock: FixedNow,
    finished: date,
    due_promised: date,
) -> None:
    service = make_service(sessions, clock, Compiler())
    raw = food_with({"procedure": "public_notice", "days": 7, "unit": "calendar"})
    number = at_special(service, sessions, raw)
    before = service.start_special(REVIEWER, number)
    assert before.state == "suspended" and before.due_promised == date(2026, 10, 15)
    clock.moment = datetime(finished.year, finished.month, finished.day, 2, 0, tzinfo=UTC)
    case = service.finish_special(REVIEWER, number, result="公示期满无异议")
    assert case.state == "in_progress" and case.due_promised == due_promised


def test_a_steps_own_budget_in_calendar_days(
    org: None, sessions: sessionmaker[Session], clock: FixedNow
) -> None:
    """Not only special procedures: a review budgeted in calendar days is due that many
    days later, holidays counted (the step-overrun card reads this date)."""
    service = make_service(sessions, clock, Compiler())
    raw = food_with({"procedure": "site_inspection", "days": 1})
    raw["steps"][2] = {
        "key": "review",
        "kind": "review",
        "at": "owner",
        "role": "reviewer",
        "days": 3,
        "unit": "calendar",
    }
    number = at_special(service, sessions, raw)
    service.start_special(REVIEWER, number)
    case = service.finish_special(REVIEWER, number, result="现场符合要求")
    assert case.current_step == "review" and case.step_due == date(2026, 10, 3)


def test_a_countys_own_step_kind_is_worked_like_the_built_in_it_names(
    org: None, sessions: sessionmaker[Session], clock: FixedNow
) -> None:
    kinds = StepKindRegistry()
    register_builtin_step_kinds(kinds)
    kinds.register(
        StepKindPlugin("village_review", "村（居）民委员会评议", "review", like="review")
    )
    service = make_service(sessions, clock, Compiler(Plugins(step_kinds=kinds)))
    raw = food_with({"procedure": "site_inspection", "days": 1})
    raw["steps"][2]["kind"] = "village_review"
    number = at_special(service, sessions, raw)
    service.start_special(REVIEWER, number)
    case = service.finish_special(REVIEWER, number)
    assert case.current_step == "review"
    case = service.review(REVIEWER, number, opinion="村委会评议通过")
    assert case.current_step == "decide"
    with sessions() as s:
        stored = s.execute(select(ItemVersion.canonical).where(ItemVersion.code == raw["code"]))
        assert '"kind":"village_review"' in stored.scalar_one().replace(" ", "")


def test_boundaries_of_calendar_days() -> None:
    from runtime.clock import calendar_due

    assert calendar_due(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert calendar_due(date(2026, 9, 30), 1) == date(2026, 10, 1)  # a holiday is a day
    assert calendar_due(date(2026, 12, 31), 7) == date(2027, 1, 7)  # a year the calendar lacks
    assert calendar_due(date(2028, 2, 28), 1) == date(2028, 2, 29)
