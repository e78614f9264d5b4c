"""Evaluation pages: ``/cases/{number}/evaluate`` (from the completion SMS link, the
query page or "my cases"), the public results per department (``/evaluations``), and the
departments' rectification tasks (``/rectifications``: the chief representative or the
head of the responsible department, or a supervisor above it, records the call-back and
the fix). The rules are in runtime/public/evaluations.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import Guard

from db.engine import transaction
from rbac.targets import DomainTarget
from runtime.errors import InvalidInput, NotAllowed, NotFound
from runtime.public.evaluations import (
    INDICATORS,
    LEVELS,
    case_for_rating,
    check_rating,
    department_figures,
    evaluate,
    evaluation_of,
    open_tasks,
    record_callback,
    record_rectified,
)
from web.deps import domains_with, house_of, login_required, signed_in
from web.public.common import page, titles
from web.views import CHINA, local_time

Posted = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
#: Staff only: the guard of the rectification pages.
GUARDS: list[Guard] = [login_required]
DEPARTMENT_ROLES = ("chief_representative", "department_head")


def _today() -> Any:
    return datetime.now(UTC).astimezone(CHINA).date()


class EvaluateController(Controller):
    path = "/cases"
    include_in_schema = False

    @get("/{number:str}/evaluate", sync_to_thread=True)
    def form(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        code: FromQuery[str | None] = None,
        kiosk: FromQuery[bool] = False,
    ) -> Template:
        house = house_of(request)
        viewer = signed_in(request)
        with house.reading() as s:
            case = case_for_rating(
                s, house.settings.tenant, number, code, viewer.id if viewer else None
            )
            pub = house.catalog.by_id(s, case.item_version_id)
            done = evaluation_of(s, case.tenant, case.number)
        return page(
            request,
            "public/evaluate.html",
            {
                "number": case.number,
                "code": code or "",
                "kiosk": kiosk,
                "item": pub.definition.name,
                "ratable": case.state in ("completed", "delivered"),
                "done": done,
                "levels": LEVELS,
                "indicators": INDICATORS,
                "values": {},
            },
        )

    @post("/{number:str}/evaluate", sync_to_thread=True)
    def submit(
        self, request: Request[Any, Any, Any], number: FromPath[str], data: Posted
    ) -> Template:
        house = house_of(request)
        viewer = signed_in(request)
        code = str(data.get("code") or "")
        now = datetime.now(UTC)
        calendar = house.calendar()
        with transaction(house.sessions) as s:
            case = case_for_rating(
                s, house.settings.tenant, number, code, viewer.id if viewer else None
            )
            pub = house.catalog.by_id(s, case.item_version_id)
            context: dict[str, Any] = {
                "number": case.number,
                "code": code,
                "kiosk": str(data.get("kiosk")) == "true",
                "item": pub.definition.name,
                "ratable": True,
                "levels": LEVELS,
                "indicators": INDICATORS,
                "values": data,
            }
            try:
                rating = check_rating(
                    data.get("level"), {k: data.get(k) for k in INDICATORS}, data.get("comment")
                )
            except InvalidInput as exc:
                context["errors"] = exc.errors
                return page(request, "public/evaluate.html", context, status=422)
            ev = evaluate(s, case, rating, now, _today(), calendar, house.settings.rectify_days)
            context["done"] = ev
            context["thanks"] = True
        return page(request, "public/evaluate.html", context)


class EvaluationFiguresController(Controller):
    path = "/evaluations"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def figures(self, request: Request[Any, Any, Any]) -> Template:
        house = house_of(request)
        names = titles(house)
        with house.reading() as s:
            rows = department_figures(s, house.settings.tenant)
        return page(
            request,
            "public/evaluations.html",
            {"rows": [(names.get(r.department, r.department), r) for r in rows]},
        )


class RectificationController(Controller):
    """The responsible departments' rectification tasks opened by bad ratings."""

    path = "/rectifications"
    include_in_schema = False
    guards = GUARDS

    def _departments(self, request: Request[Any, Any, Any]) -> list[str]:
        user = signed_in(request)
        assert user is not None
        house = house_of(request)
        mine = set(domains_with(request, user, DEPARTMENT_ROLES))
        snap = house.policy.snapshot(house.settings.tenant)
        for name in snap.domains:
            if name.startswith("county.") and name not in mine:
                target = DomainTarget(house.settings.tenant, name)
                if house.authorizer.can(user.username, "rectify", target).allowed:
                    mine.add(name)
        return sorted(mine)

    @get("/", sync_to_thread=True)
    def tasks(
        self, request: Request[Any, Any, Any], done: FromQuery[str | None] = None
    ) -> Template:
        house = house_of(request)
        departments = self._departments(request)
        names = titles(house)
        with house.reading() as s:
            rows = [
                {
                    "id": t.id,
                    "number": t.case_number,
                    "department": names.get(t.department, t.department),
                    "state": {"open": "待回访", "called_back": "已回访，待整改"}.get(
                        t.state, t.state
                    ),
                    "open": t.state == "open",
                    "due": t.due,
                    "overdue": t.due < _today(),
                    "level": LEVELS[e.level],
                    "comment": e.comment,
                    "named": e.named,
                    "opened": f"{local_time(t.opened_at):%Y-%m-%d %H:%M}",
                    "callback_note": t.callback_note,
                }
                for t, e in open_tasks(s, house.settings.tenant, departments)
            ]
        return page(
            request,
            "public/rectifications.html",
            {"rows": rows, "departments": [names.get(d, d) for d in departments], "done": done},
        )

    @post("/{task_id:int}/{step:str}", sync_to_thread=True)
    def record(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[int],
        step: FromPath[str],
        data: Posted,
    ) -> Redirect:
        house = house_of(request)
        user = signed_in(request)
        assert user is not None
        note = str(data.get("note") or "")
        with transaction(house.sessions) as s:
            from runtime.public_tables import Rectification

            task = s.get(Rectification, {"id": task_id, "tenant": house.settings.tenant})
            if task is None or task.tenant != house.settings.tenant:
                raise NotFound("整改任务不存在")
            if task.department not in self._departments(request):
                raise NotAllowed("您不负责该整改任务")
            now = datetime.now(UTC)
            if step == "callback":
                record_callback(s, house.settings.tenant, task_id, user.username, note, now)
            elif step == "rectify":
                record_rectified(s, house.settings.tenant, task_id, user.username, note, now)
            else:
                raise InvalidInput("没有这种操作")
        return Redirect(f"/rectifications?done={step}", status_code=HTTP_303_SEE_OTHER)
