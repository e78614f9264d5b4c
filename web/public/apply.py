"""Online application (网上申请) for items the definition marks online
(``service.online``): the desk's generated form and parser (renderer/forms.py,
renderer/parse.py, the desk's row and error handling), the desk's upload checks
(web/uploads.py), the applicant by the same rules as every door (runtime/applicant.py).

Filing needs the applicant's mobile confirmed by an SMS code (runtime/public/codes.py):
a submitted form is kept as a draft until the code is entered, then filed through
``CaseService.submit`` as the mobile's applicant account (runtime/public/accounts.py), so
the case is the applicant's own and the window accepts or corrects it from the desk (the
one-time notice reaches the applicant by SMS and on the query page). A citizen logged in
with that mobile files at once. "Save" keeps a draft resumable by its link and a code to
the same mobile (web/public/drafts.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from db.engine import transaction
from definitions.compile import FieldError
from renderer.forms import build_form
from renderer.parse import field_path, parse_form, row_counts
from runtime.applicant import applicant_errors
from runtime.errors import InvalidInput, NotFound
from runtime.messages import render
from runtime.public.drafts import draft_values, live_draft, save_draft
from runtime.publishing import Published
from web.blocking import run_blocking
from web.deps import house_of, signed_in
from web.desk import _merge, form_values
from web.jsonbody import check_form_text, read_form
from web.public.common import halls, page, public_url
from web.public.confirm import applicant_mobile, draft_confirmed, file_case, send_code_to
from web.public.rows import change_rows
from web.uploads import check_file_fields, known, remember, take_uploads


def online_item(request: Request[Any, Any, Any], code: str) -> Published:
    house = house_of(request)
    pub = house.cases.latest_published(code)
    if pub is None or not pub.definition.disclosure.guide:
        raise NotFound(f"事项 {code} 不存在或尚未发布")
    if not pub.definition.service.online:
        raise NotFound(f"“{pub.definition.name}”不能网上申请，请到窗口办理（见办事指南）")
    return pub


def halls_for(request: Request[Any, Any, Any], pub: Published) -> list[tuple[str, str]]:
    from web.public.common import accepted_at

    return [(d, t) for d, t in halls(house_of(request)) if accepted_at(pub, d)]


class ApplyController(Controller):
    path = "/services"
    include_in_schema = False

    @get("/{code:str}/apply", sync_to_thread=True)
    def form(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        draft: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        pub = online_item(request, code)
        compiled = pub.compiled
        values: dict[str, list[str]] = {}
        token = None
        if draft:
            house = house_of(request)
            now = datetime.now(UTC)
            with house.reading() as s:
                found = live_draft(s, house.settings.tenant, draft, now)
            if found is None or found.item_code != pub.code:
                raise NotFound("草稿不存在或已过期")
            if not draft_confirmed(request, found):
                return Redirect(f"/services/drafts/{found.token}", status_code=HTTP_303_SEE_OTHER)
            values = draft_values(found)
            token = found.token
            for raw in [v for vs in values.values() for v in vs]:
                _remember_ref(request, raw)
        data, _ = parse_form(compiled, values, house_of(request).settings.max_group_rows)
        rows = row_counts(compiled, values, house_of(request).settings.max_group_rows)
        form = build_form(compiled, data, compiled.evaluate(data), rows=rows, show_errors=False)
        return self._page(request, pub, form, values, token=token, uploads=_refs(values))

    @post("/{code:str}/apply")
    async def post_form(
        self, request: Request[Any, Any, Any], code: FromPath[str]
    ) -> Template | Redirect:
        pub = online_item(request, code)
        compiled = pub.compiled
        raw_form = await read_form(request)
        values = form_values(raw_form)
        text_errors = check_form_text(values)
        upload_errors, refs = await take_uploads(request, raw_form, values, compiled)
        if text_errors:
            bad = {e.path for e in text_errors}
            values = {k: v for k, v in values.items() if field_path(k) not in bad}
        return await run_blocking(
            request, partial(self._post, request, pub, values, text_errors + upload_errors, refs)
        )

    def _post(
        self,
        request: Request[Any, Any, Any],
        pub: Published,
        values: dict[str, list[str]],
        upload_errors: list[FieldError],
        refs: dict[str, dict[str, Any]],
    ) -> Template | Redirect:
        house = house_of(request)
        compiled = pub.compiled
        action = (values.get("_action") or ["submit"])[-1]
        token = (values.get("_draft") or [""])[-1] or None
        for key, ref in refs.items():  # kept with the form: a draft remembers its uploads
            values[f"_material_ref_{key}"] = [json.dumps(ref, ensure_ascii=False)]
        max_rows = house.settings.max_group_rows
        data, parse_errors = parse_form(compiled, values, max_rows)
        parse_errors = upload_errors + parse_errors
        parse_errors += check_file_fields(house, known(request), compiled, data)
        rows = row_counts(compiled, values, max_rows)
        if action.startswith(("add:", "remove:")) or action == "refresh":
            if action != "refresh":
                data, rows = change_rows(compiled, data, rows, action)
            form = build_form(compiled, data, compiled.evaluate(data), rows=rows, show_errors=False)
            return self._page(request, pub, form, values, token=token, uploads=refs)
        name, mobile, problems = applicant_errors(
            (values.get("_applicant_name") or [""])[-1],
            (values.get("_applicant_mobile") or [""])[-1],
            compiled.registry,
        )
        hall = (values.get("_hall") or [""])[-1]
        places = dict(halls_for(request, pub))
        errors: list[FieldError] = []
        extra: dict[str, Any] = {}
        for problem in problems:
            key = "applicant_error" if problem.path.endswith("/name") else "mobile_error"
            extra[key] = problem.message
            path = "/_applicant_name" if key == "applicant_error" else "/_applicant_mobile"
            errors.append(FieldError(path, problem.message))
        if mobile is None and not any(p.path.endswith("/mobile") for p in problems):
            extra["mobile_error"] = "网上申请须填写手机号码，用于接收验证码和办理进度短信"
            errors.append(FieldError("/_applicant_mobile", extra["mobile_error"]))
        if hall not in places:
            extra["hall_error"] = "请选择受理地点"
            errors.append(FieldError("/_hall", extra["hall_error"]))
        now = datetime.now(UTC)
        if action == "save":
            if mobile is None:
                form = build_form(
                    compiled, data, compiled.evaluate(data), rows=rows, show_errors=False
                )
                return self._page(
                    request, pub, form, values, token=token, uploads=refs, extra=extra, status=422
                )
            with transaction(house.sessions) as s:
                draft = save_draft(
                    s,
                    house.settings.tenant,
                    pub.code,
                    mobile,
                    values,
                    now,
                    house.settings.public_draft_days,
                    token,
                )
                link = public_url(house, f"/services/drafts/{draft.token}")
                from runtime.message_templates import own_texts
                from runtime.public.messages import enqueue

                enqueue(
                    s,
                    house.settings.tenant,
                    "draft_saved",
                    mobile,
                    render(
                        "draft_saved",
                        {
                            "item": pub.definition.name,
                            "days": str(house.settings.public_draft_days),
                            "link": link,
                        },
                        own_texts(s, house.settings.tenant),  # the county's own wording
                    ),
                    now=now,
                )
                saved = draft.token
            request.session[f"draft:{saved}"] = True
            return page(
                request,
                "public/draft_saved.html",
                {
                    "item": pub.definition.name,
                    "link": link,
                    "token": saved,
                    "days": house.settings.public_draft_days,
                    "code": pub.code,
                },
            )
        evaluation = compiled.evaluate(data)
        errors = _merge(parse_errors, evaluation.errors) + errors
        if errors:
            form = build_form(compiled, data, evaluation, errors, rows=rows)
            return self._page(
                request,
                pub,
                form,
                values,
                token=token,
                uploads=refs,
                extra=extra,
                status=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        assert mobile is not None
        materials = [refs[k] for k in sorted(refs)]
        viewer = signed_in(request)
        if viewer is not None and applicant_mobile(viewer) == mobile:
            number = file_case(
                house, viewer.username, viewer.id, pub, evaluation, hall, name, mobile, materials
            )
            return Redirect(f"/me?filed={number}", status_code=HTTP_303_SEE_OTHER)
        with transaction(house.sessions) as s:
            draft = save_draft(
                s,
                house.settings.tenant,
                pub.code,
                mobile,
                values,
                now,
                house.settings.public_draft_days,
                token,
            )
            saved = draft.token
        send_code_to(request, mobile, "apply")
        return Redirect(f"/services/drafts/{saved}/confirm", status_code=HTTP_303_SEE_OTHER)

    def _page(
        self,
        request: Request[Any, Any, Any],
        pub: Published,
        form: Any,
        values: dict[str, list[str]],
        *,
        token: str | None,
        uploads: dict[str, dict[str, Any]],
        extra: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        def one(name: str) -> str:
            return (values.get(name) or [""])[-1]

        places = halls_for(request, pub)
        return page(
            request,
            "public/apply.html",
            {
                "form": form,
                "item": pub.definition,
                "halls": places,
                "hall": one("_hall") or (places[0][0] if len(places) == 1 else ""),
                "applicant_name": one("_applicant_name"),
                "applicant_mobile": one("_applicant_mobile"),
                "draft": token,
                "uploads": uploads,
                "rerender_url": f"/services/{pub.code}/apply",
                **(extra or {}),
            },
            block="application",
            status=status,
        )


def _refs(values: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, vs in values.items():
        if key.startswith("_material_ref_") and vs:
            try:
                ref = json.loads(vs[-1])
            except ValueError:
                continue
            if isinstance(ref, dict):
                out[key.removeprefix("_material_ref_")] = ref
    return out


def _remember_ref(request: Request[Any, Any, Any], raw: str) -> None:
    """A resumed draft's uploads become this session's (the code proved the mobile)."""
    if not raw.startswith("{"):
        return
    try:
        ref = json.loads(raw)
    except ValueError:
        return
    sha = ref.get("sha256") if isinstance(ref, dict) else None
    if isinstance(sha, str) and len(sha) == 64:
        remember(request, sha)


__all__ = ["ApplyController", "InvalidInput"]
