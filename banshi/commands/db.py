from __future__ import annotations

import typer

from db.migrate import upgrade as run_upgrade
from house.settings import load_settings
from house.wiring import build_house

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema."""
    settings = load_settings()
    engine = build_house(settings).engine
    run_upgrade(engine)
    typer.echo(f"database at head: {engine.url.render_as_string(hide_password=True)}")


@app.command("distribute")
def distribute() -> None:
    """Print the Citus script that distributes every county's table by tenant (run it once
    on the coordinator after `banshi db upgrade`)."""
    from db.distribution import distribution_script
    from db.models import load_all

    typer.echo("-- Citus: distribute Banshi's tables by tenant (db/distribution.py)")
    for line in distribution_script(load_all().metadata):
        typer.echo(line)
