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
