"""The Alembic history and the table declarations must not drift apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from db.engine import make_engine
from db.migrate import downgrade, upgrade
from db.models import load_all
from tests.conftest import BACKENDS, POSTGRES_URL, throwaway_schema


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), load_all().metadata)
    assert diffs == [], f"tables and migrations differ (write a migration): {diffs}"


@pytest.fixture(params=BACKENDS)
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database with no migration run yet, on each backend."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield eng
        eng.dispose()
        return
    assert POSTGRES_URL
    with throwaway_schema("m", revision=None) as (schema, _):
        eng = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield eng
        finally:
            eng.dispose()


def test_tenant_keys_keep_a_countys_rows_and_ids(bare: Engine) -> None:
    """0014 on a database in use: every row and id stays, references follow, new ids go on
    after the old ones, and the way back (downgrade) works too."""
    upgrade(bare, "0013")
    md = load_all().metadata
    users, domains, grants = md.tables["org_user"], md.tables["org_domain"], md.tables["org_grant"]
    user = {"tenant": "422822", "display_name": "甲", "password_hash": "x"}
    with bare.begin() as c:
        c.execute(
            users.insert(), [{**user, "id": 7, "username": "a"}, {**user, "id": 9, "username": "b"}]
        )
        c.execute(
            domains.insert(),
            {
                "id": 3,
                "tenant": "422822",
                "name": "county.hall",
                "title": "县政务服务中心",
                "kind": "hall",
            },
        )
        c.execute(
            grants.insert(),
            {
                "id": 5,
                "tenant": "422822",
                "user_id": 9,
                "role": "window_clerk",
                "domain": "county.hall",
            },
        )
    upgrade(bare, "0014")
    with bare.begin() as c:
        assert c.execute(text("SELECT id, user_id FROM org_grant")).all() == [(5, 9)]
        c.execute(users.insert(), {**user, "username": "c"})
        new_id = c.execute(text("SELECT id FROM org_user WHERE username = 'c'")).scalar_one()
    assert new_id not in (7, 9)
    with pytest.raises(sa.exc.IntegrityError), bare.begin() as c:  # another county's user
        c.execute(
            grants.insert(),
            {"tenant": "422823", "user_id": 9, "role": "window_clerk", "domain": "county.hall"},
        )
    downgrade(bare, "0013")
    with bare.begin() as c:
        assert c.execute(text("SELECT id, user_id FROM org_grant")).all() == [(5, 9)]
    upgrade(bare)
