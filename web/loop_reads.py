"""The re-reads of what every page keeps in memory, made on PostgreSQL's event loop (#15).

The organisation's snapshot is polled every ``BANSHI_POLICY_POLL_MS``; an item's newest
version and the retired codes are re-read every ``latest_ttl`` (2 s). On PostgreSQL each
was a round trip in a worker thread, and a thread's answer does more harm than its round
trip: when it arrives the thread takes the GIL from the event loop (a convoy: the loop
waits up to the switch interval each time), and every request in flight waits with it.
Measured under wrk (32 connections, the cached form page, the session in memory): p99
58-62 ms with the organisation polled from a thread every 500 ms, 40-45 ms with the poll
every minute, and 43-45 ms with the poll here on the loop every 500 ms.

Here the one request that claims a re-read (db/single_flight.py) makes it on the loop's
own autocommit connection (web/kv_async.py); the others answer from memory meanwhile.
When the answer shows a change that needs more than a number (a reload of the
organisation, a new item version to compile), nothing is confirmed and the request goes
to a worker thread as before, where that work is done."""

from __future__ import annotations

from house.wiring import House
from rbac.policy import POLICY_VERSION
from runtime.publishing import NEWEST_VERSION
from runtime.retirement import RETIRED_CODES
from web.kv_async import AsyncReader, psycopg_sql

POLICY_VERSION_SQL, _ = psycopg_sql(POLICY_VERSION)
NEWEST_SQL, NEWEST_CONSTANTS = psycopg_sql(NEWEST_VERSION)
RETIRED_SQL, _ = psycopg_sql(RETIRED_CODES)


async def poll_policy(house: House, reader: AsyncReader, tenant: str) -> bool:
    """The organisation's due poll: True when it did not change (or another request is
    polling it now), so its snapshot answers on the loop."""
    with house.policy.polling(tenant) as mine:
        if not mine:
            return True
        row = await reader.first(POLICY_VERSION_SQL, {"t": tenant})
        return house.policy.confirm(tenant, int(row[0] or 0) if row is not None else 0)


async def refresh_item(house: House, reader: AsyncReader, tenant: str, code: str) -> None:
    """Re-read what the blank form of ``code`` needs and is stale: the item's newest version
    and the retired codes (the organisation is the guard's, :func:`poll_policy`)."""
    catalog = house.catalog
    if catalog.cached_latest(tenant, code) is None:
        with catalog.refreshing(tenant, code) as mine:
            if mine:
                row = await reader.first(NEWEST_SQL, {**NEWEST_CONSTANTS, "t": tenant, "c": code})
                catalog.confirm_latest(tenant, code, None if row is None else int(row[0]))
    retired = catalog.retired
    if retired.cached(tenant) is None:
        with retired.reading(tenant) as mine:
            if mine:
                rows = await reader.all(RETIRED_SQL, {"t": tenant})
                retired.put(tenant, frozenset(str(r[0]) for r in rows))
