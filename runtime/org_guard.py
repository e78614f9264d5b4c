"""The organisation and the published catalogue kept in step (rbac/names.py says what is
checked): publishing refuses a definition naming a domain or role the organisation lacks,
and an organisation change that would leave a published item with nobody to perform one
of its steps is refused — or, when the administrator insists, made and reported.

rbac cannot read the published catalogue (it is runtime's), and definitions knows no
organisation; this module, above both, joins them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import inspect, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.engine import make_engine, session_factory
from db.rls import connect_args
from definitions.models import ItemDefinition
from definitions.problems import DefinitionError, Problem, Severity
from rbac.names import OrgNames, name_problems, orphaned
from rbac.people import OrgError
from rbac.policy import load_org_data

if TYPE_CHECKING:
    from runtime.publishing import Catalog

T = TypeVar("T")


class OrphaningChange(OrgError):
    """An organisation change that would leave published items with nobody to act."""

    status = 409
    code = "org_orphans_items"
    default_message = "这项组织机构变更会使已发布的事项无人办理"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join("  " + p.format() for p in problems)
        super().__init__(
            "这项变更会使已发布的事项无人办理（先调整事项或另行授权；确需变更请加 --force）：\n"
            + lines
        )


def unknown_names(
    session: Session, tenant: str, definition: ItemDefinition, file: str
) -> list[Problem]:
    """The name problems of ``definition`` in ``tenant``'s organisation as stored now."""
    return name_problems(OrgNames.of(load_org_data(session, tenant)), definition, file)


def refuse_unknown_names(
    session: Session, tenant: str, definition: ItemDefinition, file: str
) -> None:
    """Raise :class:`DefinitionError` when ``definition`` names a domain or role that the
    organisation lacks (publishing's check; warnings do not refuse)."""
    errors = [
        p for p in unknown_names(session, tenant, definition, file) if p.severity is Severity.ERROR
    ]
    if errors:
        raise DefinitionError(errors)


def published_items(
    session: Session, tenant: str, catalog: Catalog
) -> list[tuple[str, ItemDefinition]]:
    """The newest published version of every item, named ``CODE v N``."""
    return [
        (f"{p.code} v{p.version}", p.definition)
        for p in catalog.all_latest(session, tenant, include_retired=True)
    ]


def guarded_change(
    session: Session,
    tenant: str,
    catalog: Catalog,
    change: Callable[[], T],
    *,
    force: bool = False,
) -> tuple[T, list[Problem]]:
    """Make ``change`` in the caller's transaction; refuse it (:class:`OrphaningChange`,
    the transaction then rolls back) when it would newly orphan a published item, unless
    ``force``: then it is made and the problems are returned to be reported."""
    before = load_org_data(session, tenant)
    result = change()
    session.flush()
    after = load_org_data(session, tenant)
    problems = orphaned(before, after, published_items(session, tenant, catalog))
    if problems and not force:
        raise OrphaningChange(problems)
    return result, problems


def stored_org_names(database_url: str, tenant: str) -> tuple[OrgNames | None, str]:
    """The organisation of ``tenant`` in the database at ``database_url``, for checking
    definitions before they are published; ``(None, why)`` when there is none to check
    against (no database file, no tables yet, no organisation loaded, unreachable). An
    SQLite file that does not exist is not created."""
    url = make_url(database_url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).exists():
        return None, f"数据库文件 {file} 不存在"
    engine = make_engine(database_url, connect_args=connect_args(database_url, tenant))
    try:
        if not inspect(engine).has_table("org_domain"):
            return None, "数据库尚未建表（banshi db upgrade）"
        with session_factory(engine)() as session:
            names = OrgNames.of(load_org_data(session, tenant))
    except SQLAlchemyError as exc:
        return None, f"无法读取数据库（{type(exc).__name__}）"
    finally:
        engine.dispose()
    if names.empty:
        return None, f"租户 {tenant} 尚未加载组织机构（banshi org load FILE）"
    return names, ""
