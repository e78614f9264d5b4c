"""Per-case-number limits of the public query (web, kiosk and SMS alike): besides the
per-address limit (web/ratelimit.py), one case number answers only so many queries a
minute from anywhere, so a code cannot be guessed from many addresses at once."""

from __future__ import annotations

from typing import Any

from litestar import Request

from web.deps import house_of
from web.ratelimit import STORE, TooManyRequests, hit, store_of


async def limit_case(request: Request[Any, Any, Any], number: str) -> None:
    """Raise 429 when ``number`` was queried too often this minute (from anywhere)."""
    house = house_of(request)
    per = house.settings.query_per_case_per_minute
    wait = await hit(store_of(request, STORE), f"query-case:{number[:32]}", per)
    if wait is not None:
        raise TooManyRequests("该案件查询太频繁，请一分钟后再试", wait)
