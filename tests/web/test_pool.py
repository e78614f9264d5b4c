"""The connection pool against the worker threads (issue #15): every thread that runs an
act keeps a connection, so a busy process never opens one. Before, anyio's 40 threads met
SQLAlchemy's pool of 5: under load about one submission in four opened a PostgreSQL
connection (a server process started) and closed it again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Engine, event

from db.engine import make_engine
from house.settings import Settings, SettingsError, load_settings
from house.wiring import build_house, pool_of
from runtime.service import Actor, Applicant
from tests.conftest import POSTGRES_URL
from tests.web.demo_site import FOOD, SECRET, food_data
from web.app import thread_limit

CLERK = Actor("window_clerk@township.yezhou")
MATERIALS = [{"key": "layout_plan", "name": "layout_plan"}, {"key": "safety_rules", "name": "x"}]


def test_fewer_kept_connections_than_worker_threads_is_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(demo_mode=True, worker_threads=12, db_pool_size=8)
    assert "BANSHI_DB_POOL_SIZE" in str(caught.value)
    assert "BANSHI_WORKER_THREADS (12)" in str(caught.value)


def test_a_server_database_keeps_the_configured_pool_and_sqlite_its_own() -> None:
    server = Settings(
        database_url="postgresql+psycopg://u@db.example/banshi",
        worker_threads=6,
        db_pool_size=9,
        db_max_overflow=3,
    )
    assert pool_of(server) == {"pool_size": 9, "max_overflow": 3}
    assert pool_of(Settings(database_url="sqlite:///x.sqlite3")) == {}


def test_the_web_process_runs_as_many_worker_threads_as_set() -> None:
    async def limit_after_start_up() -> float:
        thread_limit(7)()
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(limit_after_start_up) == 7


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (BANSHI_TEST_POSTGRES_URL)")
def test_busy_worker_threads_never_open_a_connection(
    engine: Engine, request: pytest.FixtureRequest
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the pool of a server database")
    schema, _ = request.getfixturevalue("_web_postgres")
    assert POSTGRES_URL
    settings = Settings(
        database_url=POSTGRES_URL, demo_mode=True, secret_key=SECRET, worker_threads=6
    )
    pooled = make_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, **pool_of(settings)
    )
    house = build_house(settings, pooled)
    opened: list[Any] = []
    event.listen(pooled, "connect", lambda *_: opened.append(1))

    def file(_: int) -> str:
        case = house.cases.submit(
            CLERK,
            FOOD,
            food_data(),
            accepting_domain="township.yezhou",
            applicant=Applicant("向明", "13907180001"),
            materials=MATERIALS,
            accept=True,
        )
        return case.number

    try:
        with ThreadPoolExecutor(settings.worker_threads) as threads:
            list(threads.map(file, range(settings.worker_threads * 2)))  # the pool fills
            warmed = len(opened)
            numbers = list(threads.map(file, range(settings.worker_threads * 10)))
        assert len(set(numbers)) == settings.worker_threads * 10
        assert warmed <= settings.db_pool_size
        assert len(opened) == warmed, "a busy thread opened a connection"
    finally:
        pooled.dispose()
