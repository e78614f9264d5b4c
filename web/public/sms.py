"""The SMS provider's inbound endpoint (上行短信): ``POST /sms/inbound`` with the sender
and the text (a form or JSON: ``from``/``mobile`` and ``text``/``content``). A basic phone
queries its case by texting ``CX <number> <code>``; the reply is queued in the public
message outbox (runtime/public/inbound.py) and leaves through the gateway.

The provider proves itself with a shared token (``BANSHI_SMS_INBOUND_TOKEN``, in the
``X-Banshi-Token`` header); without one configured the endpoint answers only in demo
mode. It is a machine-to-machine call, so it carries no CSRF token (excluded here). Each
sender is limited like a web client (per minute), then each case number like the web.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

import anyio
from litestar import Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Response, Template
from sqlalchemy import select

from db.engine import transaction
from runtime.case_tables import OutboxMessage
from runtime.errors import InvalidInput, NotFound
from runtime.public.inbound import Inbound, handle_inbound, normalise_mobile, parse
from runtime.public.messages import dead_letters, sent_to
from web.deps import house_of, role_required
from web.public.common import page
from web.public.limits import limit_case
from web.ratelimit import STORE, TooManyRequests, hit, store_of
from web.views import CHINA, local_time

MAX_TEXT = 500


async def _payload(request: Request[Any, Any, Any]) -> dict[str, str]:
    if "json" in request.headers.get("content-type", ""):
        body = await request.json()
        if not isinstance(body, dict):
            raise InvalidInput("请求体应为 JSON 对象")
        return {str(k): str(v) for k, v in body.items() if isinstance(v, str | int)}
    form = await request.form()
    return {k: str(form.get(k)) for k in form if isinstance(form.get(k), str)}


@post("/sms/inbound", include_in_schema=False, exclude_from_csrf=True, status_code=200)
async def sms_inbound(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    house = house_of(request)
    settings = house.settings
    expected = settings.sms_inbound_token
    given = request.headers.get("x-banshi-token", "")
    if expected is None and not settings.demo_mode:
        raise PermissionDeniedException("未配置上行短信令牌（BANSHI_SMS_INBOUND_TOKEN）")
    if expected is not None and not hmac.compare_digest(given.encode(), expected.encode()):
        raise PermissionDeniedException("上行短信令牌不正确")
    data = await _payload(request)
    sender = normalise_mobile(data.get("from") or data.get("mobile") or "")
    text = (data.get("text") or data.get("content") or "")[:MAX_TEXT]
    if sender is None:
        raise InvalidInput("发送方手机号不正确")
    wait = await hit(store_of(request, STORE), f"sms-in:{sender}", settings.query_per_minute)
    if wait is not None:
        raise TooManyRequests("该手机号查询太频繁", wait)
    asked = parse(text)
    if asked is not None:
        await limit_case(request, asked[0])
    now = datetime.now(UTC)
    today = now.astimezone(CHINA).date()
    calendar = house.calendar()

    def work() -> str | None:
        with transaction(house.sessions) as s:
            return handle_inbound(
                s,
                house.catalog,
                calendar,
                settings.tenant,
                Inbound(sender, text),
                today,
                now,
            )

    reply = await anyio.to_thread.run_sync(work)
    return Response({"queued": reply is not None, "reply": reply}, status_code=200)


@get(
    "/sms/dead-letters",
    include_in_schema=False,
    guards=[role_required("admin", "supervisor")],
    sync_to_thread=True,
)
def dead_letter_list(request: Request[Any, Any, Any]) -> Template:
    """What the gateway could not deliver: case messages and public messages that failed
    every try or that the provider refused, newest first (for operators)."""
    house = house_of(request)
    tenant = house.settings.tenant
    with house.reading() as s:
        cases = s.execute(
            select(OutboxMessage)
            .where(OutboxMessage.tenant == tenant, OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .limit(100)
        ).scalars()
        rows = [(m.recipient, m.template, m.attempts, m.last_error or "", m.body) for m in cases]
        rows += [
            (m.recipient, m.template, m.attempts, m.last_error or "", m.body)
            for m in dead_letters(s, tenant)
        ]
    return page(request, "public/dead_letters.html", {"rows": rows})


@get("/sms/demo-inbox", include_in_schema=False, sync_to_thread=True)
def demo_inbox(request: Request[Any, Any, Any], mobile: FromQuery[str] = "") -> Template:
    """Demo mode only: the messages queued or sent to one mobile (codes, case notices), so a
    visitor of the demo reads the SMS a citizen would receive. 404 outside demo mode."""
    house = house_of(request)
    if not house.settings.demo_mode:
        raise NotFound("页面不存在")
    to = normalise_mobile(mobile) or ""
    rows: list[tuple[str, str, str]] = []
    if to:
        tenant = house.settings.tenant
        with house.reading() as s:
            for m in s.execute(
                select(OutboxMessage)
                .where(OutboxMessage.tenant == tenant, OutboxMessage.recipient == to)
                .order_by(OutboxMessage.id.desc())
                .limit(20)
            ).scalars():
                rows.append((f"{local_time(m.next_attempt_at):%m-%d %H:%M}", m.status, m.body))
            for p in sent_to(s, tenant, to)[-20:]:
                rows.append((f"{local_time(p.created_at):%m-%d %H:%M}", p.status, p.body))
        rows.sort(reverse=True)
    return page(request, "public/demo_inbox.html", {"mobile": to or mobile[:20], "rows": rows})
