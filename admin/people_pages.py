"""/admin/org and /admin/people: domains, users, role grants, dated delegations,
deactivation and password reset, and the permission explanation for any user × act ×
target. Every change is rbac's own function (rbac/people.py) — the same rules as ``banshi
user …``: a grant or delegation that would let a department head decide is refused there,
not here — and every change is asked of rbac first (``manage_org`` / ``manage_users`` on
the domain concerned) and written to the admin log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.orm import Session

from admin.access import require_act, root_domain
from admin.common import Posted, blocking, page, posted
from admin.items import ADMIN_GUARDS
from admin.log import record
from db.engine import transaction
from house.wiring import House
from rbac import people
from rbac.acts import ACT_NAMES
from rbac.explain import explain
from rbac.policy import ROLE_NAMES, load_org_data
from rbac.tables import DOMAIN_KINDS
from runtime.errors import InvalidInput
from runtime.org_guard import guarded_change
from web.auth import CurrentUser
from web.deps import UserDep, house_of

KIND_NAMES = {
    "county": "县",
    "department": "部门",
    "hall": "政务服务大厅",
    "township": "乡镇",
    "village": "村",
}


def _change(
    request: HTMXRequest,
    user: CurrentUser,
    act: str,
    domains: list[str],
    work: Callable[[Session, House], str],
    *,
    area: str,
    target: str,
    back: str,
) -> Redirect:
    """Check ``act`` on every domain concerned, run ``work`` (it returns the log's
    summary) and log it, refresh the policy snapshot, go back."""
    house = house_of(request)
    tenant = house.settings.tenant
    for d in domains or [root_domain(house)]:
        require_act(house, user.username, act, d)
    with transaction(house.sessions) as s:
        summary = work(s, house)
        record(s, tenant, user.username, area, act, target, summary, domain=(domains or [""])[0])
    house.policy.refresh(tenant, force=True)
    done = "org_saved" if area == "org" else "people_saved"
    return Redirect(f"{back}?done={done}", status_code=HTTP_303_SEE_OTHER)


FIELD_NAMES = {
    "username": "用户名",
    "role": "角色",
    "domain": "组织",
    "from": "被代理人",
    "to": "代理人",
    "name": "编号",
    "title": "名称",
    "kind": "类型",
}


def _need(form: Posted, *names: str) -> None:
    """Every field named must be filled (422 naming them, before any permission is asked:
    a missing domain is bad input, not a refusal)."""
    missing = [FIELD_NAMES.get(n, n) for n in names if not form.one(n).strip()]
    if missing:
        raise InvalidInput(f"请填写：{'、'.join(missing)}")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what}不是有效的日期（例如 2026-12-01）") from None


def _user_domains(house: House, username: str) -> list[str]:
    snap = house.policy.snapshot(house.settings.tenant)
    return sorted({g.domain for g in snap.grants_of(username)})


class OrgController(Controller):
    path = "/admin/org"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=True)
    def org(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        snap = house.policy.snapshot(house.settings.tenant)
        children: dict[str | None, list[Any]] = {}
        for d in sorted(snap.domains.values(), key=lambda d: d.name):
            children.setdefault(d.parent, []).append(d)
        rows: list[tuple[int, Any]] = []

        def walk(parent: str | None, depth: int) -> None:
            for d in children.get(parent, []):
                rows.append((depth, d))
                walk(d.name, depth + 1)

        walk(None, 0)
        return page(
            request,
            "admin/org.html",
            {"section": "/admin/org", "rows": rows, "kinds": KIND_NAMES, "all_kinds": DOMAIN_KINDS},
        )

    @post("/domains")
    async def add_domain(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "name", "title", "kind")
        name, parent = form.one("name").strip(), form.one("parent").strip() or None

        def work(s: Session, house: House) -> str:
            people.ensure_domain(
                s,
                house.settings.tenant,
                name,
                kind=form.one("kind"),
                title=form.one("title").strip(),
                parent=parent,
                section=form.one("section").strip() or None,
                actor=user.username,
            )
            return f"新增或更新组织 {name}（{form.one('title')}）"

        return await blocking(
            request,
            lambda: (
                _change(
                    request,
                    user,
                    "manage_org",
                    [parent or ""],
                    work,
                    area="org",
                    target=name,
                    back="/admin/org",
                )
                if parent
                else _change(
                    request,
                    user,
                    "manage_org",
                    [],
                    work,
                    area="org",
                    target=name,
                    back="/admin/org",
                )
            ),
        )


class PeopleController(Controller):
    path = "/admin/people"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=True)
    def people_page(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        tenant = house.settings.tenant
        q = request.query_params
        explanation: list[str] = []
        who, act, target = q.get("who", ""), q.get("act", ""), q.get("target", "")
        with house.reading() as s:
            data = load_org_data(s, tenant)
            if who and act and target:
                try:
                    resolved = house.resolve_target(s, target)
                    decision = house.authorizer.can(who, act, resolved)
                    explanation = explain(decision, resolved, house.policy.snapshot(tenant))
                except Exception as exc:  # an unknown target names itself
                    explanation = [getattr(exc, "message", None) or str(exc)]
        grants: dict[str, list[Any]] = {}
        for g in data.grants:
            grants.setdefault(g.username, []).append(g)
        search = q.get("q", "").strip().lower()
        users = [
            u
            for u in data.users
            if u.kind == "staff"
            and (not search or search in u.username.lower() or search in u.display_name.lower())
        ]
        return page(
            request,
            "admin/people.html",
            {
                "section": "/admin/people",
                "users": users,
                "grants": grants,
                "delegations": [d for d in data.delegations if not d.ended],
                "roles": ROLE_NAMES,
                "acts": ACT_NAMES,
                "domains": sorted(d.name for d in data.domains),
                "explanation": explanation,
                "ask": {"who": who, "act": act, "target": target},
                "q": search,
            },
        )

    @post("/users")
    async def add_user(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "username")
        username = form.one("username").strip()
        role, domain = form.one("role"), form.one("domain")

        def work(s: Session, house: House) -> str:
            t = house.settings.tenant
            people.add_user(
                s,
                t,
                username,
                form.one("display_name").strip() or username,
                password=form.one("password") or None,
                actor=user.username,
            )
            if role and domain:
                people.grant_role(s, t, username, role, domain, actor=user.username)
            return f"新增用户 {username}" + (
                f"，授予 {ROLE_NAMES.get(role, role)}@{domain}" if role and domain else ""
            )

        return await self._do(request, user, [domain] if domain else [], work, username)

    @post("/grants")
    async def grant(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "username", "role", "domain")
        username, role, domain = form.one("username"), form.one("role"), form.one("domain")
        revoke = form.one("revoke") == "1"

        def work(s: Session, house: House) -> str:
            t = house.settings.tenant
            if revoke:  # refused when it leaves a published item with nobody to act
                guarded_change(
                    s,
                    t,
                    house.catalog,
                    lambda: people.revoke_role(s, t, username, role, domain, actor=user.username),
                )
                return f"撤销 {username} 的 {ROLE_NAMES.get(role, role)}@{domain}"
            people.grant_role(s, t, username, role, domain, actor=user.username)
            return f"授予 {username} {ROLE_NAMES.get(role, role)}@{domain}"

        return await self._do(request, user, [domain], work, username)

    @post("/delegations")
    async def delegate(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "from", "to", "role", "domain")
        frm, to, role, domain = (
            form.one("from"),
            form.one("to"),
            form.one("role"),
            form.one("domain"),
        )
        start, end = (
            _day(form.one("valid_from"), "开始日期"),
            _day(form.one("valid_to"), "结束日期"),
        )

        def work(s: Session, house: House) -> str:
            people.delegate(
                s,
                house.settings.tenant,
                frm,
                to,
                role,
                domain,
                start,
                end,
                form.one("reason"),
                actor=user.username,
            )
            return f"{to} 代理 {frm} 的 {ROLE_NAMES.get(role, role)}@{domain}（{start} 至 {end}）"

        return await self._do(request, user, [domain], work, to)

    @post("/delegations/end")
    async def end_delegation(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        if not form.one("id").isdigit():
            raise InvalidInput("缺少要结束的代理编号")
        delegation_id = int(form.one("id"))
        house = house_of(request)
        with house.reading() as s:
            found = [
                d
                for d in load_org_data(s, house.settings.tenant).delegations
                if d.id == delegation_id
            ]
        domains = [found[0].domain] if found else []

        def work(s: Session, house: House) -> str:
            row = people.end_delegation(
                s, house.settings.tenant, delegation_id, actor=user.username
            )
            return f"结束代理 #{row.id}"

        return await self._do(request, user, domains, work, f"delegation {delegation_id}")

    @post("/active")
    async def set_active(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "username")
        username = form.one("username")
        active = form.one("active") == "1"

        def work(s: Session, house: House) -> str:
            t = house.settings.tenant
            # refused when it leaves a published item with nobody to act (runtime/org_guard.py)
            guarded_change(
                s,
                t,
                house.catalog,
                lambda: people.set_active(s, t, username, active, actor=user.username),
            )
            return f"{'启用' if active else '停用'}用户 {username}"

        return await self._do(
            request, user, _user_domains(house_of(request), username), work, username
        )

    @post("/password")
    async def reset_password(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        _need(form, "username")
        username = form.one("username")
        password = form.one("password")
        if len(password) < 8:
            raise InvalidInput("新密码至少 8 个字符")

        def work(s: Session, house: House) -> str:
            people.set_password(s, house.settings.tenant, username, password, actor=user.username)
            return f"重置 {username} 的密码（其登录会话已结束）"

        return await self._do(
            request, user, _user_domains(house_of(request), username), work, username
        )

    async def _do(
        self,
        request: HTMXRequest,
        user: CurrentUser,
        domains: list[str],
        work: Callable[[Session, House], str],
        target: str,
    ) -> Redirect:
        return await blocking(
            request,
            lambda: _change(
                request,
                user,
                "manage_users",
                domains,
                work,
                area="people",
                target=target,
                back="/admin/people",
            ),
        )
