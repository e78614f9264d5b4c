"""The sessions a process has just read, kept in memory for a few seconds (issue #15).

Every request with a session cookie reads its session from the shared store (the
database, or Redis). On SQLite that read is local and cheap; on PostgreSQL it is a round
trip on the event loop, and the form page interleaved with it (the page cost 0.57 ms of
CPU there against 0.35 ms with the session in memory, and 1301 against 1624 requests/s
under wrk). The hand-written page it is measured against keeps its session in the cookie.

:class:`CachedSessions` wraps the ``sessions`` store. A session it read, or wrote itself,
answers from memory for ``BANSHI_SESSION_CACHE_S`` seconds. What ends or changes a
session in another process reaches this one by push, the channel the organisation's
changes take (rbac/policy_push.py: PostgreSQL LISTEN/NOTIFY, or Redis pub/sub):

- every write and delete of a session (login, logout, the last-seen touch, an expired
  session removed) announces the session's digest on :data:`CHANNEL` after it is stored;
  every process drops its copy when the announcement arrives (milliseconds);
- a read that was under way when an announcement arrived is not kept (it may predate the
  change);
- when a copy's time is up, one request reads it again and the others answer with the
  copy until that read is back (not one read per request in flight);
- while the listener is not subscribed (starting, reconnecting, push turned off, SQLite
  without Redis) nothing is served from memory, and a reconnection drops every copy, since
  announcements may have been missed meanwhile.

So a logout in one process ends the session in the others as soon as its announcement
arrives, and at the latest after ``BANSHI_SESSION_CACHE_S`` if it were lost;
``BANSHI_SESSION_CACHE_S=0`` reads the store on every request. Deactivation, a new
password and a revoked role end sessions through the user's session epoch, which the
organisation's snapshot carries (web/auth.py), not through this cache.

The announcement carries a digest of the session id, never the id itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from litestar.stores.base import Store
from litestar.stores.registry import StoreRegistry

from db.single_flight import Refreshes

#: The channel session changes are announced on (beside rbac.policy_push.CHANNEL).
CHANNEL = "banshi_session"
#: The payload that drops every copy (a namespace emptied).
EVERYTHING = "*"

Announce = Callable[[str, str], Awaitable[None]]
log = logging.getLogger(__name__)


def digest(key: str) -> str:
    """What an announcement names a session by."""
    return hashlib.sha256(f"session:{key}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Copy:
    value: bytes
    at: float


class CachedSessions(Store):
    """``inner`` (the ``sessions`` namespace of the shared store) with recent reads and
    writes kept for ``ttl_s`` seconds, at most ``size`` of them."""

    def __init__(
        self,
        inner: Store,
        *,
        ttl_s: float,
        size: int,
        announce: Announce,
        listening: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.ttl_s = ttl_s
        self.size = size
        self._announce = announce
        self._listening = listening
        self._clock = clock
        self._copies: dict[str, _Copy] = {}
        self._reading = Refreshes()  # copies being read again (db/single_flight.py)
        #: Announcements received so far: a read that saw this move is not kept.
        self._dropped = 0

    # -- what the push listener calls (from its own thread) -----------------------------

    def drop(self, payload: str) -> None:
        """An announcement arrived: forget that session (or every one)."""
        self._dropped += 1
        if payload == EVERYTHING:
            self._copies.clear()
        else:
            self._copies.pop(payload, None)

    # -- the Store interface ---------------------------------------------------------

    def _keep(self, name: str, value: bytes) -> None:
        copies = self._copies
        if len(copies) >= self.size and name not in copies:
            # the oldest copy makes room (dicts keep their insertion order); the listener's
            # thread may empty the dict meanwhile
            with suppress(StopIteration, KeyError, RuntimeError):
                del copies[next(iter(copies))]
        copies[name] = _Copy(value, self._clock())

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        if renew_for or not self._listening():
            return await self.inner.get(key, renew_for)
        name = digest(key)
        copy = self._copies.get(name)
        if copy is not None and self._clock() - copy.at < self.ttl_s:
            return copy.value
        with self._reading.claim(name) as mine:
            if copy is not None and not mine:
                # one request re-reads a copy whose time is up, the others keep answering
                # with it meanwhile (an announcement still drops it at once): when every
                # request in flight re-read it together, the PostgreSQL page's p99 under
                # wrk went from 58-71 ms to 152-204 ms every BANSHI_SESSION_CACHE_S
                return copy.value
            dropped = self._dropped
            value = await self.inner.get(key)
            if value is not None and dropped == self._dropped and self._listening():
                self._keep(name, value)
            return value

    async def set(
        self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None
    ) -> None:
        name = digest(key)
        self._copies.pop(name, None)
        await self.inner.set(key, value, expires_in)
        await self._announce(CHANNEL, name)
        if self._listening():
            self._keep(name, value.encode() if isinstance(value, str) else value)

    async def delete(self, key: str) -> None:
        name = digest(key)
        self._copies.pop(name, None)
        await self.inner.delete(key)
        await self._announce(CHANNEL, name)

    async def delete_all(self) -> None:
        self._copies.clear()
        await self.inner.delete_all()
        await self._announce(CHANNEL, EVERYTHING)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await self.inner.expires_in(key)


def keep_sessions(
    registry: StoreRegistry, root: Store, ttl_s: float, size: int, listening: Callable[[], bool]
) -> CachedSessions | None:
    """Put a :class:`CachedSessions` in front of ``registry``'s ``sessions`` store (None
    when ``ttl_s`` is 0). ``root`` announces (both shared stores can); ``listening`` says
    whether this process hears the announcements now."""
    if ttl_s <= 0:
        return None
    announcer = getattr(root, "announce", None)

    async def announce(channel: str, payload: str) -> None:
        if announcer is None:
            return
        try:
            await announcer(channel, payload)
        except Exception:  # the copies elsewhere still end after ttl_s
            log.warning("session push: could not announce a change", exc_info=True)

    cached = CachedSessions(
        registry.get("sessions"), ttl_s=ttl_s, size=size, announce=announce, listening=listening
    )
    registry.register("sessions", cached, allow_override=True)
    return cached
