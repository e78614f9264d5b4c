"""Inbound SMS (上行短信): a basic phone queries its case by texting ``CX <number> <code>``
to the service number; the reply leaves through the public message queue like any SMS.

The gateway posts each inbound message once; what it says is parsed loosely (CX or 查询,
any spacing, full-width characters folded), and anything else gets the usage line, so a
citizen who mistyped learns the format. The number and code are checked exactly as the
web query checks them, with the same answer for a wrong number and a wrong code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from runtime.calendar import WorkCalendar
from runtime.messages import in_county
from runtime.public.messages import enqueue
from runtime.public.query import public_answer, sms_reply
from runtime.publishing import Catalog

COMMAND = re.compile(r"^\s*(?:CX|查询)\s*[:：]?\s*(\d{6,32})\s+([0-9A-Za-z]{4,12})\s*$", re.I)
USAGE = "【建始县政务服务】查询办件请发送：CX 案件编号 查询码（例如 CX 422822202601010001 AB12CD）。咨询电话 0718-3322000"
MOBILE = re.compile(r"^\+?(?:86)?(1[3-9]\d{9})$")


@dataclass(frozen=True)
class Inbound:
    sender: str
    text: str


def normalise_mobile(raw: str) -> str | None:
    m = MOBILE.match(re.sub(r"[\s-]", "", raw or ""))
    return m[1] if m else None


def parse(text: str) -> tuple[str, str] | None:
    """``(number, code)`` from an inbound text, or None."""
    folded = unicodedata.normalize("NFKC", text or "")[:200]
    m = COMMAND.match(folded)
    if m is None:
        return None
    return m[1], m[2].upper()


def handle_inbound(
    session: Session,
    catalog: Catalog,
    calendar: WorkCalendar,
    tenant: str,
    message: Inbound,
    today: date,
    now: datetime,
) -> str | None:
    """Queue the reply to one inbound message; returns its text (None: no valid sender)."""
    sender = normalise_mobile(message.sender)
    if sender is None:
        return None
    asked = parse(message.text)
    if asked is None:
        body = USAGE
    else:
        number, code = asked
        body = sms_reply(public_answer(session, catalog, calendar, tenant, number, code, today))
    body = in_county(body, tenant)  # the county's own name, not the built-in text's
    enqueue(session, tenant, "query_reply", sender, body, ref=asked[0] if asked else None, now=now)
    return body
