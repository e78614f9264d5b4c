"""/supervision/ — the warnings page (预警) — and /supervision/cases/{number}, the
process replay with the chain check."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select

from rbac.acts import ACT_NAMES
from runtime.supervision import cards as card_ledger
from runtime.supervision.queues import queues
from runtime.supervision.replay import replay
from runtime.supervision.rules import KIND_NAMES, SEVERITY_NAMES, Filters, warnings
from runtime.supervision_tables import SupervisionFinding
from web.deps import HouseDep, UserDep
from web.pages import render_page
from web.supervision.common import GUARDS, item_names, visible_case
from web.supervision.queues import QUEUE_NAMES
from web.supervision.scope import china_today, scope_of, titles

RULE_NAMES = {
    "refusal_without_reason": "不予受理或不予许可未说明理由",
    "fee_without_basis": "收费无法定依据",
}


def _choice(value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    return value if value in allowed else None


class WarningsController(Controller):
    path = "/supervision"
    include_in_schema = False
    guards = GUARDS

    @get("/", sync_to_thread=True)
    def warnings_page(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        department: FromQuery[str | None] = None,
        township: FromQuery[str | None] = None,
        item: FromQuery[str | None] = None,
        severity: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
    ) -> Template:
        scope = scope_of(request, user)
        settings = house.settings
        tenant = settings.tenant
        names = item_names(house)
        today = china_today()
        page = max(1, min(page, 10_000))
        filters = Filters(
            domains=scope.domains,
            department=_choice(department, scope.departments),
            township=_choice(township, scope.townships),
            item=_choice(item, sorted(names)),
            severity=_choice(severity, ("red", "yellow")),
        )
        size = settings.supervision_page_size
        with house.reading() as s:
            calendar = house.calendar()
            conn = s.connection()
            rows, more = warnings(
                conn,
                calendar,
                tenant,
                today,
                filters,
                yellow_share=settings.yellow_card_share,
                waiting_days=settings.supervision_waiting_days,
                limit=size,
                offset=(page - 1) * size,
            )
            findings = _findings(s, tenant, scope.domains)
            tasks = queues(conn, calendar, tenant, today, scope.domains)
        # complaints, rectifications and cards near or past their deadlines
        due_soon = {
            key: (
                sum(t.severity == "red" for t in items),
                sum(t.severity == "yellow" for t in items),
            )
            for key, items in tasks.items()
        }
        return render_page(
            request,
            "supervision/warnings.html",
            "results",
            {
                "rows": rows,
                "more": more,
                "page": page,
                "filters": filters,
                "scope": scope,
                "titles": titles(request),
                "items": names,
                "today": today,
                "severity_names": SEVERITY_NAMES,
                "kind_names": KIND_NAMES,
                "findings": findings,
                "rule_names": RULE_NAMES,
                "yellow_share": settings.yellow_card_share,
                "due_soon": due_soon,
                "queue_names": QUEUE_NAMES,
            },
        )

    @get("/cases/{number:str}", sync_to_thread=True)
    def replay_page(
        self, request: Request[Any, Any, Any], house: HouseDep, user: UserDep, number: FromPath[str]
    ) -> Template:
        scope = scope_of(request, user)
        tenant = house.settings.tenant
        today = china_today()
        snap = house.policy.snapshot(tenant)
        halls = frozenset(n for n, d in snap.domains.items() if d.kind in ("hall", "township"))
        with house.reading() as s:
            case = visible_case(house, s, scope, number)
            pub = house.catalog.by_id(s, case.item_version_id)
            view = replay(s, case, pub.definition, house.calendar(), today, halls)
            issued = card_ledger.list_cards(s.connection(), tenant, case_id=case.id)
        return render_page(
            request,
            "supervision/replay.html",
            None,
            {
                "case": case,
                "item_name": pub.definition.name,
                "replay": view,
                "titles": titles(request),
                "cards": issued,
                "scope": scope,
                "colors": card_ledger.COLORS,
                "status_names": card_ledger.STATUS_NAMES,
                "act_names": {**ACT_NAMES, "recompute_deadline": "重新计算期限"},
            },
        )


def _findings(session: Any, tenant: str, domains: tuple[str, ...] | None) -> list[Any]:
    f = SupervisionFinding
    q = select(f).where(f.tenant == tenant)
    if domains is not None:
        q = q.where(f.owner_domain.in_(domains) | f.accepting_domain.in_(domains))
    return list(session.execute(q.order_by(f.found_on.desc(), f.id.desc()).limit(20)).scalars())
