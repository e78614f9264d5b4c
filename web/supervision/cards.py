"""/supervision/cards — the card ledger: cards issued by rule and by supervisors, their
explanations and resolutions (appended, never edited); a supervisor issues a card with a
reason from a case's replay, records the explanation and resolves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from definitions.errors import BanshiError
from house.wiring import House
from rbac.policy import PolicySnapshot
from runtime.case_tables import Case
from runtime.errors import Conflict, InvalidInput
from runtime.publishing import Published
from runtime.supervision import cards as ledger
from runtime.supervision.rules import Watched
from runtime.supervision.sweep import issue_rule_cards
from web.auth import CurrentUser
from web.blocking import run_blocking
from web.deps import HouseDep, UserDep
from web.jsonbody import read_form
from web.pages import render_page
from web.supervision.common import GUARDS, item_names, visible_case
from web.supervision.scope import Scope, china_today, scope_of, titles

STATUSES = ("open", "explained", "resolved")


def holders(snap: PolicySnapshot, role: str, domain: str) -> list[str]:
    return sorted(g.username for g in snap.grants if g.role == role and g.domain == domain)


def responsible_for(
    snap: PolicySnapshot, pub: Published, step_key: str | None, domain: str | None
) -> tuple[str, str]:
    """Who holds the case's current step: the users with its role in its domain."""
    step = next((s for s in pub.definition.steps if s.key == step_key), None)
    where = domain or pub.definition.owner
    if step is None:
        return f"chief_representative@{where}", where
    people = holders(snap, step.role, where)
    return ("、".join(people) if people else f"{step.role}@{where}"), where


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await read_form(request)
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


