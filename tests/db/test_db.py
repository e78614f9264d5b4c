"""The ``engine`` fixture is a database at the newest migration, and a database that was
never migrated is told apart from it (the check below would catch a fixture that forgot
to migrate)."""

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from db.engine import make_engine
from db.migrate import revisions, upgrade


def _state(engine: Engine) -> tuple[str | None, str | None, set[str]]:
    current, head = revisions(engine)
    return current, head, set(inspect(engine).get_table_names())


def test_engine_is_migrated_to_the_newest_revision_and_usable(engine: Engine) -> None:
    current, head, tables = _state(engine)
    assert head is not None and current == head
    assert {"case", "case_event", "alembic_version"} <= tables
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert c.execute(text('SELECT count(*) FROM "case"')).scalar_one() == 0


def test_a_never_migrated_database_is_not_taken_for_a_migrated_one(tmp_path: Path) -> None:
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        current, head, tables = _state(fresh)
        assert current is None and head is not None and "case" not in tables
        upgrade(fresh)
        current, head, tables = _state(fresh)
        assert current == head and "case" in tables
    finally:
        fresh.dispose()
