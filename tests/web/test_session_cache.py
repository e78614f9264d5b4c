"""Sessions answered from memory while their changes are pushed (web/session_cache.py).

Why: on PostgreSQL every request read its session from ``kv_entry`` on the event loop, and
the form page cost 0.57 ms of CPU against 0.35 ms with the session in memory (in-process,
16 requests at once). The cache must not cost what sessions promise: a logout anywhere
ends the session everywhere (here: within a second, by push), and without a channel to
hear changes on nothing is answered from memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.stores.memory import MemoryStore

from house.wiring import House
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import PASSWORD
from tests.web.test_sessions import CLERK, COOKIE, cookie_of, logged_in
from tests.web.test_stores import REDIS_URL, _redis_up
from web.app import create_app
from web.session_cache import CHANNEL, EVERYTHING, CachedSessions, digest


class CountedStore(MemoryStore):
    """Litestar's memory store, counting the reads that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get(self, key: str, renew_for: Any = None) -> bytes | None:
        self.reads += 1
        return await super().get(key, renew_for)


class World:
    def __init__(self) -> None:
        self.inner = CountedStore()
        self.now = 100.0
        self.listening = True
        self.announced: list[tuple[str, str]] = []

        async def announce(channel: str, payload: str) -> None:
            self.announced.append((channel, payload))

        self.cache = CachedSessions(
            self.inner,
            ttl_s=10,
            size=3,
            announce=announce,
            listening=lambda: self.listening,
            clock=lambda: self.now,
        )


@pytest.fixture
def world() -> World:
    return World()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_session_read_once_is_answered_from_memory_until_its_time_is_up(world: World) -> None:
    run(world.inner.set("s1", b"clerk"))
    assert [run(world.cache.get("s1")) for _ in range(3)] == [b"clerk"] * 3
    assert world.inner.reads == 1
    world.now += 10  # BANSHI_SESSION_CACHE_S later: read again
    assert run(world.cache.get("s1")) == b"clerk"
    assert world.inner.reads == 2


def test_when_a_copy_runs_out_one_request_reads_it_again_the_others_keep_answering(
    world: World,
) -> None:
    """Reproduces the PostgreSQL page's spike under wrk (p99 152-204 ms every
    ``BANSHI_SESSION_CACHE_S``, against 58-71 ms): every request in flight found the copy
    out of date at once and each read the store."""
    run(world.inner.set("s1", b"clerk"))
    assert run(world.cache.get("s1")) == b"clerk"
    world.now += 10  # the copy's time is up
    real_get = world.inner.get

    started: list[str] = []

    async def scenario() -> list[bytes | None]:
        release = asyncio.Event()

        async def slow_get(key: str, renew_for: Any = None) -> bytes | None:
            started.append(key)
            await release.wait()  # the store's answer is on its way
            return await real_get(key, renew_for)

        world.inner.get = slow_get  # type: ignore[method-assign]
        requests = [asyncio.ensure_future(world.cache.get("s1")) for _ in range(32)]
        for _ in range(3):
            await asyncio.sleep(0)  # every request has looked at the cache
        reading = len(started)
        release.set()
        answers = await asyncio.gather(*requests)
        assert reading == 1, f"{reading} requests read the store at once"
        return answers

    answers = run(scenario())
    world.inner.get = real_get  # type: ignore[method-assign]
    assert answers == [b"clerk"] * 32
    assert run(world.cache.get("s1")) == b"clerk"  # the re-read copy is fresh again
    assert world.inner.reads == 2


def test_nothing_is_answered_from_memory_while_changes_cannot_be_heard(world: World) -> None:
    world.listening = False  # push off, reconnecting, or SQLite without Redis
    run(world.inner.set("s1", b"clerk"))
    for _ in range(3):
        assert run(world.cache.get("s1")) == b"clerk"
    assert world.inner.reads == 3
    run(world.inner.delete("s1"))
    assert run(world.cache.get("s1")) is None


