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


@app.command("publish")
def publish(
    paths: list[Path] = typer.Argument(..., help="Definition files or folders of *.json."),
    reason: str = typer.Option(
        "", "--reason", help="Why (required when a definition has rule warnings)."
    ),
    by: str = typer.Option("catalog-publish", "--by", help="Who publishes (kept in the log)."),
) -> None:
    """Publish definitions as new versions (errors refuse; warnings need --reason). Works
    outside demo mode: this is how a production catalogue changes from the shell."""
    from admin.publish import publish_all, read_files
    from db.engine import transaction
    from db.migrate import upgrade
    from house.settings import load_settings
    from house.wiring import build_house

    settings = load_settings()
    house = build_house(settings)
    upgrade(house.engine)
    found, problems = read_files(paths)
    for p in problems:
        typer.echo(p.format(), err=True)
    with transaction(house.sessions) as s:
        done, refused = publish_all(
            s, house.catalog, settings.tenant, found, by, reason=reason, source="命令行"
        )
    for line in refused:
        typer.echo(line, err=True)
    for o in done:
        what = f"第 {o.version} 版已发布" if o.new else f"与已发布的第 {o.version} 版相同，未改动"
        typer.echo(f"{o.code}: {what}")
        for sentence in o.changes:
            typer.echo(f"  {sentence}")
    typer.echo(f"{sum(o.new for o in done)} published, {len(refused) + len(problems)} refused")
    if refused or problems:
        raise typer.Exit(1)


@app.command("export")
def export(
    folder: Path = typer.Argument(..., help="Folder to write <code>.json files into."),
) -> None:
    """Write the newest published version of every item as a canonical file; publishing
    those files again changes nothing, and exporting again gives the same bytes."""
    from admin.publish import export_versions
    from house.settings import load_settings
    from house.wiring import build_house
    from runtime.publishing import export_text

    settings = load_settings()
    house = build_house(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with house.sessions() as s:
        versions = export_versions(s, house.catalog, settings.tenant)
    for pub in versions:
        (folder / f"{pub.code}.json").write_text(export_text(pub.definition), encoding="utf-8")
    typer.echo(f"{len(versions)} item(s) exported to {folder}")
