"""Security headers on every response, and what a refusal may say.

Set from a ``before_send`` hook (``add_security_headers``), which Litestar runs for every
response, including the 404 of a path no route matches (route middleware never sees those).
Pages and answers are ``Cache-Control: no-store`` (case pages and API answers carry ID
numbers and mobile numbers) unless the handler set its own caching; static assets keep
theirs."""

from __future__ import annotations

import re

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
                headers = MutableScopeHeaders.from_message(message)
                for key, value in HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the same headers on every response start."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for key, value in HEADERS.items():
            if key not in headers:
                headers[key] = value
        if "cache-control" not in headers and not str(scope.get("path", "")).startswith(
            STATIC_PREFIX
        ):
            headers["Cache-Control"] = "no-store"


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
