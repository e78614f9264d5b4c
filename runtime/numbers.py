"""Case numbers (region code + date + sequence) and short query codes."""

from __future__ import annotations

import secrets
from datetime import date
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from db.prepared import Prepared
from runtime.case_tables import Counter

#: No 0/O, 1/I/L: read over the phone without confusion.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 6
COUNTER = cast(Table, Counter.__table__)
# built once: the value travels as parameters (RETURNING: SQLite >= 3.35 and PostgreSQL)
NEXT_VALUE = Prepared(
    update(COUNTER)
    .where(COUNTER.c.tenant == bindparam("t"), COUNTER.c.name == bindparam("n"))
    .values(value=COUNTER.c.value + 1)
    .returning(COUNTER.c.value)
)
FIRST_VALUE = insert(COUNTER)
# PostgreSQL: create-or-increment in one statement, for a connection in autocommit
_pg_insert = postgresql.insert(COUNTER)
UPSERT_VALUE = Prepared(
    _pg_insert.on_conflict_do_update(
        index_elements=[COUNTER.c.tenant, COUNTER.c.name],
        set_={"value": COUNTER.c.value + 1},
    ).returning(COUNTER.c.value)
)


def query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def next_sequence(conn: Connection, tenant: str, name: str) -> int:
    """Atomically take the next value of a counter inside the caller's transaction.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so concurrent
    transactions queue and never get the same value; numbers of rolled-back transactions
    are simply skipped (gap-tolerant)."""
    for _ in range(3):
        value = NEXT_VALUE.scalar(conn, {"t": tenant, "n": name})
        if value is not None:
            return int(value)
        try:
            with conn.begin_nested():
                conn.execute(FIRST_VALUE, {"tenant": tenant, "name": name, "value": 1})
            return 1
        except IntegrityError:
            continue  # another transaction created the row first: take the UPDATE path
    raise RuntimeError(f"could not take a number from counter {name}")


def case_number(conn: Connection, tenant: str, day: date, *, upsert: bool = False) -> str:
    """``<region code><yyyymmdd><6-digit sequence>``, e.g. 42282220260930000017.
    ``upsert``: one PostgreSQL statement (for a connection in autocommit)."""
    prefix = f"{tenant}{day:%Y%m%d}"
    if upsert:
        value = int(UPSERT_VALUE.scalar(conn, {"tenant": tenant, "name": prefix, "value": 1}))
    else:
        value = next_sequence(conn, tenant, prefix)
    return f"{prefix}{value:06d}"
