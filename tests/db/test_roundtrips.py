"""PostgreSQL without a pre-ping: a pooled connection the server has closed is replaced
at checkout (no statement sent on it, nothing written twice); case numbers reserved in
blocks stay unique across processes; deferred writes (db/prepared.py) are written in order,
seen by the transaction's later reads, travel with the COMMIT, and a failing one undoes
the whole transaction."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import Engine, bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from db.engine import make_engine, read_connection, write_transaction
from db.prepared import Prepared
from db.roundtrips import counting
from runtime.case_tables import Counter
from runtime.numbers import case_number, number_blocks
from tests.conftest import POSTGRES_URL


def _postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")


def test_a_read_outside_a_transaction_is_one_round_trip(engine: Engine) -> None:
    _postgres(engine)
    with read_connection(engine) as c:
        c.execute(text("SELECT 1"))  # a pooled connection exists now
    with counting(engine) as trips, read_connection(engine) as c:
        c.execute(select(func.count()).select_from(Counter))
    assert trips.count == 1, trips.sent


COUNTER_INSERT = Prepared(insert(Counter))
COUNTER_VALUE = Prepared(
    select(Counter.value).where(Counter.tenant == bindparam("t"), Counter.name == bindparam("n"))
)


def _counters(engine: Engine, tenant: str) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(select(Counter.name, Counter.value).where(Counter.tenant == tenant))
        return {r.name: r.value for r in rows}


def test_deferred_writes_are_seen_by_later_reads_and_ride_with_the_commit(
    engine: Engine,
) -> None:
    with write_transaction(engine) as c:  # warm: a pooled connection, compiled statements
        COUNTER_INSERT.defer(c, {"tenant": "t0", "name": "warm", "value": 0})
        assert COUNTER_VALUE.scalar(c, {"t": "t0", "n": "warm"}) == 0
    with counting(engine) as trips, write_transaction(engine) as c:
        COUNTER_INSERT.defer(c, {"tenant": "t1", "name": "a", "value": 1})
        COUNTER_INSERT.defer_many(
            c, [{"tenant": "t1", "name": n, "value": v} for n, v in (("b", 2), ("c", 3))]
        )
        # a later read on the same transaction sees them: a prepared one, and a Core one
        assert COUNTER_VALUE.scalar(c, {"t": "t1", "n": "b"}) == 2
        COUNTER_INSERT.defer(c, {"tenant": "t1", "name": "d", "value": 4})
        core = select(Counter.value).where(Counter.tenant == "t1", Counter.name == "d")
        assert c.execute(core).scalar_one() == 4
        COUNTER_INSERT.defer(c, {"tenant": "t1", "name": "e", "value": 5})
    assert _counters(engine, "t1") == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    if engine.dialect.name == "postgresql":
        # BEGIN with the three inserts and the read; the queue, then the Core read; the
        # last insert with the COMMIT, and the pipeline's closing sync
        assert trips.count == 5, trips.sent
        assert trips.sent[-3].startswith("INSERT INTO counter"), trips.sent
        assert trips.sent[-2:] == ["+ COMMIT", "SYNC (pipeline end)"], trips.sent
        assert len(trips.statements()) == 6, trips.sent  # the executemany is one


def test_a_deferred_write_that_fails_undoes_the_whole_transaction(engine: Engine) -> None:
    with write_transaction(engine) as c:
        COUNTER_INSERT.defer(c, {"tenant": "t2", "name": "taken", "value": 1})
    with pytest.raises(IntegrityError), write_transaction(engine) as c:
        COUNTER_INSERT.defer(c, {"tenant": "t2", "name": "fresh", "value": 1})
        COUNTER_INSERT.defer(c, {"tenant": "t2", "name": "taken", "value": 2})  # duplicate
    assert _counters(engine, "t2") == {"taken": 1}
    # the pool's connection is healthy afterwards
    with write_transaction(engine) as c:
        COUNTER_INSERT.defer(c, {"tenant": "t2", "name": "after", "value": 3})
    assert _counters(engine, "t2") == {"taken": 1, "after": 3}


def test_a_connection_killed_by_the_server_is_replaced_and_the_write_happens_once(
    engine: Engine,
) -> None:
    _postgres(engine)
    with engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert engine.pool.checkedin() == 1
    admin = make_engine(POSTGRES_URL or "")
    try:
        with admin.begin() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        _gone(admin, pid)  # the next request comes after the server has closed it
    finally:
        admin.dispose()
    with write_transaction(engine) as c:  # the pooled connection is dead: a new one serves
        c.execute(text("INSERT INTO counter (tenant, name, value) VALUES ('t', 'killed', 1)"))
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    with engine.connect() as c:
        rows = c.execute(text("SELECT value FROM counter WHERE name = 'killed'")).all()
    assert [r.value for r in rows] == [1]


def test_numbers_reserved_in_blocks_are_unique_across_processes(engine: Engine) -> None:
    """Two engines stand for two processes, each with its own blocks, filing at once."""
    _postgres(engine)
    day = date(2026, 9, 30)
    taken: list[str] = []
    lock = threading.Lock()
    engines = [engine, _twin(engine)]
    for e in engines:
        number_blocks(e, 3)

    def file(e: Engine) -> None:
        for _ in range(25):
            with e.connect() as c:
                n = case_number(
                    c.execution_options(isolation_level="AUTOCOMMIT"), "422822", day, upsert=True
                )
            with lock:
                taken.append(n)

    threads = [threading.Thread(target=file, args=(e,)) for e in engines for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engines[1].dispose()
    assert len(taken) == 100 and len(set(taken)) == 100
    assert all(n.startswith("42282220260930") and len(n) == 20 for n in taken)
    # 100 numbers in blocks of 3: 34 blocks, at most 2 numbers left unused
    with engine.connect() as c:
        last = c.execute(select(Counter.value).where(Counter.tenant == "422822")).scalar_one()
    assert 100 <= last <= 102


def _gone(admin: Engine, pid: int) -> None:
    for _ in range(500):
        with admin.connect() as c:
            q = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p")
            if not c.execute(q, {"p": pid}).scalar_one():
                return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} still there")


def _twin(engine: Engine) -> Engine:
    """Another engine on the same database and schema (another process's pool)."""
    return make_engine(
        engine.url.render_as_string(hide_password=False),
        connect_args={"options": _options(engine)},
    )


def _options(engine: Engine) -> str:
    with engine.connect() as c:
        schema = c.execute(text("SELECT current_schema()")).scalar_one()
    return f"-csearch_path={schema}"
