from __future__ import annotations

import typer

from banshi.settings import load_settings
from db.engine import make_engine
from db.migrate import upgrade as run_upgrade

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    run_upgrade(engine)
    typer.echo(f"database at head: {engine.url.render_as_string(hide_password=True)}")
