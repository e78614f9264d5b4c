"""``banshi authz check USER ACT TARGET``: allow or deny, and why."""

from __future__ import annotations

from datetime import date

import typer

from house.settings import load_settings
from house.wiring import build_house
from rbac.acts import ACT_FAMILY
from rbac.explain import explain

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    user: str = typer.Argument(..., help="User name, e.g. chief_representative@county.scjg."),
    act: str = typer.Argument(..., help="Act, e.g. decide, accept, read, manage_items."),
    target: str = typer.Argument(
        ..., help="A domain (county.scjg), item:<code> (its published version) or case:<number>."
    ),
    on: str | None = typer.Option(
        None, "--on", help="Judge as of this day (YYYY-MM-DD), for delegations."
    ),
) -> None:
    """Print allow or deny and why (which grant or delegation, or which rule refused).

    Exit status 0 when allowed, 1 when denied, 2 on a usage error."""
    if act not in ACT_FAMILY:
        typer.echo(
            f"错误 error: 未知的操作 {act!r}（可用：{', '.join(sorted(ACT_FAMILY))}）", err=True
        )
        raise typer.Exit(2)
    day = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            typer.echo(f"错误 error: --on 应为日期 YYYY-MM-DD，而不是 {on!r}", err=True)
            raise typer.Exit(2) from None
    settings = load_settings()
    house = build_house(settings.model_copy(update={"policy_poll_ms": 0}))
    with house.sessions() as session:
        resolved = house.resolve_target(session, target)  # TargetError: banshi.cli's line
    decision = house.authorizer.can(user, act, resolved, today=day)
    for line in explain(decision, resolved, house.policy.snapshot(settings.tenant)):
        typer.echo(line)
    raise typer.Exit(0 if decision.allowed else 1)
