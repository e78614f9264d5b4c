"""/admin/items: the list, new items (blank, from a category's template, a copy, an
imported file), the item page with its structured editor, the JSON view, submitting for
review. Review and publishing are admin/review.py's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import Guard

from admin import drafts
from admin.access import require_owner
from admin.catalogue import STATUS_NAMES, filtered, rows
from admin.checking import check_document
from admin.common import Posted, blocking, page, posted, scope, titles
from admin.editing import InputError, apply_form, apply_op
from admin.editor import (
    OPERATORS,
    annotate,
    build_editor,
    finding_rows,
    first_change,
    open_along,
)
from admin.editor import anchor as editor_anchor
from admin.history import versions_of
from admin.publish import newest
from admin.skeleton import CATEGORY_NAMES, HANDLING_NAMES, blank, copy_of
from db.engine import transaction
from definitions.problems import Problem
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.publishing import export_text
from web.auth import CurrentUser
from web.deps import UserDep, house_of, role_required

ADMIN_GUARDS: tuple[Guard, ...] = (role_required("admin"),)
FILTERS = ("q", "owner", "category", "handling", "level", "status", "finding")


def _see(code: str, done: str = "", anchor: str = "", at: str = "") -> Redirect:
    query = urlencode({k: v for k, v in (("done", done), ("at", at)) if v})
    url = f"/admin/items/{code}" + (f"?{query}" if query else "") + anchor
    return Redirect(url, status_code=HTTP_303_SEE_OTHER)


class ItemsController(Controller):
    path = "/admin"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect("/admin/items")

    @get("/items", sync_to_thread=True)
    def items(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        sc = scope(request, user)
        f = {k: request.query_params.get(k, "") for k in FILTERS}
        with house.reading() as s:
            everything = rows(s, house, sc)
        shown = filtered(everything, f)
        names = titles(house)
        return page(
            request,
            "admin/items.html",
            {
                "section": "/admin/items",
                "rows": shown,
                "total": len(everything),
                "waiting": sum(r.draft_state == "in_review" for r in everything),
                "f": f,
                "owners": sorted({r.owner for r in everything}),
                "names": names,
                "categories": CATEGORY_NAMES,
                "handlings": HANDLING_NAMES,
                "statuses": STATUS_NAMES,
                "scope": sc,
            },
            block="results",
        )

    # -- new items ------------------------------------------------------------------------

    def _new_context(self, request: Request[Any, Any, Any], user: CurrentUser) -> dict[str, Any]:
        house = house_of(request)
        sc = scope(request, user)
        names = titles(house)
        snap = house.policy.snapshot(house.settings.tenant)
        owners = sorted(
            d.name
            for d in snap.domains.values()
            if d.kind == "department" and sc.owns(house, d.name)
        )
        with house.reading() as s:
            published = [
                p for p in house.catalog.all_latest(s, house.settings.tenant, include_retired=True)
            ]
        return {
            "section": "/admin/items",
            "owners": [(o, names.get(o, o)) for o in owners],
            "categories": CATEGORY_NAMES,
            "copies": [
                (p.code, p.definition.name) for p in published if sc.owns(house, p.definition.owner)
            ],
            "values": {},
            "error": "",
        }

    @get("/items/new", sync_to_thread=True)
    def new_form(self, request: HTMXRequest, user: UserDep) -> Template:
        return page(request, "admin/new.html", self._new_context(request, user))

    @post("/items/new")
    async def create(self, request: HTMXRequest, user: UserDep) -> Template | Redirect:
        form = await posted(request)
        return await blocking(request, lambda: self._create(request, user, form))

    def _create(self, request: HTMXRequest, user: CurrentUser, form: Posted) -> Template | Redirect:
        house = house_of(request)
        sc = scope(request, user)
        code = form.one("code").strip()
        name = form.one("name").strip()
        owner = form.one("owner")
        how = form.one("how", "blank")
        problems = []
        if not code:
            problems.append("请填写事项编码")
        if not name:
            problems.append("请填写事项名称")
        if problems:
            ctx = self._new_context(request, user)
            ctx.update(values=form.values, error="；".join(problems))
            return page(request, "admin/new.html", ctx, status=422)
        with transaction(house.sessions) as s:
            if how == "copy":
                source = newest(s, house.catalog, house.settings.tenant, form.one("source"))
                if source is None:
                    raise NotFound("找不到要复制的事项")
                require_owner(house, sc, source.definition.owner)
                doc = copy_of(source.definition.canonical(), code, name)
                if owner:
                    doc["owner"] = owner
                what = f"复制自 {source.code} 第 {source.version} 版"
            else:
                category = form.one("category", "administrative_license")
                doc = blank(code, name, owner, category)
                what = f"{CATEGORY_NAMES.get(category, category)}模板"
            require_owner(house, sc, str(doc.get("owner", "")))
            if newest(s, house.catalog, house.settings.tenant, code) is not None:
                raise Conflict(f"事项编码 {code} 已被使用；修改已发布的事项请在其页面“新建草稿”")
            drafts.create(s, house.catalog, house.settings.tenant, user.username, doc, how=what)
        return _see(code, "created")

    @post("/items/import")
    async def import_file(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        upload = form.files.get("file")
        text = form.one("document")
        if upload is not None:
            data = await upload.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput("文件不是 UTF-8 编码的 JSON") from None
        return await blocking(request, lambda: self._import(request, user, text))

    def _import(self, request: HTMXRequest, user: CurrentUser, text: str) -> Redirect:
        house = house_of(request)
        limit = house.settings.admin_import_kb * 1024
        if len(text.encode("utf-8")) > limit:
            raise InvalidInput(f"定义文件太大（最多 {house.settings.admin_import_kb} KB）")
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"不是有效的 JSON：{exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("code"), str):
            raise InvalidInput("定义文件必须是带 code 的 JSON 对象")
        require_owner(house, scope(request, user), str(doc.get("owner", "")))
        with transaction(house.sessions) as s:
            drafts.create(
                s, house.catalog, house.settings.tenant, user.username, doc, how="导入文件"
            )
        return _see(doc["code"], "imported")

    # -- the item page and its editor -----------------------------------------------------

    @get("/items/{code:str}", sync_to_thread=True)
    def item(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Template:
        return page(request, "admin/item.html", self._item_context(request, user, code))

    def _item_context(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        code: str,
        input_errors: list[InputError] | None = None,
        json_text: str | None = None,
    ) -> dict[str, Any]:
        house = house_of(request)
        sc = scope(request, user)
        tenant = house.settings.tenant
        with house.reading() as s:
            pub = newest(s, house.catalog, tenant, code)
            draft = drafts.open_draft(s, tenant, code)
            if pub is None and draft is None:
                raise NotFound(f"找不到事项 {code}")
            owner = draft.owner if draft is not None else pub.definition.owner if pub else ""
            require_owner(house, sc, owner)
            history = versions_of(s, tenant, code)
            retired = drafts.retired(s, tenant, code)
            changes = drafts.review_changes(s, house.catalog, draft) if draft is not None else []
        doc = (
            drafts.document_of(draft)
            if draft is not None
            else pub.definition.canonical()
            if pub
            else {}
        )
        findings = check_document(doc, house.catalog, code)
        editable = draft is not None and draft.state == "draft"
        tree = build_editor(doc)
        open_along(tree, request.query_params.get("at", ""))
        problems = list(findings.problems) + [
            Problem("", e.pointer, e.message, "input") for e in input_errors or []
        ]
        orphans = annotate(tree, problems)
        return {
            "section": "/admin/items",
            "code": code,
            "pub": pub,
            "draft": draft,
            "state_names": drafts.STATE_NAMES,
            "tree": tree,
            "findings": findings,
            "problems": problems,
            "finding_rows": finding_rows(problems),
            "orphans": orphans,
            "editable": editable,
            "operators": OPERATORS,
            "history": history,
            "retired": retired,
            "changes": changes,
            "scope": sc,
            "json_text": json_text
            if json_text is not None
            else json.dumps(doc, ensure_ascii=False, indent=2),
        }

    @post("/items/{code:str}/edit")
    async def edit(
        self, request: HTMXRequest, user: UserDep, code: FromPath[str]
    ) -> Template | Redirect:
        form = await posted(request)
        return await blocking(request, lambda: self._edit(request, user, code, form))

    def _edit(
        self, request: HTMXRequest, user: CurrentUser, code: str, form: Posted
    ) -> Template | Redirect:
        house = house_of(request)
        op = form.one("op")
        with transaction(house.sessions) as s:
            draft = self._draft(request, user, s, code)
            old = drafts.document_of(draft)
            new, errors = apply_form(old, form.get, form.has)
            if op:
                new = apply_op(new, op)
            _keep_owner(request, user, draft.owner, new)
            drafts.save(s, draft, new, user.username, _int(form.one("revision")))
            revision = draft.revision
        if request.htmx and not op:
            return self._findings(request, new, revision, errors)
        if errors:
            ctx = self._item_context(request, user, code, errors)
            return page(request, "admin/item.html", ctx, status=422)
        # back at the part just changed, its rows open
        at = op.partition(":")[2] if op else first_change(old, new)
        anchor = "#" + editor_anchor(at) if at else ""
        return _see(code, "saved", anchor, at)

    def _findings(
        self, request: HTMXRequest, doc: Any, revision: int, errors: list[InputError]
    ) -> Template:
        house = house_of(request)
        findings = check_document(doc, house.catalog)
        problems = list(findings.problems) + [
            Problem("", e.pointer, e.message, "input") for e in errors
        ]
        return page(
            request,
            "admin/item.html",
            {
                "findings": findings,
                "problems": problems,
                "finding_rows": finding_rows(problems),
                "revision": revision,
                "oob_revision": True,
            },
            block="findings",
        )

    def _draft(self, request: Request[Any, Any, Any], user: CurrentUser, s: Any, code: str) -> Any:
        house = house_of(request)
        draft = drafts.open_draft(s, house.settings.tenant, code)
        if draft is None:
            raise NotFound(f"事项 {code} 没有未完成的草稿")
        require_owner(house, scope(request, user), draft.owner)
        return draft

    @post("/items/{code:str}/json")
    async def save_json(
        self, request: HTMXRequest, user: UserDep, code: FromPath[str]
    ) -> Template | Redirect:
        form = await posted(request)
        return await blocking(request, lambda: self._save_json(request, user, code, form))

    def _save_json(
        self, request: HTMXRequest, user: CurrentUser, code: str, form: Posted
    ) -> Template | Redirect:
        house = house_of(request)
        text = form.one("document")
        try:
            doc = json.loads(text)
        except ValueError as exc:
            error = InputError("", f"JSON 格式不正确：{exc}")
            if request.htmx and form.one("check"):
                return self._findings(request, {}, _int(form.one("revision")), [error])
            ctx = self._item_context(request, user, code, [error], json_text=text)
            return page(request, "admin/item.html", ctx, status=422)
        if form.one("check"):  # validated as typed, not saved
            return self._findings(request, doc, _int(form.one("revision")), [])
        with transaction(house.sessions) as s:
            draft = self._draft(request, user, s, code)
            _keep_owner(request, user, draft.owner, doc)
            drafts.save(s, draft, doc, user.username, _int(form.one("revision")))
        return _see(code, "saved")

    @post("/items/{code:str}/draft")
    async def new_draft(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        def work() -> Redirect:
            house = house_of(request)
            with transaction(house.sessions) as s:
                pub = newest(s, house.catalog, house.settings.tenant, code)
                if pub is None:
                    raise NotFound(f"找不到事项 {code}")
                require_owner(house, scope(request, user), pub.definition.owner)
                drafts.create(
                    s,
                    house.catalog,
                    house.settings.tenant,
                    user.username,
                    pub.definition.canonical(),
                    how=f"基于第 {pub.version} 版",
                )
            return _see(code, "created")

        await posted(request)
        return await blocking(request, work)

    @post("/items/{code:str}/submit")
    async def submit(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        form = await posted(request)

        def work() -> Redirect:
            house = house_of(request)
            with transaction(house.sessions) as s:
                draft = self._draft(request, user, s, code)
                drafts.submit(s, house.catalog, draft, user.username, form.one("note"))
            return _see(code, "submitted")

        return await blocking(request, work)

    @post("/items/{code:str}/discard")
    async def discard(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Redirect:
        await posted(request)

        def work() -> Redirect:
            house = house_of(request)
            with transaction(house.sessions) as s:
                draft = self._draft(request, user, s, code)
                drafts.discard(s, draft, user.username)
                published = newest(s, house.catalog, house.settings.tenant, code) is not None
            if not published:
                return Redirect("/admin/items?done=discarded", status_code=HTTP_303_SEE_OTHER)
            return _see(code, "discarded")

        return await blocking(request, work)

    @get("/items/{code:str}/export", sync_to_thread=True)
    def export(self, request: HTMXRequest, user: UserDep, code: FromPath[str]) -> Response[str]:
        """The published version as a canonical file (or the open draft with ``?draft=1``)."""
        house = house_of(request)
        with house.reading() as s:
            pub = newest(s, house.catalog, house.settings.tenant, code)
            draft = drafts.open_draft(s, house.settings.tenant, code)
            owner = pub.definition.owner if pub else draft.owner if draft else ""
            if pub is None and draft is None:
                raise NotFound(f"找不到事项 {code}")
            require_owner(house, scope(request, user), owner)
            if request.query_params.get("draft") and draft is not None:
                body = (
                    json.dumps(
                        drafts.document_of(draft), ensure_ascii=False, indent=2, sort_keys=True
                    )
                    + "\n"
                )
            elif pub is not None:
                body = export_text(pub.definition)
            else:
                raise NotFound("该事项尚未发布")
        return Response(
            body,
            media_type="application/json; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{code}.json"'},
        )


def _keep_owner(request: Request[Any, Any, Any], user: CurrentUser, owner: str, doc: Any) -> None:
    """A draft handed to another department must be within the admin's reach too (a
    department's admin cannot draft for, or give away to, a department it does not run)."""
    new_owner = doc.get("owner") if isinstance(doc, dict) else None
    if new_owner != owner:
        require_owner(house_of(request), scope(request, user), str(new_owner or ""))


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1
