"""The floor of a case act: a bare driver loop doing an act's reads and writes, no logic.

What the lifecycle benchmark (bench/lifecycle.py) compares each act against on the same
database in the same run: how fast the driver alone moves the rows an act must move.
A filing inserts the case row, its event and an outbox row; every later act reads the
case row by its number, updates it by compare-and-set on its version, inserts the event
and an outbox row; each in its own committed transaction, on the raw DBAPI connection
(psycopg 3 or sqlite3) with SQL text written once. The rows are copies of rows the case
service wrote during the warm-up (same widths, same indexes); only the keys change.
No permission check, no rules, no hash, no ledger or supervision rows: the floor is what
no implementation of the act can beat, so "within 2x of the floor" is a fair goal.

Also here: :class:`DriverTime`, the time an engine's SQLite connections spend inside
sqlite3 itself (what no change to our Python can remove), and a throwaway, migrated
PostgreSQL database for the case benchmarks.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text

from bench._cases import Db
from db.engine import make_engine, session_factory
from db.migrate import upgrade

FLOOR_ACTS = ("accept", "review", "decide", "complete")


@contextmanager
def fresh_postgres(prefix: str = "banshi_bench") -> Iterator[Db | None]:
    """A migrated database created on ``BANSHI_TEST_POSTGRES_URL``'s server and dropped
    afterwards; None when the variable is unset or the server unreachable."""
    base = os.environ.get("BANSHI_TEST_POSTGRES_URL")
    if not base:
        yield None
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        yield None
        return
    engine = make_engine(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield Db(engine, session_factory(engine), None)  # type: ignore[arg-type]
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Floor:
    """One case's five acts as bare driver statements, on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self.pg = engine.dialect.name == "postgresql"
        self.proxy = engine.raw_connection()  # held: the pool does not lend it meanwhile
        raw: Any = self.proxy.dbapi_connection
        self.raw = raw
        self.cursor: Any = raw.cursor()
        self.seq = 0
        one = "SELECT * FROM {t} ORDER BY id LIMIT 1"
        self.case = self._row(one.format(t='"case"'))
        self.event = self._row(one.format(t="case_event"))
        self.outbox = self._row(one.format(t="outbox"))
        self.insert_case = self._insert('"case"', self.case, returning=True)
        self.insert_event = self._insert("case_event", self.event, returning=True)
        self.insert_outbox = self._insert("outbox", self.outbox, returning=False)
        self.read_case = f'SELECT * FROM "case" WHERE tenant = {self._p("tenant")} AND number = {self._p("number")}'
        self.update_case = (
            f'UPDATE "case" SET version = {self._p("new")}, state = {self._p("state")}, '
            f"last_hash = {self._p('hash')} "
            f"WHERE id = {self._p('id')} AND version = {self._p('version')}"
        )

    def _p(self, name: str) -> str:
        return f"%({name})s" if self.pg else f":{name}"

    def _row(self, sql: str) -> dict[str, Any]:
        self.cursor.execute(sql)
        names = [d[0] for d in self.cursor.description]
        row = self.cursor.fetchone()
        if row is None:  # pragma: no cover - the warm-up wrote rows
            raise RuntimeError(f"no row for the floor: {sql}")
        self.raw.rollback()
        return {k: v for k, v in zip(names, row, strict=True) if k != "id"}

    def _insert(self, table: str, row: dict[str, Any], *, returning: bool) -> str:
        cols = ", ".join(f'"{k}"' for k in row)
        values = ", ".join(self._p(k) for k in row)
        tail = " RETURNING id" if returning else ""
        return f"INSERT INTO {table} ({cols}) VALUES ({values}){tail}"

    def _event(self, case_id: int, seq: int) -> int:
        self.cursor.execute(self.insert_event, {**self.event, "case_id": case_id, "seq": seq})
        event_id = int(self.cursor.fetchone()[0])
        self.cursor.execute(self.insert_outbox, {**self.outbox, "event_id": event_id})
        return event_id

    def one(self, _data: Any = None, _name: str = "") -> None:
        self.seq += 1
        number = f"F{uuid.uuid4().hex[:20]}"
        row = {**self.case, "number": number, "version": 1}
        self.cursor.execute(self.insert_case, row)
        case_id = int(self.cursor.fetchone()[0])
        self._event(case_id, 1)
        self.raw.commit()
        for seq, act in enumerate(FLOOR_ACTS, start=2):
            self.cursor.execute(self.read_case, {"tenant": row["tenant"], "number": number})
            found = self.cursor.fetchone()
            if found is None:  # pragma: no cover
                raise RuntimeError(f"{number} vanished")
            self.cursor.execute(
                self.update_case,
                {
                    "new": seq,
                    "state": act,
                    "hash": f"{seq:064d}",
                    "id": case_id,
                    "version": seq - 1,
                },
            )
            if self.cursor.rowcount != 1:  # pragma: no cover
                raise RuntimeError(f"{number}: compare-and-set failed")
            self._event(case_id, seq)
            self.raw.commit()

    def close(self) -> None:
        self.cursor.close()
        self.proxy.close()


class DriverTime:
    """While entered, every connection of a SQLite ``engine`` is a sqlite3 connection that
    adds up the wall time spent inside sqlite3's own ``execute``, ``executemany``,
    ``fetchone``, ``fetchall`` and ``commit`` (the statements' work and the WAL writes).
    Only the time inside those calls counts, not the timing wrapper around them. The pool
    is emptied on entry and on exit, so connections opened before and after are ordinary.

    What it tells: how much of an act is the database engine's own work for the rows the
    act writes, the part no change to our Python can remove."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("DriverTime measures sqlite3 connections only")
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        clock = self

        def timed(call: Any, *args: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args)
            finally:
                clock.seconds += time.perf_counter() - start

        class Cursor(sqlite3.Cursor):
            def execute(self, *args: Any) -> Any:
                clock.statements += 1
                return timed(super().execute, *args)

            def executemany(self, *args: Any) -> Any:
                clock.statements += 1
                return timed(super().executemany, *args)

            def fetchone(self) -> Any:
                return timed(super().fetchone)

            def fetchall(self) -> Any:
                return timed(super().fetchall)

        class Connection(sqlite3.Connection):
            def cursor(self, factory: Any = Cursor) -> Any:
                return super().cursor(factory)

            def commit(self) -> None:
                timed(super().commit)

        self._connection = Connection

    def reset(self) -> None:
        self.seconds = 0.0
        self.statements = 0

    def _factory(self, _dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["factory"] = self._connection

    def __enter__(self) -> DriverTime:
        event.listen(self.engine, "do_connect", self._factory)
        self.engine.dispose()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        event.remove(self.engine, "do_connect", self._factory)
        self.engine.dispose()
