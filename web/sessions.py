"""Server-side sessions and the CSRF token bound to them.

The ``banshi_session`` cookie carries only a random id (256 bits); what the session holds
(who logged in, when, in which session epoch) lives in the shared ``sessions`` store
(web/stores.py: the database, or Redis), so every process sees the same sessions and a
session can be ended:

- logout deletes it from the store (a copied cookie names nothing any more);
- deactivation, a password change and a role revocation bump the user's session epoch
  (rbac/people.py), and a session opened in an older epoch is refused (web/auth.py);
- it ends after ``BANSHI_SESSION_IDLE_S`` without a request and ``BANSHI_SESSION_ABSOLUTE_S``
  after login, whatever the cookie says;
- login always starts a new id (:func:`start_session`): an id planted in a browser before
  login (session fixation) is never adopted, and an id that is not in the store is ignored.

Litestar's ``ServerSideSessionBackend`` would store an empty session (and write to the
store) on every anonymous request and keep the cookie's id across login; this backend
stores only non-empty sessions, writes a busy session at most every
``BANSHI_SESSION_TOUCH_S``, and rotates the id at login.

The CSRF token is Litestar's double-submit token, with its HMAC keyed by the session id
(:class:`SessionCsrfMiddleware`): a token minted for one session (or for none) is refused
in another, and the cookie is re-issued whenever the session changes (login, logout)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware, generate_csrf_hash
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, ScopeSession, Send
from litestar.utils.scope.state import ScopeState

from web.jsonbody import read_form

COOKIE = SESSION_COOKIE_KEY = "banshi_session"
#: Keys the session machinery keeps in every session.
ISSUED, SEEN = "iat", "seen"
_SESSION_ID = re.compile(r"^[0-9a-f]{64}$")
#: Where the backend leaves what it loaded, for the response (a private scope key).
_LOADED = "banshi.session_loaded"


@dataclass(frozen=True)
class _Loaded:
    session_id: str | None
    #: The stored session without its last-seen time, to tell a changed session (as
    #: canonical JSON: a handler may change a list inside the session in place).
    body: bytes
    seen: float


def _body(data: dict[str, Any]) -> bytes:
    """The session as canonical text without its last-seen time (msgspec: a fifth of the
    standard library's time, and it runs twice per request)."""
    return msgspec.json.encode(
        {k: v for k, v in data.items() if k != SEEN}, order="sorted", enc_hook=str
    )


def _new_id() -> str:
    return secrets.token_hex(32)


def current_session_id(scope: Scope) -> str | None:
    """The id of this request's session (None when anonymous); after :func:`start_session`
    the new id, after ``request.clear_session()`` None."""
    value = ScopeState.from_scope(scope).session_id
    return value if isinstance(value, str) and value else None


def start_session(connection: ASGIConnection[Any, Any, Any, Any], data: dict[str, Any]) -> str:
    """Begin a new session holding ``data`` under a new id (at login); the old session, if
    any, is deleted from the store when the response is sent. Returns the new id."""
    now = time.time()
    session_id = _new_id()
    connection.scope["session"] = {**data, ISSUED: now, SEEN: now}
    ScopeState.from_scope(connection.scope).session_id = session_id
    return session_id


def _ensure_session_id(scope: Scope) -> str | None:
    """A session that gained data without :func:`start_session` gets its id now, so the
    CSRF token issued with this response is bound to the id the cookie will carry."""
    data = scope.get("session")
    if not isinstance(data, dict) or not data:
        return current_session_id(scope)
    state = ScopeState.from_scope(scope)
    if not current_session_id(scope):
        state.session_id = _new_id()
    return current_session_id(scope)


class BanshiSessionBackend(ServerSideSessionBackend):
    config: BanshiSessionConfig

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        scope = connection.scope
        scope[_LOADED] = _Loaded(None, b"", 0.0)  # type: ignore[literal-required]
        session_id = connection.cookies.get(self.config.key)
        if not session_id or not _SESSION_ID.match(session_id):
            return {}
        store = self.config.get_store_from_app(scope["app"])
        raw = await store.get(session_id)
        if raw is None:
            return {}
        try:
            data = self.deserialize_data(raw)
        except Exception:  # a value this version cannot read is no session
            data = {}
        now = time.time()
        issued, seen = data.get(ISSUED), data.get(SEEN)
        if (
            not isinstance(issued, int | float)
            or not isinstance(seen, int | float)
            or now - issued > self.config.absolute_s
            or now - seen > self.config.idle_s
        ):
            await store.delete(session_id)
            return {}
        scope[_LOADED] = _Loaded(session_id, _body(data), float(seen))  # type: ignore[literal-required]
        return data

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        # Only an id whose session was found; never one taken from the cookie alone.
        loaded = connection.scope.get(_LOADED)
        return loaded.session_id if isinstance(loaded, _Loaded) and loaded.session_id else ""

    def _cookie(self, value: str, *, expire: bool = False) -> str:
        cookie = Cookie(
            key=self.config.key,
            value=value,
            path=self.config.path,
            domain=self.config.domain,
            secure=self.config.secure,
            httponly=self.config.httponly,
            samesite=self.config.samesite,
            expires=0 if expire else None,
            max_age=None if expire else self.config.absolute_s,
        )
        return cookie.to_header(header="")

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        scope = connection.scope
        loaded = scope.get(_LOADED)
        if not isinstance(loaded, _Loaded):
            loaded = _Loaded(None, b"", 0.0)
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        had_cookie = bool(connection.cookies.get(self.config.key))
        if scope_session is Empty or not scope_session:
            if loaded.session_id:
                await store.delete(loaded.session_id)
            if had_cookie:
                headers.add("Set-Cookie", self._cookie("null", expire=True))
            return
        data: dict[str, Any] = dict(scope_session)  # type: ignore[arg-type]
        session_id = _ensure_session_id(scope) or _new_id()
        now = time.time()
        data.setdefault(ISSUED, now)
        rotated = session_id != loaded.session_id
        changed = _body(data) != loaded.body
        if not (rotated or changed or now - loaded.seen >= self.config.touch_s):
            return
        data[SEEN] = now
        left = self.config.absolute_s - (now - float(data[ISSUED]))
        await store.set(session_id, self.serialize_data(data, scope), expires_in=max(1, int(left)))
        if rotated:
            if loaded.session_id:
                await store.delete(loaded.session_id)
            headers.add("Set-Cookie", self._cookie(session_id))


@dataclass
class BanshiSessionConfig(ServerSideSessionConfig):
    """Litestar's server-side session config with the lifetimes as settings."""

    _backend_class = BanshiSessionBackend

    idle_s: int = field(default=3600)
    absolute_s: int = field(default=36000)
    touch_s: int = field(default=60)


def session_config(
    *, secure: bool, idle_s: int, absolute_s: int, touch_s: int
) -> BanshiSessionConfig:
    return BanshiSessionConfig(
        key=COOKIE,
        store="sessions",
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=absolute_s,
        idle_s=idle_s,
        absolute_s=absolute_s,
        touch_s=touch_s,
        # Static files need no session (and no store read).
        exclude=["^/static/"],
    )


# ----------------------------------------------------------------------------- CSRF


def _binding_key(secret: str, session_id: str | None) -> str:
    """The HMAC key of CSRF tokens in this session (or for anonymous visitors)."""
    return hmac.new(
        secret.encode(), f"csrf:{session_id or '-'}".encode(), hashlib.sha256
    ).hexdigest()


def _mint(key: str) -> str:
    token = secrets.token_hex(CSRF_SECRET_LENGTH // 2)
    return token + generate_csrf_hash(token=token, secret=key)


def _decode(token: str | None, key: str) -> str | None:
    if not token or len(token) < CSRF_SECRET_LENGTH + 1:
        return None
    head, mac = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    expected = generate_csrf_hash(token=head, secret=key)
    return head if hmac.compare_digest(mac, expected) else None


class SessionCsrfMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware with tokens bound to the session id. It must run inside
    the session middleware (it reads the session id the session middleware set)."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        super().__init__(app, config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        if _LOADED not in scope and request.method in self.config.safe_methods:
            # The session middleware skipped this path (static files): which session the
            # browser is in is unknown here, so no token is issued. (One bound to no
            # session would replace the page's cookie, and its next form would fail.)
            await self.app(scope, receive, send)
            return
        bound_to = current_session_id(scope)
        key = _binding_key(self.config.secret, bound_to)
        cookie = request.cookies.get(self.config.cookie_name)
        state = ScopeState.from_scope(scope)
        token: str
        if request.method in self.config.safe_methods:
            token = cookie if cookie and _decode(cookie, key) else _mint(key)
        else:
            sent = request.headers.get(self.config.header_name)
            content_type, _ = request.content_type
            if not sent and content_type in {
                RequestEncodingType.URL_ENCODED,
                RequestEncodingType.MULTI_PART,
            }:
                form = await read_form(request)  # within the form limits (web.jsonbody)
                value = form.get("_csrf_token", None)
                sent = value if isinstance(value, str) else None
            mine, theirs = _decode(sent, key), _decode(cookie, key)
            if mine is None or theirs is None or not hmac.compare_digest(mine, theirs):
                if bound_to is None and request.cookies.get(SESSION_COOKIE_KEY):
                    # The form was made in a session that has ended (idle, logout
                    # elsewhere): say so and send them to log in, not "CSRF failed".
                    raise NotAuthorizedException("登录已过期，请重新登录")
                raise PermissionDeniedException("CSRF token verification failed")
            token = sent or ""
        state.csrf_token = token

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                now_bound = _ensure_session_id(scope)
                issue = token if token != cookie else None
                if now_bound != bound_to:  # logged in or out: a token for the new session
                    issue = _mint(_binding_key(self.config.secret, now_bound))
                if issue:
                    message.setdefault("headers", [])
                    self._set_cookie_if_needed(message=message, token=issue)
            await send(message)

        await self.app(scope, receive, send_wrapper)
