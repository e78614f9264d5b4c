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

In psycopg's pipeline mode (the deferred writes of db/prepared.py) the statements of one
pipeline share a round trip: the first is counted, the others are listed with a leading
``"+ "`` and not counted; a COMMIT sent in a pipeline rides along too, and the sync that
ends that pipeline afterwards is one more round trip (``"SYNC (pipeline end)"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event

#: The mark of a statement that shares the round trip of the one before it (a pipeline).
RIDES = "+ "


@dataclass
class RoundTrips:
    """What went to the database while counting: one entry per round trip, in order."""

    sent: list[str] = field(default_factory=list)
    #: The psycopg pipeline the last statement went in (its followers ride along).
    pipeline: Any = None

    @property
    def count(self) -> int:
        return sum(1 for s in self.sent if not s.startswith(RIDES))

    def statements(self) -> list[str]:
        """Every statement sent (pipelined ones included), without the transaction's own
        BEGIN / COMMIT / ROLLBACK and the pipeline's sync."""
        words = ("BEGIN", "COMMIT", "ROLLBACK", "SYNC")
        out = [s.removeprefix(RIDES) for s in self.sent]
        return [s for s in out if s.split(None, 1)[0].upper() not in words]

    def note(self, text: str, pipeline: Any) -> None:
        """One statement; in a pipeline only the first one costs a round trip."""
        if pipeline is not None and pipeline is self.pipeline:
            self.sent.append(RIDES + text)
            return
        self.pipeline = pipeline
        self.sent.append(text)


def _psycopg_counting(counter: RoundTrips, base: type[Any]) -> type[Any]:
    import psycopg

    idle = psycopg.pq.TransactionStatus.IDLE

    class Counting(base):  # type: ignore[misc]
        def _note(self, query: Any) -> None:
            conn = self.connection
            pipeline = getattr(conn, "_pipeline", None)
            if not conn.autocommit and conn.info.transaction_status == idle:
                counter.note("BEGIN", pipeline)
            counter.note(" ".join(str(query).split())[:200], pipeline)

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
            if raw is None or raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                return
            pipeline = getattr(raw, "_pipeline", None)
            counter.note(word, pipeline)
            if pipeline is not None:
                counter.sent.append("SYNC (pipeline end)")
                counter.pipeline = None

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