def test_an_announced_change_drops_the_copy_and_a_read_under_way_is_not_kept(
    world: World,
) -> None:
    run(world.inner.set("s1", b"clerk"))
    assert run(world.cache.get("s1")) == b"clerk"
    world.cache.drop(digest("s1"))  # another process logged it out
    run(world.inner.delete("s1"))
    assert run(world.cache.get("s1")) is None

    # a read that began before an announcement arrived may predate the change
    run(world.inner.set("s2", b"old"))
    real_get = world.inner.get

    async def slow_get(key: str, renew_for: Any = None) -> bytes | None:
        value = await real_get(key, renew_for)
        world.cache.drop(digest(key))  # announced while this read was on its way
        return value

    world.inner.get = slow_get  # type: ignore[method-assign]
    assert run(world.cache.get("s2")) == b"old"
    world.inner.get = real_get  # type: ignore[method-assign]
    reads = world.inner.reads
    run(world.cache.get("s2"))
    assert world.inner.reads == reads + 1, "a read overtaken by a change was kept"


def test_writes_and_deletes_are_announced_by_digest_never_by_id(world: World) -> None:
    secret_id = "ab" * 32
    run(world.cache.set(secret_id, b"clerk", 60))
    assert world.announced == [(CHANNEL, digest(secret_id))]
    assert run(world.cache.get(secret_id)) == b"clerk"
    assert world.inner.reads == 0  # what this process wrote it knows
    run(world.cache.delete(secret_id))
    assert world.announced[-1] == (CHANNEL, digest(secret_id))
    assert secret_id not in repr(world.announced)
    assert run(world.cache.get(secret_id)) is None
    run(world.cache.delete_all())
    assert world.announced[-1] == (CHANNEL, EVERYTHING)


def test_at_most_size_sessions_are_kept_and_everything_can_be_dropped(world: World) -> None:
    for n in range(5):
        run(world.inner.set(f"s{n}", b"x"))
        run(world.cache.get(f"s{n}"))
    assert len(world.cache._copies) == 3  # the oldest made room
    world.cache.drop(EVERYTHING)  # the listener reconnected: anything may have changed
    assert world.cache._copies == {}


# -- two app processes on one database: the real channel -----------------------------


@pytest.fixture(params=["database", "redis"])
def channel(request: pytest.FixtureRequest, house: House) -> Iterator[str | None]:
    """Where session changes travel: PostgreSQL's NOTIFY, or Redis."""
    if request.param == "redis":
        if not _redis_up():
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        yield REDIS_URL
        return
    if house.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has nothing to push with: sessions are read on every request")
    yield None


def _listening(app: Any) -> CachedSessions:
    store = app.stores.get("sessions")
    assert isinstance(store, CachedSessions)
    deadline = time.monotonic() + 10
    while not store._listening():
        assert time.monotonic() < deadline, "the push listener did not subscribe"
        time.sleep(0.01)
    return store


def test_a_logout_in_one_process_ends_the_session_kept_in_another(
    house: House, channel: str | None
) -> None:
    settings = house.settings.model_copy(update={"redis_url": channel})
    one, two = create_app(settings, house), create_app(settings, house)
    # entered: each app's start-up runs (its push listener) on an event loop of its own
    with Client(app=one, base_url=BASE_URL) as first, Client(app=two, base_url=BASE_URL) as other:
        _listening(one)
        kept = _listening(two)
        first.get("/login")
        r = first.send_form("/login", {"username": CLERK, "password": PASSWORD})
        assert r.status_code == 303
        session_id = cookie_of(first)
        other.cookies.set(COOKIE, session_id, domain="testserver.local")
        assert logged_in(other)
        assert digest(session_id) in kept._copies  # the second process answers from memory
        assert first.send_form("/logout").status_code == 303
        started = time.monotonic()
        while logged_in(other):
            assert time.monotonic() - started < 1.0, "the logout did not reach the other process"
            time.sleep(0.005)
        assert digest(session_id) not in kept._copies
