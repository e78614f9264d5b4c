"""Organisation files: a readable TOML description of domains, people and their roles.

```toml
tenant = "422822"          # optional; must match the tenant it is loaded into
name = "建始县"
demo = true                # demo logins: refused unless demo mode is on
password = "banshi-demo"   # demo files only: every listed user gets this password

[[domains]]
name = "county.scjg"       # county | county.<dept> | township.<name> | village.<name>
kind = "department"        # county | department | hall | township | village
parent = "county"
title = "县市场监督管理局"
section = "行政审批股"

[[users]]
username = "chief_representative@county.scjg"
display_name = "向明华"
kind = "staff"             # staff (default) | applicant
roles = ["chief_representative@county.scjg"]   # role@domain
```

Loading is idempotent and additive: domains are created or updated, users are created
(their display name kept up to date), listed roles are granted; nothing is removed and an
existing password is never reset. Every change goes through rbac/people.py, so it is
audited and bumps the policy version.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from definitions.shipped import package_path
from rbac import people
from rbac.passwords import DEFAULT_HASHER, PasswordHasher, hash_password
from rbac.tables import DOMAIN_KINDS, USER_KINDS

DEMO_ORG_FILE = package_path("rbac", "demo_org.toml")


class OrgFileError(people.OrgError):
    """A malformed organisation file, or one that may not be loaded here."""

    code = "org_file_invalid"
    default_message = "组织机构文件有误，不能加载"


@dataclass(frozen=True)
class DomainSpec:
    name: str
    kind: str
    title: str
    parent: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    kind: str = "staff"
    roles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OrgFile:
    path: Path
    tenant: str | None
    name: str | None
    demo: bool
    password: str | None
    domains: tuple[DomainSpec, ...]
    users: tuple[UserSpec, ...]


@dataclass
class LoadReport:
    domains_changed: int = 0
    users_added: int = 0
    users_updated: int = 0
    grants_added: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.domains_changed or self.users_added or self.users_updated or self.grants_added
        )

    def summary(self) -> str:
        return (
            f"域 domains changed: {self.domains_changed}; 用户 users added: {self.users_added}, "
            f"updated: {self.users_updated}; 授权 grants added: {self.grants_added}"
        )


def _str(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise OrgFileError(f"{where}: 缺少 {key}")
        return None
    if not isinstance(value, str) or not value.strip():
        raise OrgFileError(f"{where}: {key} 必须是非空字符串")
    return value.strip()


def parse_org_file(path: str | Path) -> OrgFile:
    """Read and check a file; errors name the file, the entry and the key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrgFileError(f"{path}: 文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(f"{path}: TOML 格式错误：{exc}") from None
    unknown = set(raw) - {"tenant", "name", "demo", "password", "domains", "users"}
    if unknown:
        raise OrgFileError(f"{path}: 未知的键 {', '.join(sorted(unknown))}")
    demo = raw.get("demo", False)
    if not isinstance(demo, bool):
        raise OrgFileError(f"{path}: demo 必须是 true 或 false")
    password = _str(raw, "password", str(path), required=False)
    if password is not None and not demo:
        raise OrgFileError(f"{path}: 只有演示文件（demo = true）可以写明密码")
    domains: list[DomainSpec] = []
    for i, entry in enumerate(raw.get("domains", [])):
        where = f"{path}: domains[{i}]"
        extra = set(entry) - {"name", "kind", "title", "parent", "section"}
        if extra:
            raise OrgFileError(f"{where}: 未知的键 {', '.join(sorted(extra))}")
        kind = _str(entry, "kind", where)
        if kind not in DOMAIN_KINDS:
            raise OrgFileError(f"{where}: kind {kind!r} 不合法（可用：{'、'.join(DOMAIN_KINDS)}）")
        domains.append(
            DomainSpec(
                name=str(_str(entry, "name", where)),
                kind=kind,
                title=str(_str(entry, "title", where)),
                parent=_str(entry, "parent", where, required=False),
                section=_str(entry, "section", where, required=False),
            )
        )
    names = [d.name for d in domains]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise OrgFileError(f"{path}: 域重复：{', '.join(duplicates)}")
    users: list[UserSpec] = []
    for i, entry in enumerate(raw.get("users", [])):
        where = f"{path}: users[{i}]"
        extra = set(entry) - {"username", "display_name", "kind", "roles"}
        if extra:
            raise OrgFileError(f"{where}: 未知的键 {', '.join(sorted(extra))}")
        kind = _str(entry, "kind", where, required=False) or "staff"
        if kind not in USER_KINDS:
            raise OrgFileError(f"{where}: kind {kind!r} 不合法（可用：{'、'.join(USER_KINDS)}）")
        roles: list[tuple[str, str]] = []
        for role_text in entry.get("roles", []):
            if not isinstance(role_text, str) or role_text.count("@") != 1:
                raise OrgFileError(f"{where}: 角色 {role_text!r} 应写作 role@domain")
            role, domain = role_text.split("@")
            if role not in people.ROLES:
                raise OrgFileError(
                    f"{where}: 角色 {role!r} 不存在（可用：{'、'.join(people.ROLES)}）"
                )
            roles.append((role, domain))
        users.append(
            UserSpec(
                username=str(_str(entry, "username", where)),
                display_name=str(_str(entry, "display_name", where)),
                kind=kind,
                roles=tuple(roles),
            )
        )
    tenant = raw.get("tenant")
    if tenant is not None and (
        not isinstance(tenant, str) or len(tenant) != 6 or not tenant.isdigit()
    ):
        raise OrgFileError(f"{path}: tenant 必须是六位行政区划代码")
    name = raw.get("name")
    return OrgFile(
        path,
        tenant,
        name if isinstance(name, str) else None,
        demo,
        password,
        tuple(domains),
        tuple(users),
    )


def _parent_first(domains: tuple[DomainSpec, ...]) -> list[DomainSpec]:
    """Order domains so each parent comes before its children (file order otherwise)."""
    in_file = {d.name for d in domains}
    placed: set[str] = set()
    ordered: list[DomainSpec] = []
    pending = list(domains)
    while pending:
        ready = [
            d for d in pending if d.parent is None or d.parent in placed or d.parent not in in_file
        ]
        if not ready:
            cycle = ", ".join(d.name for d in pending)
            raise OrgFileError(f"域的上级关系成环：{cycle}")
        for d in ready:
            ordered.append(d)
            placed.add(d.name)
        pending = [d for d in pending if d.name not in placed]
    return ordered


def load_org_file(
    session: Session,
    path: str | Path,
    tenant: str,
    demo: bool,
    *,
    actor: str = "org-file",
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> LoadReport:
    """Load an organisation file into ``tenant`` in the caller's transaction (idempotent).

    A demo file (``demo = true``) is refused unless ``demo`` (settings.demo_mode) is on."""
    org = parse_org_file(path)
    if org.demo and not demo:
        raise OrgFileError(
            f"{org.path}: 演示组织机构带有公开的演示密码，只能在演示模式下加载（设置 BANSHI_DEMO_MODE=1）"
        )
    if org.tenant is not None and org.tenant != tenant:
        raise OrgFileError(f"{org.path}: 文件属于租户 {org.tenant}，不能加载到 {tenant}")
    report = LoadReport()
    for d in _parent_first(org.domains):
        if people.ensure_domain(
            session,
            tenant,
            d.name,
            kind=d.kind,
            title=d.title,
            parent=d.parent,
            section=d.section,
            actor=actor,
        ):
            report.domains_changed += 1
    shared_hash: str | None = None
    for u in org.users:
        row = people.find_user(session, tenant, u.username)
        if row is None:
            # Demo users share one hash of the public demo password: hashing it once keeps
            # `demo load` fast; real users are created without a password here.
            if org.password is not None and shared_hash is None:
                shared_hash = hash_password(org.password, hasher)
            people.add_user(
                session,
                tenant,
                u.username,
                u.display_name,
                kind=u.kind,
                password_hash=shared_hash if org.password is not None else None,
                actor=actor,
            )
            report.users_added += 1
        else:
            if row.display_name != u.display_name:
                row.display_name = u.display_name
                people.record(
                    session, tenant, actor, "user.update", u.username, display_name=u.display_name
                )
                report.users_updated += 1
            if row.password_hash is None and org.password is not None:
                if shared_hash is None:
                    shared_hash = hash_password(org.password, hasher)
                row.password_hash = shared_hash
                people.record(session, tenant, actor, "user.password", u.username)
                report.users_updated += 1
        for role, domain in u.roles:
            if people.grant_role(session, tenant, u.username, role, domain, actor=actor):
                report.grants_added += 1
    return report
