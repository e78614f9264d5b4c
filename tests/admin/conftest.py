"""Administration's tests use the web app loaded like ``banshi demo load`` (tests/web's
fixtures: organisation, calendar, the shipped catalogue), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.web.conftest import (  # noqa: F401 (fixtures)
    ADMIN_TABLES,
    CASE_TABLES,
    _web_postgres,
    _web_sqlite,
    anon,
    app,
    engine,
    house,
    login,
)


@pytest.fixture(autouse=True)
def _admin_tables_emptied(request: pytest.FixtureRequest) -> Iterator[None]:
    """On PostgreSQL the web tests share one prepared schema: administration's own rows go
    after each test (tests/web/conftest.py empties the case tables and new versions)."""
    eng: Engine | None = (
        request.getfixturevalue("engine") if "engine" in request.fixturenames else None
    )
    yield
    if eng is None or eng.dialect.name != "postgresql":
        return
    with eng.begin() as c:
        c.execute(text("TRUNCATE " + ", ".join(ADMIN_TABLES)))
        # new versions of shipped items (tests/web's clean-up keeps every shipped code)
        c.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in CASE_TABLES) + " CASCADE"))
        c.execute(text("DELETE FROM item_version WHERE version > 1"))
        c.execute(text("DELETE FROM calendar_days WHERE updated_by LIKE 'admin@%'"))
        c.execute(text("DELETE FROM calendar_years WHERE completed_by LIKE 'admin@%'"))
