"""Policy storage and synchronisation: organisation tables -> Casbin -> a compiled fast path.

How policies are stored
-----------------------
* The organisation tables (rbac/tables.py) are the only source of truth. Nothing is
  stored in a Casbin-specific table.
* The ``p`` lines are role-based and fixed in code (:data:`ROLE_POLICY`, a dozen lines:
  which role may perform which act *family* in a domain, "here" or over a "subtree").
* The ``g`` lines are generated from ``org_grant``: one ``(username, role, domain)`` line
  per standing grant.
* Acting delegations are dated, so they are not ``g`` lines: they are an overlay checked
  with the day of the request (a delegation gives the delegate exactly what the
  delegator's grant gives, from ``valid_from`` to ``valid_to`` inclusive, while the
  delegator still holds that grant and is active, and until it is ended).
* After each load the Casbin model is compiled into dict lookups
  ``(user, domain, scope) -> {family: grant}`` (the fast path); a property test checks
  that the fast path and ``Enforcer.enforce`` agree. There is no role inheritance
  (g lines map users to roles only), which is what makes the compilation exact.

How a change reaches every process
----------------------------------
Every organisation change (rbac/people.py, rbac/org_file.py) bumps the tenant's row in
``org_policy_version`` in the same transaction. Each process keeps one immutable
:class:`PolicySnapshot` per tenant and, at most every ``poll_interval_ms`` (checked
lazily on the next permission check), reads that one row; when the number moved it
reloads the tenant's organisation and swaps the snapshot. A change is therefore seen by
every process within ``poll_interval_ms`` + one reload (measured by bench/authz.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import casbin
from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.single_flight import Refreshes
from definitions.shipped import package_path
from rbac.tables import OrgDelegation, OrgDomain, OrgGrant, OrgPolicyVersion, OrgUser, utcnow

MODEL_PATH = package_path("rbac", "model.conf")

HERE = "here"
SUBTREE = "subtree"

#: The role-based ``p`` lines: (role, act family, scope). See rbac/acts.py ACT_FAMILY.
ROLE_POLICY: tuple[tuple[str, str, str], ...] = (
    ("window_clerk", "window", HERE),
    ("window_clerk", "read", HERE),
    ("reviewer", "step", HERE),
    ("reviewer", "read", HERE),
    ("chief_representative", "step", HERE),
    ("chief_representative", "countersign", HERE),
    ("chief_representative", "decision", HERE),
    ("chief_representative", "extension", HERE),
    ("department_head", "extension", HERE),
    ("chief_representative", "read", HERE),
    ("department_head", "read", HERE),
    ("supervisor", "read", SUBTREE),
    ("supervisor", "supervision", SUBTREE),
    ("admin", "admin", SUBTREE),
)

#: The roles that handle approvals; a department head holds none of them (rbac/people.py).
HANDLING_ROLES: frozenset[str] = frozenset({"window_clerk", "reviewer", "chief_representative"})

#: Chinese names of the roles, for explanations and `org show`.
ROLE_NAMES: dict[str, str] = {
    "window_clerk": "窗口受理员",
    "reviewer": "审查员",
    "chief_representative": "首席代表",
    "department_head": "部门负责人",
    "supervisor": "电子监察员",
    "admin": "系统管理员",
}


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class DomainRec:
    name: str
    kind: str
    parent: str | None
    title: str
    section: str | None = None


@dataclass(frozen=True, slots=True)
class UserRec:
    id: int
    username: str
    display_name: str
    active: bool = True
    kind: str = "staff"
    #: Sessions opened in an older epoch are over (rbac/people.py bumps it).
    session_epoch: int = 0


@dataclass(frozen=True, slots=True)
class GrantRec:
    """A standing grant; what allowed a decision when no delegation was needed."""

    id: int
    username: str
    role: str
    domain: str
    #: The description, computed once (explanations are built on every check).
    text: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.text:
            text = f"授权 grant #{self.id}: {self.username} 为 {self.domain} 的{ROLE_NAMES.get(self.role, self.role)}（{self.role}）"
            object.__setattr__(self, "text", text)

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class DelegationRec:
    """An acting delegation; ``ended`` delegations never allow anything."""

    id: int
    from_username: str
    to_username: str
    role: str
    domain: str
    valid_from: date
    valid_to: date
    reason: str = ""
    ended: bool = False
    text: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.text:
            text = (
                f"代理 delegation #{self.id}: {self.to_username} 代理 {self.from_username} 为 {self.domain} 的"
                f"{ROLE_NAMES.get(self.role, self.role)}（{self.valid_from.isoformat()} 至 {self.valid_to.isoformat()}，"
                f"事由：{self.reason}）"
            )
            object.__setattr__(self, "text", text)

    def describe(self) -> str:
        return self.text


Via = GrantRec | DelegationRec


@dataclass(frozen=True)
class OrgData:
    """Everything of one tenant's organisation that permissions depend on."""

    tenant: str
    domains: tuple[DomainRec, ...] = ()
    users: tuple[UserRec, ...] = ()
    grants: tuple[GrantRec, ...] = ()
    delegations: tuple[DelegationRec, ...] = ()
    version: int = 0


