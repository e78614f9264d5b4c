"""``/publicity``: decided results of items that publish them, only the disclosed fields,
masked, for their publicity period (runtime/public/publicity.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from runtime.public.publicity import public_results
from web.deps import house_of
from web.public.common import catalogue, page


class PublicityController(Controller):
    path = "/publicity"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def results(
        self, request: Request[Any, Any, Any], item: FromQuery[str | None] = None
    ) -> Template:
        house = house_of(request)
        days = house.settings.publicity_days
        with house.reading() as s:
            rows = public_results(
                s, house.catalog, house.settings.tenant, datetime.now(UTC), days, item_code=item
            )
        items = [
            (e.code, e.name)
            for e in catalogue(request)
            if e.pub.definition.disclosure.publish_results
        ]
        return page(
            request,
            "public/publicity.html",
            {"rows": rows, "days": days, "items": items, "item": item or ""},
        )
