"""Shared set-up for the case benchmarks (bench/lifecycle.py, bench/worklist.py).

A fresh, migrated SQLite file in WAL mode (db/engine.py pragmas) in a temporary folder,
with the demo organisation and the 2025–2026 calendar loaded, and the case service wired
the way banshi/wiring.py wires it for the web app and the CLI.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from definitions.loading import load_path
from definitions.models import ItemDefinition
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore
from runtime.calendar_provider import CalendarProvider
from runtime.calendar_store import seed_from_chinesecalendar
from runtime.publishing import Catalog, Published
from runtime.service import CaseService, ServiceConfig

TENANT = "422822"
REPO = Path(__file__).resolve().parent.parent
DEMO_ORG = REPO / "rbac" / "demo_org.toml"
CATALOG = REPO / "definitions" / "catalog"
PUBLISHER = "admin@county"


def catalogue_item(code: str) -> ItemDefinition:
    loaded = load_path(CATALOG / f"{code}.json")
    if loaded.definition is None:  # pragma: no cover - the shipped catalogue is checked
        raise RuntimeError(f"{code}: {loaded.problems}")
    return loaded.definition


@dataclass
class Db:
    engine: Engine
    sessions: sessionmaker[Session]
    path: Path


@contextmanager
def fresh_sqlite(name: str = "bench.sqlite3") -> Iterator[Db]:
    """A migrated SQLite file (WAL, synchronous=NORMAL, foreign keys on) that is deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="banshi-bench-") as folder:
        path = Path(folder) / name
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
            yield Db(engine, session_factory(engine), path)
        finally:
            engine.dispose()


def load_demo_org(db: Db) -> None:
    with transaction(db.sessions) as s:
        load_org_file(s, DEMO_ORG, TENANT, demo=True, hasher=CHEAP_HASHER)
        seed_from_chinesecalendar(s, TENANT, [2025, 2026])


class FixedNow:
    """A settable clock: acts run over simulated dates inside the seeded calendar years."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def case_service(db: Db, now: FixedNow | None = None) -> CaseService:
    """The service as banshi/wiring.py builds it (policy store polling the version row,
    calendar provider with its refresh), with a fixed clock."""
    policy = PolicyStore(sessions=db.sessions)
    return CaseService(
        db.sessions,
        Authorizer(policy),
        Catalog(),
        CalendarProvider(db.sessions, TENANT),
        ServiceConfig(tenant=TENANT),
        now=now or FixedNow(datetime(2026, 5, 6, 2, 0, tzinfo=UTC)),
    )


def publish(db: Db, service: CaseService, definition: ItemDefinition) -> Published:
    with transaction(db.sessions) as s:
        return service.catalog.publish(s, TENANT, definition, PUBLISHER)
