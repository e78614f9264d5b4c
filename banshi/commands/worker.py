"""``banshi worker``: deliver the notification outbox."""

from __future__ import annotations

import typer

from banshi.settings import load_settings
from banshi.wiring import build_house
from runtime.outbox import OutboxWorker

app = typer.Typer()


@app.callback(invoke_without_command=True)
def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due and stop."),
    idle: float = typer.Option(1.0, help="Seconds to wait when nothing is due."),
) -> None:
    """Send pending notifications with retries and backoff (at most once per event and channel)."""
    house = build_house(load_settings())
    w = OutboxWorker(house.sessions)
    if once:
        report = w.run_once()
        typer.echo(f"sent {report.sent}, retried {report.retried}, failed {report.failed}")
        return
    typer.echo("outbox worker running (Ctrl-C to stop)")
    try:
        w.run_forever(idle_seconds=idle)
    except KeyboardInterrupt:
        typer.echo("stopped")
