"""Alembic, driven from code: ``banshi db upgrade`` and the test fixtures call this."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from db.engine import keep_statistics
from definitions.errors import BanshiError


class MigrationError(BanshiError):
    """A migration would leave the database inconsistent; nothing of it was kept."""

    status = 503
    code = "migration_failed"
    default_message = "数据库迁移失败，未作任何更改"
    public = False


MIGRATIONS = Path(str(files("db").joinpath("migrations")))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision``, then refresh the planner's
    statistics so the worklist indexes are chosen from the first query on."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))
    keep_statistics(engine)


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


def _migrate(engine: Engine, run: Callable[[Config], None]) -> None:
    """Run ``run`` in one transaction. Engine-specific (SQLite): a migration that rebuilds
    a table (0014) needs foreign keys off while it runs — SQLite's own procedure for
    changing a table's constraints — so they are switched off before the transaction,
    every reference is checked (``PRAGMA foreign_key_check``) before it commits, and they
    are switched on again after."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction
            connection.commit()
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                run(cfg)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationError(
                            f"迁移后有 {len(broken)} 行引用不存在的记录（例如 {tuple(broken[0])}），已回滚"
                        )
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


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
