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
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

try:
    import playwright.sync_api  # noqa: F401

    _MISSING = None if CHROMIUM.exists() else f"{CHROMIUM} is missing (apt-get install chromium)"
except ImportError:  # pragma: no cover - depends on the machine
    _MISSING = "playwright is not installed (pip install -e '.[dev]')"

#: Every browser test module's marks (``pytestmark = BROWSER``): skipped, saying why, where
#: Playwright or Chromium is missing.
BROWSER = [pytest.mark.browser, pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]


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
        page.wait_for_url(lambda url: "/login" not in url)  # each user's own home
    return page


def wait_rerender(page: Page, action: Any) -> None:
    """Do something that makes htmx re-render the form, and wait for the swap."""
    with page.expect_response(lambda r: "/desk/apply/" in r.url and r.request.method == "POST"):
        action()
    page.wait_for_load_state("networkidle")


def fill_food(
    page: Page,
    *,
    js: bool = True,
    applicant: str = "向明",
    operator: str = "建始县业州镇放心小卖部",
) -> None:
    """Fill a complete 食品经营许可 application (pre-packed only)."""
    texts = {
        "#f-_applicant_name": applicant,
        "#f-_applicant_mobile": "13907180001",
        "#f-operator_name": operator,
        "#f-uscc": "91422822MA4F0A0B1X",
        "#f-legal_person": "向明",
        "#f-legal_person_id": "422822199001011231",
        "#f-mobile": "13907180001",
        "#f-premises_region": "422822",
        "#f-premises": "业州镇广润路8号",
        "#f-business_area_m2": "36",
        "#f-staff-0-name": "向明",
        "#f-staff-0-health_cert_no": "JK2026-0001",
        "#f-staff-0-health_cert_expiry": "2027-06-30",
    }
    for selector, value in texts.items():
        page.fill(selector, value)
    page.check("#f-staff-0-post")
    for selector in ("#f-main_format", "#f-items", "#f-cold_chain-no"):
        if js:
            wait_rerender(page, lambda s=selector: page.check(s))
        else:
            page.check(selector)
