"""Shared pieces of the supervision pages: the guard, item names, the case lookup."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from litestar.types import Guard

from house.wiring import House
from runtime.case_tables import Case
from runtime.queries import case_by_number
from web.deps import role_required
from web.supervision.scope import SUPERVISION_ROLES, Scope

GUARDS: list[Guard] = [role_required(*SUPERVISION_ROLES)]


def item_names(house: House) -> dict[str, str]:
    with house.reading() as s:
        return {
            p.code: p.definition.name
            for p in house.catalog.all_latest(s, house.settings.tenant, include_retired=True)
        }


def visible_case(house: House, session: Any, scope: Scope, number: str) -> Case:
    """The case by number, if the scope sees it (otherwise: not found, as for a number
    that does not exist — a township supervisor learns nothing of other townships)."""
    case = case_by_number(session, house.settings.tenant, number)
    if case is None or not scope.sees(case.owner_domain, case.accepting_domain):
        raise NotFoundException(f"没有找到案件 {number}")
    return case


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