def load_org_data(session: Session, tenant: str) -> OrgData:
    """Read one tenant's organisation (four scoped column selects) and its policy version."""
    version = read_policy_version(session, tenant)
    d, u, g, x = OrgDomain, OrgUser, OrgGrant, OrgDelegation
    domains = tuple(
        DomainRec(*row)
        for row in session.execute(
            select(d.name, d.kind, d.parent, d.title, d.section)
            .where(d.tenant == tenant)
            .order_by(d.name)
        )
    )
    users = tuple(
        UserRec(*row)
        for row in session.execute(
            select(u.id, u.username, u.display_name, u.active, u.kind, u.session_epoch)
            .where(u.tenant == tenant)
            .order_by(u.id)
        )
    )
    names = {user.id: user.username for user in users}
    grants = tuple(
        GrantRec(gid, names[uid], role, domain)
        for gid, uid, role, domain in session.execute(
            select(g.id, g.user_id, g.role, g.domain).where(g.tenant == tenant).order_by(g.id)
        )
    )
    delegations = tuple(
        DelegationRec(
            did, names[frm], names[to], role, domain, start, end, reason, ended is not None
        )
        for did, frm, to, role, domain, start, end, reason, ended in session.execute(
            select(
                x.id,
                x.from_user_id,
                x.to_user_id,
                x.role,
                x.domain,
                x.valid_from,
                x.valid_to,
                x.reason,
                x.ended_at,
            )
            .where(x.tenant == tenant)
            .order_by(x.id)
        )
    )
    return OrgData(tenant, domains, users, grants, delegations, version)


#: The tenant's policy version: what every poll reads.
POLICY_VERSION = select(OrgPolicyVersion.version).where(OrgPolicyVersion.tenant == bindparam("t"))


def read_policy_version(session: Session, tenant: str) -> int:
    return int(session.scalar(POLICY_VERSION, {"t": tenant}) or 0)


