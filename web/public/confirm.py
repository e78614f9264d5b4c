"""SMS-code steps of the public side: confirming an online application, resuming a draft,
logging in to "my cases" (我的办件) with a mobile and a code.

A code proves the mobile; what it opens is recorded in the session (a resumed draft) or
becomes a session of the mobile's applicant account (runtime/public/accounts.py): a new
account's user is added to the organisation and this process's policy snapshot is
refreshed before the session starts, so the login check finds the user.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from db.engine import transaction
from definitions.compile import Evaluation
from renderer.parse import parse_form
from runtime.applicant import applicant_errors
from runtime.errors import NotFound
from runtime.public.accounts import account_user
from runtime.public.codes import CodePolicy, check_code, send_code
from runtime.public.drafts import draft_values, live_draft
from runtime.public_tables import Draft
from runtime.publishing import Published
from runtime.queries import applicant_cases
from runtime.service import Actor, Applicant
from runtime.states import STATE_NAMES
from web.auth import EPOCH_KEY, SESSION_KEY, USER_ID_KEY, CurrentUser
from web.deps import house_of, signed_in
from web.public.common import page
from web.sessions import start_session
from web.views import local_time

MOBILE_SUFFIX = "@mobile"
#: A posted urlencoded form (the code box, the mobile box).
Posted = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def applicant_mobile(user: CurrentUser | None) -> str | None:
    """The mobile of a logged-in applicant account (None for staff and other users)."""
    if user is None or user.kind != "applicant" or not user.username.endswith(MOBILE_SUFFIX):
        return None
    return user.username.removesuffix(MOBILE_SUFFIX)


def draft_confirmed(request: Request[Any, Any, Any], draft: Draft) -> bool:
    if request.session.get(f"draft:{draft.token}"):
        return True
    return applicant_mobile(signed_in(request)) == draft.mobile


def _policy(request: Request[Any, Any, Any]) -> CodePolicy:
    s = house_of(request).settings
    return CodePolicy(s.sms_code_minutes, s.sms_code_tries, s.sms_codes_per_hour)


def send_code_to(request: Request[Any, Any, Any], mobile: str, purpose: str) -> None:
    house = house_of(request)
    with transaction(house.sessions) as s:
        send_code(s, house.settings.tenant, mobile, purpose, datetime.now(UTC), _policy(request))


def _check(request: Request[Any, Any, Any], mobile: str, purpose: str, code: str) -> bool:
    house = house_of(request)
    with transaction(house.sessions) as s:
        return check_code(
            s, house.settings.tenant, mobile, purpose, code, datetime.now(UTC), _policy(request)
        )


def log_in_applicant(request: Request[Any, Any, Any], mobile: str, name: str | None) -> CurrentUser:
    """The mobile's applicant account (created when new), logged in on this request."""
    house = house_of(request)
    tenant = house.settings.tenant
    with transaction(house.sessions) as s:
        user, created = account_user(s, tenant, mobile, datetime.now(UTC), name)
        uid, username, epoch = user.id, user.username, int(user.session_epoch or 0)
        display = user.display_name
    if created or username not in house.policy.snapshot(tenant).users:
        house.policy.refresh(tenant, force=True)
    start_session(request, {SESSION_KEY: username, USER_ID_KEY: uid, EPOCH_KEY: epoch})
    return CurrentUser(uid, username, display, "applicant")


def file_case(
    house: Any,
    username: str,
    user_id: int,
    pub: Published,
    evaluation: Evaluation,
    hall: str,
    name: str,
    mobile: str,
    materials: list[dict[str, Any]],
) -> str:
    """File the application as the applicant (已接件); the window accepts or corrects it."""
    case = house.cases.submit(
        Actor(username),
        pub.code,
        evaluation,
        accepting_domain=hall,
        applicant=Applicant(name, mobile, user_id),
        materials=materials,
    )
    return str(case.number)


