"""Prepared statements for the hottest paths (the legal acts): compiled once, run on the driver.

A ``Prepared`` wraps a Core statement. The first time it runs on a dialect (and, for an
INSERT or UPDATE, a set of parameter names) SQLAlchemy compiles it and reports, through
its public ``construct_expanded_state``, the SQL text, the parameter order and the type
processors; after that each call binds the values through those same processors and
hands the text to the DBAPI cursor of the caller's ``Connection``, inside the caller's
transaction. Rows come back through the columns' own result processors, so values are
exactly what ``Connection.execute`` would give (dates stored as SQLite text, booleans…).

What this skips is SQLAlchemy's per-call execution machinery (cache-key generation,
execution context, result metadata) — about a third of an act's time on SQLite. Driver
errors are re-raised as SQLAlchemy's ``DBAPIError`` subclasses, as ``execute`` would.
Use it only for fixed statements without ``IN`` lists or other post-compile parameters.

Writes whose outcome nobody reads (no RETURNING, no rowcount: the ledger row, the outbox
row, the supervision upserts) may be *deferred* (:meth:`Prepared.defer`). Inside
``db.engine.write_transaction`` on PostgreSQL they wait in the transaction's queue and
travel in psycopg's pipeline mode with the next statement that needs an answer, or with
the COMMIT: one round trip for all of them instead of one each, and the rows every act
adds to (a day's rollup counters) stay locked for that last round trip only. They run in
the order they were written, before any later statement (an SQLAlchemy ``execute`` sends
the queue first), so what the transaction reads and writes is exactly what it would be
without the queue; a deferred write that fails fails the transaction (its error surfaces
with the statement it travelled with, or with the COMMIT). Elsewhere (SQLite, outside a
write transaction) a deferred write runs at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

_IDLE = 0  # libpq's PQTRANS_IDLE: no transaction open yet (psycopg will send BEGIN first)

Processor = Callable[[Any], Any] | None
#: ``Connection.info`` key of the open write transaction's queue of deferred writes
#: (present only inside ``db.engine.write_transaction`` on PostgreSQL).
DEFERRED = "banshi.deferred"
#: One deferred write: SQL text, bound parameters (one set, or a list for executemany).
Deferred = tuple[str, Any, bool]


def send_deferred(conn: Connection, queue: list[Deferred]) -> None:
    """Hand the queued writes to the driver (inside the caller's pipeline) and empty it."""
    dbapi_conn = conn.connection.dbapi_connection
    assert dbapi_conn is not None
    for sql, bound, many in queue:
        cursor = dbapi_conn.cursor()
        try:
            if many:
                cursor.executemany(sql, bound)
            else:
                cursor.execute(sql, bound)
        except conn.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                sql, None, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
            ) from error
    queue.clear()


def deferred_queue(conn: Connection) -> list[Deferred] | None:
    """The open write transaction's queue of deferred writes, or None (write at once)."""
    queue: list[Deferred] | None = conn.info.get(DEFERRED)
    return queue


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # positional order, or the keys of a named paramstyle
    positional: bool
    processors: tuple[Processor, ...]  # aligned with ``names``
    constants: Mapping[str, Any]  # binds the statement carries itself (limits, literals)
    result_keys: tuple[str, ...]
    result_processors: tuple[Processor, ...]


class Prepared:
    """One Core statement, compiled per dialect and parameter set, executed on the driver."""

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}
        self._lock = threading.Lock()

    # -- planning -------------------------------------------------------------------------

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        key = (dialect.name, frozenset(params))
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._compile(dialect, params)
                self._plans[key] = plan
        return plan

    def _compile(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(params))
        assert isinstance(compiled, SQLCompiler)
        state = compiled.construct_expanded_state(dict(params))
        if state.positiontup is not None:
            names, positional = tuple(state.positiontup), True
        else:
            names, positional = tuple(state.parameters), False
        constants = {n: v for n, v in state.parameters.items() if n not in params}
        columns = list(getattr(self.statement, "selected_columns", ()))
        if not columns and isinstance(self.statement, UpdateBase):
            columns = list(self.statement.exported_columns)
        return _Plan(
            sql=state.statement,
            names=names,
            positional=positional,
            processors=tuple(state.processors.get(n) for n in names),
            constants=constants,
            result_keys=tuple(c.key or "" for c in columns),
            result_processors=tuple(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
            ),
        )

    # -- running ----------------------------------------------------------------------------

    @staticmethod
    def _bind(plan: _Plan, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = []
        constants = plan.constants
        for name, proc in zip(plan.names, plan.processors, strict=True):
            value = params[name] if name in params else constants[name]
            values.append(value if proc is None or value is None else proc(value))
        if plan.positional:
            return tuple(values)
        return dict(zip(plan.names, values, strict=True))

    def _cursor(self, conn: Connection, plan: _Plan, run: Callable[[Any], None]) -> Any:
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        cursor = dbapi_conn.cursor()
        queue = deferred_queue(conn)
        try:
            if queue is None:
                run(cursor)
            elif queue or dbapi_conn.info.transaction_status == _IDLE:
                # the deferred writes (and psycopg's BEGIN) travel with this statement
                with dbapi_conn.pipeline():
                    send_deferred(conn, queue)
                    run(cursor)
            else:
                run(cursor)
        except conn.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(
                plan.sql, None, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
            ) from error
        return cursor

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> tuple[_Plan, Any]:
        plan = self._plan(conn.dialect, params)
        bound = self._bind(plan, params)
        return plan, self._cursor(conn, plan, lambda c: c.execute(plan.sql, bound))

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run for every row (the rows share one set of keys)."""
        if not rows:
            return
        plan = self._plan(conn.dialect, rows[0])
        bound = [self._bind(plan, r) for r in rows]
        self._cursor(conn, plan, lambda c: c.executemany(plan.sql, bound)).close()

    def defer(self, conn: Connection, params: Mapping[str, Any]) -> None:
        """Run a write whose outcome is not read, now or with the transaction's next
        round trip (see the module's note)."""
        plan = self._plan(conn.dialect, params)
        bound = self._bind(plan, params)
        queue = deferred_queue(conn)
        if queue is None:
            self._cursor(conn, plan, lambda c: c.execute(plan.sql, bound)).close()
        else:
            queue.append((plan.sql, bound, False))

    def defer_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """:meth:`execute_many`, deferred like :meth:`defer`."""
        if not rows:
            return
        queue = deferred_queue(conn)
        if queue is None:
            self.execute_many(conn, rows)
            return
        plan = self._plan(conn.dialect, rows[0])
        queue.append((plan.sql, [self._bind(plan, r) for r in rows], True))

    def rowcount(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement without RETURNING; the number of rows it touched."""
        _, cursor = self._run(conn, params)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    # -- results ----------------------------------------------------------------------------

    @staticmethod
    def _typed(plan: _Plan, raw: Sequence[Any]) -> dict[str, Any]:
        return {
            k: (v if p is None or v is None else p(v))
            for k, p, v in zip(plan.result_keys, plan.result_processors, raw, strict=True)
        }

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row as a dict of typed values, or None."""
        plan, cursor = self._run(conn, params)
        raw = cursor.fetchone()
        cursor.close()
        return None if raw is None else self._typed(plan, raw)

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.first(conn, params)
        return None if row is None else next(iter(row.values()))

    def scalars(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """The first column of every row."""
        plan, cursor = self._run(conn, params)
        rows = cursor.fetchall()
        cursor.close()
        proc = plan.result_processors[0]
        return [r[0] if proc is None or r[0] is None else proc(r[0]) for r in rows]
