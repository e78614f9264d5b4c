"""Engines and sessions. SQLite runs in WAL mode with foreign keys on; PostgreSQL as is.

PostgreSQL without a pre-ping: SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every
checkout, one round trip of the dozen and a half a window submission costs. Instead, at
checkout, the connection's socket is polled without waiting (``_still_there``): an idle
connection has nothing to read unless the server said something, and a server that ends a
connection (``pg_terminate_backend``, a restart, ``idle_session_timeout``) first sends its
FATAL notice and closes the socket. Such a connection is refused at checkout and the pool
opens a new one (``DisconnectionError``: the pool's own retry), before any statement of
the transaction ran, so nothing can have been committed and nothing is sent twice. A peer
that vanished without a word (a cut cable) is found by the first statement, as before: it
fails that request, the pool is invalidated, and the next request gets a new connection.
``make_engine(url, pool_pre_ping=True)`` brings the round-trip ping back where a network
drops connections silently.
"""

from __future__ import annotations

import select
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.prepared import DEFERRED, Deferred, deferred_queue, send_deferred


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


#: SQLite's ANALYZE reads at most about this many rows per index (approximate statistics,
#: bounded cost even at millions of cases)
ANALYSIS_LIMIT = 1000
#: every this many returns of a pooled SQLite connection, ``PRAGMA optimize`` refreshes the
#: statistics of the tables its queries used, when they are missing or stale
OPTIMIZE_EVERY = 1000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # engine-specific (SQLite): WAL journal, enforced foreign keys, a busy timeout so two
    # writers queue instead of failing at once; statistics kept bounded (see keep_statistics).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    cursor.close()


def _sqlite_optimize(dbapi_connection: Any, record: Any) -> None:
    """On the way back to the pool, now and then: SQLite's own advice for long-lived
    connections (``PRAGMA optimize``), so the planner's statistics follow the data."""
    count = record.info.get("banshi_checkins", 0) + 1
    record.info["banshi_checkins"] = count
    if count % OPTIMIZE_EVERY == 0:
        with suppress(sqlite3.Error):  # busy: the next round will do it
            dbapi_connection.execute("PRAGMA optimize")  # engine-specific: SQLite statistics


def keep_statistics(engine: Engine) -> None:
    """Refresh the planner's statistics: after ``banshi db upgrade`` and a bulk load. SQLite:
    ANALYZE within ``analysis_limit`` (approximate, milliseconds at a million rows);
    PostgreSQL: ANALYZE (sampled; autovacuum keeps it up afterwards)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            conn.exec_driver_sql("ANALYZE")  # engine-specific: SQLite statistics
        elif engine.dialect.name == "postgresql":
            # engine-specific: PostgreSQL statistics, of this schema's tables only (a
            # database-wide ANALYZE would wait on, and deadlock with, other schemas' DDL)
            tables = inspect(conn).get_table_names()
            if tables:
                conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{t}"' for t in tables))
        conn.commit()


#: The ``connect_args`` each server engine was made with (for :func:`driver_params`).
_CONNECT_ARGS: weakref.WeakKeyDictionary[Engine, dict[str, Any]] = weakref.WeakKeyDictionary()


def driver_params(engine: Engine) -> dict[str, Any] | None:
    """What psycopg needs to open a connection like the engine's own (host, database,
    user, password and the start-up options: search path, county), for a connection the
    pool does not manage; None for an engine :func:`make_engine` did not make on psycopg."""
    if engine.dialect.driver != "psycopg" or engine not in _CONNECT_ARGS:
        return None
    _, params = engine.dialect.create_connect_args(engine.url)
    return {**params, **_CONNECT_ARGS[engine]}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; an SQLite file's folder is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _sqlite_optimize)
        return engine
    kwargs.setdefault("pool_pre_ping", False)
    engine = create_engine(url, **kwargs)
    _CONNECT_ARGS[engine] = dict(kwargs.get("connect_args") or {})
    if parsed.get_backend_name() == "postgresql" and not kwargs["pool_pre_ping"]:
        event.listen(engine, "checkout", _refuse_departed)
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "before_cursor_execute", _send_deferred_first)
    return engine


def _still_there(dbapi_connection: Any) -> bool:
    """Whether a pooled psycopg connection is still open, with no round trip: an idle
    connection's socket is readable only if the server sent something on its own (its
    goodbye before closing the connection)."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return False
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    # Something arrived unasked on an idle connection. Pooled connections LISTEN to
    # nothing, so it is the server's FATAL notice before it hangs up (the EOF may not be
    # there yet): the connection is given up; at worst a healthy one is reopened.
    return not readable


def _refuse_departed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool ``checkout``: a connection the server has closed is replaced before use (the
    pool tries again with a fresh connection when this raises ``DisconnectionError``)."""
    if not _still_there(dbapi_connection):
        raise exc.DisconnectionError("the server closed this pooled connection")


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for a single read outside any transaction. On PostgreSQL in
    autocommit: one round trip for the statement instead of three (BEGIN, the statement,
    ROLLBACK); switching autocommit on and off is local to psycopg, no round trip."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


_writers: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_writers_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock | None:
    """SQLite has one writer at a time: threads of this process queue on a lock instead of
    in SQLite's busy handler, whose sleeps (up to 100 ms each) starve a busy server."""
    if engine.dialect.name != "sqlite":
        return None
    lock = _writers.get(engine)
    if lock is None:
        with _writers_guard:
            lock = _writers.setdefault(engine, threading.RLock())
    return lock


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A Core connection in one transaction that will write: commit on success, roll back on
    any error. On SQLite the writers of this process take turns (see ``_writer_lock``).

    On PostgreSQL the transaction keeps a queue of deferred writes (``Prepared.defer``,
    db/prepared.py): they travel in pipeline mode with the next statement that needs an
    answer, and the last of them with the COMMIT, in one round trip."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            yield from _pipelined_transaction(conn)
        return
    lock = _writer_lock(engine)
    if lock is None:
        with engine.begin() as conn:
            yield conn
        return
    with lock, engine.begin() as conn:
        yield conn


def _pipelined_transaction(conn: Connection) -> Iterator[Connection]:
    queue: list[Deferred] = []
    trans = conn.begin()
    conn.info[DEFERRED] = queue
    try:
        yield conn
        conn.info.pop(DEFERRED, None)
        if queue:
            dbapi_conn = conn.connection.dbapi_connection
            with dbapi_conn.pipeline():  # type: ignore[union-attr]
                send_deferred(conn, queue)
                trans.commit()  # the COMMIT and the pipeline's sync: one round trip
        else:
            trans.commit()
    except BaseException:
        with suppress(Exception):  # an invalidated connection has no info left to clear
            conn.info.pop(DEFERRED, None)
        if trans.is_active:
            trans.rollback()
        else:  # a COMMIT that failed in the pipeline left the transaction aborted
            with suppress(Exception):
                conn.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
        raise


def _send_deferred_first(
    conn: Connection, _cursor: Any, _statement: Any, _params: Any, _context: Any, _many: bool
) -> None:
    """Before an SQLAlchemy statement inside a write transaction: the deferred writes go
    first (one round trip, in pipeline mode), so the statement sees them."""
    queue = deferred_queue(conn)
    if queue:
        dbapi_conn = conn.connection.dbapi_connection
        with dbapi_conn.pipeline():  # type: ignore[union-attr]
            send_deferred(conn, queue)
