"""Policy changes pushed to every process, beside the poll.

Each process keeps its organisation snapshot fresh by polling ``org_policy_version`` at
most every ``BANSHI_POLICY_POLL_MS`` (rbac/policy.py). That bounds how stale a process can
be, but a revoked grant stays usable elsewhere for up to a poll interval. Push closes it:

* the changing transaction announces the change (:func:`announce`, called by
  ``bump_policy_version``): on PostgreSQL ``pg_notify`` on :data:`CHANNEL`, which the
  server delivers at commit and never for a rolled-back change (engine-specific); with
  Redis configured, a ``PUBLISH`` on the same channel name after the commit;
* every web process runs one :class:`PolicyListener`, a daemon thread with a connection of
  its own (``LISTEN``, or a Redis subscription) that reloads the tenant's snapshot as soon
  as a change is announced, so the next request already sees it and pays no reload.

The poll stays: a listener that lost its connection reconnects and reloads once (changes
may have been missed meanwhile), and SQLite without Redis has nothing to push with (one
process there anyway). The payload is the tenant, so one channel serves a province.

The same listener serves other channels given to it (``others``: channel -> handler of
the payload, called in the listener's thread; after a reconnection each handler is called
with ``"*"``, everything may have changed): the sessions kept in memory
(web/session_cache.py) are dropped through it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from rbac.policy import PolicyStore

CHANNEL = "banshi_policy"
#: How long the listener waits for a notification before looking at its stop flag (s).
WAIT_S = 1.0
#: Pause before reconnecting after the listener's connection failed (s).
RECONNECT_S = 1.0

log = logging.getLogger(__name__)
_redis_urls: set[str] = set()  # where this process publishes (one per running listener)


def announce(session: Session, tenant: str) -> None:
    """Tell the other processes, once ``session`` commits, that ``tenant``'s
    organisation changed."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # engine-specific (PostgreSQL): queued with the transaction, delivered at commit
        session.execute(text("SELECT pg_notify(:c, :t)"), {"c": CHANNEL, "t": tenant})
    if _redis_urls:
        urls = set(_redis_urls)

        def publish(_session: Session) -> None:
            for url in urls:
                try:
                    import redis

                    with redis.Redis.from_url(url) as client:
                        client.publish(CHANNEL, tenant)
                except Exception:  # the poll still carries the change
                    log.warning("policy push: could not publish to Redis", exc_info=True)

        event.listen(session, "after_commit", publish, once=True)


class PolicyListener:
    """Reloads ``store``'s snapshot of a tenant whenever a change is announced."""

    def __init__(
        self,
        engine: Engine,
        store: PolicyStore,
        tenants: tuple[str, ...],
        redis_url: str | None = None,
        others: Mapping[str, Callable[[str], None]] | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.tenants = tenants  # reloaded after a reconnection
        self.redis_url = redis_url
        self.others = dict(others or {})
        self.listening = threading.Event()  # set once subscribed (tests wait for it)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.redis_url is not None or self.engine.dialect.name == "postgresql"

    def start(self) -> PolicyListener:
        if self.available and self._thread is None:
            if self.redis_url:
                _redis_urls.add(self.redis_url)
            self._thread = threading.Thread(
                target=self._run, name="banshi-policy-push", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.listening.clear()
        if self.redis_url:
            _redis_urls.discard(self.redis_url)
        if self._thread is not None:
            self._thread.join(WAIT_S * 3)
            self._thread = None

    def _changed(self, tenant: str) -> None:
        try:
            self.store.refresh(tenant)
        except Exception:  # the poll will try again on the next request
            log.warning("policy push: reload of %s failed", tenant, exc_info=True)

    def _heard(self, channel: str, payload: str) -> None:
        handler = self.others.get(channel)
        if handler is None:
            self._changed(payload)
            return
        try:
            handler(payload)
        except Exception:
            log.warning("push: handler of %s failed", channel, exc_info=True)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                if self.redis_url:
                    self._redis(first)
                else:
                    self._postgres(first)
            except Exception:
                self.listening.clear()
                log.warning("policy push: listener connection lost; reconnecting", exc_info=True)
                self._stop.wait(RECONNECT_S)
            first = False

    def _caught_up(self, first: bool) -> None:
        """After (re)subscribing: changes made while not listening are reloaded now."""
        for handler in self.others.values():  # what they keep may have missed a change
            handler("*")
        self.listening.set()
        if not first:
            for tenant in self.tenants:
                self._changed(tenant)

    def _postgres(self, first: bool) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for channel in (CHANNEL, *self.others):
                conn.execute(f"LISTEN {channel}")  # engine-specific (PostgreSQL)
            self._caught_up(first)
            while not self._stop.is_set():
                for note in conn.notifies(timeout=WAIT_S):
                    self._heard(note.channel, note.payload)

    def _redis(self, first: bool) -> None:
        import redis

        assert self.redis_url is not None
        with redis.Redis.from_url(self.redis_url) as client, client.pubsub() as sub:
            sub.subscribe(CHANNEL, *self.others)
            self._caught_up(first)
            while not self._stop.is_set():
                message: Any = sub.get_message(ignore_subscribe_messages=True, timeout=WAIT_S)
                if message and message.get("type") == "message":
                    data, channel = message["data"], message["channel"]
                    self._heard(
                        channel.decode() if isinstance(channel, bytes) else str(channel),
                        data.decode() if isinstance(data, bytes) else str(data),
                    )
