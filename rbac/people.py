"""Organisation changes: domains, users, grants, delegations.

Every change writes one ``org_audit`` row (who, when, what) and bumps the tenant's
policy version in the caller's transaction, so other processes reload on their next poll.
Errors are :class:`OrgError` with a Chinese message naming what is wrong.
"""

from __future__ import annotations

import getpass
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import BanshiError
from definitions.models import Role
from rbac.passwords import DEFAULT_HASHER, PasswordHasher, hash_password
from rbac.policy import HANDLING_ROLES, bump_policy_version
from rbac.tables import (
    DOMAIN_KINDS,
    USER_KINDS,
    OrgAudit,
    OrgDelegation,
    OrgDomain,
    OrgGrant,
    OrgUser,
    utcnow,
)

ROLES: tuple[str, ...] = tuple(r.value for r in Role)
DOMAIN_NAME = re.compile(
    r"^(county(\.[a-z][a-z0-9_]*)?|township\.[a-z][a-z0-9_]*|village\.[a-z][a-z0-9_]*)$"
)
USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,100}$")


class OrgError(BanshiError):
    """An organisation change that cannot be made, with the reason."""

    status = 422
    code = "org_refused"
    default_message = "组织机构的这项变更无法进行"


def default_actor() -> str:
    """The OS user, recorded as the actor of command-line changes."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(
    session: Session, tenant: str, actor: str, action: str, subject: str, **detail: Any
) -> None:
    """Write one audit row and bump the policy version."""
    session.add(
        OrgAudit(
            tenant=tenant, at=utcnow(), actor=actor, action=action, subject=subject, detail=detail
        )
    )
    bump_policy_version(session, tenant)
    session.flush()


def record_login_event(
    session: Session, tenant: str, actor: str, action: str, subject: str, **detail: Any
) -> None:
    """Write one audit row about logins (a throttle, a lock) without bumping the policy
    version: a storm of wrong passwords must not make every process reload the policy."""
    session.add(
        OrgAudit(
            tenant=tenant,
            at=utcnow(),
            actor=actor[:100],
            action=action,
            subject=subject[:200],
            detail=detail,
        )
    )
    session.flush()


def end_sessions(user: OrgUser) -> None:
    """End every open session of ``user`` (each remembers the epoch it was opened in).
    Call inside the changing transaction, before :func:`record` bumps the policy version."""
    user.session_epoch = (user.session_epoch or 0) + 1


# ----------------------------------------------------------------------------- lookups


def find_domain(session: Session, tenant: str, name: str) -> OrgDomain | None:
    return session.scalar(
        select(OrgDomain).where(OrgDomain.tenant == tenant, OrgDomain.name == name)
    )


def get_domain(session: Session, tenant: str, name: str) -> OrgDomain:
    domain = find_domain(session, tenant, name)
    if domain is None:
        raise OrgError(f"组织机构中没有 {name}（租户 {tenant}）")
    return domain


def find_user(session: Session, tenant: str, username: str) -> OrgUser | None:
    return session.scalar(
        select(OrgUser).where(OrgUser.tenant == tenant, OrgUser.username == username)
    )


def get_user(session: Session, tenant: str, username: str) -> OrgUser:
    user = find_user(session, tenant, username)
    if user is None:
        raise OrgError(f"用户 {username} 不存在（租户 {tenant}）")
    return user


# ----------------------------------------------------------------------------- domains


def ensure_domain(
    session: Session,
    tenant: str,
    name: str,
    *,
    kind: str,
    title: str,
    parent: str | None = None,
    section: str | None = None,
    actor: str,
) -> bool:
    """Create the domain or bring it up to date; True when something changed."""
    if not DOMAIN_NAME.match(name):
        raise OrgError(
            f"域名 {name!r} 不合法：应为 county、county.<部门>、township.<乡镇> 或 village.<村>"
        )
    if kind not in DOMAIN_KINDS:
        raise OrgError(f"域 {name} 的类型 {kind!r} 不合法（可用：{'、'.join(DOMAIN_KINDS)}）")
    if (name == "county") != (parent is None):
        raise OrgError(f"域 {name}：只有 county 是根，其余域必须有上级")
    if parent is not None:
        get_domain(session, tenant, parent)
    row = find_domain(session, tenant, name)
    values = {"kind": kind, "title": title, "parent": parent, "section": section}
    if row is None:
        session.add(OrgDomain(tenant=tenant, name=name, **values))
        session.flush()
        record(session, tenant, actor, "domain.add", name, **values)
        return True
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return False
    for key, value in changed.items():
        setattr(row, key, value)
    record(session, tenant, actor, "domain.update", name, **changed)
    return True


# ----------------------------------------------------------------------------- users


def add_user(
    session: Session,
    tenant: str,
    username: str,
    display_name: str,
    *,
    kind: str = "staff",
    password: str | None = None,
    password_hash: str | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
    actor: str,
) -> OrgUser:
    if not USERNAME.match(username):
        raise OrgError(f"用户名 {username!r} 不合法（字母、数字和 _.@+- ，至多 100 个字符）")
    if kind not in USER_KINDS:
        raise OrgError(f"用户类型 {kind!r} 不合法（可用：{'、'.join(USER_KINDS)}）")
    if find_user(session, tenant, username) is not None:
        raise OrgError(f"用户 {username} 已存在")
    if password is not None:
        password_hash = hash_password(password, hasher)
    user = OrgUser(
        tenant=tenant,
        username=username,
        display_name=display_name,
        kind=kind,
        active=True,
        password_hash=password_hash,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(session, tenant, actor, "user.add", username, display_name=display_name, kind=kind)
    return user


def set_password(
    session: Session,
    tenant: str,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
    actor: str,
) -> None:
    user = get_user(session, tenant, username)
    user.password_hash = hash_password(password, hasher)
    end_sessions(user)
    record(session, tenant, actor, "user.password", username)


def set_active(session: Session, tenant: str, username: str, active: bool, *, actor: str) -> bool:
    """Deactivate (or reactivate) a user; True when it changed. An inactive user is denied
    everything, and the user's open sessions end (reactivating does not bring them back)."""
    user = get_user(session, tenant, username)
    if user.active == active:
        return False
    user.active = active
    end_sessions(user)
    record(session, tenant, actor, "user.activate" if active else "user.deactivate", username)
    return True


