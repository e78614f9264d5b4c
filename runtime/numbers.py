"""Case numbers (region code + date + sequence) and short query codes.

A case number is ``<region code><yyyymmdd><6-digit sequence>``, the sequence from a
``counter`` row per tenant and day. Taking it must neither cost the filing round trips
nor serialise concurrent filings:

* an ``UPDATE … RETURNING`` inside the act's own transaction would hold the counter row's
  lock until the act commits, so every filing of the day queues behind the previous
  one's whole act (on PostgreSQL, where writers otherwise run side by side);
* one upsert in autocommit before the act (what the filing did until now) locks the row
  for an instant only, but costs a connection checkout and a round trip per filing;
* so on PostgreSQL each process reserves a block of numbers at a time (``NumberBlocks``):
  one autocommit upsert adds the block's size to the counter and the process hands the
  numbers out from memory, in order, until the block is used up (the block size is
  ``BANSHI_CASE_NUMBER_BLOCK``; 1 is the old one-upsert-per-filing behaviour).

Numbers stay unique (every block is the counter's own, taken atomically) and readable as
before; they are gap-tolerant as ever: a filing that fails skips its number, and the
unused rest of a block is skipped when the process stops or the day turns. With several
processes the numbers of one day are not in filing order across processes (each hands
out its own block). SQLite has one writer at a time anyway: there the number is taken in
the act's own transaction (``next_sequence``), consecutive.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, update
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
# PostgreSQL: create-or-add in one statement, for a connection in autocommit; the new
# value is the last number of the block just reserved (``value`` is the block's size)
_pg_insert = postgresql.insert(COUNTER)
UPSERT_VALUE = Prepared(
    _pg_insert.on_conflict_do_update(
        index_elements=[COUNTER.c.tenant, COUNTER.c.name],
        set_={"value": COUNTER.c.value + _pg_insert.excluded.value},
    ).returning(COUNTER.c.value)
)
#: How many case numbers a process reserves at once on PostgreSQL (the default of
#: ``BANSHI_CASE_NUMBER_BLOCK``).
DEFAULT_BLOCK = 20


@dataclass
class NumberBlocks:
    """The numbers one process has reserved, per counter name: the next to hand out and
    the last of the block."""

    size: int = DEFAULT_BLOCK
    lock: threading.Lock = field(default_factory=threading.Lock)
    reserved: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def take(self, conn: Connection, tenant: str, name: str) -> int:
        with self.lock:
            nxt, last = self.reserved.get((tenant, name), (1, 0))
            if nxt > last:  # used up (or none yet): reserve the next block, one round trip
                last = int(
                    UPSERT_VALUE.scalar(conn, {"tenant": tenant, "name": name, "value": self.size})
                )
                nxt = last - self.size + 1
                # one block per counter at a time: yesterday's is dropped with its day
                self.reserved = {k: v for k, v in self.reserved.items() if k[0] != tenant}
            self.reserved[(tenant, name)] = (nxt + 1, last)
            return nxt


_blocks: weakref.WeakKeyDictionary[Engine, NumberBlocks] = weakref.WeakKeyDictionary()
_blocks_guard = threading.Lock()


def number_blocks(engine: Engine, size: int | None = None) -> NumberBlocks:
    """This process's reserved numbers on ``engine``; ``size`` sets the block size."""
    with _blocks_guard:
        blocks = _blocks.get(engine)
        if blocks is None:
            blocks = _blocks[engine] = NumberBlocks()
        if size is not None:
            if size < 1:
                raise ValueError("the case number block holds at least one number")
            blocks.size = size
        return blocks


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
    ``upsert``: from this process's reserved block (PostgreSQL; ``conn`` in autocommit
    reserves the next block when this one is used up)."""
    prefix = f"{tenant}{day:%Y%m%d}"
    if upsert:
        value = number_blocks(conn.engine).take(conn, tenant, prefix)
    else:
        value = next_sequence(conn, tenant, prefix)
    return f"{prefix}{value:06d}"
