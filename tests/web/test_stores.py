"""The shared stores behind sessions, rate limits, idempotency keys and login throttles:
the database (SQLite and PostgreSQL) by default, Redis when configured. Every backend
passes the same checks."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, select

from db.kv_tables import KvEntry
from web.stores import STORE_NAMES, DatabaseStore, SharedRedisStore, build_registry, counting

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def root(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Callable[[], Any]]:
    """Makes a root store of each backend, in a namespace of its own (a Redis client
    belongs to the event loop it is used in: one per ``anyio.run``)."""
    name = f"test{uuid.uuid4().hex[:8]}"
    if request.param == "database":
        yield lambda: DatabaseStore(engine, name)
        return
    if not _redis_up():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")

    def make() -> Any:
        return SharedRedisStore.with_client(REDIS_URL, namespace=name)

    yield make

    async def wipe() -> None:
        store = make()
        async with store:
            await store.delete_all()

    anyio.run(wipe)


def run(make: Callable[[], Any], work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(root)`` in one event loop, closing a Redis client afterwards."""

    async def main() -> Any:
        root = make()
        async with root:
            return await work(root)

    return anyio.run(main)


def test_set_get_delete_and_expiry(root: Any) -> None:
    async def work(root: Any) -> list[Any]:
        store = root.with_namespace("sessions")
        await store.set("a", b"1", expires_in=600)
        await store.set("forever", "text")
        got = [await store.get("a"), await store.get("forever"), await store.get("missing")]
        await store.set("a", b"2", expires_in=600)  # replaces
        got.append(await store.get("a"))
        got.append(0 < (await store.expires_in("a") or 0) <= 600)
        got.append(await store.expires_in("forever") in (None, -1))
        await store.delete("a")
        got += [await store.get("a"), await store.exists("forever")]
        return got

    assert run(root, work) == [b"1", b"text", None, b"2", True, True, None, True]


def test_namespaces_are_apart_and_delete_all_stays_inside_its_own(root: Any) -> None:
    async def work(root: Any) -> list[Any]:
        sessions, login = root.with_namespace("sessions"), root.with_namespace("login")
        await sessions.set("k", b"s")
        await login.set("k", b"l")
        first = [await sessions.get("k"), await login.get("k")]
        await sessions.delete_all()
        return [*first, await sessions.get("k"), await login.get("k")]

    assert run(root, work) == [b"s", b"l", None, b"l"]


def test_a_key_of_any_length_is_kept_apart_from_its_neighbours(root: Any) -> None:
    long_a, long_b = "k" * 300 + "a", "k" * 300 + "b"

    async def work(root: Any) -> list[Any]:
        store = root.with_namespace("idempotency")
        await store.set(long_a, b"a", expires_in=60)
        await store.set(long_b, b"b", expires_in=60)
        return [await store.get(long_a), await store.get(long_b)]

    assert run(root, work) == [b"a", b"b"]


def test_counting_is_atomic_and_add_sets_only_once(root: Any) -> None:
    async def work(root: Any) -> list[Any]:
        store = counting(root.with_namespace("login"))
        counts: list[int] = []

        async def hit() -> None:
            counts.append(await store.incr("n", 600))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(hit)
        down = await store.incr("n", 600, -1)
        added = [await store.add("turn", b"1", 30) for _ in range(3)]
        return [sorted(counts) == list(range(1, 21)), down, added]

    assert run(root, work) == [True, 19, [True, False, False]]


def test_an_expired_value_is_gone_and_its_key_can_be_added_again(engine: Engine) -> None:
    store = DatabaseStore(engine, f"test{uuid.uuid4().hex[:8]}")

    async def work() -> list[Any]:
        await store.set("old", b"x", expires_in=600)
        await store.incr("n", 600)
        # the rows' time runs out (moved into the past: no test waits on a clock)
        with engine.begin() as conn:
            kv = KvEntry.__table__
            conn.execute(
                kv.update().where(kv.c.namespace == store.namespace).values(expires_at=_past())
            )
        return [
            await store.get("old"),
            await store.expires_in("old"),
            await store.add("old", b"y", 60),
            await store.incr("n", 600),
        ]

    assert anyio.run(work) == [None, None, True, 1]


def _past() -> Any:
    import datetime as dt

    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def test_the_registry_names_every_store_on_one_backend(engine: Engine) -> None:
    registry = build_registry(DatabaseStore(engine))
    for name in (*STORE_NAMES, "anything_else"):
        store = registry.get(name)
        assert isinstance(store, DatabaseStore) and store.namespace == f"banshi.{name}"

    async def work() -> None:
        await registry.get("ratelimit").set("k", b"v", expires_in=60)

    anyio.run(work)
    with engine.connect() as conn:
        rows = conn.execute(select(KvEntry.namespace, KvEntry.key, KvEntry.value)).all()
    assert ("banshi.ratelimit", "k", b"v") in [tuple(r) for r in rows]