# ----------------------------------------------------------------------------- grants


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise OrgError(f"角色 {role!r} 不存在（可用：{'、'.join(ROLES)}）")


def find_grant(
    session: Session, tenant: str, user_id: int, role: str, domain: str
) -> OrgGrant | None:
    return session.scalar(
        select(OrgGrant).where(
            OrgGrant.tenant == tenant,
            OrgGrant.user_id == user_id,
            OrgGrant.role == role,
            OrgGrant.domain == domain,
        )
    )


#: The reform takes approvals out of the department heads' hands (首席代表制: the chief
#: representative has full authority over the department's approvals, the head no longer
#: handles them), so no one holds a role that handles approvals (``HANDLING_ROLES``)
#: together with ``department_head`` — by grant or by delegation.
HEAD = "department_head"


def _roles_held(session: Session, tenant: str, user_id: int) -> dict[str, list[str]]:
    """The user's standing grants: role -> domains."""
    held: dict[str, list[str]] = {}
    for role, domain in session.execute(
        select(OrgGrant.role, OrgGrant.domain).where(
            OrgGrant.tenant == tenant, OrgGrant.user_id == user_id
        )
    ):
        held.setdefault(role, []).append(domain)
    return held


def head_conflict(session: Session, tenant: str, user: OrgUser, role: str) -> str | None:
    """Why ``user`` may not be given ``role`` (by grant or delegation) because of the
    department-head rule, or None."""
    held = _roles_held(session, tenant, user.id)
    if role in HANDLING_ROLES and HEAD in held:
        return (
            f"{user.username} 是 {'、'.join(held[HEAD])} 的部门负责人：部门负责人不再直接审批"
            f"（首席代表制），不能取得{role}（审批办理）的权限"
        )
    if role == HEAD:
        handling = sorted({f"{r}@{d}" for r in HANDLING_ROLES for d in held.get(r, [])})
        if handling:
            return (
                f"{user.username} 办理审批（{'、'.join(handling)}）：部门负责人不再直接审批"
                f"（首席代表制），同一人不能兼任部门负责人"
            )
    return None


def grant_role(
    session: Session, tenant: str, username: str, role: str, domain: str, *, actor: str
) -> bool:
    """Grant ``role`` in ``domain``; False (and no audit row) when already granted. A grant
    that would let a department head handle approvals is refused (:func:`head_conflict`)."""
    _check_role(role)
    user = get_user(session, tenant, username)
    get_domain(session, tenant, domain)
    if user.kind != "staff":
        raise OrgError(f"{username} 是申请人账号，不能授予工作角色")
    if find_grant(session, tenant, user.id, role, domain) is None:
        conflict = head_conflict(session, tenant, user, role)
        if conflict is not None:
            raise OrgError(conflict)
    if find_grant(session, tenant, user.id, role, domain) is not None:
        return False
    session.add(
        OrgGrant(tenant=tenant, user_id=user.id, role=role, domain=domain, created_at=utcnow())
    )
    session.flush()
    record(session, tenant, actor, "grant.add", username, role=role, domain=domain)
    return True


