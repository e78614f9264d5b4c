"""``banshi serve``: the web app under uvicorn (default) or granian, one or more workers.

Several workers (``--workers N``) and several hosts on one database behave as one app:
sessions, rate limits, idempotency keys and login throttles live in the shared store
(web/stores.py: the database, or Redis with ``BANSHI_REDIS_URL``), organisation changes
are pushed to every process (rbac/policy_push.py) beside each one's poll, case numbers are
reserved per process in blocks (runtime/numbers.py) and the outbox worker claims each
message by a compare-and-set lease (runtime/outbox.py), so nothing is sent twice.

The server: uvicorn, or granian (``--server granian``, a Rust HTTP server speaking ASGI,
when the ``granian`` package is installed: ``pip install banshi[granian]``). Measured side
by side on this project's window submission (bench/web.py's POST, PostgreSQL, wrk at 32
connections, one worker each, interleaved): granian answered about a fifth more requests
per second with a lower p99. uvicorn stays the default until granian has run a county's
week; both run the same app factory with its start-up and shut-down hooks.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum

import typer
import uvicorn

from house.settings import load_settings

app = typer.Typer()


class Server(StrEnum):
    uvicorn = "uvicorn"
    granian = "granian"


def _granian(host: str, port: int, workers: int) -> None:
    try:
        import granian  # noqa: F401
    except ImportError:
        typer.echo("granian is not installed: pip install 'banshi[granian]'", err=True)
        raise typer.Exit(2) from None
    executable = os.path.join(os.path.dirname(sys.executable), "granian")
    args = [
        executable,
        "--interface",
        "asgi",
        "--factory",
        "web.app:create_app",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        # Each request is logged once, by web.logs (structured, with its id and user).
        "--no-access-log",
    ]
    os.execv(executable, args)


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(
        1, min=1, help="Worker processes (the app is stateless; they share the database)."
    ),
    server: Server = typer.Option(Server.uvicorn, help="The ASGI server."),
) -> None:
    """Serve the web app."""
    # fail fast: a SettingsError names the bad key in banshi.cli's one line (no traceback)
    load_settings().web_secret()
    typer.echo(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
    if server is Server.granian:
        _granian(host, port, workers)
        return
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # X-Forwarded-For is read by web.clientip, from BANSHI_TRUSTED_PROXIES only.
        proxy_headers=False,
        # Each request is logged once, by web.logs (structured, with its id and user).
        access_log=False,
    )
