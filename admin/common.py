"""What every admin page shares: the admin's scope, the posted form, the page context,
and short messages shown after a redirect (``?done=…``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Template

from admin.access import AdminScope, scope_of
from house.wiring import House
from runtime.errors import InvalidInput
from web.auth import CurrentUser
from web.blocking import run_blocking
from web.deps import house_of
from web.jsonbody import check_form_text, read_form
from web.pages import render_page

T = TypeVar("T")

#: Messages after a redirect, by key (never text from the request).
DONE: dict[str, str] = {
    "created": "草稿已创建。",
    "saved": "已保存。",
    "submitted": "已提交审核，等待县级管理员（改革办）审核发布。",
    "sent_back": "已退回起草人修改。",
    "published": "已发布新版本。新受理的案件使用新版本；在办案件仍按原版本办理。",
    "discarded": "草稿已放弃。",
    "retired": "事项已停用：不再受理新申请，在办案件照常办理。",
    "reinstated": "事项已恢复受理。",
    "imported": "定义文件已导入为草稿。",
    "org_saved": "组织机构已更新。",
    "people_saved": "人员已更新。",
    "calendar_saved": "工作日历已更新。",
    "template_saved": "短信模板已保存。",
}


def scope(request: Request[Any, Any, Any], user: CurrentUser) -> AdminScope:
    return scope_of(house_of(request), user.username)


class Posted:
    """A posted form, read once: ``get(name)`` is every value under the name."""

    def __init__(self, form: FormMultiDict) -> None:
        self.values: dict[str, list[str]] = {
            k: [v for v in form.getall(k) if isinstance(v, str)] for k in form
        }
        self.files = {k: v for k in form for v in form.getall(k) if not isinstance(v, str)}

    def get(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def has(self, name: str) -> bool:
        return name in self.values

    def one(self, name: str, default: str = "") -> str:
        got = self.values.get(name)
        return got[-1] if got else default


async def posted(request: Request[Any, Any, Any]) -> Posted:
    form = Posted(await read_form(request))
    errors = check_form_text(form.values)
    if errors:
        raise InvalidInput(f"提交的内容{errors[0].message}", errors)
    return form


async def blocking(request: Request[Any, Any, Any], work: Callable[[], T]) -> T:
    return await run_blocking(request, work)


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status: int = 200,
) -> Template:
    done = request.query_params.get("done")
    context = {"flash": DONE.get(done or "", ""), **context}
    return render_page(request, template, block, context, status)


def titles(house: House) -> dict[str, str]:
    snap = house.policy.snapshot(house.settings.tenant)
    return {name: d.title for name, d in snap.domains.items()}
