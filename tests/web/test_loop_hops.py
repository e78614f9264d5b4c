"""Where the form page's work runs (issue #15, the form page's tail). A request that goes
to a worker thread comes back at the end of the event loop's queue, behind every request
in flight: 32 clients at once made the one that found the organisation's poll due the
slowest of all (in-process, p99 0.8 ms without the hop, 79 ms with it). So on SQLite the
page never leaves the loop, due poll or not; on PostgreSQL it stays there while the item,
the retired list and the organisation are fresh in memory (or being re-read by another
request), its session read and the organisation's due poll included (psycopg's asyncio
connection, web/kv_async.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import pytest

from db.engine import transaction
from house.wiring import House
from runtime.retirement import ItemRetirement
from tests.web.conftest import Client
from tests.web.demo_site import FOOD
from tests.web.flows import apply_url

CLERK = "window_clerk@township.yezhou"


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the functions handed to a worker thread (anyio's, which the app uses)."""
    handed: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        handed.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kw)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    yield handed


def _policy_due(house: House) -> None:
    entry = house.policy._entries[house.settings.tenant]
    entry.next_poll = 0.0  # the poll interval has passed


def _expire_item_caches(house: House) -> None:
    house.catalog._latest.expire()
    house.catalog.retired.expire()


def test_the_form_page_leaves_the_loop_only_for_what_is_not_in_memory(
    house: House, login: Callable[[str], Client], hops: list[str]
) -> None:
    clerk = login(CLERK)
    assert clerk.get(apply_url()).status_code == 200  # the caches fill
    hops.clear()
    assert clerk.get(apply_url()).status_code == 200
    # PostgreSQL too: the session is read on the loop's own connection (web/kv_async.py)
    assert hops == []

    _policy_due(house)
    hops.clear()
    assert clerk.get(apply_url()).status_code == 200
    assert house.policy.fresh(house.settings.tenant)  # polled on the way
    # SQLite: a local read; PostgreSQL: the loop's own connection (web/deps.py), whose
    # answer does not take the GIL from the loop the way a worker thread's did
    assert hops == [], "a due poll sent the page to a thread"

    # the item's newest version and the retired list run out too (every latest_ttl): read
    # again on the loop, and fresh afterwards
    _expire_item_caches(house)
    tenant = house.settings.tenant
    assert house.catalog.cached_latest(tenant, FOOD) is None
    hops.clear()
    assert clerk.get(apply_url()).status_code == 200
    assert hops == [], "re-reading the item sent the page to a thread"
    assert house.catalog.cached_latest(tenant, FOOD) is not None
    assert house.catalog.retired.cached(tenant) is not None


def test_a_form_body_not_rendered_yet_is_rendered_on_the_loop(
    house: House, login: Callable[[str], Client], hops: list[str]
) -> None:
    """The body's cache is emptied (a new item version, a full cache): rendering the blank
    form is CPU work only, so it stays on the loop, on PostgreSQL too."""
    clerk = login(CLERK)
    assert clerk.get(apply_url()).status_code == 200  # item, retired list, organisation
    bodies = clerk.app.state.form_bodies
    bodies.clear()
    hops.clear()
    page = clerk.get(apply_url())
    assert page.status_code == 200
    assert hops == [], "the uncached form went to a worker thread"
    assert len(bodies) == 1  # rendered, and cached for the next request
    ((_, body),) = bodies.values()
    assert str(body) in page.text  # the generated form, not an error page


@contextmanager
def _refreshing_elsewhere(house: House, code: str) -> Iterator[None]:
    """Another thread is in the middle of re-reading the organisation, the item's newest
    version and the retired list (the state a burst of requests meets when those caches
    run out together); it finishes after at most ``HELD_S``."""
    tenant = house.settings.tenant
    claimed = threading.Event()
    done = threading.Event()

    def refresher() -> None:
        with (
            house.policy._lock,
            house.catalog.refreshing(tenant, code),
            house.catalog.retired.reading(tenant),
        ):
            claimed.set()
            done.wait(HELD_S)

    thread = threading.Thread(target=refresher)
    thread.start()
    assert claimed.wait(5)
    try:
        yield
    finally:
        done.set()
        thread.join()


HELD_S = 3.0


def test_requests_meeting_a_refresh_in_flight_answer_from_memory_on_the_loop(
    house: House, login: Callable[[str], Client], hops: list[str]
) -> None:
    """Reproduces the PostgreSQL page's tail under wrk: when the cached answers ran out,
    every request arriving before the first re-read came back went to a worker thread
    (and waited there for the same read). Now one thread re-reads; the others answer from
    what the caches had, at once and on the loop."""
    clerk = login(CLERK)
    assert clerk.get(apply_url()).status_code == 200  # the caches fill
    tenant = house.settings.tenant
    _policy_due(house)
    _expire_item_caches(house)  # the newest versions and the retired list ran out too
    with _refreshing_elsewhere(house, FOOD):
        hops.clear()
        started = time.monotonic()
        page = clerk.get(apply_url())
        took = time.monotonic() - started
        assert page.status_code == 200
        assert 'name="_action"' in page.text  # the form, not an error page
        assert hops == [], hops
        assert took < HELD_S / 2, f"the page waited for the refresh ({took:.2f} s)"
        # nothing is fresh meanwhile, yet every cache answers
        assert house.policy.fresh(tenant)
        assert house.catalog.cached_latest(tenant, FOOD) is not None
        assert house.catalog.retired.cached(tenant) is not None
    # once the refresh is over, a stale answer is no longer good enough
    assert not house.policy.fresh(tenant)
    assert house.catalog.cached_latest(tenant, FOOD) is None
    assert house.catalog.retired.cached(tenant) is None
    assert clerk.get(apply_url()).status_code == 200  # and the next request re-reads them
    assert house.policy.fresh(tenant)
    assert house.catalog.cached_latest(tenant, FOOD) is not None


def test_an_item_retired_elsewhere_is_refused_once_the_list_is_read_again_on_the_loop(
    house: House, login: Callable[[str], Client], hops: list[str]
) -> None:
    """The re-read on the loop sees what another process wrote (on PostgreSQL through the
    loop's own connection, with the county's row-level security): an item retired there
    takes no new application here once the retired list runs out."""
    clerk = login(CLERK)
    assert clerk.get(apply_url()).status_code == 200  # the caches fill
    tenant = house.settings.tenant
    with transaction(house.sessions) as s:  # another process retires it (no cache of ours)
        s.add(ItemRetirement(tenant=tenant, code=FOOD, retired_by="admin", reason="合并"))
    assert clerk.get(apply_url()).status_code == 200  # the list is still fresh here
    _expire_item_caches(house)
    hops.clear()
    page = clerk.get(apply_url())
    assert page.status_code == 409, page.status_code
    assert "已停止办理" in page.text
    assert hops == [], hops
    assert house.catalog.retired.cached(tenant) == frozenset({FOOD})
