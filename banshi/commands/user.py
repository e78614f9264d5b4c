"""``banshi user``: add / deactivate people, grant / revoke roles, add / end delegations.

Every change is recorded in the organisation audit log with ``--actor`` (default: the OS user).
A change that would leave a published item with nobody to perform one of its steps (the
last chief representative of a countersigning department revoked, say) is refused unless
``--force`` (runtime/org_guard.py); a delegation that would let a department head handle
approvals is refused (rbac/people.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import typer
from sqlalchemy.orm import Session

from db.engine import transaction
from house.settings import load_settings
from house.wiring import build_house
from rbac import people
from rbac.people import default_actor
from runtime.org_guard import guarded_change

app = typer.Typer(no_args_is_help=True)
T = TypeVar("T")

ACTOR = typer.Option(
    default_actor(), "--actor", help="Who makes the change (recorded in the audit log)."
)


def _run(change: Callable[[Session, str], T]) -> T:
    settings = load_settings()
    sessions = build_house(settings).sessions
    with transaction(sessions) as session:  # an OrgError is banshi.cli's one line
        return change(session, settings.tenant)


FORCE = typer.Option(
    False,
    "--force",
    help="Make the change even if a published item is left with nobody to act (reported).",
)


def _guarded(change: Callable[[Session, str], T], force: bool) -> T:
    """Like :func:`_run`, for a change that can take away the last person able to perform
    a published item's step: refused (exit 2, each item and step named) unless ``--force``,
    then made and reported."""
    settings = load_settings()
    house = build_house(settings)
    with transaction(house.sessions) as session:  # OrphaningChange: banshi.cli's one line
        result, problems = guarded_change(
            session,
            settings.tenant,
            house.catalog,
            lambda: change(session, settings.tenant),
            force=force,
        )
    for problem in problems:
        typer.echo(f"警告 warning: 已发布的事项将无人办理：{problem.format()}", err=True)
    return result


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"错误 error: {option} 应为日期 YYYY-MM-DD，而不是 {text!r}", err=True)
        raise typer.Exit(2) from None


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name, e.g. reviewer2@county.scjg."),
    display_name: str = typer.Argument(..., help="Chinese display name."),
    kind: str = typer.Option("staff", help="staff or applicant."),
    password: str | None = typer.Option(None, help="Initial password (hashed with argon2)."),
    actor: str = ACTOR,
) -> None:
    """Add a user."""
    _run(
        lambda s, t: people.add_user(
            s, t, username, display_name, kind=kind, password=password, actor=actor
        )
    )
    typer.echo(f"已添加用户 added {username}（{display_name}）")


@app.command("deactivate")
def deactivate(username: str, actor: str = ACTOR, force: bool = FORCE) -> None:
    """Deactivate a user: every permission is denied from the next policy poll on. Refused
    when a published item would be left with nobody to perform a step (unless --force)."""
    changed = _guarded(lambda s, t: people.set_active(s, t, username, False, actor=actor), force)
    typer.echo(
        f"已停用 deactivated {username}" if changed else f"{username} 已是停用状态 (no change)"
    )


@app.command("activate")
def activate(username: str, actor: str = ACTOR) -> None:
    """Reactivate a user."""
    changed = _run(lambda s, t: people.set_active(s, t, username, True, actor=actor))
    typer.echo(
        f"已启用 activated {username}" if changed else f"{username} 已是启用状态 (no change)"
    )


@app.command("unlock")
def unlock(username: str, actor: str = ACTOR) -> None:
    """Lift a login lock (too many wrong passwords) and forget the user's wrong passwords."""
    import asyncio

    from web.login import clear_login_counters
    from web.stores import shared_root

    settings = load_settings()
    changed = _run(lambda s, t: people.unlock_user(s, t, username, actor=actor))
    engine = build_house(settings).engine
    store = shared_root(engine, settings.redis_url).with_namespace("login")

    async def clear() -> None:
        async with store:
            await clear_login_counters(store, settings.tenant, username)

    asyncio.run(clear())
    engine.dispose()
    typer.echo(
        f"已解锁 unlocked {username}"
        if changed
        else f"{username} 未被锁定 (not locked; counters cleared)"
    )


@app.command("grant")
def grant(username: str, role: str, domain: str, actor: str = ACTOR) -> None:
    """Grant ROLE in DOMAIN to USERNAME."""
    changed = _run(lambda s, t: people.grant_role(s, t, username, role, domain, actor=actor))
    typer.echo(
        f"已授权 granted {role}@{domain} → {username}"
        if changed
        else f"{username} 已有 {role}@{domain} (no change)"
    )


@app.command("revoke")
def revoke(username: str, role: str, domain: str, actor: str = ACTOR, force: bool = FORCE) -> None:
    """Revoke ROLE in DOMAIN from USERNAME. Refused when a published item would be left
    with nobody to perform a step (unless --force)."""
    _guarded(lambda s, t: people.revoke_role(s, t, username, role, domain, actor=actor), force)
    typer.echo(f"已撤销 revoked {role}@{domain} ← {username}")


@app.command("delegate")
def delegate(
    from_user: str = typer.Argument(..., help="The delegator, who holds ROLE in DOMAIN."),
    to_user: str = typer.Argument(..., help="The acting delegate."),
    role: str = typer.Argument(...),
    domain: str = typer.Argument(...),
    valid_from: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD), inclusive."),
    valid_to: str = typer.Option(..., "--to", help="Last day (YYYY-MM-DD), inclusive."),
    reason: str = typer.Option(..., help="Why (recorded and shown in explanations)."),
    actor: str = ACTOR,
) -> None:
    """TO_USER acts as FROM_USER's ROLE in DOMAIN from --from to --to inclusive (代理)."""
    start, end = _date(valid_from, "--from"), _date(valid_to, "--to")
    row = _run(
        lambda s, t: people.delegate(
            s, t, from_user, to_user, role, domain, start, end, reason, actor=actor
        )
    )
    typer.echo(
        f"已登记代理 delegation #{row.id}: {to_user} 代理 {from_user} {role}@{domain} {start}–{end}"
    )


@app.command("end-delegation")
def end_delegation(delegation_id: int, actor: str = ACTOR) -> None:
    """End a delegation now."""
    _run(lambda s, t: people.end_delegation(s, t, delegation_id, actor=actor))
    typer.echo(f"已结束代理 ended delegation #{delegation_id}")