def revoke_role(
    session: Session, tenant: str, username: str, role: str, domain: str, *, actor: str
) -> None:
    _check_role(role)
    user = get_user(session, tenant, username)
    grant = find_grant(session, tenant, user.id, role, domain)
    if grant is None:
        raise OrgError(f"{username} 没有 {domain} 的 {role} 角色")
    session.delete(grant)
    session.flush()
    end_sessions(user)
    record(session, tenant, actor, "grant.revoke", username, role=role, domain=domain)


def lock_user(session: Session, tenant: str, username: str, *, actor: str, **detail: Any) -> bool:
    """Lock a login after too many wrong passwords; True when it was not locked before.
    Open sessions go on (the person at the desk may not be the one guessing)."""
    user = find_user(session, tenant, username)
    if user is None or user.locked_at is not None:
        return False
    user.locked_at = utcnow()
    record_login_event(session, tenant, actor, "login.lock", username, **detail)
    return True


def unlock_user(session: Session, tenant: str, username: str, *, actor: str) -> bool:
    """Lift a login lock (``banshi user unlock``); True when the user was locked."""
    user = get_user(session, tenant, username)
    if user.locked_at is None:
        return False
    user.locked_at = None
    record(session, tenant, actor, "user.unlock", username)
    return True


# ----------------------------------------------------------------------------- delegations


def delegate(
    session: Session,
    tenant: str,
    from_username: str,
    to_username: str,
    role: str,
    domain: str,
    valid_from: date,
    valid_to: date,
    reason: str,
    *,
    actor: str,
) -> OrgDelegation:
    """``to_username`` acts as ``from_username``'s ``role`` in ``domain`` on each day from
    ``valid_from`` to ``valid_to`` inclusive. The delegator must hold that grant.

    A delegation never lets a person exercise what the rules forbid them: a department
    head is not given a role that handles approvals (首席代表制: the head never decides,
    never countersigns, never reviews), and the delegate of a decision still may not decide
    a case they accepted themselves (separation of duties is judged on the person, in
    rbac/permissions.py, whatever grant or delegation they act under)."""
    _check_role(role)
    if valid_to < valid_from:
        raise OrgError(f"代理期限不合法：{valid_from.isoformat()} 晚于 {valid_to.isoformat()}")
    if not reason.strip():
        raise OrgError("代理必须写明事由")
    if from_username == to_username:
        raise OrgError("不能代理自己")
    source = get_user(session, tenant, from_username)
    target = get_user(session, tenant, to_username)
    if target.kind != "staff":
        raise OrgError(f"{to_username} 是申请人账号，不能作为代理人")
    if find_grant(session, tenant, source.id, role, domain) is None:
        raise OrgError(f"{from_username} 没有 {domain} 的 {role} 角色，不能委托他人代理")
    conflict = head_conflict(session, tenant, target, role)
    if conflict is not None:
        raise OrgError(f"不能委托 {to_username} 代理：{conflict}")
    row = OrgDelegation(
        tenant=tenant,
        from_user_id=source.id,
        to_user_id=target.id,
        role=role,
        domain=domain,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason.strip(),
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    record(
        session,
        tenant,
        actor,
        "delegation.add",
        f"{from_username} -> {to_username}",
        id=row.id,
        role=role,
        domain=domain,
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat(),
        reason=row.reason,
    )
    return row


def end_delegation(
    session: Session, tenant: str, delegation_id: int, *, actor: str
) -> OrgDelegation:
    """End a delegation now; an ended delegation never allows anything again."""
    row = session.scalar(
        select(OrgDelegation).where(
            OrgDelegation.tenant == tenant, OrgDelegation.id == delegation_id
        )
    )
    if row is None:
        raise OrgError(f"代理 #{delegation_id} 不存在")
    if row.ended_at is not None:
        raise OrgError(f"代理 #{delegation_id} 已于 {row.ended_at.isoformat()} 结束")
    row.ended_at = utcnow()
    row.ended_by = actor
    record(session, tenant, actor, "delegation.end", f"#{delegation_id}", id=delegation_id)
    return row
