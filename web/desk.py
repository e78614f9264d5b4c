"""The clerk's desk: item search, generated forms, the window's decision, the queue, the
case page with exactly the acts this user may perform, and printable notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY
from markupsafe import Markup

from definitions.compile import FieldError
from definitions.errors import BanshiError
from rbac.targets import accepts_at
from renderer.forms import FormView, build_form
from renderer.parse import field_path, parse_form, row_counts
from renderer.qr import qr_svg
from renderer.rows import change_rows
from runtime.applicant import applicant_errors
from runtime.errors import InvalidInput, NotAllowed
from runtime.publishing import Published
from runtime.queries import case_by_number, events_of, worklist
from runtime.service import Actor, Applicant, case_target, window_target
from web.acts import perform
from web.auth import CurrentUser
from web.blocking import run_blocking
from web.deps import UserDep, domains_with, house_of, login_required
from web.jsonbody import check_form_text, read_form
from web.loop_reads import refresh_item
from web.pages import render_page, template_env
from web.search import index_item, matches
from web.security import refusal_message
from web.uploads import check_file_fields, known, take_uploads
from web.views import case_view, local_time, title_of

CHINA = ZoneInfo("Asia/Shanghai")
WINDOW_ROLES = ("window_clerk",)
DESK_ROLES = ("window_clerk", "reviewer", "chief_representative", "department_head")
#: What the window did with a filed application, shown on the case page after the redirect.
FILED = {
    "accept": "已受理。请打印受理通知书交申请人。",
    "correct": "已一次性告知补正。请打印一次性告知书交申请人。",
    "refuse": "已决定不予受理。请打印不予受理决定书交申请人。",
}
NOTICES = {
    "acceptance": "受理通知书",
    "correction": "一次性告知书",
    "refusal": "不予受理决定书",
    "special": "特别程序告知书",
    "result": "办理结果通知书",
}


def _today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def form_values(form: Any) -> dict[str, list[str]]:
    return {k: [str(v) for v in form.getall(k) if isinstance(v, str)] for k in form}


class DeskController(Controller):
    path = "/desk"
    include_in_schema = False
    guards = (login_required,)

    # -- home: item search and the queue ------------------------------------------------

    @get("/", sync_to_thread=True)
    def home(
        self, request: HTMXRequest, user: UserDep, q: FromQuery[str | None] = None
    ) -> Template:
        house = house_of(request)
        tenant = house.settings.tenant
        snap = house.policy.snapshot(tenant)
        halls = domains_with(request, user, WINDOW_ROLES)
        items = []
        if q and halls:
            with house.reading() as s:
                published = house.catalog.all_latest(s, tenant)
            index = request.app.state.item_index
            for pub in published:
                entry = index.get(pub.sha256)
                if entry is None:
                    entry = index_item(pub)
                    index[pub.sha256] = entry
                if not matches(entry, q):
                    continue
                for hall in halls:
                    if accepts_at(tuple(pub.definition.levels.accept), hall):
                        items.append(
                            {
                                "code": pub.code,
                                "name": pub.definition.name,
                                "owner_title": title_of(snap, pub.definition.owner),
                                "domain": hall,
                                "domain_title": title_of(snap, hall) if len(halls) > 1 else "",
                            }
                        )
        domains = domains_with(request, user, DESK_ROLES)
        today = _today()
        queue = []
        with house.reading() as s:
            calendar = house.calendar()
            for case in worklist(s, tenant, domains, limit=50):
                pub = house.catalog.by_id(s, case.item_version_id)
                view = case_view(
                    s,
                    case,
                    pub,
                    snap,
                    calendar,
                    today,
                    house.settings.yellow_card_share,
                    full=False,
                )
                queue.append(
                    {
                        "number": case.number,
                        "item_name": pub.definition.name,
                        "applicant_name": case.applicant_name,
                        "step_name": view.step_name or "",
                        "state_name": view.state_name,
                        "left": view.left,
                        "card": view.card,
                        "provisional": view.provisional,
                    }
                )
        block = "item_results" if q is not None else None
        return render_page(
            request,
            "desk/home.html",
            block,
            {"q": q, "items": items, "queue": queue, "can_accept": bool(halls)},
        )

    # -- the generated form --------------------------------------------------------------

    def _item_at(
        self, request: Request[Any, Any, Any], user: CurrentUser, code: str, domain: str
    ) -> Published:
        house = house_of(request)
        tenant = house.settings.tenant
        pub = house.cases.latest_published(code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        item = pub.definition
        house.authorizer.require(user.username, "accept", window_target(tenant, item, domain))
        house.cases.refuse_retired(pub)
        return pub

    def _form_page(
        self,
        request: Request[Any, Any, Any],
        pub: Published,
        domain: str,
        form: FormView,
        extra: Mapping[str, Any],
        status: int = HTTP_200_OK,
    ) -> Template:
        rerender = {"rerender_url": f"/desk/apply/{pub.code}?domain={domain}", **extra}
        return self._page(request, "desk/form.html", "application", domain, form, rerender, status)

    def _check_page(
        self,
        request: Request[Any, Any, Any],
        pub: Published,
        domain: str,
        form: FormView,
        extra: Mapping[str, Any],
        status: int = HTTP_200_OK,
    ) -> Template:
        item = pub.definition  # an instant item the window may fall back on (即办件转承诺件)
        instant = item.handling.value == "instant"
        extra = {**extra, "fallback_days": item.limits.fallback_days if instant else None}
        return self._page(request, "desk/check.html", None, domain, form, extra, status)

    def _page(
        self,
        request: Request[Any, Any, Any],
        template: str,
        block: str | None,
        domain: str,
        form: FormView,
        extra: Mapping[str, Any],
        status: int,
    ) -> Template:
        house = house_of(request)
        snap = house.policy.snapshot(house.settings.tenant)
        context = {"form": form, "domain": domain, "domain_title": title_of(snap, domain), **extra}
        return render_page(request, template, block, context, status)

    @get("/apply/{code:str}")
    async def new_application(
        self, request: HTMXRequest, user: UserDep, code: FromPath[str], domain: FromQuery[str]
    ) -> Template:
        # the clerks' most frequent page: from cached parts, on the loop where that is cheaper
        if self._in_memory(request, code):
            return self._new_application(request, user, code, domain)
        reader = request.app.state.get("db_reader")
        if reader is not None:  # PostgreSQL: the stale parts re-read on the loop
            house = house_of(request)
            await refresh_item(house, reader, house.settings.tenant, code)
            if self._in_memory(request, code):
                return self._new_application(request, user, code, domain)
        return await run_blocking(
            request, partial(self._new_application, request, user, code, domain)
        )

    @staticmethod
    def _in_memory(request: Request[Any, Any, Any], code: str) -> bool:
        """Whether the blank form can be answered from memory alone: the item's newest
        version, the retired list and the organisation fresh in their caches. Then even on
        PostgreSQL the page is CPU work only (rendering the form's body when it is not
        cached yet), and it runs on the loop: a worker thread would add a hop and the GIL's
        contention and save nothing (bench/formpage.py: the uncached page on PostgreSQL
        went from 287 to 454-573 requests/s when it stopped going to a thread)."""
        house = house_of(request)
        tenant = house.settings.tenant
        return (
            house.catalog.cached_latest(tenant, code) is not None
            and house.policy.fresh(tenant)
            and house.catalog.retired.cached(tenant) is not None
        )

    def _new_application(
        self, request: HTMXRequest, user: CurrentUser, code: str, domain: str
    ) -> Template:
        pub = self._item_at(request, user, code, domain)
        compiled = pub.compiled
        key = (pub.sha256, domain)
        cache = request.app.state.form_bodies
        cached = cache.get(key)
        if cached is None:
            form = build_form(compiled, {}, compiled.blank(), show_errors=False)
            env = template_env(request)
            body = Markup(
                env.get_template("desk/form_body.html").render(
                    form=form, rerender_url=f"/desk/apply/{pub.code}?domain={domain}", uploads=None
                )
            )
            if len(cache) > 1024:
                cache.clear()
            cached = cache[key] = (form, body)
        form, body = cached
        return self._form_page(request, pub, domain, form, {"form_body": body})

    @post("/apply/{code:str}")
    async def post_application(
        self, request: HTMXRequest, user: UserDep, code: FromPath[str], domain: FromQuery[str]
    ) -> Template | Redirect:
        pub = self._item_at(request, user, code, domain)
        compiled = pub.compiled
        raw_form = await read_form(request)
        values = form_values(raw_form)
        text_errors = check_form_text(values)
        upload_errors, material_refs = await take_uploads(request, raw_form, values, compiled)
        upload_errors = text_errors + upload_errors
        if text_errors:  # nothing with a NUL or a lone surrogate goes further
            values = {
                k: v
                for k, v in values.items()
                if field_path(k) not in {e.path for e in text_errors}
            }
        return await run_blocking(
            request,
            partial(self._apply, request, user, pub, domain, values, upload_errors, material_refs),
        )

    def _apply(
        self,
        request: HTMXRequest,
        user: CurrentUser,
        pub: Published,
        domain: str,
        values: dict[str, list[str]],
        upload_errors: list[FieldError],
        material_refs: dict[str, dict[str, Any]],
    ) -> Template | Redirect:
        """The synchronous part of a form post (parsing, validation, the acts), off the loop."""
        compiled = pub.compiled
        action = (values.get("_action") or ["check"])[-1]
        house = house_of(request)
        max_rows = house.settings.max_group_rows
        data, parse_errors = parse_form(compiled, values, max_rows)
        parse_errors = upload_errors + parse_errors
        parse_errors += check_file_fields(house, known(request), compiled, data)
        rows = row_counts(compiled, values, max_rows)
        applicant_name = (values.get("_applicant_name") or [""])[-1].strip()
        mobile_raw = (values.get("_applicant_mobile") or [""])[-1].strip()
        extra: dict[str, Any] = {
            "applicant_name": applicant_name,
            "applicant_mobile": mobile_raw,
            "uploads": material_refs,
            "received": set(values.get("_received") or []),
        }

        if action.startswith(("add:", "remove:")):
            data, rows = change_rows(compiled, data, rows, action, max_rows)
            form = build_form(compiled, data, compiled.evaluate(data), rows=rows, show_errors=False)
            return self._form_page(request, pub, domain, form, extra)
        if action in ("refresh", "edit"):
            form = build_form(compiled, data, compiled.evaluate(data), rows=rows, show_errors=False)
            return self._form_page(request, pub, domain, form, extra)

        evaluation = compiled.evaluate(data)
        errors = _merge(parse_errors, evaluation.errors)
        # the applicant by the same rules as the API's (runtime.applicant)
        name, mobile, problems = applicant_errors(applicant_name, mobile_raw, compiled.registry)
        for i, problem in enumerate(problems):
            if problem.path.endswith("/name"):
                extra["applicant_error"] = problem.message
                errors.insert(i, FieldError("/_applicant_name", problem.message, "申请人"))
            else:
                extra["mobile_error"] = problem.message
                errors.insert(i, FieldError("/_applicant_mobile", problem.message))
        applicant_name = name or applicant_name
        if errors:
            form = build_form(compiled, data, evaluation, errors, rows=rows)
            return self._form_page(request, pub, domain, form, extra, HTTP_422_UNPROCESSABLE_ENTITY)
        if action not in ("accept", "correct", "refuse", "fallback"):  # "check", unknown
            form = build_form(compiled, evaluation.data, evaluation, rows=rows)
            return self._check_page(request, pub, domain, form, extra)

        received = set(values.get("_received") or []) | set(material_refs)
        missing = [m for m in evaluation.missing_materials if m.key not in received]
        reason = (values.get("_reason") or [""])[-1].strip()
        why = (values.get("_fallback_reason") or [""])[-1].strip()  # not on the spot: why
        decision_error = None
        if action in ("accept", "fallback") and missing:
            decision_error = (
                "材料不齐，不能受理："
                + "、".join(m.name for m in missing)
                + "。请选择“一次性告知补正”。"
            )
        elif action == "refuse" and not reason:
            decision_error = "不予受理必须说明理由"
        elif action == "correct" and not missing:
            decision_error = "材料已齐全，应当受理"
        elif action == "fallback" and not why:
            decision_error = "请说明不能当场办结的原因"
        if decision_error is not None:
            extra["decision_error"] = decision_error
            form = build_form(compiled, evaluation.data, evaluation, rows=rows)
            return self._check_page(
                request, pub, domain, form, extra, HTTP_422_UNPROCESSABLE_ENTITY
            )
        actor = Actor(user.username)
        try:
            with request.app.state.metrics.counting("submit"):
                case = house.cases.submit(
                    actor,
                    pub.code,
                    evaluation,
                    accepting_domain=domain,
                    applicant=Applicant(applicant_name, mobile),
                    materials=[
                        material_refs.get(k) or {"key": k, "name": k} for k in sorted(received)
                    ],
                    accept=action == "accept",
                )
            if action == "correct":
                case = house.cases.request_correction(
                    actor, case.number, missing=[m.key for m in missing]
                )
            elif action == "refuse":
                case = house.cases.refuse(actor, case.number, reason=reason)
            elif action == "fallback":
                case = house.cases.accept(actor, case.number, fallback=True, reason=why)
        except InvalidInput as exc:
            form = build_form(compiled, data, evaluation, exc.errors, rows=rows)
            extra["decision_error"] = exc.message
            return self._form_page(request, pub, domain, form, extra, HTTP_422_UNPROCESSABLE_ENTITY)
        # the outcome travels as a fixed key in the address (Post/Redirect/Get), not in the
        # session: no session cookie to re-seal on the busiest request of the desk
        done = "accept" if action == "fallback" else action
        return Redirect(f"/desk/cases/{case.number}?done={done}", status_code=HTTP_303_SEE_OTHER)

    # -- the case page --------------------------------------------------------------------

    def _case_context(
        self, request: Request[Any, Any, Any], user: UserDep, number: FromPath[str]
    ) -> dict[str, Any]:
        house = house_of(request)
        tenant = house.settings.tenant
        snap = house.policy.snapshot(tenant)
        with house.reading() as s:
            case = case_by_number(s, tenant, number)
            if case is None:
                raise NotFoundException(f"案件 {number} 不存在")
            pub = house.catalog.by_id(s, case.item_version_id)
            hidden = NotFoundException(f"案件 {number} 不存在")  # as for a case that does not exist
            house.authorizer.require(
                user.username, "read", case_target(case, pub), otherwise=hidden
            )
            view = case_view(
                s, case, pub, snap, house.calendar(), _today(), house.settings.yellow_card_share
            )
            actions = house.cases.possible(user.username, case, pub, s)
        notices = [("acceptance", NOTICES["acceptance"])] if case.accepted_on else []
        if case.state == "correction_requested":
            notices.append(("correction", NOTICES["correction"]))
        if case.state == "not_accepted":
            notices.append(("refusal", NOTICES["refusal"]))
        if any(e.act == "start_special" for e in view.events):  # 行政许可法第四十五条
            notices.append(("special", NOTICES["special"]))
        if case.decision:
            notices.append(("result", NOTICES["result"]))
        return {"case": view, "actions": actions, "notices": notices}

    @get("/cases/{number:str}", sync_to_thread=True)
    def case_page(self, request: HTMXRequest, user: UserDep, number: FromPath[str]) -> Template:
        context = self._case_context(request, user, number)
        context["flash"] = request.session.pop("flash", None) if request.session else None
        context["flash_error"] = (
            bool(request.session.pop("flash_error", False)) if request.session else False
        )
        if context["flash"] is None:
            context["flash"] = FILED.get(request.query_params.get("done", ""))
        return render_page(request, "desk/case.html", None, context)

    @post("/cases/{number:str}/act/{act:str}")
    async def act(
        self, request: HTMXRequest, user: UserDep, number: FromPath[str], act: FromPath[str]
    ) -> Template | Redirect:
        values = form_values(await read_form(request))
        text_errors = check_form_text(values)
        if text_errors:  # the same text rule as every other door
            raise InvalidInput(f"提交的内容{text_errors[0].message}", text_errors)
        return await run_blocking(
            request, partial(self._act_sync, request, user, number, act, values)
        )

    def _act_sync(
        self,
        request: HTMXRequest,
        user: CurrentUser,
        number: FromPath[str],
        act: FromPath[str],
        values: dict[str, list[str]],
    ) -> Template | Redirect:
        status = HTTP_200_OK
        try:
            message = perform(
                house_of(request), user, number, act, values, request.app.state.metrics
            )
            error = False
        except BanshiError as exc:
            message, error, status = exc.shown, True, exc.status
            if isinstance(exc, NotAllowed):  # what was refused, not whose domain is whose
                message = refusal_message(exc.message)
        if not request.htmx:
            request.session["flash"] = message
            request.session["flash_error"] = error
            if error:
                context = self._case_context(request, user, number)
                context.update(flash=message, flash_error=True)
                return render_page(request, "desk/case.html", None, context, status)
            return Redirect(f"/desk/cases/{number}", status_code=HTTP_303_SEE_OTHER)
        context = self._case_context(request, user, number)
        context.update(flash=message, flash_error=error)
        return render_page(request, "desk/case.html", "case_panel", context, status)

    @get("/cases/{number:str}/notice/{kind:str}", sync_to_thread=True)
    def notice(
        self, request: HTMXRequest, user: UserDep, number: FromPath[str], kind: FromPath[str]
    ) -> Template:
        if kind not in NOTICES:
            raise NotFoundException(f"没有这种通知书：{kind}")
        context = self._case_context(request, user, number)
        if kind not in dict(context["notices"]):
            # e.g. no 不予受理决定书 for an accepted case
            raise NotFoundException(f"本案件没有{NOTICES[kind]}")
        house = house_of(request)
        with house.reading() as s:
            case = case_by_number(s, house.settings.tenant, number)
            assert case is not None
            pub = house.catalog.by_id(s, case.item_version_id)
            reasons = {ev.act: ev.reason for ev in events_of(s, case)}
        reason = {
            "correction": reasons.get("request_correction"),
            "refusal": reasons.get("refuse"),
            "special": reasons.get("start_special"),
            "result": reasons.get("decide"),
        }.get(kind)
        query_url = f"{house.settings.public_url}/query?number={number}"
        return render_page(
            request,
            "notices/notice.html",
            None,
            {
                **context,
                "kind": kind,
                "title": NOTICES[kind],
                "reason": reason,
                "submitted": f"{local_time(case.submitted_at):%Y年%m月%d日}",
                "phone": pub.definition.service.phone,
                "complaint": pub.definition.service.complaint,
                "qr": qr_svg(query_url),
                "query_url": query_url,
                "today": f"{_today():%Y年%m月%d日}",
            },
        )


def _merge(first: Sequence[FieldError], second: Sequence[FieldError]) -> list[FieldError]:
    seen = {e.path for e in first}
    return list(first) + [e for e in second if e.path not in seen]


#: Adding and removing rows, nested groups included (the public apply form shares it).
_change_rows = change_rows
