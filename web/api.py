"""The JSON API under /api for kiosks and mobile terminals: the same acts and lookups as
the desk, the same permission checks (session login; CSRF header on writes)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any, ClassVar

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from runtime.errors import InvalidInput, NotAllowed
from runtime.queries import case_by_number
from runtime.service import Actor, Applicant, case_target
from web.auth import require_user
from web.blocking import run_blocking
from web.desk import _today, perform
from web.views import allowed_actions, case_view


class ApiController(Controller):
    path = "/api"
    tags: ClassVar[list[str]] = ["api"]

    @get("/items", summary="Published items (latest versions)")
    async def items(self, request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
        house = request.app.state.house
        with house.reading() as s:
            published = house.catalog.all_latest(s, house.settings.tenant)
        return [
            {
                "code": p.code,
                "version": p.version,
                "sha256": p.sha256,
                "name": p.definition.name,
                "owner": p.definition.owner,
                "handling": p.definition.handling.value,
                "accept": list(p.definition.levels.accept),
                "statutory_days": p.definition.limits.statutory_days,
                "promised_days": p.definition.limits.promised_days,
            }
            for p in published
        ]

    @get("/items/{code:str}", summary="One item: its definition and application JSON Schema")
    async def item(self, request: Request[Any, Any, Any], code: FromPath[str]) -> dict[str, Any]:
        house = request.app.state.house
        with house.reading() as s:
            pub = house.catalog.latest(s, house.settings.tenant, code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        return {
            "code": pub.code,
            "version": pub.version,
            "sha256": pub.sha256,
            "definition": pub.compiled.canonical,
            "application_schema": pub.compiled.schema,
        }

    @post(
        "/items/{code:str}/evaluate",
        summary="Evaluate application data: errors, visible and required fields, materials, steps, fees",
        status_code=200,  # creates nothing
    )
    async def evaluate(
        self, request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[dict[str, Any]]
    ) -> dict[str, Any]:
        house = request.app.state.house
        with house.reading() as s:
            pub = house.catalog.latest(s, house.settings.tenant, code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        ev = pub.compiled.evaluate(data)
        return {
            "ok": ev.ok,
            "data": ev.data,
            "errors": [e.as_dict() for e in ev.errors],
            "visible": ev.visible,
            "required": ev.required,
            "materials": [
                {
                    "key": m.material.key,
                    "name": m.material.name,
                    "required": m.required,
                    "exempt": m.exempt,
                }
                for m in ev.materials
            ],
            "steps": [s.key for s in ev.steps],
            "fees": [
                {"key": f.key, "name": f.name, "amount": str(f.amount), "basis": f.basis}
                for f in ev.fees
            ],
            "fee_total": str(ev.fee_total),
        }

    @post(
        "/items/{code:str}/applications", summary="File an application at a hall", status_code=201
    )
    async def apply(
        self, request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[dict[str, Any]]
    ) -> dict[str, Any]:
        user = require_user(request)
        house = request.app.state.house
        application = data.get("data")
        if not isinstance(application, dict):
            raise InvalidInput("请求体应包含 data（申请数据对象）")
        applicant = data.get("applicant") or {}
        domain = str(data.get("accepting_domain") or "")
        own = user.kind == "applicant"
        case = await run_blocking(
            request,
            partial(
                house.cases.submit,
                Actor(user.username),
                code,
                application,
                accepting_domain=domain,
                applicant=Applicant(
                    str(applicant.get("name") or (user.display_name if own else "")),
                    applicant.get("mobile"),
                    user.id if own else None,
                ),
            ),
        )
        return {
            "number": case.number,
            "query_code": case.query_code,
            "state": case.state,
            "version": case.version,
        }

    @get("/cases/{number:str}", summary="One case, as the user may see it")
    async def case(self, request: Request[Any, Any, Any], number: FromPath[str]) -> dict[str, Any]:
        user = require_user(request)
        house = request.app.state.house
        tenant = house.settings.tenant
        with house.reading() as s:
            case = case_by_number(s, tenant, number)
            if case is None:
                raise NotFoundException(f"案件 {number} 不存在")
            pub = house.catalog.by_id(s, case.item_version_id)
            decision = house.authorizer.can(user.username, "read", case_target(case, pub))
            if not decision.allowed:
                raise NotAllowed(decision.reason)
            view = case_view(
                s,
                case,
                pub,
                house.policy.snapshot(tenant),
                house.calendar(),
                _today(),
                house.settings.yellow_card_share,
            )
            actions = allowed_actions(house.authorizer, user.username, case, pub)
        return {
            "number": view.number,
            "version": view.version,
            "item": {"code": view.item_code, "name": view.item_name},
            "state": view.state,
            "state_name": view.state_name,
            "decision": view.decision,
            "current_step": view.step_name,
            "current_domain": view.current_domain,
            "deadline": view.deadline_text,
            "card": view.card,
            "data": json.loads(case.data),
            "events": [
                {"act": e.act_name, "at": e.at, "actor": e.actor, "reason": e.reason}
                for e in view.events
            ],
            "actions": [{"act": a.act, "label": a.label, "value": a.value} for a in actions],
        }

    @post("/cases/{number:str}/acts/{act:str}", summary="Perform an act on a case")
    async def act(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        act: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> dict[str, Any]:
        user = require_user(request)
        values = {
            k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
            for k, v in data.items()
            if v is not None
        }
        message = await run_blocking(
            request, partial(perform, request.app.state.house, user, number, act, values)
        )
        return {"message": message}
