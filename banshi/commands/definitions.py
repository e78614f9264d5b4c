from __future__ import annotations

from pathlib import Path

import typer

from definitions.check import CheckContext, check_paths
from definitions.limits import ReadLimits
from definitions.loading import Loaded
from definitions.problems import Problem, Severity
from definitions.rules import RuleSettings
from definitions.schema_gen import schema_text
from house.settings import Settings

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(
        ..., help="Definition files or folders (searched for *.json)."
    ),
    ratio: float = typer.Option(
        None, help="Compression ratio (default: BANSHI_COMPRESSION_RATIO or 0.48)."
    ),
    org: bool | None = typer.Option(
        None,
        "--org/--no-org",
        help="Also check that every domain and role named exists in the organisation of the "
        "configured database (default: whenever that database holds one).",
    ),
) -> None:
    """Check definitions: report every problem as file:/json/pointer: message [rule].

    With a database holding the tenant's organisation, also every domain a definition names
    and whether someone there can perform each step [org-names] — what publishing refuses."""
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
        max_group_depth=settings.max_group_depth,
    )
    items, problems = check_paths([p for p in paths if p.exists()], ctx)
    if org is not False:
        problems = problems + _org_problems(settings, items, required=bool(org))
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


def _org_problems(settings: Settings, items: list[Loaded], *, required: bool) -> list[Problem]:
    """The names the readable definitions use that the stored organisation lacks
    (rbac/names.py); without an organisation to check against, a note (or, with --org,
    a usage error)."""
    from rbac.names import catalog_name_problems
    from runtime.org_guard import stored_org_names

    names, why = stored_org_names(settings.database_url, settings.tenant)
    if names is None:
        if required:
            typer.echo(f"错误 error: 无法检查组织机构名称：{why}", err=True)
            raise typer.Exit(2)
        typer.echo(f"（未检查组织机构名称：{why}）", err=True)
        return []
    readable = [(i.file, i.definition) for i in items if i.definition is not None]
    return catalog_name_problems(names, readable)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the definition format."""
    typer.echo(schema_text(), nl=False)
