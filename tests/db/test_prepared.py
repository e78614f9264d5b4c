"""db/prepared.py: a Prepared statement stores and reads exactly what Connection.execute does,
on both databases, and fails the way it does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exc,
    insert,
    select,
    update,
)

from db.prepared import Prepared

meta = MetaData()
scratch = Table(
    "prepared_scratch",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("day", Date, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("flag", Boolean, nullable=False),
    Column("note", Text, nullable=True),
    Column("version", Integer, nullable=False),
)

INSERT = Prepared(insert(scratch).returning(scratch.c.id))
BY_CODE = Prepared(select(scratch).where(scratch.c.code == bindparam("c")))
FIRST_CODES = Prepared(select(scratch.c.code).order_by(scratch.c.code).limit(2))
CAS = Prepared(
    update(scratch).where(scratch.c.id == bindparam("b_id"), scratch.c.version == bindparam("b_v"))
)


@pytest.fixture
def table(engine: Engine) -> Iterator[Engine]:
    meta.create_all(engine)
    yield engine
    meta.drop_all(engine)


rows = st.fixed_dictionaries(
    {
        "day": st.none() | st.dates(date(1990, 1, 1), date(2100, 12, 31)),
        "at": st.none()
        | st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1)).map(
            lambda d: d.replace(tzinfo=UTC)
        ),
        "flag": st.booleans(),
        "note": st.none() | st.text(max_size=40).filter(lambda t: "\x00" not in t),
    }
)


def _normal(value: Any) -> Any:
    # SQLite hands back naive datetimes for timezone-aware columns (UTC is stored)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=rows, b=rows)
def test_prepared_and_core_store_and_read_the_same(
    table: Engine, a: dict[str, Any], b: dict[str, Any]
) -> None:
    with table.begin() as conn:
        conn.execute(delete(scratch))
        INSERT.scalar(conn, {"code": "P", "version": 0, **a})  # written by Prepared
        conn.execute(insert(scratch), {"code": "C", "version": 0, **b})  # written by Core
    with table.connect() as conn:
        for code, expected in (("P", a), ("C", b)):
            ours = BY_CODE.first(conn, {"c": code})
            core = conn.execute(select(scratch).where(scratch.c.code == code)).one()._asdict()
            assert ours is not None
            assert {k: _normal(v) for k, v in ours.items()} == {
                k: _normal(v) for k, v in core.items()
            }
            for key, value in expected.items():
                assert _normal(ours[key]) == value
        assert BY_CODE.first(conn, {"c": "none"}) is None
        # a bind the statement carries itself (the LIMIT) travels with it
        assert FIRST_CODES.scalars(conn, {}) == ["C", "P"]


def test_compare_and_set_counts_rows_and_errors_are_sqlalchemys(table: Engine) -> None:
    with table.begin() as conn:
        row_id = INSERT.scalar(
            conn, {"code": "A", "version": 0, "flag": True, "day": None, "at": None, "note": None}
        )
    with table.begin() as conn:
        later = datetime(2026, 9, 30, 8, 0, tzinfo=UTC) + timedelta(hours=1)
        assert CAS.rowcount(conn, {"b_id": row_id, "b_v": 0, "version": 1, "at": later}) == 1
        # the same expected version again: nobody's row matches any more
        assert CAS.rowcount(conn, {"b_id": row_id, "b_v": 0, "version": 2, "at": later}) == 0
    with table.connect() as conn:
        row = BY_CODE.first(conn, {"c": "A"})
        assert row is not None and row["version"] == 1 and _normal(row["at"]) == later
    # a unique violation surfaces as SQLAlchemy's IntegrityError, and the transaction is undone
    with pytest.raises(exc.IntegrityError), table.begin() as conn:
        INSERT.scalar(
            conn, {"code": "B", "version": 0, "flag": False, "day": None, "at": None, "note": None}
        )
        INSERT.scalar(
            conn, {"code": "A", "version": 0, "flag": False, "day": None, "at": None, "note": None}
        )
    with table.connect() as conn:
        assert BY_CODE.first(conn, {"c": "B"}) is None
