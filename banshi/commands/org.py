"""``banshi org``: load an organisation file, show the tree with people and roles, the audit log."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree
from sqlalchemy import select

from db.engine import transaction
from house.settings import load_settings
from house.wiring import build_house
from rbac.org_file import load_org_file
from rbac.people import default_actor
from rbac.policy import ROLE_NAMES, load_org_data
from rbac.tables import OrgAudit
from runtime.org_guard import guarded_change

app = typer.Typer(no_args_is_help=True)


@app.command("load")
def load(
    file: Path = typer.Argument(..., help="An organisation file (TOML), e.g. rbac/demo_org.toml."),
    actor: str = typer.Option(
        default_actor(), help="Who makes the change (recorded in the audit log)."
    ),
) -> None:
    """Load an organisation file (idempotent; demo files only in demo mode). A file only
    adds and updates, so it is never refused for the published items; those that name a
    domain or role the organisation still lacks are reported (exit status stays 0)."""
    settings = load_settings()
    house = build_house(settings)
    with transaction(house.sessions) as session:  # an OrgFileError is banshi.cli's one line
        report, problems = guarded_change(
            session,
            settings.tenant,
            house.catalog,
            lambda: load_org_file(session, file, settings.tenant, settings.demo_mode, actor=actor),
            force=True,
        )
    typer.echo(report.summary())
    for problem in problems:
        typer.echo(f"警告 warning: 已发布的事项将无人办理：{problem.format()}", err=True)


@app.command("show")
def show() -> None:
    """Print the organisation tree with its people and roles."""
    settings = load_settings()
    sessions = build_house(settings).sessions
    with sessions() as session:
        data = load_org_data(session, settings.tenant)
    if not data.domains:
        typer.echo(f"租户 {settings.tenant} 尚无组织机构（banshi org load FILE）")
        raise typer.Exit(1)
    users = {u.username: u for u in data.users}
    people: dict[str, list[str]] = {}
    for g in data.grants:
        u = users[g.username]
        mark = "" if u.active else " [停用]"
        people.setdefault(g.domain, []).append(
            f"{ROLE_NAMES.get(g.role, g.role)} {u.display_name} ({u.username}){mark}"
        )
    for d in data.delegations:
        if not d.ended:
            people.setdefault(d.domain, []).append(
                f"代理 {ROLE_NAMES.get(d.role, d.role)} {d.to_username} ← {d.from_username} "
                f"{d.valid_from.isoformat()}–{d.valid_to.isoformat()}"
            )
    children: dict[str | None, list[str]] = {}
    for dom in data.domains:
        children.setdefault(dom.parent, []).append(dom.name)
    titles = {d.name: d for d in data.domains}

    def add(node: Tree, name: str) -> None:
        dom = titles[name]
        label = f"[bold]{dom.title}[/bold] {name} ({dom.kind})" + (
            f" · {dom.section}" if dom.section else ""
        )
        branch = node.add(label)
        for line in people.get(name, []):
            branch.add(line)
        for child in children.get(name, []):
            add(branch, child)

    root = Tree(f"租户 tenant {settings.tenant} · 策略版本 policy version {data.version}")
    for top in children.get(None, []):
        add(root, top)
    applicants = [u for u in data.users if u.kind == "applicant"]
    if applicants:
        branch = root.add("[bold]申请人 applicants[/bold]")
        for u in applicants:
            branch.add(f"{u.display_name} ({u.username})" + ("" if u.active else " [停用]"))
    Console(width=160).print(root)


@app.command("audit")
def audit(limit: int = typer.Option(30, help="How many of the latest changes.")) -> None:
    """The latest organisation changes: who, when, what."""
    settings = load_settings()
    sessions = build_house(settings).sessions
    with sessions() as session:
        rows = session.scalars(
            select(OrgAudit)
            .where(OrgAudit.tenant == settings.tenant)
            .order_by(OrgAudit.id.desc())
            .limit(limit)
        ).all()
    table = Table("#", "时间 at", "操作人 actor", "操作 action", "对象 subject", "内容 detail")
    for row in rows:
        detail = ", ".join(f"{k}={v}" for k, v in row.detail.items())
        table.add_row(
            str(row.id),
            row.at.isoformat(timespec="seconds"),
            row.actor,
            row.action,
            row.subject,
            detail,
        )
    Console(width=160).print(table)
