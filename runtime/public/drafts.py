"""Online drafts (草稿): the posted form of an online application kept for the citizen,
resumed from its link plus an SMS code to the same mobile. The posted text is kept as it
was posted (field name -> values) and parsed again on resume by the same parser as the
desk (renderer/parse.py), so a draft never holds data the form would not accept from a
post. Drafts expire (``BANSHI_PUBLIC_DRAFT_DAYS``); an expired or submitted draft cannot
be resumed.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runtime.public_tables import Draft

#: Posted names a draft never keeps (the CSRF token, the button pressed).
DROPPED = frozenset({"_csrf_token", "_action", "_sms_code"})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def save_draft(
    session: Session,
    tenant: str,
    item_code: str,
    mobile: str,
    values: dict[str, list[str]],
    now: datetime,
    days: int,
    token: str | None = None,
) -> Draft:
    """Create a draft, or update the live draft ``token`` of the same mobile and item."""
    kept = {k: v for k, v in values.items() if k not in DROPPED}
    form = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    draft = live_draft(session, tenant, token, now) if token else None
    if draft is not None and draft.mobile == mobile and draft.item_code == item_code:
        draft.form = form
        draft.updated_at = now
        draft.expires_at = now + timedelta(days=days)
        return draft
    draft = Draft(
        tenant=tenant,
        token=secrets.token_urlsafe(18),
        item_code=item_code,
        mobile=mobile,
        form=form,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(draft)
    session.flush()
    return draft


def live_draft(session: Session, tenant: str, token: str | None, now: datetime) -> Draft | None:
    """The draft ``token`` if it has not expired and was not submitted."""
    if not token or len(token) > 40:
        return None
    draft = session.execute(
        select(Draft).where(Draft.tenant == tenant, Draft.token == token)
    ).scalar_one_or_none()
    if draft is None or draft.submitted_number or _aware(draft.expires_at) < now:
        return None
    return draft


def draft_values(draft: Draft) -> dict[str, list[str]]:
    raw = json.loads(draft.form)
    return {str(k): [str(x) for x in v] for k, v in raw.items() if isinstance(v, list)}


def purge_expired(session: Session, tenant: str, now: datetime) -> int:
    """Delete expired drafts (the worker or an operator calls it)."""
    result = session.execute(delete(Draft).where(Draft.tenant == tenant, Draft.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
