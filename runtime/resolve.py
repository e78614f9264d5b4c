"""``case:<number>`` targets for ``banshi authz check``: built from the stored case only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rbac.explain import Resolver, TargetError
from rbac.targets import CaseTarget
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
