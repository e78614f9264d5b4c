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

Processor = Callable[[Any], Any] | None


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
        try:
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
