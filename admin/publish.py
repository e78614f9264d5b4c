"""The one way a definition becomes a published version: the command line (``banshi
catalog publish``), the demo loader and the review page's publish button all come here.

Errors refuse (the checker and the reform rules, :meth:`Catalog.checked`); a warning needs
a written reason; a new version is logged with its change in words against the version
before it; publishing content that is already published changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.log import record
from admin.tables import ItemRetirement
from admin.wording import diff_words
from definitions.loading import load_path
from definitions.models import ItemDefinition
from definitions.problems import DefinitionError, Problem
from runtime.case_tables import ItemVersion
from runtime.errors import ReasonRequired
from runtime.publishing import Catalog, Published, warnings_of


@dataclass
class Outcome:
    """What publishing one definition did."""

    code: str
    version: int
    new: bool
    changes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def newest(session: Session, catalog: Catalog, tenant: str, code: str) -> Published | None:
    """The newest published version of ``code``, read now (not the catalogue's short cache)."""
    vid = session.execute(
        select(ItemVersion.id)
        .where(ItemVersion.tenant == tenant, ItemVersion.code == code)
        .order_by(ItemVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if vid is None else catalog.by_id(session, vid)


def publish(
    session: Session,
    catalog: Catalog,
    tenant: str,
    definition: ItemDefinition,
    by: str,
    *,
    reason: str = "",
    source: str = "",
) -> Outcome:
    """Publish ``definition`` (DefinitionError on errors, ReasonRequired on warnings
    without a reason)."""
    compiled = catalog.checked(definition)  # errors first: they are what must be fixed
    same = session.execute(
        select(ItemVersion.version).where(
            ItemVersion.tenant == tenant, ItemVersion.sha256 == compiled.sha256
        )
    ).scalar_one_or_none()
    if same is not None:  # already published: nothing to say, nothing to log
        return Outcome(definition.code, same, False)
    warnings = warnings_of(catalog, definition)
    if warnings and not reason.strip():
        raise ReasonRequired(
            f"事项 {definition.code} 有 {len(warnings)} 条规则警告，发布须写明理由："
            + "；".join(w.message for w in warnings[:3])
        )
    before = newest(session, catalog, tenant, definition.code)
    pub = catalog.publish(session, tenant, definition, by)
    if before is not None and pub.version <= before.version:  # the same content again
        return Outcome(pub.code, pub.version, False, [], warnings)
    changes = diff_words(
        before.definition.canonical() if before is not None else None, definition.canonical()
    )
    where = f"（{source}）" if source else ""
    record(
        session,
        tenant,
        by,
        "items",
        "publish",
        pub.code,
        f"发布“{definition.name}”第 {pub.version} 版{where}",
        diff=changes,
        reason=reason,
        version=pub.version,
        domain=definition.owner,
    )
    retired = session.get(ItemRetirement, (tenant, pub.code))
    if retired is not None:
        session.delete(retired)
        record(
            session,
            tenant,
            by,
            "items",
            "reinstate",
            pub.code,
            "发布新版本，事项恢复受理",
            domain=definition.owner,
        )
    return Outcome(pub.code, pub.version, True, changes, warnings)


def read_files(paths: list[Path]) -> tuple[list[tuple[str, ItemDefinition]], list[Problem]]:
    """The definitions in ``paths`` (files or folders of ``*.json``), and every problem of
    the files that cannot be read."""
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    found: list[tuple[str, ItemDefinition]] = []
    problems: list[Problem] = []
    for f in files:
        try:
            loaded = load_path(f)
        except OSError as exc:
            problems.append(Problem(str(f), "", f"无法读取文件：{exc.strerror}", "read"))
            continue
        if loaded.definition is None:
            problems.extend(loaded.problems)
        else:
            found.append((str(f), loaded.definition))
    return found, problems


def publish_all(
    session: Session,
    catalog: Catalog,
    tenant: str,
    definitions: list[tuple[str, ItemDefinition]],
    by: str,
    *,
    reason: str = "",
    source: str = "",
) -> tuple[list[Outcome], list[str]]:
    """Publish each definition in its own savepoint: one refused leaves the others."""
    done: list[Outcome] = []
    refused: list[str] = []
    for file, d in definitions:
        try:
            with session.begin_nested():
                done.append(publish(session, catalog, tenant, d, by, reason=reason, source=source))
        except DefinitionError as exc:
            refused.extend(p.format() for p in exc.problems)
        except ReasonRequired as exc:
            refused.append(f"{file}: {exc.message}")
    return done, refused


def export_versions(session: Session, catalog: Catalog, tenant: str) -> list[Published]:
    """The newest published version of every item (what ``catalog export`` writes)."""
    return catalog.all_latest(session, tenant, include_retired=True)
