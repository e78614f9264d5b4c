"""``banshi case replay NUMBER``: the case after each of its events (process replay)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from house.settings import load_settings
from house.wiring import build_house
from runtime.audit import replay as replay_case
from runtime.states import STATE_NAMES

app = typer.Typer(no_args_is_help=True)

SHOWN = (
    "state",
    "current_step",
    "current_domain",
    "decision",
    "due_promised",
    "due_statutory",
    "suspended",
)


@app.command("replay")
def replay(number: str = typer.Argument(..., help="Case number.")) -> None:
    """Print the state after each event of a case."""
    house = build_house(load_settings())
    with house.sessions() as s:
        try:
            steps = replay_case(s, house.settings.tenant, number)
        except LookupError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
    table = Table(title=f"案件 {number} 过程回放")
    for col in ("#", "时间", "操作", "办理人", "角色@域", "理由/意见", "之后的状态"):
        table.add_column(col)
    for st in steps:
        after = st.state
        summary = "；".join(
            f"{k}={STATE_NAMES.get(str(after.get(k)), after.get(k)) if k == 'state' else after.get(k)}"
            for k in SHOWN
            if after.get(k) not in (None, False)
        )
        table.add_row(
            str(st.seq),
            st.at[:19],
            st.act,
            st.actor,
            f"{st.role or ''}@{st.domain or ''}",
            st.reason or "",
            summary,
        )
    Console(width=200).print(table)