def bump_policy_version(session: Session, tenant: str) -> None:
    """Mark the tenant's organisation as changed (call inside the changing transaction)."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(OrgPolicyVersion)
            .where(OrgPolicyVersion.tenant == tenant)
            .values(version=OrgPolicyVersion.version + 1, changed_at=utcnow())
        ),
    )
    if result.rowcount == 0:
        session.add(OrgPolicyVersion(tenant=tenant, version=1, changed_at=utcnow()))
        session.flush()
    from rbac.policy_push import announce  # the other processes learn it at commit

    announce(session, tenant)


# ----------------------------------------------------------------------------- snapshot


def new_enforcer() -> casbin.Enforcer:
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    enforcer.add_policies([list(p) for p in ROLE_POLICY])
    return enforcer


class PolicySnapshot:
    """One tenant's organisation as loaded at one policy version: immutable once built.

    Holds the Casbin enforcer (``g`` lines from the grants) and the fast path compiled from
    the enforcer's own policy after loading."""

    def __init__(self, data: OrgData) -> None:
        self.tenant = data.tenant
        self.version = data.version
        self.domains: dict[str, DomainRec] = {d.name: d for d in data.domains}
        self.users: dict[str, UserRec] = {u.username: u for u in data.users}
        self.users_by_id: dict[int, UserRec] = {u.id: u for u in data.users}
        self.grants: tuple[GrantRec, ...] = data.grants
        self.ancestors: dict[str, tuple[str, ...]] = {
            name: self._chain(name) for name in self.domains
        }
        self._grant_by_key: dict[tuple[str, str, str], GrantRec] = {
            (g.username, g.role, g.domain): g for g in data.grants
        }
        self.enforcer = new_enforcer()
        if data.grants:
            self.enforcer.add_grouping_policies(
                [[g.username, g.role, g.domain] for g in data.grants]
            )
        self._role_families: dict[tuple[str, str], frozenset[str]] = {}
        self._index: dict[tuple[str, str, str], dict[str, GrantRec]] = {}
        self._compile()
        # Delegations that can ever allow: not ended, delegator active and still holding the
        # grant, and not giving a department head a role that handles approvals (首席代表制:
        # the head never decides; rbac/people.py refuses such delegations, this also covers
        # one made before the head was appointed).
        heads = {g.username for g in data.grants if g.role == "department_head"}
        by_user: dict[str, list[DelegationRec]] = {}
        for d in data.delegations:
            delegator = self.users.get(d.from_username)
            if d.ended or delegator is None or not delegator.active:
                continue
            if (d.from_username, d.role, d.domain) not in self._grant_by_key:
                continue
            if d.to_username in heads and d.role in HANDLING_ROLES:
                continue
            by_user.setdefault(d.to_username, []).append(d)
        self.delegations: dict[str, tuple[DelegationRec, ...]] = {
            k: tuple(v) for k, v in by_user.items()
        }
        self.all_delegations: tuple[DelegationRec, ...] = data.delegations

    def _chain(self, name: str) -> tuple[str, ...]:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in chain:
            chain.append(current)
            rec = self.domains.get(current)
            current = rec.parent if rec else None
        return tuple(chain)

    def _compile(self) -> None:
        """Compile Casbin's p and g lines into ``(user, domain, scope) -> {family: grant}``."""
        families: dict[tuple[str, str], set[str]] = {}
        for role, family, scope in (tuple(p[:3]) for p in self.enforcer.get_policy()):
            families.setdefault((role, scope), set()).add(family)
        self._role_families = {k: frozenset(v) for k, v in families.items()}
        # When several roles of a user give the same family, name the one Casbin names: the role
        # of the first matching p line.
        rank: dict[str, int] = {}
        for i, p in enumerate(self.enforcer.get_policy()):
            rank.setdefault(p[0], i)
        for user, role, domain in (tuple(g[:3]) for g in self.enforcer.get_grouping_policy()):
            grant = self._grant_by_key[(user, role, domain)]
            for scope in (HERE, SUBTREE):
                for family in self._role_families.get((role, scope), ()):
                    held = self._index.setdefault((user, domain, scope), {})
                    other = held.get(family)
                    if other is None or rank[role] < rank[other.role]:
                        held[family] = grant

    # -- lookups ------------------------------------------------------------------

    def lookup(
        self, username: str, domain: str, family: str, scope: str, today: date
    ) -> Via | None:
        """The grant or delegation that lets ``username`` perform ``family`` in ``domain``."""
        found = self._index.get((username, domain, scope))
        if found is not None:
            grant = found.get(family)
            if grant is not None:
                return grant
        dels = self.delegations.get(username)
        if dels:
            for d in dels:
                if (
                    d.domain == domain
                    and d.valid_from <= today <= d.valid_to
                    and family in self._role_families.get((d.role, scope), ())
                ):
                    return d
        return None

    def lookup_casbin(
        self, username: str, domain: str, family: str, scope: str, today: date
    ) -> Via | None:
        """The same answer as :meth:`lookup`, asking ``casbin.Enforcer.enforce_ex`` for grants."""
        allowed, explain = self.enforcer.enforce_ex(username, domain, family, scope)
        if allowed:
            return self._grant_by_key[(username, explain[0], domain)]
        dels = self.delegations.get(username)
        for d in dels or ():
            if (
                d.domain == domain
                and d.valid_from <= today <= d.valid_to
                and (d.role, family, scope) in ROLE_POLICY
            ):
                return d
        return None

    def holdings(
        self, username: str, family: str, scope: str, today: date
    ) -> list[tuple[str, Via]]:
        """Every domain where ``username`` may perform ``family`` (grants first, then delegations)."""
        out: list[tuple[str, Via]] = []
        for (user, domain, sc), fams in self._index.items():
            if user == username and sc == scope and family in fams:
                out.append((domain, fams[family]))
        for d in self.delegations.get(username, ()):
            if d.valid_from <= today <= d.valid_to and family in self._role_families.get(
                (d.role, scope), ()
            ):
                out.append((d.domain, d))
        return out

    def grants_of(self, username: str) -> list[GrantRec]:
        return [g for g in self.grants if g.username == username]


# ----------------------------------------------------------------------------- store


_PINNED: ContextVar[PolicySnapshot | None] = ContextVar("banshi_pinned_policy", default=None)


@dataclass
class _Entry:
    snapshot: PolicySnapshot
    next_poll: float
    reloads: int = 0
    reload_seconds: float = 0.0


