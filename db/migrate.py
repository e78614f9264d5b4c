"""Alembic, driven from code: ``banshi db upgrade`` and the test fixtures call this."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from db.engine import keep_statistics

MIGRATIONS = Path(str(files("db").joinpath("migrations")))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision``, then refresh the planner's
    statistics so the worklist indexes are chosen from the first query on."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    keep_statistics(engine)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's current revision, the newest revision this code ships). The version
    table is read directly: Alembic's migration context logs a line each time it is made,
    and /health asks this on every probe."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None, head
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return current, head
