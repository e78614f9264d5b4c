"""``Idempotency-Key`` for API filings: a retried request never files twice.

The first answer to (tenant, user, key) is kept in the app's "idempotency" store (shared
by every process; the database or Redis) for ``idempotency_ttl_s``. The same key with the
same body replays that answer (``Idempotent-Replayed: true``); with a different body it is
refused (422). While the first request runs, the key is marked pending: a duplicate
arriving meanwhile waits for it in this process, and gets 409 (retry later) in another.
A refused filing (4xx/5xx) is not kept, so the client may retry it with the same key.
The pending mark is taken with the store's atomic ``add`` (the database's insert of an
absent key, Redis ``SET NX``), so duplicates in different processes cannot both file; a
store without it (Litestar's memory store) falls back to get-then-set.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.stores.base import Store

from runtime.errors import Conflict, InvalidInput
from web.deps import house_of

STORE = "idempotency"
HEADER = "Idempotency-Key"
MAX_KEY = 200

_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


class KeyReused(InvalidInput):
    code = "idempotency_key_reused"
    default_message = "这个幂等键已用于内容不同的请求，请换一个键"


def body_digest(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput(f"{HEADER} 应为 1 到 {MAX_KEY} 个可打印的 ASCII 字符")
    return key


async def _claim(store: Store, name: str, value: str, ttl: int) -> bool:
    add = getattr(store, "add", None)  # atomic in the database and Redis stores
    if add is not None:
        return bool(await add(name, value.encode(), ttl))
    if await store.get(name) is not None:
        return False
    await store.set(name, value, expires_in=ttl)
    return True


async def once(
    request: Request[Any, Any, Any],
    user: str,
    key: str,
    body: Any,
    status: int,
    run: Callable[[], Awaitable[dict[str, Any]]],
) -> Response[Any]:
    """Run ``run`` once per key: the first answer, replayed for the same key and body."""
    house = house_of(request)
    store: Store = request.app.stores.get(STORE)
    ttl = house.settings.idempotency_ttl_s
    name = f"{house.settings.tenant}:{user}:{hashlib.sha256(check_key(key).encode()).hexdigest()}"
    digest = body_digest(body)
    # duplicates in this process wait for the first (a lock per event loop and key)
    local = f"{id(asyncio.get_running_loop())}:{name}"
    lock = _locks.get(local)
    if lock is None:
        lock = _locks[local] = asyncio.Lock()
    async with lock:
        raw = await store.get(name)
        if raw is None:
            pending = json.dumps({"state": "pending", "body": digest})
            if await _claim(store, name, pending, ttl):
                try:
                    answer = await run()
                except BaseException:
                    await store.delete(name)  # not filed: the same key may be retried
                    raise
                done = {"state": "done", "body": digest, "status": status, "answer": answer}
                await store.set(name, json.dumps(done, ensure_ascii=False), expires_in=ttl)
                return Response(answer, status_code=status)
            raw = await store.get(name)
            if raw is None:  # the other request failed meanwhile
                raise Conflict("同一 Idempotency-Key 的请求刚刚失败，请重试")
        kept = json.loads(raw)
    if kept.get("body") != digest:
        raise KeyReused(f"这个 {HEADER} 已用于内容不同的请求，请换一个键")
    if kept.get("state") != "done":
        raise Conflict(f"同一 {HEADER} 的请求正在处理，请稍后重试")
    return Response(
        kept["answer"], status_code=int(kept["status"]), headers={"Idempotent-Replayed": "true"}
    )
