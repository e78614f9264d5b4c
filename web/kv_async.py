"""The shared store's hot read on PostgreSQL without a worker thread (issue #15).

Every request with a session cookie reads its session from ``kv_entry``. On PostgreSQL
that read was handed to a worker thread: a hop out of the event loop and back to the end
of its queue, behind every request in flight. Here psycopg's own asyncio connections
(``psycopg.AsyncConnection``, autocommit: one round trip) make it on the loop. A few per
event loop, opened when first needed, with the engine's own parameters (database, user,
search path, county: ``db.engine.driver_params``); a connection that fails is dropped and
the failure is SQLAlchemy's ``OperationalError``, which the app answers with 503 like any
other database outage (web/faults.py).

Measured against the shared store in Redis, whose client was already on the loop: the
PostgreSQL form page went from 663 to 1025 requests/s with Redis; this module gives the
database store the same path (bench/formpage.py)."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import suppress
from typing import Any

import psycopg
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import ClauseElement

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def psycopg_sql(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """What :class:`AsyncReader` runs for a Core statement: its SQL in psycopg's
    ``%(name)s`` style, and the values the statement binds itself (a LIMIT), to be passed
    with the caller's."""
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled), {k: v for k, v in compiled.params.items() if v is not None}


class _LoopConnections:
    """The connections of one event loop (asyncio objects belong to their loop)."""

    def __init__(self, size: int) -> None:
        self.idle: list[psycopg.AsyncConnection[Any]] = []
        self.slots = asyncio.Semaphore(size)


def _finish(conns: _LoopConnections) -> None:
    """Close connections without their loop (it is closed or gone): libpq at once."""
    for conn in conns.idle:
        conn.pgconn.finish()
    conns.idle.clear()


def _finish_all(loops: dict[asyncio.AbstractEventLoop, _LoopConnections]) -> None:
    for conns in loops.values():
        _finish(conns)
    loops.clear()


class AsyncReader:
    """One-statement reads in autocommit on at most ``size`` connections per event loop."""

    def __init__(self, params: dict[str, Any], size: int = 4) -> None:
        self.params = params
        self.size = size
        # held until the loop is seen closed: a loop's connections are then closed here
        # (a server has one loop; a test client may start one per request)
        self._loops: dict[asyncio.AbstractEventLoop, _LoopConnections] = {}
        # whatever is still open when the reader goes (an app dropped without its shutdown)
        weakref.finalize(self, _finish_all, self._loops)

    def _mine(self) -> _LoopConnections:
        loop = asyncio.get_running_loop()
        conns = self._loops.get(loop)
        if conns is None:
            self._forget_closed()
            conns = self._loops[loop] = _LoopConnections(self.size)
        return conns

    def _forget_closed(self) -> None:
        for loop in [loop for loop in self._loops if loop.is_closed()]:
            _finish(self._loops.pop(loop))

    async def first(self, sql: str, args: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of ``sql`` (``%(name)s`` parameters), or None."""
        rows = await self._fetch(sql, args, every=False)
        return rows[0] if rows else None

    async def all(self, sql: str, args: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of ``sql``."""
        return await self._fetch(sql, args, every=True)

    async def _fetch(self, sql: str, args: dict[str, Any], *, every: bool) -> list[tuple[Any, ...]]:
        conns = self._mine()
        async with conns.slots:
            conn = conns.idle.pop() if conns.idle else None
            try:
                if conn is None or conn.closed:
                    conn = await psycopg.AsyncConnection.connect(**self.params, autocommit=True)
                cursor = await conn.execute(sql, args)
                if every:
                    rows = await cursor.fetchall()
                else:
                    row = await cursor.fetchone()
                    rows = [] if row is None else [row]
            except (psycopg.OperationalError, psycopg.InterfaceError) as failure:
                if conn is not None:
                    with suppress(psycopg.Error):
                        await conn.close()
                raise sa_exc.OperationalError(sql, args, failure) from failure
            conns.idle.append(conn)
            return rows

    async def close(self) -> None:
        """Close this event loop's connections (the app's shutdown)."""
        conns = self._loops.pop(asyncio.get_running_loop(), None)
        for conn in conns.idle if conns else ():
            with suppress(psycopg.Error):
                await conn.close()
