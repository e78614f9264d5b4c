"""Who is logged in: the session's user, re-checked against the organisation on every
request, and the credential check behind the login form (web/login.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import select

from rbac.passwords import verify_with_equal_cost
from rbac.tables import OrgUser
from web.logs import bind

SESSION_KEY = "user"
#: The user's id and session epoch when the session began.
USER_ID_KEY, EPOCH_KEY = "uid", "epoch"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    kind: str


def current_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The logged-in user, re-checked against the organisation on every request: the user
    must still be active, be the same user (id), and the session must not be older than the
    user's session epoch (deactivation, a password change or a revoked role end sessions).
    A session that fails the check is emptied, so the response deletes it from the store."""
    # Not request.session: on a path no route matches, the session middleware never ran
    # and the property raises (the 404 page would become a 500).
    session = request.scope.get("session")
    username = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if not username or not isinstance(session, dict):
        return None
    house = request.app.state.house
    snap = house.policy.snapshot(house.settings.tenant)
    rec = snap.users.get(username)
    epoch = session.get(EPOCH_KEY)
    if (
        rec is None
        or not rec.active
        or rec.id != session.get(USER_ID_KEY)
        or not isinstance(epoch, int)
        # The snapshot may lag a login by a poll interval: only an older epoch is over.
        or epoch < rec.session_epoch
    ):
        session.clear()  # (an empty session, not Empty: later code may still read it)
        return None
    bind(user=rec.username)
    return CurrentUser(rec.id, rec.username, rec.display_name, rec.kind)


def require_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    if user is None:
        raise NotAuthorizedException("请先登录")
    return user


@dataclass(frozen=True)
class Credentials:
    """What checking a user name and password found (web/login.py decides the answer)."""

    #: The user, when the password is right and the user active (even when locked).
    user: CurrentUser | None
    #: The user's session epoch (sessions opened now carry it).
    epoch: int
    #: The account is locked (too many wrong passwords; an admin lifts it).
    locked: bool


def check_credentials(house: Any, username: str, password: str) -> Credentials:
    """Check a password. Synchronous and slow (argon2): run it in a worker thread. An
    unknown user, a user without a password and an inactive user cost the same argon2 work
    as a known one (rbac.passwords.verify_with_equal_cost)."""
    tenant = house.settings.tenant
    with house.sessions() as s:
        row = s.execute(
            select(
                OrgUser.id,
                OrgUser.username,
                OrgUser.display_name,
                OrgUser.kind,
                OrgUser.active,
                OrgUser.password_hash,
                OrgUser.session_epoch,
                OrgUser.locked_at,
            ).where(OrgUser.tenant == tenant, OrgUser.username == username)
        ).first()
    ok = verify_with_equal_cost(row.password_hash if row is not None else None, password)
    if row is None:
        return Credentials(None, 0, False)
    user = CurrentUser(row.id, row.username, row.display_name, row.kind)
    return Credentials(
        user if ok and row.active else None, int(row.session_epoch or 0), row.locked_at is not None
    )
