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
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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


class Kept(Generic[K, V]):
    """Answers kept for ``ttl`` seconds per key, re-read by one thread at a time: the
    catalogue's newest versions and the retired codes."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._kept: dict[K, tuple[V, float]] = {}
        self._reading = Refreshes()

    def cached(self, key: K) -> V | None:
        """The answer while it is fresh, or a stale one while another thread or request
        reads it again; else None."""
        hit = self._kept.get(key)
        if hit is not None and (hit[1] > time.monotonic() or self._reading.busy(key)):
            return hit[0]
        return None

    def get(self, key: K, read: Callable[[], V | None]) -> V | None:
        """The fresh answer, or ``read()`` (kept unless None); while another thread reads
        ``key`` again, the stale answer."""
        hit = self._kept.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with self._reading.claim(key) as mine:
            if hit is not None and not mine:  # another thread is reading it now
                return hit[0]
            value = read()
            if value is not None:
                self.put(key, value)
            return value

    def reading(self, key: K) -> AbstractContextManager[bool]:
        """Claim the re-read of ``key`` for a reader of one's own (an event loop's
        connection): True inside when the claim is the caller's; meanwhile the cached
        answer stands for everyone."""
        return self._reading.claim(key)

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for another ``ttl`` (read here, or by a reader elsewhere)."""
        self._kept[key] = (value, time.monotonic() + self.ttl)

    def forget(self, key: K) -> None:
        self._kept.pop(key, None)

    def expire(self) -> None:
        """Let every answer run out now (what ``ttl`` seconds would do)."""
        self._kept = {k: (v, 0.0) for k, (v, _) in self._kept.items()}
