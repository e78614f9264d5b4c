"""Shared fixtures. Database tests run on SQLite and, when BANSHI_TEST_POSTGRES_URL is
set (``.ci/run`` sets it), on PostgreSQL too: ask for the ``engine`` fixture."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, session_factory
from db.migrate import upgrade
from db.models import load_all

T = TypeVar("T")
POSTGRES_URL = os.environ.get("BANSHI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@contextmanager
def throwaway_schema(
    prefix: str, prepare: Callable[[Engine], T] | None = None, revision: str | None = "head"
) -> Iterator[tuple[str, T | None]]:
    """A fresh PostgreSQL schema, migrated to ``revision`` (None: left empty) and optionally
    prepared, dropped afterwards."""
    assert POSTGRES_URL
    schema = f"{prefix}_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        if revision is not None:
            upgrade(engine, revision)
        prepared = prepare(engine) if prepare is not None else None
        engine.dispose()
        yield schema, prepared
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str]:
    """One migrated PostgreSQL schema per test worker; tables are emptied after each test."""
    with throwaway_schema("t") as (schema, _):
        yield schema


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "banshi.sqlite3"
        shutil.copy(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    schema: str = request.getfixturevalue("_postgres_schema")
    assert POSTGRES_URL
    eng = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        tables = [t.name for t in reversed(load_all().metadata.sorted_tables)]
        if tables:
            with eng.begin() as c:
                c.execute(
                    text(
                        "TRUNCATE "
                        + ", ".join(f'"{t}"' for t in tables)
                        + " RESTART IDENTITY CASCADE"
                    )
                )
        eng.dispose()


@pytest.fixture
def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
