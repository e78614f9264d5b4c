"""The migration 0001 creates exactly the tables rbac/tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from db.models import load_all


def test_migration_matches_declared_organisation_tables(engine: Engine) -> None:
    metadata = load_all().metadata
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)

    def concerns_org(diff: object) -> bool:
        text = repr(diff)
        return "org_" in text

    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if concerns_org(d)] == []
