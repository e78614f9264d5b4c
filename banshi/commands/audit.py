"""``banshi audit verify``: walk every case's event chain and name the first broken link."""

from __future__ import annotations

import typer
from rich.progress import Progress

from banshi.settings import load_settings
from banshi.wiring import build_house
from runtime.audit import verify_all

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Verify every chain; exit 1 when any link is broken."""
    house = build_house(load_settings())
    broken = 0
    total = 0
    with house.sessions() as s, Progress(transient=True) as progress:
        task = progress.add_task("verifying", total=None)
        for _number, problem in verify_all(s, house.settings.tenant):
            total += 1
            progress.advance(task)
            if problem is not None:
                broken += 1
                typer.echo(problem.format())
    typer.echo(f"verified {total} cases: {broken} broken chain(s)")
    raise typer.Exit(1 if broken else 0)