class CardsController(Controller):
    path = "/supervision/cards"
    include_in_schema = False
    guards = GUARDS

    @get("/", sync_to_thread=True)
    def cards_page(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        status: FromQuery[str | None] = None,
    ) -> Template:
        return self._page(request, house, user, status if status in STATUSES else None)

    def _page(
        self,
        request: Request[Any, Any, Any],
        house: House,
        user: CurrentUser,
        status: str | None,
        *,
        error: str | None = None,
        code: int = 200,
        notice: str | None = None,
    ) -> Template:
        scope = scope_of(request, user)
        with house.reading() as s:
            rows = ledger.list_cards(
                s.connection(),
                house.settings.tenant,
                domains=None if scope.domains is None else list(scope.domains),
            )
        if status is not None:
            rows = [c for c in rows if c.status == status]
        return render_page(
            request,
            "supervision/cards.html",
            None,
            {
                "cards": rows,
                "status": status,
                "scope": scope,
                "titles": titles(request),
                "items": item_names(house),
                "colors": ledger.COLORS,
                "status_names": ledger.STATUS_NAMES,
                "resolutions": ledger.RESOLUTIONS,
                "today": china_today(),
                "error": error,
                "notice": notice,
            },
            code,
        )

    @post("/")
    async def issue(
        self, request: Request[Any, Any, Any], house: HouseDep, user: UserDep
    ) -> Template | Redirect:
        scope = scope_of(request, user)
        scope.require_act()
        form = await _form(request)
        return await run_blocking(request, lambda: self._issued(request, house, user, scope, form))

    def _issued(
        self,
        request: Request[Any, Any, Any],
        house: House,
        user: CurrentUser,
        scope: Scope,
        form: dict[str, str],
    ) -> Template | Redirect:
        number = form.get("number", "").strip()
        try:
            self._issue(house, scope, user, number, form.get("color", ""), form.get("reason", ""))
        except BanshiError as exc:
            return self._page(request, house, user, None, error=exc.shown, code=exc.status)
        return Redirect(f"/supervision/cases/{number}#cards-title", status_code=HTTP_303_SEE_OTHER)

    def _issue(
        self, house: House, scope: Scope, user: CurrentUser, number: str, color: str, reason: str
    ) -> int | None:
        tenant = house.settings.tenant
        snap = house.policy.snapshot(tenant)
        calendar = house.calendar()
        now = datetime.now(UTC)
        with transaction(house.sessions) as s:
            try:
                case: Case = visible_case(house, s, scope, number)
            except NotFoundException:
                raise InvalidInput(f"没有找到案件 {number}") from None
            pub = house.catalog.by_id(s, case.item_version_id)
            who, domain = responsible_for(snap, pub, case.current_step, case.current_domain)
            return ledger.issue(
                s.connection(),
                calendar,
                case_id=case.id,
                number=case.number,
                color=color,
                rule="manual",
                reason=reason,
                responsible=who,
                responsible_domain=domain,
                where={
                    "tenant": tenant,
                    "owner_domain": case.owner_domain,
                    "accepting_domain": case.accepting_domain,
                    "item_code": case.item_code,
                },
                issued_by=user.username,
                now=now,
                today=china_today(),
                answer_days=house.settings.supervision_card_answer_days,
            )

    @post("/{card_id:int}/entries")
    async def append(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        card_id: FromPath[int],
    ) -> Template | Redirect:
        scope = scope_of(request, user)
        scope.require_act()
        form = await _form(request)
        return await run_blocking(
            request, lambda: self._appended(request, house, user, scope, card_id, form)
        )

    def _appended(
        self,
        request: Request[Any, Any, Any],
        house: House,
        user: CurrentUser,
        scope: Scope,
        card_id: int,
        form: dict[str, str],
    ) -> Template | Redirect:
        tenant = house.settings.tenant
        try:
            with transaction(house.sessions) as s:
                conn = s.connection()
                card = ledger.card_by_id(conn, tenant, card_id)
                if not scope.sees(card.owner_domain, card.accepting_domain):
                    raise InvalidInput(f"没有找到监察牌 {card_id}")
                ledger.append(
                    conn,
                    tenant,
                    card_id,
                    kind=form.get("kind", ""),
                    text=form.get("text", ""),
                    resolution=form.get("resolution") or None,
                    by=user.username,
                    now=datetime.now(UTC),
                )
        except IntegrityError:
            exc: BanshiError = Conflict("该牌刚被他人处理，请刷新后再试")
            return self._page(request, house, user, None, error=exc.message, code=exc.status)
        except BanshiError as exc:
            return self._page(request, house, user, None, error=exc.shown, code=exc.status)
        return Redirect(f"/supervision/cards#card-{card_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/sweep", sync_to_thread=True)
    def sweep(self, request: Request[Any, Any, Any], house: HouseDep, user: UserDep) -> Template:
        scope = scope_of(request, user)
        scope.require_act()
        if scope.domains is not None:
            raise PermissionDeniedException("按规则发牌由县电子监察中心统一进行")
        issued = sweep_cards(house)
        return self._page(
            request, house, user, None, notice=f"按规则新出示监察牌 {len(issued)} 张。"
        )


def sweep_cards(house: House) -> list[int]:
    """Issue today's rule cards (idempotent); the responsible: the current step's holders."""
    settings = house.settings
    tenant = settings.tenant
    snap = house.policy.snapshot(tenant)
    calendar = house.calendar()
    with transaction(house.sessions) as s:
        pubs: dict[str, Published] = {}

        def responsible(w: Watched) -> tuple[str, str]:
            pub = pubs.get(w.item_code)
            if pub is None:
                found = house.catalog.latest(s, tenant, w.item_code)
                if found is None:
                    return f"负责人@{w.current_domain or w.owner_domain}", w.owner_domain
                pub = pubs[w.item_code] = found
            return responsible_for(snap, pub, w.step_key, w.current_domain)

        return issue_rule_cards(
            s.connection(),
            calendar,
            tenant,
            china_today(),
            datetime.now(UTC),
            yellow_share=settings.yellow_card_share,
            waiting_days=settings.supervision_waiting_days,
            responsible=responsible,
            answer_days=settings.supervision_card_answer_days,
        )
