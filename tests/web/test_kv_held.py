"""The session read on SQLite (web/kv_held.py): one kept connection per event loop, no
pool round per read, every commit seen at once, given back when its loop is gone."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, event, insert

from db.engine import make_engine
from web.kv_held import HeldReader
from web.stores import KV, KV_GET


@pytest.fixture
def sqlite(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'kv.sqlite3'}")
    KV.create(engine)
    yield engine
    engine.dispose()


def _put(engine: Engine, key: str, value: bytes) -> None:
    with engine.begin() as c:
        c.execute(insert(KV).values(namespace="ns", key=key, value=value, expires_at=None))


def _checkouts(engine: Engine) -> list[int]:
    seen: list[int] = []
    event.listen(engine, "checkout", lambda *_: seen.append(1))
    return seen


def test_reads_keep_one_connection_and_see_every_commit(sqlite: Engine) -> None:
    reader = HeldReader(sqlite)
    checkouts = _checkouts(sqlite)

    async def reads() -> list[bytes | None]:
        found: list[bytes | None] = []
        for i in range(5):
            _put(sqlite, f"k{i}", f"v{i}".encode())  # committed by another connection
            row = reader.first(KV_GET, {"ns": "ns", "k": f"k{i}"})
            found.append(None if row is None else bytes(row["value"]))
        missing = reader.first(KV_GET, {"ns": "ns", "k": "absent"})
        found.append(missing if missing is None else b"?")
        reader.close()
        return found

    assert anyio.run(reads) == [b"v0", b"v1", b"v2", b"v3", b"v4", None]
    # the writes took one checkout each; the six reads one between them
    assert len(checkouts) == 5 + 1


def test_a_closed_loops_connection_is_given_back(sqlite: Engine) -> None:
    reader = HeldReader(sqlite)
    _put(sqlite, "k", b"v")
    pool: Any = sqlite.pool

    async def read(held: HeldReader) -> None:
        assert held.first(KV_GET, {"ns": "ns", "k": "k"}) is not None

    for _ in range(4):  # four loops one after the other, as a test client makes them
        asyncio.run(read(reader))
    # the last loop's connection is held; the three before it went back to the pool
    assert pool.checkedout() == 1
    del reader
    assert pool.checkedout() == 0  # and the reader's end gives back the last one


def test_a_failed_read_drops_the_connection_and_the_next_opens_another(
    sqlite: Engine,
) -> None:
    reader = HeldReader(sqlite)
    _put(sqlite, "k", b"v")

    async def reads() -> None:
        assert reader.first(KV_GET, {"ns": "ns", "k": "k"}) is not None
        with sqlite.begin() as c:
            KV.drop(c)  # the table is gone: the read fails as the driver says
        with pytest.raises(Exception, match="kv_entry"):
            reader.first(KV_GET, {"ns": "ns", "k": "k"})
        KV.create(sqlite)
        assert reader.first(KV_GET, {"ns": "ns", "k": "k"}) is None
        reader.close()

    anyio.run(reads)
    assert sqlite.pool.checkedout() == 0  # type: ignore[attr-defined]
