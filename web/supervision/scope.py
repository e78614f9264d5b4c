"""Who sees what under /supervision (issue #14 §6).

- the county's supervisor (``supervisor@county``) sees and acts on everything;
- a township's supervisor sees and acts on its township (cases accepted or owned there,
  and at its villages);
- a department head reads their department's warnings and figures, and decides nothing
  (首席代表制: the head no longer handles approvals; here: issues and resolves no cards);
- every other role is refused (403) by the controllers' guard.

The scope is read from the organisation's policy snapshot for the logged-in user, never
from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException

from rbac.policy import PolicySnapshot
from web.auth import CurrentUser
from web.deps import domains_with, house_of

SUPERVISION_ROLES = ("supervisor", "department_head")
CHINA = ZoneInfo("Asia/Shanghai")
ROOT = "county"


@dataclass(frozen=True)
class Scope:
    #: the domains whose cases the user sees; None: the whole county
    domains: tuple[str, ...] | None
    #: may issue and resolve cards, work the queues
    can_act: bool
    #: the departments and townships the filters offer
    departments: tuple[str, ...]
    townships: tuple[str, ...]

    def sees(self, *domains: str | None) -> bool:
        if self.domains is None:
            return True
        return any(d in self.domains for d in domains if d is not None)

    def require_act(self) -> None:
        if not self.can_act:
            raise PermissionDeniedException("部门负责人只能查阅监察信息，不能发牌或处理")


def _below(snap: PolicySnapshot, domain: str) -> list[str]:
    """``domain`` and every domain under it."""
    return sorted(n for n, chain in snap.ancestors.items() if n == domain or domain in chain)


def scope_of(connection: ASGIConnection[Any, Any, Any, Any], user: CurrentUser) -> Scope:
    house = house_of(connection)
    snap = house.policy.snapshot(house.settings.tenant)
    supervised = domains_with(connection, user, ("supervisor",))
    headed = domains_with(connection, user, ("department_head",))
    departments = sorted(n for n, d in snap.domains.items() if d.kind == "department")
    townships = sorted(n for n, d in snap.domains.items() if d.kind == "township")
    if ROOT in supervised:
        return Scope(None, True, tuple(departments), tuple(townships))
    domains: set[str] = set()
    for d in supervised + headed:
        domains.update(_below(snap, d))
    if not domains:
        raise PermissionDeniedException("您没有访问此页面的权限。")
    return Scope(
        tuple(sorted(domains)),
        bool(supervised),
        tuple(d for d in departments if d in domains),
        tuple(t for t in townships if t in domains),
    )


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def titles(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, str]:
    house = house_of(connection)
    snap = house.policy.snapshot(house.settings.tenant)
    return {n: d.title for n, d in snap.domains.items()}
