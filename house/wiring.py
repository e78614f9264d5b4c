"""Explicit wiring of the house from settings: one place builds the engine, the policy
store, the catalogue, the calendar, the case service and the permission targets' resolvers.
Every command and ``create_app`` build their house here; nothing is built at import time and
nothing global is changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import is_sqlite, make_engine, session_factory
from db.rls import connect_args
from definitions.check import CheckContext
from definitions.compile import Compiler
from definitions.rules import RuleSettings
from house.settings import Settings
from rbac.explain import Resolver, resolve_target
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from rbac.targets import Target
from runtime.calendar_provider import CalendarProvider
from runtime.numbers import number_blocks
from runtime.publishing import Catalog
from runtime.resolve import case_resolver, item_resolver
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
    #: ``prefix -> resolver`` for textual targets (``item:CODE``, ``case:NUMBER``)
    resolvers: Mapping[str, Resolver]

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

    def resolve_target(self, session: Session, text: str) -> Target:
        """A textual target (a domain, ``item:CODE`` or ``case:NUMBER``) as stored."""
        return resolve_target(session, self.settings.tenant, text, self.resolvers)


def pool_of(settings: Settings) -> dict[str, int]:
    """The connection pool's size for a server database (SQLite's file connections are
    SQLAlchemy's own affair): a kept connection for every worker thread, so a thread never
    opens (and closes) a connection for one act under load (tests/web/test_pool.py)."""
    if is_sqlite(settings.database_url):
        return {}
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}


def build_house(settings: Settings, engine: Engine | None = None) -> House:
    """The house for ``settings`` (on ``engine`` when given: tests share one). On
    PostgreSQL every connection of the house's engine works for ``settings.tenant``: the
    row-level security of migration 0015 admits that county's rows only (db/rls.py)."""
    if engine is None:
        url = settings.database_url
        engine = make_engine(
            url, connect_args=connect_args(url, settings.tenant), **pool_of(settings)
        )
    number_blocks(engine, settings.case_number_block)
    sessions = session_factory(engine)
    policy = PolicyStore(sessions=sessions, poll_interval_ms=settings.policy_poll_ms)
    authorizer = Authorizer(policy, separation_of_duties=settings.separation_of_duties)
    catalog = Catalog(
        Compiler(),
        CheckContext(
            settings=RuleSettings(compression_ratio=settings.compression_ratio),
            max_group_depth=settings.max_group_depth,
        ),
        org_names=True,
    )
    calendar = CalendarProvider(
        sessions, settings.tenant, poll_seconds=settings.calendar_poll_seconds
    )
    cases = CaseService(
        sessions,
        authorizer,
        catalog,
        calendar,
        # SMS link to the public query at the house's public address
        ServiceConfig(tenant=settings.tenant, query_url=f"{settings.public_url.rstrip('/')}/query"),
    )
    resolvers = {"item": item_resolver(catalog), "case": case_resolver(catalog)}
    return House(
        settings, engine, sessions, policy, authorizer, catalog, calendar, cases, resolvers
    )
