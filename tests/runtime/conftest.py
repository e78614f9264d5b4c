"""Fixtures for the case engine: the demo organisation, the 2025–2026 calendar and a
published item, on the ``engine`` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.models import ItemDefinition
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.publishing import Catalog
from runtime.service import CaseService, ServiceConfig

TENANT = "422822"
ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = ROOT / "rbac" / "demo_org.toml"
FOOD = Path(__file__).parent / "food_license.json"


def food_definition(**changes: Any) -> ItemDefinition:
    raw = json.loads(FOOD.read_text(encoding="utf-8"))
    raw.update(changes)
    return ItemDefinition.model_validate(raw)


class FixedNow:
    """A settable clock for acts (the demo and tests act over simulated dates)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        load_org_file(s, DEMO_ORG, TENANT, demo=True, hasher=CHEAP_HASHER)
        seed_from_chinesecalendar(s, TENANT, [2025, 2026])


@pytest.fixture
def clock() -> FixedNow:
    return FixedNow(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))  # 10:00 in Jianshi


@pytest.fixture
def service(org: None, sessions: sessionmaker[Session], clock: FixedNow) -> CaseService:
    store = PolicyStore(sessions=sessions, poll_interval_ms=0)
    calendar_cache: dict[str, WorkCalendar] = {}

    def calendar() -> WorkCalendar:
        if "c" not in calendar_cache:
            with sessions() as s:
                calendar_cache["c"] = load_calendar(s, TENANT)
        return calendar_cache["c"]

    svc = CaseService(
        sessions,
        Authorizer(store),
        Catalog(),
        calendar,
        ServiceConfig(tenant=TENANT),
        now=clock,
    )
    svc.calendar_cache = calendar_cache  # type: ignore[attr-defined]
    return svc


@pytest.fixture
def publish(
    service: CaseService, sessions: sessionmaker[Session]
) -> Callable[[ItemDefinition], str]:
    def do(definition: ItemDefinition) -> str:
        with transaction(sessions) as s:
            return service.catalog.publish(s, TENANT, definition, "admin@county").code

    return do


@pytest.fixture
def engine_name(engine: Engine) -> str:
    return engine.dialect.name


# ---------------------------------------------------------------------------------------
# Prepared databases (appended for test_acts_* / test_state_machine / test_concurrency /
# test_outbox / test_audit / test_deadlines): the demo organisation and the 2025–2026
# calendar are loaded once per backend and test session, not once per test. A module opts
# in by overriding ``engine`` with ``prepared_engine`` and ``org`` with a no-op.

from tests.conftest import BACKENDS as _BACKENDS  # noqa: E402

CASE_TABLES = (
    "audit_pending",
    "audit_log_entry",
    "audit_checkpoint",
    "outbox",
    "sent_message",
    "case_fee",
    "case_material",
    "case_event",
    "case",
    "item_version",
    "counter",
    "stored_file",
)


def _load_org_and_calendar(engine: Engine) -> None:
    from db.engine import session_factory

    with transaction(session_factory(engine)) as s:
        load_org_file(s, DEMO_ORG, TENANT, demo=True, hasher=CHEAP_HASHER)
        seed_from_chinesecalendar(s, TENANT, [2025, 2026])


