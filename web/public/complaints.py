"""Complaint pages: ``/complaints/new`` (named or anonymous, about a case or not), the
tracking page ``/complaints/{code}`` for the complainant, and on the same page, for a
supervisor over the department concerned (rbac ``handle_complaint``), the acts: accept,
not accept (with reasons), answer. The rules are in runtime/public/complaints.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from db.engine import transaction
from rbac.targets import DomainTarget
from runtime.applicant import applicant_errors
from runtime.errors import InvalidInput, NotAllowed, NotFound
from runtime.public.complaints import (
    ACT_NAMES,
    STATE_NAMES,
    Deadlines,
    NewComplaint,
    act_on,
    by_code,
    events,
    file_complaint,
)
from web.deps import house_of, signed_in
from web.public.common import page, titles
from web.ratelimit import limit
from web.views import CHINA, local_time

Posted = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _rules(request: Request[Any, Any, Any]) -> Deadlines:
    s = house_of(request).settings
    return Deadlines(s.complaint_accept_days, s.complaint_answer_days, s.public_url.rstrip("/"))


def _departments(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    names = titles(house_of(request))
    return sorted(
        ((d, t) for d, t in names.items() if d.startswith(("county.", "township."))),
        key=lambda x: x[0],
    )


class ComplaintController(Controller):
    path = "/complaints"
    include_in_schema = False

    @get("/new", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], case: FromQuery[str | None] = None) -> Template:
        return page(
            request,
            "public/complaint_new.html",
            {"values": {"case_number": case or ""}, "departments": _departments(request)},
        )

    @post("/new")
    async def file(self, request: Request[Any, Any, Any], data: Posted) -> Template | Redirect:
        house = house_of(request)
        await limit(request, "complaint", house.settings.query_per_minute, "提交太频繁，请稍后再试")
        anonymous = str(data.get("anonymous") or "") == "yes"
        _, mobile, problems = applicant_errors("-", str(data.get("mobile") or ""))
        raw_mobile = str(data.get("mobile") or "").strip()
        new = NewComplaint(
            subject=str(data.get("subject") or ""),
            body=str(data.get("body") or ""),
            anonymous=anonymous,
            name=str(data.get("name") or "") or None,
            mobile=mobile,
            case_number=str(data.get("case_number") or "").strip() or None,
            query_code=str(data.get("query_code") or "") or None,
            department=str(data.get("department") or "") or None,
        )
        names = {d for d, _ in _departments(request)}
        now = datetime.now(UTC)
        today = now.astimezone(CHINA).date()
        calendar = house.calendar()
        try:
            if raw_mobile and mobile is None:
                from definitions.compile import FieldError

                raise InvalidInput(
                    "手机号码不正确",
                    [FieldError("/mobile", problems[0].message if problems else "手机号码不正确")],
                )
            with transaction(house.sessions) as s:
                complaint = file_complaint(
                    s, house.settings.tenant, new, now, today, calendar, _rules(request), names
                )
                code = complaint.code
        except InvalidInput as exc:
            return page(
                request,
                "public/complaint_new.html",
                {"values": data, "errors": exc.errors, "departments": _departments(request)},
                status=422,
            )
        return Redirect(f"/complaints/{code}?filed=1", status_code=HTTP_303_SEE_OTHER)

    @get("/track")
    async def track_form(self, code: FromQuery[str] = "") -> Redirect:
        clean = "".join(ch for ch in code.upper() if ch.isalnum())[:16]
        return Redirect(f"/complaints/{clean or 'new'}", status_code=HTTP_303_SEE_OTHER)

    @get("/{code:str}")
    async def track(
        self, request: Request[Any, Any, Any], code: FromPath[str], filed: FromQuery[bool] = False
    ) -> Template:
        house = house_of(request)
        await limit(
            request,
            "complaint-track",
            house.settings.query_per_minute,
            "查询太频繁，请一分钟后再试",
        )
        names = titles(house)
        viewer = signed_in(request)
        with house.reading() as s:
            complaint = by_code(s, house.settings.tenant, code)
            if complaint is None:
                raise NotFound("追踪码不正确")
            timeline = [
                {
                    "act": ACT_NAMES.get(e.act, e.act),
                    "at": f"{local_time(e.at):%Y-%m-%d %H:%M}",
                    "reason": e.reason,
                }
                for e in events(s, complaint)
            ]
            may_handle = viewer is not None and self._may_handle(
                request, viewer.username, complaint.department
            )
            view = {
                "code": complaint.code,
                "state": complaint.state,
                "state_name": STATE_NAMES[complaint.state],
                "subject": complaint.subject,
                "body": complaint.body if may_handle else None,
                "department": names.get(complaint.department or "", "")
                if complaint.department
                else "",
                "case_number": complaint.case_number,
                "accept_due": complaint.accept_due,
                "answer_due": complaint.answer_due,
                "answer": complaint.answer,
                "anonymous": complaint.anonymous,
                "name": complaint.name if may_handle else None,
                "version": complaint.version,
            }
        return page(
            request,
            "public/complaint.html",
            {"c": view, "timeline": timeline, "filed": filed, "may_handle": may_handle},
        )

    def _may_handle(
        self, request: Request[Any, Any, Any], username: str, department: str | None
    ) -> bool:
        house = house_of(request)
        target = DomainTarget(house.settings.tenant, department or "county")
        return bool(house.authorizer.can(username, "handle_complaint", target).allowed)

    @post("/{code:str}/act/{act:str}", sync_to_thread=True)
    def act(
        self, request: Request[Any, Any, Any], code: FromPath[str], act: FromPath[str], data: Posted
    ) -> Redirect:
        house = house_of(request)
        viewer = signed_in(request)
        if viewer is None:
            raise NotAllowed("请先以电子监察员身份登录")
        now = datetime.now(UTC)
        calendar = house.calendar()
        with transaction(house.sessions) as s:
            complaint = by_code(s, house.settings.tenant, code)
            if complaint is None:
                raise NotFound("追踪码不正确")
            if not self._may_handle(request, viewer.username, complaint.department):
                raise NotAllowed(
                    f"拒绝办理投诉：{viewer.username} 不是该单位（或上级）的电子监察员"
                )
            version = str(data.get("expected_version") or "")
            act_on(
                s,
                house.settings.tenant,
                complaint.code,
                act,
                viewer.username,
                str(data.get("text") or ""),
                now,
                now.astimezone(CHINA).date(),
                calendar,
                _rules(request),
                int(version) if version.isdigit() else None,
            )
        return Redirect(f"/complaints/{code}", status_code=HTTP_303_SEE_OTHER)
