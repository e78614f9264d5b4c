"""/admin/log: every administrative change, newest first, filterable; never editable (the
page has no form that writes, and the log module no function that updates)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from admin.common import page, scope
from admin.items import ADMIN_GUARDS
from admin.log import AREAS, LogFilter, entries
from web.deps import UserDep, house_of


class LogController(Controller):
    path = "/admin/log"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=True)
    def log(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        sc = scope(request, user)
        q = request.query_params
        f = LogFilter(
            area=q.get("area", "") if q.get("area", "") in AREAS else "",
            actor=q.get("actor", "")[:100],
            target=q.get("target", "")[:100],
            limit=house.settings.admin_log_page,
        )
        with house.reading() as s:
            found = entries(s, house.settings.tenant, f)
        if not sc.reviewer:  # a department's admin sees its own department's items' changes
            found = [e for e in found if e.domain and sc.owns(house, e.domain)]
        return page(
            request,
            "admin/log.html",
            {"section": "/admin/log", "entries": found, "f": f, "areas": AREAS},
            block="results",
        )
