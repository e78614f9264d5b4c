"""The public side (first part): case query by number + query code, rate-limited,
phone-sized and in a large-type kiosk mode."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from runtime.errors import ActError
from runtime.queries import case_by_query
from runtime.states import STATE_NAMES
from web.clientip import client_address

WINDOW_SECONDS = 60.0
MAX_TRIES = 10


class TooManyTries(ActError):
    status = 429
    code = "rate_limited"


class RateLimiter:
    """At most ``limit`` tries per client per window (per process)."""

    def __init__(self, limit: int = MAX_TRIES, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


class PortalController(Controller):
    path = "/query"
    include_in_schema = False

    @get("/")
    async def query(
        self,
        request: Request[Any, Any, Any],
        number: FromQuery[str | None] = None,
        code: FromQuery[str | None] = None,
        kiosk: FromQuery[bool] = False,
    ) -> Template:
        house = request.app.state.house
        context: dict[str, Any] = {
            "number": number or "",
            "code": code or "",
            "kiosk": kiosk,
            "htmx_available": request.app.state.htmx_available,
        }
        if number and code:
            limiter: RateLimiter = request.app.state.setdefault("query_limiter", RateLimiter())
            client = client_address(request, house.settings.proxy_networks)
            if not limiter.hit(client):
                raise TooManyTries("查询太频繁，请一分钟后再试")
            with house.reading() as s:
                case = case_by_query(s, house.settings.tenant, number.strip(), code)
                if case is None:
                    context["error"] = "案件编号或查询码不正确"
                else:
                    pub = house.catalog.by_id(s, case.item_version_id)
                    context["result"] = {
                        "number": case.number,
                        "item": pub.definition.name,
                        "state": STATE_NAMES.get(case.state, case.state),
                        "due": case.due_promised,
                        "phone": pub.definition.service.phone,
                        "complaint": pub.definition.service.complaint,
                    }
        return Template(
            template_name="query.html",
            context=context,
            status_code=200 if "error" not in context else 404,
        )
