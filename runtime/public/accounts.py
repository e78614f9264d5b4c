"""Applicant accounts (我的办件): a mobile confirmed by SMS code is an account. Behind it
stands an organisation user of kind ``applicant`` (rbac), created on first use, so online
filing, "my cases" and every applicant act go through the one permission API as the
case's own applicant; the user has no password (only codes open it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rbac.people import add_user, find_user
from rbac.tables import OrgUser
from runtime.public_tables import ApplicantAccount

ACTOR = "public-portal"


def username_for(mobile: str) -> str:
    return f"{mobile}@mobile"


def account_user(
    session: Session, tenant: str, mobile: str, now: datetime, display_name: str | None = None
) -> tuple[OrgUser, bool]:
    """The applicant user of ``mobile`` (created with its account when new); whether it
    was created (the caller then refreshes the policy snapshot)."""
    account = session.execute(
        select(ApplicantAccount).where(
            ApplicantAccount.tenant == tenant, ApplicantAccount.mobile == mobile
        )
    ).scalar_one_or_none()
    if account is not None:
        account.last_login_at = now
        return session.get_one(OrgUser, {"id": account.user_id, "tenant": tenant}), False
    username = username_for(mobile)
    user = find_user(session, tenant, username)
    created = user is None
    if user is None:
        masked = f"{mobile[:3]}****{mobile[-4:]}"
        user = add_user(
            session,
            tenant,
            username,
            display_name or f"申请人{masked}",
            kind="applicant",
            actor=ACTOR,
        )
    session.add(
        ApplicantAccount(
            tenant=tenant, mobile=mobile, user_id=user.id, created_at=now, last_login_at=now
        )
    )
    session.flush()
    return user, created
