"""``banshi worker``: deliver the notification outbox, and seal the audit log and sign
its checkpoints every ``BANSHI_AUDIT_SEAL_S`` seconds."""

from __future__ import annotations

import time

import typer

from house.settings import load_settings
from house.wiring import build_house
from runtime.checkpoints import AuditKeyError, Sealer
from runtime.outbox import OutboxWorker, gateway_for

app = typer.Typer()


@app.callback(invoke_without_command=True)
def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due and stop."),
    idle: float = typer.Option(1.0, help="Seconds to wait when nothing is due."),
) -> None:
    """Send pending notifications with retries and backoff (at most once per event and channel)."""
    from banshi.commands.audit import signing_key

    settings = load_settings()
    house = build_house(settings)
    # this county's messages only: another county's go out through its own worker, with
    # its own gateway account and signature
    w = OutboxWorker(house.sessions, gateway_for(settings, house.sessions), tenant=settings.tenant)
    try:
        key = signing_key(settings)
    except AuditKeyError as exc:
        typer.echo(f"{exc} — events are sealed but no checkpoint is signed", err=True)
        key = None
    sealer = Sealer(
        house.engine,
        settings.tenant,
        key,
        batch=settings.audit_seal_batch,
        every_s=settings.audit_seal_s,
        export_dir=settings.audit_export_dir,
    )
    if once:
        report = w.run_once()
        cp = sealer.step()
        typer.echo(f"sent {report.sent}, retried {report.retried}, failed {report.failed}")
        if cp is not None:
            typer.echo(f"audit checkpoint: {cp.tree_size} event(s) signed")
        return
    typer.echo("outbox worker running (Ctrl-C to stop)")
    try:
        while True:
            report = w.run_once()
            sealer.step()
            if not (report.sent or report.retried):
                time.sleep(idle)
    except KeyboardInterrupt:
        typer.echo("stopped")
