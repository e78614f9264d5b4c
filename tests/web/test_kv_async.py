"""The session read on the event loop (web/kv_async.py): psycopg's asyncio connections
opened like the engine's own, and a connection the server dropped costs one read an
``OperationalError`` (the app's 503, tests/web/test_limits.py) and no more: the next read
opens a new one."""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from db.engine import driver_params
from web.kv_async import AsyncReader


def test_a_dropped_connection_fails_one_read_and_the_next_reconnects(engine: Engine) -> None:
    params = driver_params(engine)
    if engine.dialect.name != "postgresql":
        assert params is None  # SQLite reads on the loop through the engine itself
        pytest.skip("psycopg's connections are PostgreSQL's")
    assert params is not None
    reader = AsyncReader(params, size=1)

    async def reads() -> tuple[object, ...]:
        first = await reader.first("SELECT pg_backend_pid(), current_schema()", {})
        assert first is not None
        pid, schema = first
        with engine.begin() as c:  # the server ends that connection (a restart, say)
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(sa_exc.OperationalError):
            await reader.first("SELECT 1", {})
        again = await reader.first("SELECT pg_backend_pid(), current_schema()", {})
        assert again is not None and again[0] != pid
        await reader.close()
        return (schema, again[1])

    before, after = anyio.run(reads)
    # the engine's own start-up options (the tests' schema) hold on the loop's connections
    with engine.connect() as c:
        assert before == after == c.execute(text("SELECT current_schema()")).scalar()
