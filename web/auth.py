"""Logins (argon2 hashes from rbac), the session's user, and the guard every desk page uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import select

from rbac.passwords import verify_password
from rbac.tables import OrgUser

SESSION_KEY = "user"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    kind: str


def current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The logged-in user, re-checked against the organisation on every request."""
    # Not request.session: on a path no route matches, the session middleware never ran
    # and the property raises (the 404 page would become a 500).
    session = request.scope.get("session")
    username = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if not username:
        return None
    house = request.app.state.house
    snap = house.policy.snapshot(house.settings.tenant)
    rec = snap.users.get(username)
    if rec is None or not rec.active:
        return None
    return CurrentUser(rec.id, rec.username, rec.display_name, rec.kind)


def require_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    if user is None:
        raise NotAuthorizedException("请先登录")
    return user


def check_login(
    request: Request[Any, Any, Any], username: str, password: str
) -> CurrentUser | None:
    house = request.app.state.house
    tenant = house.settings.tenant
    with house.sessions() as s:
        row = s.execute(
            select(OrgUser).where(OrgUser.tenant == tenant, OrgUser.username == username.strip())
        ).scalar_one_or_none()
        if row is None or not row.active or not row.password_hash:
            return None
        if not verify_password(row.password_hash, password):
            return None
        return CurrentUser(row.id, row.username, row.display_name, row.kind)
