"""Who may do what in administration — asked of rbac, never decided here.

A department's admin (``admin@county.scjg``) manages the items its department owns; the
county's admin (``admin@county``, the reform office) manages every item and is the one who
reviews and publishes. Both are rbac's ``manage_items`` act on the owning domain (admins
hold it over their domain's subtree); "reviews" is ``manage_items`` on the root domain."""

from __future__ import annotations

from dataclasses import dataclass

from house.wiring import House
from rbac.targets import DomainTarget
from runtime.errors import NotAllowed


@dataclass(frozen=True)
class AdminScope:
    """What one administrator may reach."""

    username: str
    domains: tuple[str, ...]
    root: str
    reviewer: bool

    def owns(self, house: House, owner: str) -> bool:
        """May this admin draft items owned by ``owner``?"""
        target = DomainTarget(house.settings.tenant, owner)
        return house.authorizer.can(self.username, "manage_items", target).allowed


def root_domain(house: House) -> str:
    snap = house.policy.snapshot(house.settings.tenant)
    roots = sorted(d.name for d in snap.domains.values() if d.parent is None)
    return roots[0] if roots else "county"


def scope_of(house: House, username: str) -> AdminScope:
    snap = house.policy.snapshot(house.settings.tenant)
    domains = tuple(sorted({g.domain for g in snap.grants_of(username) if g.role == "admin"}))
    root = root_domain(house)
    reviewer = house.authorizer.can(
        username, "manage_items", DomainTarget(house.settings.tenant, root)
    ).allowed
    return AdminScope(username, domains, root, reviewer)


def require_owner(house: House, scope: AdminScope, owner: str) -> None:
    if not scope.owns(house, owner):
        raise NotAllowed(f"您只能管理本部门的事项（{owner} 不在您的管理范围内）")


def require_reviewer(scope: AdminScope) -> None:
    if not scope.reviewer:
        raise NotAllowed("只有县级管理员（改革办）才能审核和发布事项")


def require_act(house: House, username: str, act: str, domain: str) -> None:
    """rbac's answer for an admin act on a domain (manage_org, manage_users, …)."""
    house.authorizer.require(username, act, DomainTarget(house.settings.tenant, domain))
