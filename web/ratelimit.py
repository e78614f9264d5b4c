"""Rate limits every app process shares: one-minute windows (from a client's first try)
counted in the app's "ratelimit" store (the database or Redis, registered by ``create_app``; Litestar's memory
store when none is), keyed on the client address as ``web.clientip`` trusts it."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request
from litestar.stores.base import Store

from definitions.errors import BanshiError
from web.clientip import client_address
from web.deps import house_of

STORE = "ratelimit"
WINDOW_S = 60


class TooManyRequests(BanshiError):
    status = 429
    code = "rate_limited"
    default_message = "请求太频繁，请稍后再试"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def store_of(request: Request[Any, Any, Any], name: str) -> Store:
    return request.app.stores.get(name)


async def hit(store: Store, key: str, limit: int, window: int = WINDOW_S) -> int | None:
    """Count one try of ``key``; the seconds to wait when ``limit`` tries were already
    made in the window that began with the first of them, else None. Atomic across
    processes when the store counts (``incr``: the database and Redis stores of
    ``web.stores``); get-then-set otherwise (Litestar's memory store, one process)."""
    incr = getattr(store, "incr", None)
    if incr is not None:
        if int(await incr(key, window)) <= limit:
            return None
        return max(1, int(await store.expires_in(key) or window))
    now = time.time()
    raw = await store.get(key)
    count, ends = 0, now + window
    if raw is not None:
        text = raw.decode()
        count, ends = int(text.split(":")[0]), float(text.split(":")[1])
    if count >= limit:
        return max(1, int(ends - now + 0.999))
    await store.set(key, f"{count + 1}:{ends}", expires_in=max(1, int(ends - now + 0.999)))
    return None


async def limit(request: Request[Any, Any, Any], scope: str, per_minute: int, message: str) -> None:
    """Raise TooManyRequests (429 with Retry-After) when this client spent its tries."""
    house = house_of(request)
    client = client_address(request, house.settings.proxy_networks)
    wait = await hit(store_of(request, STORE), f"{scope}:{client}", per_minute)
    if wait is not None:
        raise TooManyRequests(message, wait)
