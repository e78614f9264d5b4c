"""Case numbers (region code + date + sequence) and short query codes."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.case_tables import Counter

#: No 0/O, 1/I/L: read over the phone without confusion.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 6


def query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def next_sequence(session: Session, tenant: str, name: str) -> int:
    """Atomically take the next value of a counter inside the caller's transaction.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so concurrent
    transactions queue and never get the same value; numbers of rolled-back transactions
    are simply skipped (gap-tolerant)."""
    for _ in range(3):
        result = session.execute(
            update(Counter)
            .where(Counter.tenant == tenant, Counter.name == name)
            .values(value=Counter.value + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            value = session.execute(
                select(Counter.value).where(Counter.tenant == tenant, Counter.name == name)
            ).scalar_one()
            return int(value)
        try:
            with session.begin_nested():
                session.add(Counter(tenant=tenant, name=name, value=1))
            return 1
        except IntegrityError:
            continue  # another transaction created the row first: take the UPDATE path
    raise RuntimeError(f"could not take a number from counter {name}")


def case_number(session: Session, tenant: str, day: date) -> str:
    """``<region code><yyyymmdd><6-digit sequence>``, e.g. 42282220260930000017."""
    prefix = f"{tenant}{day:%Y%m%d}"
    return f"{prefix}{next_sequence(session, tenant, prefix):06d}"
