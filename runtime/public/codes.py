"""One-time SMS codes (短信验证码): a citizen proves a mobile is theirs before an online
application is filed, a draft is resumed or an account is opened.

A code is six digits from ``secrets``, valid for ``minutes`` (a setting), void after
``tries`` wrong entries or its first use; only its HMAC is stored. A mobile receives at
most ``per_hour`` codes, so the endpoint cannot be used to flood a stranger's phone. The
code leaves through the public message queue (runtime/public/messages.py) like any SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.errors import ActError
from runtime.message_templates import own_texts
from runtime.messages import render
from runtime.public.messages import enqueue
from runtime.public_tables import SmsCode

PURPOSES = {"apply": "确认网上申请", "draft": "继续填写草稿", "login": "登录“我的办件”"}


class TooManyCodes(ActError):
    status = 429
    code = "too_many_codes"
    default_message = "验证码发送太频繁，请稍后再试"


@dataclass(frozen=True)
class CodePolicy:
    minutes: int = 10
    tries: int = 5
    per_hour: int = 5


def _digest(tenant: str, mobile: str, purpose: str, code: str) -> str:
    key = f"banshi-sms:{tenant}:{mobile}:{purpose}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def send_code(
    session: Session,
    tenant: str,
    mobile: str,
    purpose: str,
    now: datetime,
    policy: CodePolicy,
) -> str:
    """Issue a code for ``mobile`` and queue its SMS (in the caller's transaction)."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    sent = session.execute(
        select(func.count())
        .select_from(SmsCode)
        .where(
            SmsCode.tenant == tenant,
            SmsCode.mobile == mobile,
            SmsCode.created_at > now - timedelta(hours=1),
        )
    ).scalar_one()
    if sent >= policy.per_hour:
        raise TooManyCodes("验证码发送太频繁，请一小时后再试")
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        SmsCode(
            tenant=tenant,
            mobile=mobile,
            purpose=purpose,
            code_hash=_digest(tenant, mobile, purpose, code),
            created_at=now,
            expires_at=now + timedelta(minutes=policy.minutes),
            attempts=0,
        )
    )
    body = render(
        "sms_code",
        {"code": code, "purpose": PURPOSES[purpose], "minutes": str(policy.minutes)},
        own_texts(session, tenant),  # the county's own wording (/admin/templates)
    )
    enqueue(session, tenant, "sms_code", mobile, body, now=now)
    return code


def check_code(
    session: Session,
    tenant: str,
    mobile: str,
    purpose: str,
    code: str,
    now: datetime,
    policy: CodePolicy,
) -> bool:
    """Whether ``code`` is the newest live code of ``mobile`` for ``purpose``; a right code
    is used up, a wrong one counts against the code's tries."""
    row = session.execute(
        select(SmsCode)
        .where(
            SmsCode.tenant == tenant,
            SmsCode.mobile == mobile,
            SmsCode.purpose == purpose,
            SmsCode.used_at.is_(None),
        )
        .order_by(SmsCode.id.desc())
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        return False
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < now or row.attempts >= policy.tries:
        return False
    given = (code or "").strip()
    if not (given.isdigit() and len(given) == 6) or not hmac.compare_digest(
        row.code_hash, _digest(tenant, mobile, purpose, given)
    ):
        row.attempts += 1
        return False
    row.used_at = now
    return True
