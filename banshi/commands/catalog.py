from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from definitions.check import check_paths
from definitions.models import ItemDefinition
from definitions.report import COLUMNS, cell, change, summarise
from definitions.shipped import catalog_dir

app = typer.Typer(no_args_is_help=True)


def _load(folder: Path) -> list[ItemDefinition]:
    items, _ = check_paths([folder])
    bad = [i for i in items if i.definition is None]
    for i in bad:
        for p in i.problems:
            typer.echo(p.format(), err=True)
    return [i.definition for i in items if i.definition is not None]


@app.command("report")
def report(
    catalog: Path = typer.Option(catalog_dir(), "--catalog", help="The catalogue folder."),
    against: Path | None = typer.Option(
        None, "--against", help="An earlier catalogue folder to compare with."
    ),
) -> None:
    """Per department and in total: items, steps, days, compression, fees, devolved items."""
    now = summarise(_load(catalog))
    before = summarise(_load(against)) if against is not None else None
    title = "事项目录报告" + ("（四减一放：与旧目录比较）" if before is not None else "")
    table = Table(title=title)
    table.add_column("部门")
    for _, heading in COLUMNS:
        table.add_column(heading, justify="right")
    owners = list(now) if before is None else [*sorted((set(now) | set(before)) - {"合计"}), "合计"]
    for owner in owners:
        row = now.get(owner)
        if before is None:
            table.add_row(owner, *(cell(row, c) for c, _ in COLUMNS))
        else:
            table.add_row(owner, *(change(row, before.get(owner), c) for c, _ in COLUMNS))
    Console(width=200).print(table)
