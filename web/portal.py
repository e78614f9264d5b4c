"""The public side (first part): case query by number + query code, rate-limited per
client address in the store all processes share, phone-sized and in a large-type kiosk
mode."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from runtime.queries import case_by_query
from runtime.states import STATE_NAMES
from web.ratelimit import limit


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
            # per client address, counted in the store every process shares
            await limit(
                request, "query", house.settings.query_per_minute, "查询太频繁，请一分钟后再试"
            )
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
