"""Security headers on every response, and what a refusal may say.

Set from a ``before_send`` hook (``add_security_headers``), which Litestar runs for every
response, including the 404 of a path no route matches (route middleware never sees those).
Pages and answers are ``Cache-Control: no-store`` (case pages and API answers carry ID
numbers and mobile numbers) unless the handler set its own caching; static assets keep
theirs."""

from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # htmx is served from our own origin; inline styles/scripts are not used (the QR SVG is markup).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
}


def security_headers(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_missing(message, no_store=False)
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the same headers on every response start."""
    if message["type"] == "http.response.start":
        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)
        _add_missing(message, no_store=not static)


#: The headers as ASGI sends them (lower-case names, latin-1 bytes), built once.
_ENCODED = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items())
_CACHE_CONTROL = (b"cache-control", b"no-store")


def _add_missing(message: HTTPResponseStartEvent, *, no_store: bool) -> None:
    """Append each header the response does not set itself (a handler's own
    ``Cache-Control`` or ``Content-Security-Policy`` wins): one pass over the response's
    header names, instead of a scan of them per header through ``MutableScopeHeaders``
    (a tenth of a page's time in Litestar's header objects, issue #15)."""
    headers = list(message.get("headers") or ())
    present = {bytes(name).lower() for name, _ in headers}
    headers.extend(h for h in _ENCODED if h[0] not in present)
    if no_store and _CACHE_CONTROL[0] not in present:
        headers.append(_CACHE_CONTROL)
    message["headers"] = headers


STATIC_PREFIX = "/static/"
#: A domain (county.scjg, township.*) or a user name (reviewer@county.scjg) in a message.
_NAMES_SOMEONE = re.compile(r"[A-Za-z_]+\.[A-Za-z0-9_.*]+|@")


def refusal_message(reason: str) -> str:
    """The permission API's reason as a 403 may show it: what was refused, but not which
    domains own what or who holds which role (``拒绝审查：reviewer@x 不是 county.y 的…``
    becomes ``拒绝审查：您没有相应的角色或授权``)."""
    if not _NAMES_SOMEONE.search(reason):
        return reason
    head, sep, _ = reason.partition("：")
    if sep and head.startswith("拒绝") and not _NAMES_SOMEONE.search(head):
        return f"{head}：您没有相应的角色或授权"
    return "您没有办理此项的权限"
