"""The shared store's hot read on SQLite without the pool's round (issue #15).

Every request with a session cookie reads its session from ``kv_entry``, on the event loop
(SQLite is local; web/stores.py). Taking a pooled connection and giving it back for that
one statement (checkout, the reset's rollback, checkin) cost more than the statement: a
tenth of the form page's time. Here each event loop keeps one connection of the engine for
its reads, opened when first needed and given back when the loop is seen closed (a server
has one loop; a test client may start one per request) or the app shuts down. A SELECT on
SQLite opens no transaction that outlives it, so the kept connection sees every commit
and holds no snapshot between requests. A statement that fails drops the connection (the
next read opens another) and the failure goes on as SQLAlchemy's error."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine

from db.prepared import Prepared


def _close(conns: dict[asyncio.AbstractEventLoop, Connection]) -> None:
    for conn in conns.values():
        with suppress(Exception):  # a connection the database already dropped
            conn.close()
    conns.clear()


class HeldReader:
    """One-statement reads on one kept connection per event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._loops: dict[asyncio.AbstractEventLoop, Connection] = {}
        # whatever is still open when the reader goes (an app dropped without its shutdown)
        weakref.finalize(self, _close, self._loops)

    def first(self, statement: Prepared, args: dict[str, Any]) -> dict[str, Any] | None:
        """The first row of ``statement`` as typed values, or None."""
        loop = asyncio.get_running_loop()
        conn = self._loops.get(loop)
        if conn is None or conn.closed or conn.invalidated:
            self._forget_closed()
            conn = self._loops[loop] = self.engine.connect()
        try:
            return statement.first(conn, args)
        except Exception:
            self._loops.pop(loop, None)
            with suppress(Exception):
                conn.close()
            raise

    def _forget_closed(self) -> None:
        closed = {loop: self._loops.pop(loop) for loop in list(self._loops) if loop.is_closed()}
        _close(closed)

    def close(self) -> None:
        """Give back this event loop's connection (the app's shutdown)."""
        with suppress(RuntimeError):  # no running loop: nothing of this loop's to close
            conn = self._loops.pop(asyncio.get_running_loop(), None)
            if conn is not None:
                conn.close()
