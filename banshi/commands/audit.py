"""``banshi audit verify | checkpoint | seal``: the anchored audit.

``verify`` walks every case's chain (its row, fees and materials included), the tenant
log and every signed checkpoint (stored and exported) and names each problem; exit 1 when
there is any. ``checkpoint`` seals every waiting event and signs the log's head with the
key from ``BANSHI_AUDIT_KEY_FILE``, stores it and exports it. ``seal`` only seals.
"""

from __future__ import annotations

from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import Progress

from house.settings import Settings, load_settings
from house.wiring import build_house
from runtime.audit import verify_cases
from runtime.audit_log import verify_log
from runtime.checkpoints import (
    KEY_SETTING,
    AuditKeyError,
    AuditLogGap,
    exported,
    load_key,
    make_checkpoint,
    read_file,
)
from runtime.ledger import seal_all

app = typer.Typer(no_args_is_help=True)


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The checkpoint signing key: ``BANSHI_AUDIT_KEY_FILE``, or in demo mode a key made
    once under var/ (or at that path). Outside demo mode a missing setting or file is an
    error naming the setting."""
    if settings.audit_key_file:
        return load_key(settings.audit_key_file, create=settings.demo_mode)
    if settings.demo_mode:
        return load_key(settings.demo_audit_key_file, create=True)
    raise AuditKeyError(
        f"{KEY_SETTING}: 未设置审计签名密钥文件（Ed25519 私钥，PEM 格式，不要放在数据库里）"
    )


@app.command("verify")
def verify(
    checkpoint: list[Path] = typer.Option(
        [],
        "--checkpoint",
        help="A checkpoint file kept elsewhere (from `audit checkpoint --out`); repeatable.",
    ),
) -> None:
    """Verify every chain, the tenant log and the signed checkpoints; exit 1 on any problem."""
    settings = load_settings()
    house = build_house(settings)
    key = None
    if settings.audit_key_file or (settings.demo_mode and settings.demo_audit_key_file.exists()):
        key = signing_key(settings).public_key()  # AuditKeyError: banshi.cli's one line
    files, unreadable = exported(settings.audit_export_dir, settings.tenant)
    for path in checkpoint:
        more, bad = read_file(path)
        files += more
        unreadable += bad
    problems = len(unreadable)
    for line in unreadable:
        typer.echo(f"audit log: checkpoint mismatch: {line}")
    broken = total = 0
    with house.sessions() as s, Progress(transient=True) as progress:
        task = progress.add_task("verifying", total=None)
        for _number, found in verify_cases(s, settings.tenant):
            total += 1
            progress.advance(task)
            if found:
                broken += 1
                problems += len(found)
                for b in found:
                    typer.echo(b.format())
        report = verify_log(s.connection(), settings.tenant, key, files, settings.audit_seal_batch)
    for b in report.problems:
        typer.echo(b.format())
    problems += len(report.problems)
    typer.echo(f"verified {total} cases: {broken} broken chain(s)")
    typer.echo(report.summary())
    typer.echo(f"{problems} problem(s)")
    raise typer.Exit(1 if problems else 0)


@app.command("checkpoint")
def checkpoint_cmd(
    out: Path | None = typer.Option(
        None, "--out", help="Also write the signed checkpoint to this file (JSON)."
    ),
) -> None:
    """Seal every waiting event, sign the log's head (size, root, time), store and export it."""
    settings = load_settings()
    key = signing_key(settings)  # an AuditKeyError is banshi.cli's one line
    house = build_house(settings)
    try:
        cp = make_checkpoint(
            house.engine,
            settings.tenant,
            key,
            batch=settings.audit_seal_batch,
            export_dir=settings.audit_export_dir,
        )
    except AuditLogGap as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if cp is None:  # only when asked to sign a log that has not grown; not here
        raise typer.Exit(1)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(cp.to_json() + "\n", encoding="utf-8")
    typer.echo(
        f"checkpoint: {cp.tree_size} event(s), root {cp.root}, signed {cp.signed_at} "
        f"(key {cp.key_id[:16]}); exported to {Path(settings.audit_export_dir) / f'checkpoints-{settings.tenant}.jsonl'}"
        + (f" and {out}" if out is not None else "")
    )


@app.command("seal")
def seal_cmd() -> None:
    """Seal every waiting event into the tenant log (no signature)."""
    settings = load_settings()
    house = build_house(settings)
    n = seal_all(house.engine, settings.tenant, settings.audit_seal_batch)
    typer.echo(f"sealed {n} event(s)")
