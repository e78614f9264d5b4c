"""The four-eyes review: the change in words against the published version, the findings,
the catalogue report before and after (四减一放), publish (with a reason when a rule warns)
or send back; retire and reinstate; the preview of the generated form and the service
guide (also in a phone-sized box); one published version's canonical text."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy import select

from admin import drafts
from admin.access import require_owner, require_reviewer
from admin.checking import check_document
from admin.common import blocking, page, posted, scope, titles
from admin.items import ADMIN_GUARDS
from admin.publish import newest
from db.engine import transaction
from definitions.models import ItemDefinition
from definitions.report import COLUMNS, cell, change, summarise
from renderer.forms import build_form
from renderer.guide import guide_view
from runtime.case_tables import ItemVersion
from runtime.errors import NotFound
from runtime.publishing import export_text
from web.deps import UserDep, house_of


def _see(code: str, done: str) -> Redirect:
    return Redirect(f"/admin/items/{code}?done={done}", status_code=HTTP_303_SEE_OTHER)


def report_rows(before: list[ItemDefinition], after: list[ItemDefinition]) -> list[dict[str, Any]]:
    """The catalogue report, per department and in total, as "before → after" cells."""
    a, b = summarise(before), summarise(after)
    owners = [*sorted((set(a) | set(b)) - {"合计"}), "合计"]
    out = []
    for owner in owners:
        now, was = b.get(owner), a.get(owner)
        changed = [change(now, was, c) for c, _ in COLUMNS]
        if owner != "合计" and all(cell(now, c) == cell(was, c) for c, _ in COLUMNS):
            continue
        out.append({"owner": owner, "cells": changed})
    return out


class ReviewController(Controller):
    path = "/admin/items"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/{code:str}/review", sync_to_thread=True)
    def review(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Template:
        house = house_of(request)
        sc = scope(request, user)
        tenant = house.settings.tenant
        with house.reading() as s:
            draft = drafts.open_draft(s, tenant, code)
            if draft is None:
                raise NotFound(f"事项 {code} 没有待审核的草稿")
            require_owner(house, sc, draft.owner)
            base = newest(s, house.catalog, tenant, code)
            changes = drafts.review_changes(s, house.catalog, draft)
            catalogue = [p.definition for p in house.catalog.all_latest(s, tenant)]
        findings = check_document(drafts.document_of(draft), house.catalog, code)
        after = [d for d in catalogue if d.code != code]
        if findings.definition is not None:
            after.append(findings.definition)
        names = titles(house)
        return page(
            request,
            "admin/review.html",
            {
                "section": "/admin/items",
                "code": code,
                "draft": draft,
                "base": base,
                "changes": changes,
                "findings": findings,
                "report": report_rows(catalogue, after),
                "columns": [h for _, h in COLUMNS],
                "names": names,
                "scope": sc,
                "own": user.username in (draft.created_by, draft.submitted_by),
                "state_names": drafts.STATE_NAMES,
            },
        )

    @post("/{code:str}/publish")
    async def publish(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        form = await posted(request)

        def work() -> Redirect:
            house = house_of(request)
            sc = scope(request, user)
            require_reviewer(sc)
            with transaction(house.sessions) as s:
                draft = drafts.open_draft(s, house.settings.tenant, code)
                if draft is None:
                    raise NotFound(f"事项 {code} 没有待审核的草稿")
                drafts.approve(s, house.catalog, draft, user.username, form.one("reason"))
            return _see(code, "published")

        return await blocking(request, work)

    @post("/{code:str}/send-back")
    async def send_back(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        form = await posted(request)

        def work() -> Redirect:
            house = house_of(request)
            require_reviewer(scope(request, user))
            with transaction(house.sessions) as s:
                draft = drafts.open_draft(s, house.settings.tenant, code)
                if draft is None:
                    raise NotFound(f"事项 {code} 没有待审核的草稿")
                drafts.send_back(s, draft, user.username, form.one("reason"))
            return _see(code, "sent_back")

        return await blocking(request, work)

    @post("/{code:str}/retire")
    async def retire(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        return await self._in_or_out(request, user, code, retire=True)

    @post("/{code:str}/reinstate")
    async def reinstate(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        return await self._in_or_out(request, user, code, retire=False)

    async def _in_or_out(
        self, request: HTMXRequest, user: UserDep, code: str, *, retire: bool
    ) -> Redirect:
        """Take a published item out of service, or back in (the reform office only)."""
        form = await posted(request)

        def work() -> Redirect:
            house = house_of(request)
            tenant = house.settings.tenant
            require_reviewer(scope(request, user))
            with transaction(house.sessions) as s:
                pub = newest(s, house.catalog, tenant, code)
                if pub is None:
                    raise NotFound(f"事项 {code} 尚未发布")
                reason, owner = form.one("reason"), pub.definition.owner
                if retire:
                    drafts.retire(s, tenant, code, user.username, reason, pub.version, owner)
                else:
                    drafts.reinstate(s, tenant, code, user.username, reason, owner)
            house.catalog.retired.forget(tenant)  # this process refuses (or takes) at once
            return _see(code, "retired" if retire else "reinstated")

        return await blocking(request, work)

    # -- preview and versions ---------------------------------------------------------------

    @get("/{code:str}/preview", sync_to_thread=True)
    def preview(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Template:
        """The generated form and the service guide of the draft (else the published
        version); ``?phone=1`` shows it in a phone-sized box (375 px; the app's CSP allows
        no frames)."""
        house = house_of(request)
        tenant = house.settings.tenant
        with house.reading() as s:
            draft = drafts.open_draft(s, tenant, code)
            pub = newest(s, house.catalog, tenant, code)
            owner = draft.owner if draft else pub.definition.owner if pub else ""
            if draft is None and pub is None:
                raise NotFound(f"找不到事项 {code}")
            require_owner(house, scope(request, user), owner)
        doc = drafts.document_of(draft) if draft else pub.definition.canonical() if pub else {}
        findings = check_document(doc, house.catalog, code)
        ctx: dict[str, Any] = {
            "section": "/admin/items",
            "code": code,
            "findings": findings,
            "phone": bool(request.query_params.get("phone")),
        }
        if findings.compiled is not None:
            compiled = findings.compiled
            ctx["form"] = build_form(compiled, {}, compiled.evaluate({}), show_errors=False)
            ctx["guide"] = guide_view(
                compiled.definition,
                pub.version + 1 if pub and draft else pub.version if pub else 1,
                titles(house),
            )
            ctx["rerender_url"] = ""
            ctx["uploads"] = {}
        return page(request, "admin/preview.html", ctx)

    @get("/{code:str}/versions/{version:int}", sync_to_thread=True)
    def version(
        self, request: HTMXRequest, user: UserDep, code: FromPath[str], version: FromPath[int]
    ) -> Template:
        house = house_of(request)
        with house.reading() as s:
            vid = s.execute(
                select(ItemVersion.id).where(
                    ItemVersion.tenant == house.settings.tenant,
                    ItemVersion.code == code,
                    ItemVersion.version == version,
                )
            ).scalar_one_or_none()
            if vid is None:
                raise NotFound(f"事项 {code} 没有第 {version} 版")
            pub = house.catalog.by_id(s, vid)
        require_owner(house, scope(request, user), pub.definition.owner)
        return page(
            request,
            "admin/version.html",
            {"section": "/admin/items", "pub": pub, "text": export_text(pub.definition)},
        )
