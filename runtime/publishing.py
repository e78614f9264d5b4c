"""Published item versions: immutable, pinned by cases for life, compiled once per sha256.

A definition file is *canonical* when it reads exactly as :func:`export_text` writes it
(keys sorted, two-space indent, non-ASCII kept, one final newline): ``banshi catalog
export`` writes such files, and publishing one and exporting it again gives the same
bytes, since a version is stored as the canonical JSON it was compiled from."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.orm import Session

from db.single_flight import Kept
from definitions.canonical import canonical_json
from definitions.check import CheckContext, check_definition, internal_problem
from definitions.compile import CompiledItem, Compiler
from definitions.loading import pydantic_problems
from definitions.models import ItemDefinition
from definitions.problems import DefinitionError, Problem, Severity
from runtime.case_tables import ItemVersion
from runtime.org_guard import refuse_unknown_names
from runtime.retirement import RetiredCodes

ITEM_VERSION = cast(Table, ItemVersion.__table__)
VERSION_BY_ID = select(ITEM_VERSION).where(ITEM_VERSION.c.id == bindparam("i"))
NEWEST_VERSION = (
    select(ITEM_VERSION.c.id)
    .where(ITEM_VERSION.c.tenant == bindparam("t"), ITEM_VERSION.c.code == bindparam("c"))
    .order_by(ITEM_VERSION.c.version.desc())
    .limit(1)
)


def export_text(definition: ItemDefinition) -> str:
    """The canonical file of a definition (what ``banshi catalog export`` writes)."""
    return json.dumps(definition.canonical(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def warnings_of(catalog: Catalog, definition: ItemDefinition) -> list[Problem]:
    """The checker's and the reform rules' warnings of a definition (errors are
    :meth:`Catalog.checked`'s to refuse): publishing one with warnings needs a reason."""
    file = _name_of(definition)
    return [
        p
        for p in check_definition(definition, file, catalog.check)
        if p.severity is not Severity.ERROR
    ]


def _name_of(definition: ItemDefinition) -> str:
    """How problems name a definition: its code, when it is printable text."""
    code = getattr(definition, "code", None)
    return code if isinstance(code, str) and code.isprintable() and code else "<definition>"


@dataclass(frozen=True)
class Published:
    """A published version with its compiled form."""

    id: int
    tenant: str
    code: str
    version: int
    sha256: str
    compiled: CompiledItem

    @property
    def definition(self) -> ItemDefinition:
        return self.compiled.definition


class Catalog:
    """Publishes definitions and hands out compiled published versions (cached)."""

    def __init__(
        self,
        compiler: Compiler | None = None,
        check: CheckContext | None = None,
        *,
        org_names: bool = False,
    ) -> None:
        self.compiler = compiler or Compiler()
        self.check = check or CheckContext()
        #: refuse definitions naming a domain or role the tenant's organisation lacks
        #: (runtime/org_guard.py; the house turns it on, engine tests publish without it)
        self.org_names = org_names
        self._by_id: dict[int, Published] = {}
        #: the newest version id of each (tenant, code), kept 2 s (db/single_flight.py)
        self._latest: Kept[tuple[str, str], int] = Kept(2.0)
        #: codes taken out of service (runtime/retirement.py): no new applications
        self.retired = RetiredCodes(self.latest_ttl)

    @property
    def latest_ttl(self) -> float:
        """How long (s) the newest version of an item is kept without asking again."""
        return self._latest.ttl

    @latest_ttl.setter
    def latest_ttl(self, seconds: float) -> None:
        self._latest.ttl = seconds

    def publish(
        self, session: Session, tenant: str, definition: ItemDefinition, by: str
    ) -> Published:
        """Publish ``definition`` as the next version of its code; publishing the same content
        again returns the existing version. A definition with errors is refused with a
        :class:`DefinitionError` naming each problem (file, JSON pointer, message, rule);
        nothing else is raised for anything the definition holds."""
        compiled = self.checked(definition)
        if self.org_names:
            refuse_unknown_names(session, tenant, compiled.definition, _name_of(definition))
        existing = session.execute(
            select(ItemVersion).where(
                ItemVersion.tenant == tenant, ItemVersion.sha256 == compiled.sha256
            )
        ).scalar_one_or_none()
        if existing is not None:
            return self._wrap(existing)
        latest = session.execute(
            select(func.max(ItemVersion.version)).where(
                ItemVersion.tenant == tenant, ItemVersion.code == definition.code
            )
        ).scalar_one()
        row = ItemVersion(
            tenant=tenant,
            code=definition.code,
            version=(latest or 0) + 1,
            name=definition.name,
            owner=definition.owner,
            canonical=canonical_json(compiled.canonical),
            sha256=compiled.sha256,
            published_by=by,
            published_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        self._latest.forget((tenant, definition.code))
        return self._wrap(row)

    def checked(self, definition: ItemDefinition) -> CompiledItem:
        """The compiled item of a definition that passes every check, or DefinitionError."""
        file = _name_of(definition)
        try:
            # the models' own checks again: a definition may have been built without them;
            # against the compiler's plugins (its field types, step and procedure kinds)
            revalidated = self.compiler.validate(definition.canonical())
        except ValidationError as exc:
            raise DefinitionError(list(pydantic_problems(exc, file))) from None
        except (TypeError, ValueError, RecursionError) as exc:
            raise DefinitionError([internal_problem(file, "读取定义", exc)]) from None
        problems = [
            p
            for p in check_definition(revalidated, file, self.check)
            if p.severity is Severity.ERROR
        ]
        if problems:
            raise DefinitionError(problems)
        try:
            return self.compiler.compile(revalidated)
        except Exception as exc:  # a validator refusing what the checker let through
            problem = Problem(file, "", f"定义无法编译：{type(exc).__name__}", "compile")
            raise DefinitionError([problem]) from None

    def _wrap(self, row: Any) -> Published:
        """``row``: an ``ItemVersion`` or a Core row of its table (the same attributes)."""
        cached = self._by_id.get(row.id)
        if cached is not None:
            return cached
        stored = f"item_version {row.id}"
        try:
            definition = self.compiler.validate_json(row.canonical)
            compiled = self.compiler.compile(definition)
        except ValidationError as exc:
            raise DefinitionError(list(pydantic_problems(exc, stored))) from None
        if compiled.sha256 != row.sha256:
            message = "保存的定义与其 sha256 不符（已被改动）"
            raise DefinitionError([Problem(stored, "", message, "sha256")])
        pub = Published(row.id, row.tenant, row.code, row.version, row.sha256, compiled)
        self._by_id[row.id] = pub
        return pub

    def by_id(self, session: Session | Connection, version_id: int) -> Published:
        cached = self._by_id.get(version_id)
        if cached is not None:
            return cached
        return self._wrap(session.execute(VERSION_BY_ID, {"i": version_id}).one())

    def cached_latest(self, tenant: str, code: str) -> Published | None:
        """The newest version when a fresh answer is cached (no database needed), or a
        stale one while another thread reads it again (db/single_flight.py); else
        None."""
        version_id = self._latest.cached((tenant, code))
        return None if version_id is None else self._by_id.get(version_id)

    def refreshing(self, tenant: str, code: str) -> AbstractContextManager[bool]:
        """Claim the re-read of ``code``'s newest version for a reader of its own (an event
        loop's connection): True inside when the claim is this caller's; meanwhile the
        cached answer stands for everyone (db/single_flight.py)."""
        return self._latest.reading((tenant, code))

    def confirm_latest(self, tenant: str, code: str, version_id: int | None) -> bool:
        """A read made elsewhere found ``version_id`` the newest: kept for another
        ``latest_ttl`` when that version is compiled here already (True); False when it
        must be loaded (a thread's work)."""
        if version_id is None or version_id not in self._by_id:
            return False
        self._latest.put((tenant, code), version_id)
        return True

    def latest(self, session: Session | Connection, tenant: str, code: str) -> Published | None:
        """The newest published version of ``code``; the answer is kept for
        ``latest_ttl`` seconds (a version published elsewhere is seen within that time and
        one read, db/single_flight.py; one published through this catalogue at once)."""
        version_id = self._latest.get(
            (tenant, code),
            lambda: session.execute(NEWEST_VERSION, {"t": tenant, "c": code}).scalar_one_or_none(),
        )
        if version_id is None:
            return None
        return self.by_id(session, version_id)

    def all_latest(
        self, session: Session, tenant: str, *, include_retired: bool = False
    ) -> list[Published]:
        """The newest version of every item in service (administration and supervision
        ask for the retired ones too)."""
        newest = (
            select(ItemVersion.code, func.max(ItemVersion.version).label("v"))
            .where(ItemVersion.tenant == tenant)
            .group_by(ItemVersion.code)
            .subquery()
        )
        rows = session.execute(
            select(ItemVersion)
            .join(newest, (ItemVersion.code == newest.c.code) & (ItemVersion.version == newest.c.v))
            .where(ItemVersion.tenant == tenant)
            .order_by(ItemVersion.code)
        ).scalars()
        published = [self._wrap(r) for r in rows]
        if include_retired:
            return published
        retired = self.retired.of(session, tenant)
        return [p for p in published if p.code not in retired]
