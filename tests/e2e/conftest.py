"""The browser tests' server and browser: the app under uvicorn on 127.0.0.1 with a temporary
SQLite database loaded like the demo (plus any ``extra_definitions`` a module publishes),
and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from definitions.models import ItemDefinition

CHROMIUM = Path(os.environ.get("BANSHI_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "banshi-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def extra_definitions() -> list[ItemDefinition]:
    """Items a test module publishes before the server starts (override in the module)."""
    return []


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, extra_definitions: list[ItemDefinition]
) -> Iterator[str]:
    """The app under uvicorn in a background thread; its base URL."""
    import uvicorn

    from db.engine import make_engine, transaction
    from db.migrate import upgrade
    from house.settings import Settings
    from house.wiring import build_house
    from tests.web.demo_site import SECRET, TENANT, load_demo
    from web.app import create_app

    path = tmp_path_factory.mktemp("browser") / "banshi.sqlite3"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_demo(engine)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        demo_mode=True,
        secret_key=SECRET,
        public_url=url,
        upload_dir=str(tmp_path_factory.mktemp("uploads")),
    )
    house = build_house(settings, engine)
    for definition in extra_definitions:
        with transaction(house.sessions) as s:
            house.catalog.publish(s, TENANT, definition, "admin@county")
    app = create_app(settings, house)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield url
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser: Browser, server: str, user: str | None = None, **context: Any) -> Page:
    """A page in a fresh browser context, signed in as ``user`` through the login form."""
    ctx = browser.new_context(base_url=server, locale="zh-CN", **context)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    if user:
        page.goto("/login")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]:has-text('登录')")
        page.wait_for_url("**/desk")
    return page
