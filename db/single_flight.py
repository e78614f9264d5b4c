"""One refresh at a time for the caches every request reads (issue #15, the form page's tail).

The newest item versions, the retired codes and the organisation's snapshot are kept in
memory and read again from the database when their time is up (``latest_ttl``,
``BANSHI_POLICY_POLL_MS``). On PostgreSQL that read is a round trip, made in a worker
thread. Measured under wrk (32 connections): when a cached answer ran out, every request
arriving before the first read came back found it stale, went to a worker thread and read
it again; the requests sent to threads came back at the end of the event loop's queue,
and the form page's p99 was several times its median (up to 8 worker threads busy with
the same read).

Now the first request to find an answer stale claims its refresh; while that read is in
flight, the others answer with what the cache had, on the loop. A change made elsewhere
is therefore seen within the cache's time plus one read (milliseconds), instead of within
its time; a change made in this process is seen at once, as before (the writer refreshes
the cache itself)."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class Refreshes:
    """The keys whose refresh some thread is making right now."""

    def __init__(self) -> None:
        self._busy: set[Hashable] = set()
        self._lock = threading.Lock()

    def busy(self, key: Hashable) -> bool:
        """Whether another thread is reading ``key`` again now (its stale answer will do)."""
        return key in self._busy

    @contextmanager
    def claim(self, key: Hashable) -> Iterator[bool]:
        """True inside the block when this thread is to make the refresh of ``key``; False
        when another thread already is."""
        with self._lock:
            mine = key not in self._busy
            if mine:
                self._busy.add(key)
        try:
            yield mine
        finally:
            if mine:
                with self._lock:
                    self._busy.discard(key)
