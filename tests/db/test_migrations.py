"""The Alembic history and the table declarations must not drift apart."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from db.models import load_all


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), load_all().metadata)
    assert diffs == [], f"tables and migrations differ (write a migration): {diffs}"
