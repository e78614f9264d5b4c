"""/admin/templates: the SMS text of each notification event, the county's own wording
beside the built-in one (runtime/messages.py), a preview filled from a real case, and the
length in characters and SMS parts (70 characters for one message, 67 per part when a
longer one is split)."""

from __future__ import annotations

import string
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.access import require_act, root_domain
from admin.common import blocking, page, posted
from admin.items import ADMIN_GUARDS
from admin.log import record
from admin.tables import MessageTemplate, utcnow
from admin.wording import diff_words
from db.engine import transaction
from house.wiring import House
from runtime.case_tables import Case
from runtime.errors import InvalidInput, NotFound
from runtime.messages import TEMPLATES
from web.deps import UserDep, house_of

MAX_CHARS = 500


def sms_parts(text: str) -> int:
    n = len(text)
    return 1 if n <= 70 else -(-n // 67)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def sample_values(session: Session, house: House) -> tuple[dict[str, str], str]:
    """Values from the newest real case (else made-up ones), and its number."""
    case = session.execute(
        select(Case).where(Case.tenant == house.settings.tenant).order_by(Case.id.desc()).limit(1)
    ).scalar_one_or_none()
    if case is None:
        return {
            "item": "（示例事项）",
            "number": "422822-20261201-0001",
            "query_code": "ABC123",
        }, ""
    pub = house.catalog.by_id(session, case.item_version_id)
    d = pub.definition
    return (
        {
            "item": d.name,
            "number": case.number,
            "query_code": case.query_code,
            "due": str(case.due_promised or ""),
            "phone": d.service.phone,
            "complaint": d.service.complaint,
            "query_url": f"{house.settings.public_url or ''}/query",
            "next": "请留意后续短信",
            "reason": "（理由）",
            "decision": "准予许可",
            "wording": "因现场勘查需要，暂停计算办理时限 5 个工作日",
            "fee": "0.00",
        },
        case.number,
    )


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class TemplatesController(Controller):
    path = "/admin/templates"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=True)
    def templates(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        with house.reading() as s:
            own = {
                t.event: t
                for t in s.execute(
                    select(MessageTemplate).where(MessageTemplate.tenant == house.settings.tenant)
                ).scalars()
            }
            values, number = sample_values(s, house)
        rows: list[dict[str, Any]] = []
        for event, builtin in TEMPLATES.items():
            text = own[event].text if event in own else builtin
            preview = text.format_map(_Blank(values))
            rows.append(
                {
                    "event": event,
                    "text": text,
                    "own": event in own,
                    "preview": preview,
                    "chars": len(preview),
                    "parts": sms_parts(preview),
                }
            )
        return page(
            request,
            "admin/message_templates.html",
            {"section": "/admin/templates", "rows": rows, "number": number, "max": MAX_CHARS},
        )

    @post("/")
    async def save(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        event = form.one("event")

        def work() -> Redirect:
            house = house_of(request)
            if event not in TEMPLATES:
                raise NotFound(f"没有通知事件 {event}")
            require_act(house, user.username, "manage_templates", root_domain(house))
            text = form.one("text").strip()
            if len(text) > MAX_CHARS:
                raise InvalidInput(f"短信模板最多 {MAX_CHARS} 个字符")
            try:
                names = placeholders(text)
                text.format_map(_Blank())
            except (ValueError, IndexError, KeyError, AttributeError, TypeError):
                raise InvalidInput("模板格式不正确：占位符写作 {item}，花括号须成对") from None
            allowed = placeholders(TEMPLATES[event]) | {
                "item",
                "number",
                "phone",
                "complaint",
                "query_url",
            }
            if names - allowed:
                raise InvalidInput(
                    f"模板中有无法填写的占位符：{'、'.join(sorted(names - allowed))}"
                )
            tenant = house.settings.tenant
            with transaction(house.sessions) as s:
                row = s.get(MessageTemplate, (tenant, event))
                before = row.text if row else TEMPLATES[event]
                if not text or text == TEMPLATES[event]:
                    if row is not None:
                        s.delete(row)
                elif row is None:
                    s.add(
                        MessageTemplate(
                            tenant=tenant,
                            event=event,
                            text=text,
                            updated_by=user.username,
                            updated_at=utcnow(),
                        )
                    )
                else:
                    row.text, row.updated_by, row.updated_at = text, user.username, utcnow()
                record(
                    s,
                    tenant,
                    user.username,
                    "templates",
                    "save",
                    event,
                    f"修改“{event}”短信模板",
                    diff=diff_words({"text": before}, {"text": text or TEMPLATES[event]}),
                    domain=root_domain(house),
                )
            house.cases.config.templates.forget(tenant)  # this process sends it at once
            return Redirect("/admin/templates?done=template_saved", status_code=HTTP_303_SEE_OTHER)

        return await blocking(request, work)
