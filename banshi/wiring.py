"""Explicit wiring of the house from settings: one place builds the engine, the policy
store, the catalogue, the calendar and the case service (the CLI and create_app use it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from banshi.settings import Settings
from db.engine import make_engine, session_factory
from definitions.check import CheckContext
from definitions.compile import Compiler
from definitions.rules import RuleSettings
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from runtime.calendar_provider import CalendarProvider
from runtime.publishing import Catalog
from runtime.resolve import register_case_resolver
from runtime.service import CaseService, ServiceConfig


@dataclass
class House:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    policy: PolicyStore
    authorizer: Authorizer
    catalog: Catalog
    calendar: CalendarProvider
    cases: CaseService

    @property
    def writes_inline(self) -> bool:
        """Whether the web app runs a write act on the event loop rather than in a worker
        thread. On SQLite an act is local CPU work plus page-cache I/O, well under a
        millisecond of waiting, and SQLite admits one writer at a time anyway: handing it
        to a thread costs more than it saves (bench/web.py, submission: about 290 req/s in
        threads, 440 inline). On PostgreSQL each statement waits on the network, so the
        acts run in threads and overlap."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for a page or an API read, with the policy snapshot and the calendar
        taken first, so nothing inside needs a second pooled connection."""
        self.calendar()
        with self.policy.pinned(self.settings.tenant), self.sessions() as session:
            yield session


def build_house(settings: Settings, engine: Engine | None = None) -> House:
    engine = engine or make_engine(settings.database_url)
    sessions = session_factory(engine)
    policy = PolicyStore(sessions=sessions, poll_interval_ms=settings.policy_poll_ms)
    authorizer = Authorizer(policy, separation_of_duties=settings.separation_of_duties)
    catalog = Catalog(
        Compiler(),
        CheckContext(settings=RuleSettings(compression_ratio=settings.compression_ratio)),
    )
    calendar = CalendarProvider(sessions, settings.tenant)
    cases = CaseService(
        sessions, authorizer, catalog, calendar, ServiceConfig(tenant=settings.tenant)
    )
    register_case_resolver(catalog)
    return House(settings, engine, sessions, policy, authorizer, catalog, calendar, cases)
