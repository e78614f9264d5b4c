"""Structured logs (structlog): one line per request with its id, method, route, status,
time taken and user; acts add the case number and the act (``bind``). JSON in production,
readable in a terminal (``BANSHI_LOG_FORMAT``: auto, json or console). Each response carries
its ``X-Request-ID`` (a caller's own id is kept when it is short and plain)."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

import msgspec
import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = structlog.get_logger("banshi.web")
#: What the request's handler learned (user, case, act), for the request's own log line:
#: one dict per request, shared with the worker threads its handler may hand work to
#: (they run in a copy of the context, so a plain contextvar binding would not come back).
_LEARNED: ContextVar[dict[str, Any] | None] = ContextVar("banshi_log_learned", default=None)


def _json_text(event: Any, **_: Any) -> str:
    """A log line as JSON, non-ASCII text as it is (msgspec: a fifth of the standard
    library's time on the request line every request writes); what msgspec cannot encode
    is written as its ``str``."""
    return msgspec.json.encode(event, enc_hook=str).decode()


def configure(fmt: str = "auto", level: str = "INFO") -> None:
    """Set up structlog once per process; ``auto`` is console on a terminal, JSON elsewhere."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json_text)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


def bind(**values: Any) -> None:
    """Add values (user, case, act) to every later log line of the current request, and to
    the request's own line."""
    structlog.contextvars.bind_contextvars(**values)
    learned = _LEARNED.get()
    if learned is not None:
        learned.update(values)


def request_logging(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        learned: dict[str, Any] = {}
        token = _LEARNED.set(learned)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
            await send(message)

        failure: str | None = None
        try:
            await app(scope, receive, send_wrapper)
        except BaseException as exc:
            # answered further out (an HTTP error raised by a middleware becomes its
            # status there; anything else is a fault or a client gone away)
            failure = type(exc).__name__
            status = getattr(exc, "status_code", status)
            raise
        finally:
            route = scope.get("path_template") or scope.get("path", "")
            if not str(route).startswith("/static"):
                log.info(
                    "request",
                    **{
                        **learned,
                        "method": scope.get("method"),
                        "route": route,
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        **({"failure": failure} if failure else {}),
                    },
                )
            _LEARNED.reset(token)
            structlog.contextvars.clear_contextvars()

    return middleware
