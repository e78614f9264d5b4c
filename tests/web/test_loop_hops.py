"""Where the form page's work runs (issue #15, the form page's tail). A request that goes
to a worker thread comes back at the end of the event loop's queue, behind every request
in flight: 32 clients at once made the one that found the organisation's poll due the
slowest of all (in-process, p99 0.8 ms without the hop, 79 ms with it). So on SQLite the
page never leaves the loop, due poll or not; on PostgreSQL it stays there while the item,
the retired list and the organisation are fresh in memory, its session read included
(psycopg's asyncio connection, web/kv_async.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest

from house.wiring import House
from tests.web.conftest import Client
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
    if house.engine.dialect.name == "sqlite":
        assert hops == [], "a due poll sent the page to a thread"
    else:  # a due poll of PostgreSQL is a round trip: off the loop
        assert len(hops) >= 1, hops


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
