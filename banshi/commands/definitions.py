from __future__ import annotations

from pathlib import Path

import typer

from definitions.check import CheckContext, check_paths
from definitions.limits import ReadLimits
from definitions.problems import Severity
from definitions.rules import RuleSettings
from definitions.schema_gen import schema_text

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(
        ..., help="Definition files or folders (searched for *.json)."
    ),
    ratio: float = typer.Option(
        None, help="Compression ratio (default: BANSHI_COMPRESSION_RATIO or 0.48)."
    ),
) -> None:
    """Check definitions: report every problem as file:/json/pointer: message [rule]."""
    from house.settings import load_settings

    missing = [p for p in paths if not p.exists()]
    for p in missing:
        typer.echo(f"{p}: 文件或目录不存在 [io]")
    settings = load_settings()
    ctx = CheckContext(
        settings=RuleSettings(compression_ratio=ratio or settings.compression_ratio),
        limits=ReadLimits(
            max_bytes=settings.definition_max_bytes, max_depth=settings.definition_max_depth
        ),
    )
    items, problems = check_paths([p for p in paths if p.exists()], ctx)
    for problem in problems:
        typer.echo(problem.format())
    errors = sum(1 for p in problems if p.severity is Severity.ERROR) + len(missing)
    warnings = sum(1 for p in problems if p.severity is Severity.WARNING)
    good = sum(1 for i in items if i.definition is not None)
    typer.echo(
        f"checked {len(items)} definitions ({good} readable): {errors} errors, {warnings} warnings",
        err=True,
    )
    raise typer.Exit(1 if errors or not items else 0)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the definition format."""
    typer.echo(schema_text(), nl=False)
