"""The login form and logout, with login throttling.

Every wrong password is counted per user name and per client address (web/clientip.py)
in the shared ``login`` store, so all processes count together:

- after ``BANSHI_LOGIN_FREE_ATTEMPTS`` wrong passwords for a user name (or
  ``BANSHI_LOGIN_ADDRESS_FREE_ATTEMPTS`` from an address) each further try must wait
  ``BANSHI_LOGIN_DELAY_S``, doubling with every wrong password up to
  ``BANSHI_LOGIN_MAX_DELAY_S``; a try before then is answered 429 with Retry-After,
  without looking at the password;
- beyond the free attempts only one try per user name (and address) runs at a time, so a
  burst of parallel guesses gets 429s, not more guesses;
- ``BANSHI_LOGIN_LOCK_AFTER`` wrong passwords lock the account (``org_user.locked_at``)
  until an admin runs ``banshi user unlock USER``; a user name nobody has is "locked" in the
  store alike (for the counting window), so the answers do not tell who exists;
- every wait imposed and every lock is an ``org_audit`` row (``login.throttle``,
  ``login.lock``); the admin's unlock is ``user.unlock``.

Passwords are verified with argon2 in worker threads (at most ``BANSHI_LOGIN_HASH_THREADS``
at once per process), never on the event loop; an unknown user costs the same argon2 work.

A web admin page would lift locks through the same two calls as ``banshi user unlock``:
``rbac.people.unlock_user`` in a transaction, then :func:`clear_login_counters`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.stores.base import Store

from db.engine import transaction
from house.settings import Settings
from rbac.people import lock_user, record_login_event
from web.auth import (
    EPOCH_KEY,
    SESSION_KEY,
    USER_ID_KEY,
    Credentials,
    CurrentUser,
    check_credentials,
)
from web.clientip import client_address
from web.deps import house_of
from web.sessions import start_session
from web.stores import CountingStore, counting

WRONG = "用户名或密码不正确，或账号已停用"
LOCKED = "登录失败次数过多，账号已锁定。请联系管理员解锁。"
#: How long a try that runs beyond the free attempts holds its turn at most (seconds).
TURN_S = 30
#: Longest user name looked at (longer ones are counted by their first characters).
NAME_CHARS = 200


def _too_soon(seconds: int) -> str:
    return f"登录尝试过于频繁，请 {seconds} 秒后再试。"


@dataclass(frozen=True)
class Limits:
    free: int
    address_free: int
    delay_s: int
    max_delay_s: int
    lock_after: int
    window_s: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.login_free_attempts,
            settings.login_address_free_attempts,
            settings.login_delay_s,
            settings.login_max_delay_s,
            settings.login_lock_after,
            settings.login_window_s,
        )

    def delay(self, failures: int, free: int) -> int:
        """The wait after ``failures`` wrong passwords (0 within the free attempts)."""
        if failures < free:
            return 0
        return int(min(self.delay_s * 2 ** min(failures - free, 32), self.max_delay_s))


def account_key(tenant: str, username: str) -> str:
    digest = hashlib.sha256(username.casefold().encode("utf-8", "replace")).hexdigest()
    return f"acct:{tenant}:{digest[:40]}"


def address_key(address: str) -> str:
    return f"addr:{address}"


@dataclass
class Attempt:
    """One login try that may go ahead: its number per user name and per address."""

    account: str
    address: str
    tries: dict[str, int]
    turns: list[str] = field(default_factory=list)
    #: Beyond the lock threshold (answered as locked without a verification).
    locked: bool = False


class LoginThrottle:
    """Counts login tries in a shared store (see the module's docstring)."""

    def __init__(self, store: CountingStore, limits: Limits) -> None:
        self.store = store
        self.raw: Store = store  # type: ignore[assignment]
        self.limits = limits

    def _free(self, key: str) -> int:
        return self.limits.free if key.startswith("acct:") else self.limits.address_free

    async def begin(self, account: str, address: str) -> Attempt | int:
        """An :class:`Attempt`, or the seconds to wait before trying again."""
        waits = [await self.raw.expires_in(f"block:{k}") for k in (account, address)]
        if any(waits):
            return max(w or 0 for w in waits)
        tries = {
            k: await self.store.incr(f"n:{k}", self.limits.window_s) for k in (account, address)
        }
        attempt = Attempt(account, address, tries)
        if tries[account] > self.limits.lock_after:
            attempt.locked = True
            return attempt
        for key, n in tries.items():
            if n > self._free(key):
                if not await self.store.add(f"turn:{key}", b"1", TURN_S):
                    await self.release(attempt)
                    await self._uncount(attempt)
                    return 1
                attempt.turns.append(key)
        return attempt

    async def release(self, attempt: Attempt) -> None:
        for key in attempt.turns:
            await self.raw.delete(f"turn:{key}")
        attempt.turns.clear()

    async def _uncount(self, attempt: Attempt) -> None:
        for key in attempt.tries:
            await self.store.incr(f"n:{key}", self.limits.window_s, -1)

    async def succeeded(self, attempt: Attempt) -> None:
        """A right password: the user name starts afresh; the address's count of wrong
        passwords stays (this try was not one of them)."""
        await self.release(attempt)
        await self.store.incr(f"n:{attempt.address}", self.limits.window_s, -1)
        await self.raw.delete(f"n:{attempt.account}")
        await self.raw.delete(f"block:{attempt.account}")

    def locks(self, attempt: Attempt) -> bool:
        """Whether this try, if wrong, locks the user name."""
        return attempt.tries[attempt.account] >= self.limits.lock_after

    async def failed(self, attempt: Attempt) -> dict[str, int]:
        """A wrong password: the waits it imposes, per key (seconds). A try that locks the
        user name imposes no wait on it (the lock answers from now on)."""
        await self.release(attempt)
        waits: dict[str, int] = {}
        for key, n in attempt.tries.items():
            if key == attempt.account and self.locks(attempt):
                continue
            wait = self.limits.delay(n, self._free(key))
            if wait:
                await self.raw.set(f"block:{key}", b"1", expires_in=wait)
                waits[key] = wait
        return waits


async def clear_login_counters(store: Store, tenant: str, username: str) -> None:
    """Forget a user name's wrong passwords and waits (with ``banshi user unlock``)."""
    key = account_key(tenant, username)
    for prefix in ("n", "block", "turn"):
        await store.delete(f"{prefix}:{key}")


# ----------------------------------------------------------------------------- pages


#: Where a user lands after logging in without a page to return to: the desk for anyone
#: who handles cases, else their own work (supervision, administration), citizens their cases.
_DESK_ROLES = frozenset({"window_clerk", "reviewer", "chief_representative", "department_head"})


def _home(house: Any, user: CurrentUser) -> str:
    if user.kind == "applicant":
        return "/me"
    roles = {g.role for g in house.policy.snapshot(house.settings.tenant).grants_of(user.username)}
    if roles & _DESK_ROLES or not roles:
        return "/desk"
    if "supervisor" in roles:
        return "/supervision/"
    return "/admin/items" if "admin" in roles else "/desk"


def _page(
    request: Request[Any, Any, Any],
    status: int = 200,
    *,
    error: str | None = None,
    username: str = "",
    next_url: str | None = None,
    retry_after: int | None = None,
) -> Template:
    return Template(
        template_name="login.html",
        context={
            "error": error,
            "username": username,
            "next": next_url,
            "demo": house_of(request).settings.demo_mode,
            "htmx_available": request.app.state.htmx_available,
        },
        status_code=status,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


@get("/login", include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any], next: FromQuery[str | None] = None
) -> Template:
    return _page(request, next_url=next)


def _limiter(request: Request[Any, Any, Any]) -> anyio.CapacityLimiter:
    state = request.app.state
    limiter = state.get("login_limiter")
    if limiter is None:
        limiter = anyio.CapacityLimiter(state.house.settings.login_hash_threads)
        state["login_limiter"] = limiter
    return limiter


def _audit(
    house: Any,
    failed: str,
    address: str,
    waits: dict[str, int],
    tries: dict[str, int],
    account: str,
    lock: bool,
) -> None:
    """The audit rows of one wrong password (synchronous: run in a worker thread)."""
    tenant = house.settings.tenant
    with transaction(house.sessions) as s:
        for key, wait in waits.items():
            by_account = key == account
            record_login_event(
                s,
                tenant,
                address if by_account else failed,
                "login.throttle",
                failed if by_account else address,
                scope="account" if by_account else "address",
                failures=tries[key],
                retry_after_s=wait,
                **({"address": address} if by_account else {"username": failed}),
            )
        if lock and not lock_user(
            s, tenant, failed, actor=address, failures=tries[account], address=address
        ):
            record_login_event(
                s,
                tenant,
                address,
                "login.lock",
                failed,
                failures=tries[account],
                address=address,
                known_user=False,
            )


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any]) -> Template | Redirect:
    house = house_of(request)
    settings: Settings = house.settings
    form = await request.form()
    username = str(form.get("username") or "").strip()[:NAME_CHARS]
    password = str(form.get("password") or "")
    target = str(form.get("next") or "")
    if not target.startswith("/") or target.startswith("//"):
        target = ""  # the user's home, once we know who it is
    if not username or not password:
        return _page(request, 401, error=WRONG, username=username, next_url=target)
    throttle = LoginThrottle(counting(request.app.stores.get("login")), Limits.of(settings))
    address = client_address(request, settings.proxy_networks)
    account = account_key(settings.tenant, username)
    attempt = await throttle.begin(account, address_key(address))
    if isinstance(attempt, int):
        return _page(
            request,
            429,
            error=_too_soon(attempt),
            username=username,
            next_url=target,
            retry_after=attempt,
        )
    if attempt.locked:  # no verification; it still counts against the address
        waits = await throttle.failed(attempt)
        if waits:
            await anyio.to_thread.run_sync(
                _audit, house, username, address, waits, attempt.tries, account, False
            )
        return _page(request, 403, error=LOCKED, username=username, next_url=target)
    try:
        found: Credentials = await anyio.to_thread.run_sync(
            check_credentials, house, username, password, limiter=_limiter(request)
        )
    except BaseException:
        await throttle.release(attempt)
        raise
    if found.user is not None and not found.locked:
        await throttle.succeeded(attempt)
        start_session(
            request,
            {SESSION_KEY: found.user.username, USER_ID_KEY: found.user.id, EPOCH_KEY: found.epoch},
        )
        return Redirect(target or _home(house, found.user), status_code=HTTP_303_SEE_OTHER)
    if found.locked:  # locked by the database (an earlier counting window): no more counting
        await throttle.release(attempt)
        return _page(request, 403, error=LOCKED, username=username, next_url=target)
    lock = throttle.locks(attempt)
    waits = await throttle.failed(attempt)
    if waits or lock:
        await anyio.to_thread.run_sync(
            _audit, house, username, address, waits, attempt.tries, account, lock
        )
    if lock:
        return _page(request, 403, error=LOCKED, username=username, next_url=target)
    message = WRONG
    if waits:
        message += "。" + _too_soon(max(waits.values()))
    return _page(request, 401, error=message, username=username, next_url=target)


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """End the session: it is deleted from the store, so a copy of the cookie names nothing."""
    request.clear_session()
    return Redirect("/login", status_code=HTTP_303_SEE_OTHER)


LOGIN_ROUTES = [login_page, login, logout]
