"""``banshi outbox``: what the notification outbox holds and what the gateway delivered."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from house.settings import load_settings
from house.wiring import build_house
from runtime.case_tables import OutboxMessage, SentMessage

app = typer.Typer(no_args_is_help=True)


@app.command("sent")
def sent(limit: int = typer.Option(20, help="How many of the newest messages.")) -> None:
    """Messages the default gateway recorded (what the applicants received)."""
    house = build_house(load_settings())
    with house.sessions() as s:
        rows = list(
            s.execute(
                select(SentMessage)
                .where(SentMessage.tenant == house.settings.tenant)
                .order_by(SentMessage.id.desc())
                .limit(limit)
            ).scalars()
        )
    table = Table(title="已发送的短信")
    for col in ("#", "时间", "接收号码", "内容"):
        table.add_column(col)
    for m in rows:
        table.add_row(str(m.outbox_id), m.sent_at.strftime("%Y-%m-%d %H:%M"), m.recipient, m.body)
    Console(width=200).print(table)


@app.command("pending")
def pending() -> None:
    """Messages waiting for the worker (with their attempts and last error)."""
    house = build_house(load_settings())
    with house.sessions() as s:
        rows = list(
            s.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.tenant == house.settings.tenant, OutboxMessage.status != "sent"
                )
                .order_by(OutboxMessage.id)
            ).scalars()
        )
    for m in rows:
        typer.echo(
            f"{m.id}\t{m.status}\t{m.attempts}\t{m.recipient}\t{m.template}\t{m.last_error or ''}"
        )
    typer.echo(f"{len(rows)} message(s) not sent")
