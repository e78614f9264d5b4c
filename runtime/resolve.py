"""``case:<number>`` and ``item:<code>`` targets for ``banshi authz check``: built from what
is stored only — the case row, and the item's newest *published* version (not the files on
disk: what is judged is what the county runs)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rbac.explain import Resolver, TargetError
from rbac.targets import CaseTarget, ItemTarget
from runtime.case_tables import Case
from runtime.publishing import Catalog
from runtime.service import case_target


def case_resolver(catalog: Catalog) -> Resolver:
    """The resolver of ``case:<number>`` (the house hands it to ``resolve_target``)."""

    def resolve(session: Session, tenant: str, number: str) -> CaseTarget:
        case = session.execute(
            select(Case).where(Case.tenant == tenant, Case.number == number)
        ).scalar_one_or_none()
        if case is None:
            raise TargetError(f"案件 {number} 不存在")
        return case_target(case, catalog.by_id(session, case.item_version_id))

    return resolve


def item_resolver(catalog: Catalog) -> Resolver:
    """The resolver of ``item:<code>``: the newest published version of the item."""

    def resolve(session: Session, tenant: str, code: str) -> ItemTarget:
        published = catalog.latest(session, tenant, code)
        if published is None:
            raise TargetError(f"事项 {code} 尚未发布（已发布的事项目录中没有它）")
        return ItemTarget.from_definition(tenant, published.definition)

    return resolve
