"""``banshi serve``: the web app under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from house.settings import load_settings

app = typer.Typer()


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(
        1, help="Worker processes (the app is stateless; they share the database)."
    ),
) -> None:
    """Serve the web app."""
    # fail fast: a SettingsError names the bad key in banshi.cli's one line (no traceback)
    load_settings().web_secret()
    typer.echo(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
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