def _resume_page(request: Request[Any, Any, Any], draft: Any, intro: str, **extra: Any) -> Template:
    """The code page that reopens a saved draft (the code goes to the draft's mobile)."""
    return _code_page(
        request,
        heading="继续填写草稿",
        intro=intro,
        action=f"/services/drafts/{draft.token}",
        resend=f"/services/drafts/{draft.token}/send",
        hint=draft.mobile,
        **extra,
    )


def _code_page(
    request: Request[Any, Any, Any],
    *,
    heading: str,
    intro: str,
    action: str,
    resend: str | None,
    mobile: str | None = None,
    error: str | None = None,
    status: int = 200,
    hint: str | None = None,
) -> Template:
    return page(
        request,
        "public/code.html",
        {
            "heading": heading,
            "intro": intro,
            "action": action,
            "resend": resend,
            "mobile": mobile,
            "error": error,
            "mobile_hint": hint or mobile,
        },
        status=status,
    )


def _masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


class DraftController(Controller):
    """``/services/drafts/{token}``: resume a draft; ``…/confirm``: confirm a submission."""

    path = "/services/drafts"
    include_in_schema = False

    def _draft(self, request: Request[Any, Any, Any], token: str) -> Draft:
        house = house_of(request)
        with house.reading() as s:
            draft = live_draft(s, house.settings.tenant, token, datetime.now(UTC))
            if draft is None:
                raise NotFound("草稿不存在、已过期或已提交")
            s.expunge(draft)
        return draft

    @get("/{token:str}", sync_to_thread=True)
    def resume(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
        draft = self._draft(request, token)
        if draft_confirmed(request, draft):
            return Redirect(
                f"/services/{draft.item_code}/apply?draft={draft.token}",
                status_code=HTTP_303_SEE_OTHER,
            )
        return _resume_page(
            request, draft, f"为保护您的信息，请获取发送到 {_masked(draft.mobile)} 的验证码。"
        )

    @post("/{token:str}/send", sync_to_thread=True)
    def send(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        draft = self._draft(request, token)
        send_code_to(request, draft.mobile, "draft")
        return _resume_page(request, draft, f"验证码已发送到 {_masked(draft.mobile)}。")

    @post("/{token:str}", sync_to_thread=True)
    def open(
        self, request: Request[Any, Any, Any], token: FromPath[str], data: Posted
    ) -> Template | Redirect:
        draft = self._draft(request, token)
        code = str(data.get("code", ""))
        if not _check(request, draft.mobile, "draft", code):
            return _resume_page(
                request,
                draft,
                f"请输入发送到 {_masked(draft.mobile)} 的验证码。",
                error="验证码不正确或已过期",
                status=422,
            )
        request.session[f"draft:{draft.token}"] = True
        return Redirect(
            f"/services/{draft.item_code}/apply?draft={draft.token}",
            status_code=HTTP_303_SEE_OTHER,
        )

    @get("/{token:str}/confirm", sync_to_thread=True)
    def confirm_page(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        draft = self._draft(request, token)
        return _code_page(
            request,
            heading="确认手机号码并提交",
            intro=f"验证码已发送到 {_masked(draft.mobile)}，输入后即提交申请。",
            action=f"/services/drafts/{draft.token}/confirm",
            resend=f"/services/drafts/{draft.token}/resend",
            hint=draft.mobile,
        )

    @post("/{token:str}/resend", sync_to_thread=True)
    def resend(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Redirect:
        draft = self._draft(request, token)
        send_code_to(request, draft.mobile, "apply")
        return Redirect(f"/services/drafts/{draft.token}/confirm", status_code=HTTP_303_SEE_OTHER)

    @post("/{token:str}/confirm", sync_to_thread=True)
    def confirm(
        self, request: Request[Any, Any, Any], token: FromPath[str], data: Posted
    ) -> Template | Redirect:
        house = house_of(request)
        draft = self._draft(request, token)
        if not _check(request, draft.mobile, "apply", str(data.get("code", ""))):
            return _code_page(
                request,
                heading="确认手机号码并提交",
                intro=f"请输入发送到 {_masked(draft.mobile)} 的验证码。",
                action=f"/services/drafts/{draft.token}/confirm",
                resend=f"/services/drafts/{draft.token}/resend",
                hint=draft.mobile,
                error="验证码不正确或已过期",
                status=422,
            )
        request.session[f"draft:{draft.token}"] = True
        pub = house.cases.latest_published(draft.item_code)
        if pub is None:
            raise NotFound("事项已不再受理网上申请")
        values = draft_values(draft)
        answers, errors = parse_form(pub.compiled, values, house.settings.max_group_rows)
        evaluation = pub.compiled.evaluate(answers)
        name, mobile, problems = applicant_errors(
            (values.get("_applicant_name") or [""])[-1], draft.mobile, pub.compiled.registry
        )
        if errors or evaluation.errors or problems or mobile is None:
            # the item changed since: back to the form, which shows what to fix
            return Redirect(
                f"/services/{pub.code}/apply?draft={draft.token}", status_code=HTTP_303_SEE_OTHER
            )
        user = log_in_applicant(request, mobile, name)
        materials = _materials(values)
        hall = (values.get("_hall") or [""])[-1]
        number = file_case(
            house, user.username, user.id, pub, evaluation, hall, name, mobile, materials
        )
        with transaction(house.sessions) as s:
            row = s.get(Draft, {"id": draft.id, "tenant": draft.tenant})
            if row is not None:
                row.submitted_number = number
        return Redirect(f"/me?filed={number}", status_code=HTTP_303_SEE_OTHER)


def _materials(values: dict[str, list[str]]) -> list[dict[str, Any]]:
    import json

    out = []
    for key, vs in sorted(values.items()):
        if key.startswith("_material_ref_") and vs:
            try:
                ref = json.loads(vs[-1])
            except ValueError:
                continue
            if isinstance(ref, dict) and ref.get("sha256"):
                out.append({**ref, "key": key.removeprefix("_material_ref_")})
    return out


class AccountController(Controller):
    """``/me``: my cases (我的办件), by mobile + SMS code."""

    path = "/me"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def me(self, request: Request[Any, Any, Any], filed: FromQuery[str | None] = None) -> Template:
        house = house_of(request)
        user = signed_in(request)
        if user is None or user.kind != "applicant":
            return page(request, "public/me_login.html", {"staff": user is not None})
        with house.reading() as s:
            cases = applicant_cases(s, house.settings.tenant, user.id)
            rows = []
            for c in cases:
                pub = house.catalog.by_id(s, c.item_version_id)
                rows.append(
                    {
                        "number": c.number,
                        "code": c.query_code,
                        "item": pub.definition.name,
                        "state": STATE_NAMES.get(c.state, c.state),
                        "submitted": f"{local_time(c.submitted_at):%Y-%m-%d}",
                        "due": c.due_promised,
                        "done": c.state in ("completed", "delivered"),
                    }
                )
        return page(request, "public/me.html", {"rows": rows, "filed": filed, "me": user})

    @post("/code", sync_to_thread=True)
    def code(self, request: Request[Any, Any, Any], data: Posted) -> Template:
        form = data
        _, mobile, problems = applicant_errors("-", str(form.get("mobile", "")))
        if mobile is None:
            return page(
                request,
                "public/me_login.html",
                {"error": problems[0].message if problems else "请填写手机号码"},
                status=422,
            )
        send_code_to(request, mobile, "login")
        return _code_page(
            request,
            heading="登录我的办件",
            intro=f"验证码已发送到 {_masked(mobile)}。",
            action="/me/login",
            resend=None,
            mobile=mobile,
        )

    @post("/login", sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], data: Posted) -> Template | Redirect:
        form = data
        _, mobile, _ = applicant_errors("-", str(form.get("mobile", "")))
        if mobile is None or not _check(request, mobile, "login", str(form.get("code", ""))):
            return _code_page(
                request,
                heading="登录我的办件",
                intro="请输入短信验证码。",
                action="/me/login",
                resend=None,
                mobile=mobile,
                error="验证码不正确或已过期",
                status=422,
            )
        log_in_applicant(request, mobile, None)
        return Redirect("/me", status_code=HTTP_303_SEE_OTHER)