@dataclass
class PolicyStore:
    """Per-process holder of one :class:`PolicySnapshot` per tenant, kept fresh by polling
    ``org_policy_version`` at most every ``poll_interval_ms``.

    Without ``sessions`` the store is static (tests, benchmarks): snapshots come from
    :meth:`put` only."""

    sessions: sessionmaker[Session] | None = None
    poll_interval_ms: float = 500.0
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _polls: Refreshes = field(default_factory=Refreshes)

    def put(self, data: OrgData) -> PolicySnapshot:
        snapshot = PolicySnapshot(data)
        self._entries[data.tenant] = _Entry(
            snapshot, float("inf") if self.sessions is None else self._deadline()
        )
        return snapshot

    def _deadline(self) -> float:
        return time.monotonic() + self.poll_interval_ms / 1000.0

    def snapshot(self, tenant: str) -> PolicySnapshot:
        pinned = _PINNED.get()
        if pinned is not None and pinned.tenant == tenant:
            return pinned
        entry = self._entries.get(tenant)
        if entry is not None and (time.monotonic() < entry.next_poll or self._polled(tenant)):
            # fresh, or another thread is polling right now: its answer is at most one
            # poll away, and waiting for it would hold this request (db/single_flight.py)
            return entry.snapshot
        return self.refresh(tenant, due_only=True)

    def _polled(self, tenant: str) -> bool:
        """Whether a poll of ``tenant`` is in flight (a thread's, or an event loop's)."""
        return self._lock.locked() or self._polls.busy(tenant)

    def fresh(self, tenant: str) -> bool:
        """Whether :meth:`snapshot` would answer from memory now (no poll is due, or one is
        in flight elsewhere): what an event loop may ask without waiting on the database or
        on a polling thread."""
        entry = self._entries.get(tenant)
        return entry is not None and (time.monotonic() < entry.next_poll or self._polled(tenant))

    def polling(self, tenant: str) -> AbstractContextManager[bool]:
        """Claim the due poll of ``tenant`` for a reader of its own (an event loop's
        connection): True inside when the claim is this caller's; meanwhile the snapshot
        answers everyone as fresh."""
        return self._polls.claim(tenant)

    def confirm(self, tenant: str, version: int) -> bool:
        """A poll made elsewhere read ``version``: when it is the snapshot's, the snapshot
        is fresh for another interval (True); otherwise a reload is needed (False)."""
        entry = self._entries.get(tenant)
        if entry is None or entry.snapshot.version != version:
            return False
        entry.next_poll = self._deadline()
        return True

    @contextmanager
    def pinned(self, tenant: str) -> Iterator[PolicySnapshot]:
        """Answer every question inside the block from one snapshot, taken now.

        An act holds a database connection for its whole transaction; refreshing the
        policy in the middle would need a second one, and under load every thread could
        end up holding one connection while waiting for another. Pinning takes the
        snapshot before the transaction and never touches the pool inside it."""
        snap = self.snapshot(tenant)
        token = _PINNED.set(snap)
        try:
            yield snap
        finally:
            _PINNED.reset(token)

    def refresh(
        self, tenant: str, *, force: bool = False, due_only: bool = False
    ) -> PolicySnapshot:
        """Poll the version now and reload when it moved (or when ``force``). With
        ``due_only`` (a request finding the poll due) no poll when another thread polled
        while this one waited for the lock."""
        if self.sessions is None:
            entry = self._entries.get(tenant)
            if entry is None:
                return self.put(OrgData(tenant))
            return entry.snapshot
        with self._lock:
            entry = self._entries.get(tenant)
            if due_only and entry is not None and time.monotonic() < entry.next_poll:
                return entry.snapshot  # another thread polled while this one waited
            with self.sessions() as session:
                version = read_policy_version(session, tenant)
                if entry is not None and not force and entry.snapshot.version == version:
                    entry.next_poll = self._deadline()
                    return entry.snapshot
                started = time.perf_counter()
                data = load_org_data(session, tenant)
            snapshot = PolicySnapshot(data)
            self._entries[tenant] = _Entry(
                snapshot,
                self._deadline(),
                (entry.reloads + 1) if entry else 1,
                time.perf_counter() - started,
            )
            return snapshot

    def reloads(self, tenant: str) -> int:
        entry = self._entries.get(tenant)
        return entry.reloads if entry else 0

    def last_reload_seconds(self, tenant: str) -> float:
        """How long the latest reload took (reading the organisation and compiling it)."""
        entry = self._entries.get(tenant)
        return entry.reload_seconds if entry else 0.0