@pytest.fixture(scope="session")
def _prepared_sqlite(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from db.engine import make_engine

    path = tmp_path_factory.mktemp("prepared") / "prepared.sqlite3"
    shutil.copy(_sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    _load_org_and_calendar(eng)
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def _prepared_postgres() -> Any:
    import os

    from tests.conftest import throwaway_schema

    with throwaway_schema("rt", _load_org_and_calendar) as (schema, _):
        yield os.environ["BANSHI_TEST_POSTGRES_URL"], schema


@pytest.fixture(params=_BACKENDS)
def prepared_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A migrated database with the demo organisation and the 2025–2026 calendar, no cases.

    PostgreSQL runs only when BANSHI_TEST_POSTGRES_URL is set; after each test the case
    tables are emptied and any calendar year other than 2025–2026 is removed."""
    import shutil

    from sqlalchemy import text

    from db.engine import make_engine

    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_prepared_sqlite")
        path = tmp_path / "banshi.sqlite3"
        shutil.copy(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    url, schema = request.getfixturevalue("_prepared_postgres")
    eng = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        with eng.begin() as c:
            c.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in CASE_TABLES)
                    + " RESTART IDENTITY CASCADE"
                )
            )
            c.execute(
                text("DELETE FROM calendar_days WHERE day < '2025-01-01' OR day > '2026-12-31'")
            )
            c.execute(text("DELETE FROM calendar_years WHERE year NOT IN (2025, 2026)"))
        eng.dispose()


# -- the shipped catalogue and a driver that moves a case through its steps -------------

CATALOG_DIR = ROOT / "definitions" / "catalog"


def catalog_definitions() -> dict[str, ItemDefinition]:
    return {
        p.stem: ItemDefinition.model_validate_json(p.read_text(encoding="utf-8"))
        for p in sorted(CATALOG_DIR.glob("*.json"))
    }


@pytest.fixture
def catalog(service: CaseService, sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Every shipped item published; code -> Published."""
    out = {}
    with transaction(sessions) as s:
        for code, definition in catalog_definitions().items():
            out[code] = service.catalog.publish(s, TENANT, definition, "admin@county")
    return out


def sample_data(pub: Any, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    """Valid application data for a published item (the first valid sample of a seeded rng)."""
    import random

    from definitions.samples import sample_application

    rng = random.Random(seed)
    for _ in range(50):
        data = sample_application(pub.definition, rng) | overrides
        if not pub.compiled.evaluate(data).errors:
            return data
    raise AssertionError(f"no valid sample for {pub.code}")


def required_materials(pub: Any, data: Any) -> list[dict[str, str]]:
    """The materials the applicant must hand in for ``data`` (all of them, at once)."""
    needs = pub.compiled.evaluate(data).materials
    return [
        {"key": n.material.key, "name": f"{n.material.name}.pdf"}
        for n in needs
        if n.required and not n.exempt
    ]


def right_actor(case: Any, step: Any) -> str:
    """The demo user who performs the act that finishes ``step`` of ``case``."""
    from definitions.models import StepKind

    where = case.current_domain or case.accepting_domain
    if step.kind in (StepKind.ACCEPT, StepKind.FORWARD, StepKind.COMPLETE, StepKind.DELIVER):
        return f"window_clerk@{case.accepting_domain}"
    if step.kind in (StepKind.DECIDE, StepKind.COUNTERSIGN):
        return f"chief_representative@{where}"
    return f"reviewer@{where}"


def step_of(pub: Any, case: Any) -> Any:
    return next(s for s in pub.definition.steps if s.key == case.current_step)


def advance(service: CaseService, pub: Any, case: Any, **kw: Any) -> Any:
    """Perform the act that finishes the current step with the right person (paying any fee
    the step waits for first; special procedures are started and finished)."""
    from definitions.models import StepKind
    from runtime.service import Actor

    step = step_of(pub, case)
    number = case.number
    who = Actor(right_actor(case, step))
    clerk = Actor(f"window_clerk@{case.accepting_domain}")
    if step.requires_payment and pub.compiled.fees_for(json.loads(case.data)):
        if case.fee_total == "0.00" and case.fee_paid:
            # a fee assessed at this step is priced on the quantity found here (45 units)
            found = {
                f.key: "45"
                for f in pub.definition.fees
                if f.assessed_at is not None and f.assessed_at.step == step.key
            }
            case = service.assess_fee(clerk, number, quantities=found, **kw)
        if not case.fee_paid:
            case = service.record_payment(clerk, number, payment_ref="JF000001", **kw)
    kind = step.kind
    if kind is StepKind.ACCEPT:
        return service.accept(
            who, number, received=required_materials(pub, json.loads(case.data)), **kw
        )
    if kind is StepKind.REVIEW:
        return service.review(who, number, opinion="符合法定条件", **kw)
    if kind is StepKind.SPECIAL:
        if not case.special_running:
            case = service.start_special(who, number, **kw)
        return service.finish_special(who, number, result="符合要求", **kw)
    if kind is StepKind.DECIDE:
        return service.decide(who, number, approve=True, **kw)
    if kind is StepKind.COUNTERSIGN:
        return service.countersign(who, number, agree=True, opinion="同意", **kw)
    if kind is StepKind.FORWARD:
        return service.forward(who, number, **kw)
    if kind is StepKind.COMPLETE:
        return service.complete(who, number, **kw)
    return service.deliver(who, number, **kw)
