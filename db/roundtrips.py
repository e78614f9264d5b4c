"""Counting round trips to the database: what a request or an act costs on the wire.

A regression guard and a bench helper, not a profiler. On PostgreSQL (psycopg 3, not in
pipeline mode) every statement is one round trip, and so are the ``BEGIN`` psycopg sends
before the first statement of a transaction, the ``COMMIT`` and a pool pre-ping. The
counter sees all of them at the driver: each pooled connection checked out while it is
active gets a counting cursor class (``cursor_factory``), so statements run through
``db.prepared.Prepared`` (which bypass SQLAlchemy's execution events) are counted too,
and the engine's ``commit``/``rollback`` events add the transaction's end when one was
open. On SQLite there is no wire: the count is of the statements SQLite ran (its own
trace callback, which sees ``BEGIN`` and ``COMMIT`` as well), for comparison only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event


@dataclass
class RoundTrips:
    """What went to the database while counting: one entry per round trip, in order."""

    sent: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sent)

    def statements(self) -> list[str]:
        """The round trips other than the transaction's own BEGIN / COMMIT / ROLLBACK."""
        words = ("BEGIN", "COMMIT", "ROLLBACK")
        return [s for s in self.sent if s.split(None, 1)[0].upper() not in words]


def _psycopg_counting(counter: RoundTrips, base: type[Any]) -> type[Any]:
    import psycopg

    idle = psycopg.pq.TransactionStatus.IDLE

    class Counting(base):  # type: ignore[misc]
        def _note(self, query: Any) -> None:
            conn = self.connection
            if not conn.autocommit and conn.info.transaction_status == idle:
                counter.sent.append("BEGIN")
            counter.sent.append(" ".join(str(query).split())[:200])

        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            self._note(query)
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            self._note(query)  # psycopg 3 pipelines an executemany: one round trip
            return super().executemany(query, *args, **kwargs)

    return Counting


@contextmanager
def counting(engine: Engine) -> Iterator[RoundTrips]:
    """Count the round trips of every connection of ``engine`` checked out meanwhile."""
    counter = RoundTrips()
    pg = engine.dialect.name == "postgresql"
    saved: dict[int, Any] = {}

    def on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if engine.pool._pre_ping:  # the ping ran just before this event: one round trip
            counter.sent.append("SELECT 1 (pre-ping)")
        if pg:
            saved[id(dbapi_conn)] = dbapi_conn.cursor_factory
            dbapi_conn.cursor_factory = _psycopg_counting(counter, dbapi_conn.cursor_factory)
        else:
            dbapi_conn.set_trace_callback(lambda sql: counter.sent.append(" ".join(sql.split())))

    def on_checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is None:
            return
        if pg:
            dbapi_conn.cursor_factory = saved.pop(id(dbapi_conn), dbapi_conn.cursor_factory)
        else:
            dbapi_conn.set_trace_callback(None)

    def on_end(word: str) -> Any:
        def listener(conn: Connection) -> None:
            if not pg:
                return  # SQLite's trace callback saw it
            import psycopg

            raw = conn.connection.dbapi_connection
            if raw is not None and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                counter.sent.append(word)

        return listener

    on_commit, on_rollback = on_end("COMMIT"), on_end("ROLLBACK")
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield counter
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)
