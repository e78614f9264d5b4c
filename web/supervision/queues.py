"""/supervision/queues — supervision's own work: complaints to accept and answer,
rectifications of bad ratings, cards awaiting an answer, each with its deadline and
warning (runtime/supervision/queues.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from runtime.supervision.queues import queues
from web.deps import HouseDep, UserDep
from web.pages import render_page
from web.supervision.common import GUARDS
from web.supervision.scope import china_today, scope_of, titles

KIND_NAMES = {
    "complaint_accept": "投诉待受理",
    "complaint_answer": "投诉待答复",
    "rectification": "差评整改",
    "card": "监察牌待说明",
}
QUEUE_NAMES = {
    "complaints": "投诉（受理与答复）",
    "rectifications": "差评整改",
    "cards": "监察牌待说明或处理",
}


class QueuesController(Controller):
    path = "/supervision"
    include_in_schema = False
    guards = GUARDS

    @get("/queues", sync_to_thread=True)
    def queues_page(
        self, request: Request[Any, Any, Any], house: HouseDep, user: UserDep
    ) -> Template:
        scope = scope_of(request, user)
        today = china_today()
        with house.reading() as s:
            lists = queues(
                s.connection(), house.calendar(), house.settings.tenant, today, scope.domains
            )
        return render_page(
            request,
            "supervision/queues.html",
            None,
            {
                "lists": lists,
                "today": today,
                "titles": titles(request),
                "kind_names": KIND_NAMES,
                "queue_names": QUEUE_NAMES,
            },
        )
