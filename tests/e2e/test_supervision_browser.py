"""Electronic supervision in headless Chromium: the demo supervisor sees a red case, opens
its replay (chain verified), issues a card, exports the department figures to Excel, and
the workbook opened with openpyxl holds the same numbers as the page. Screenshots go to
artifacts/screenshots/supervision-*.png; axe finds no serious violation on the pages.

The server is the shared one (tests/e2e/conftest.py) with late cases filed through the
real acts 40 days ago, before it starts."""

from __future__ import annotations

import contextlib
import io
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AXE, BROWSER, SHOTS, _free_port
from tests.e2e.conftest import open_page as _page

SUPERVISOR = "supervisor@county"
FOOD = "422822-SCJG-XK-0001"

pytestmark = BROWSER

with contextlib.suppress(ImportError):  # without Playwright the marks skip the module
    from playwright.sync_api import Browser, Page, expect


def _late_cases(house: Any) -> list[str]:
    """Two food licences accepted 40 days ago (one completed the next day, on time) and one
    at 业州镇 left in review: a red case."""
    from runtime.service import Actor, Applicant
    from tests.runtime.conftest import advance
    from tests.web.demo_site import food_data

    pub = house.cases.latest_published(FOOD)
    when = datetime.now(UTC) - timedelta(days=40)
    numbers = []
    for hall in ("county.hall", "township.yezhou"):
        case = house.cases.submit(
            Actor(f"window_clerk@{hall}"),
            FOOD,
            food_data(),
            accepting_domain=hall,
            applicant=Applicant("向明", "13907180001"),
            at=when,
        )
        case = advance(house.cases, pub, case, at=when)
        numbers.append(case.number)
    case = house.cases.submit(
        Actor("window_clerk@county.hall"),
        FOOD,
        food_data(operator_name="建始县高坪镇便民超市"),
        accepting_domain="county.hall",
        applicant=Applicant("黄丽", "13907180002"),
        at=when,
    )
    case = advance(house.cases, pub, case, at=when)
    while case.open and case.state != "completed":
        case = advance(house.cases, pub, case, at=when + timedelta(days=1))
    return numbers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site under uvicorn, with the late cases."""
    import uvicorn

    from db.engine import make_engine
    from db.migrate import upgrade
    from house.settings import Settings
    from house.wiring import build_house
    from tests.web.demo_site import SECRET, load_demo
    from web.app import create_app

    path = tmp_path_factory.mktemp("supervision-browser") / "banshi.sqlite3"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_demo(engine)
    settings = Settings(
        database_url=f"sqlite:///{path}", demo_mode=True, secret_key=SECRET, public_url=url
    )
    house = build_house(settings, engine)
    _late_cases(house)
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, house), host="127.0.0.1", port=port, log_level="warning"
        )
    )
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


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _axe(page: Page) -> list[dict[str, Any]]:
    if not AXE.is_file():
        return []  # axe-core not installed: nothing to check with
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _row_numbers(page: Page, table: str, row: str) -> dict[str, str]:
    cells = page.locator(f"#table-{table} tr", has=page.locator(f"th:text-is('{row}')")).locator(
        "td[data-key]"
    )
    out = {}
    for i in range(cells.count()):
        cell = cells.nth(i)
        out[str(cell.get_attribute("data-key"))] = cell.inner_text().strip()
    return out


def test_the_supervisor_sees_a_red_case_replays_it_cards_it_and_exports_figures(
    browser: Browser, server: str
) -> None:
    import openpyxl

    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, server, SUPERVISOR, bypass_csp=True)
    page.click("a:has-text('电子监察')")  # the desk points the supervisor here
    page.wait_for_url("**/supervision/")
    red = page.locator("tbody tr", has=page.locator(".card-red")).first
    expect(red).to_be_visible()
    expect(red).to_contain_text("超过承诺时限")
    assert _axe(page) == []
    _shot(page, "supervision-warnings")

    red.locator("a[href^='/supervision/cases/']").click()
    page.wait_for_url(re.compile(r"/supervision/cases/\d+$"))
    number = page.url.rsplit("/", 1)[1]
    expect(page.locator("#chain-status")).to_contain_text("校验通过")
    expect(page.locator("table", has_text="窗口行为")).to_contain_text("window_clerk@")
    assert _axe(page) == []
    _shot(page, "supervision-replay")

    page.check("#color-red")
    page.fill("#card-reason", "超过承诺时限仍未办结，请说明原因")
    page.click("button:has-text('出示监察牌')")
    page.wait_for_url(re.compile(rf"/supervision/cases/{number}"))
    expect(page.locator("#cards-title + ul")).to_contain_text("红牌")
    expect(page.locator("#cards-title + ul")).to_contain_text("超过承诺时限仍未办结")
    page.goto("/supervision/cards")
    expect(page.locator("tbody")).to_contain_text(number)
    assert _axe(page) == []
    _shot(page, "supervision-cards")

    start = (date.today() - timedelta(days=90)).isoformat()
    page.goto(f"/supervision/figures?start={start}")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    shown = _row_numbers(page, "department", "县市场监督管理局")
    assert shown["accepted"] == "3" and shown["completed"] == "1"
    assert _axe(page) == []
    _shot(page, "supervision-figures")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    data = Path(info.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "县市场监督管理局"
    )
    values = dict(zip(header, row, strict=True))
    headers = {
        "accepted": "受理",
        "completed": "办结",
        "on_time": "按时办结",
        "not_accepted": "不予受理",
        "yellow_cards": "黄牌",
        "red_cards": "红牌",
    }
    for key, title in headers.items():
        assert isinstance(values[title], int), title
        assert str(values[title]) == shown[key], (title, values[title], shown[key])
    assert f"{values['按时办结率']:.1%}" == shown["on_time_rate"]
    assert values["红牌"] == 1
    page.context.close()


def test_the_warnings_page_on_a_phone_and_without_javascript(browser: Browser, server: str) -> None:
    page = _page(
        browser,
        server,
        SUPERVISOR,
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
    )
    page.goto("/supervision/")
    page.select_option("#f-severity", "red")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/supervision/?*severity=red*")
    expect(page.locator(".card-red").first).to_be_visible()
    assert page.locator(".card-yellow").count() == 0
    _shot(page, "supervision-warnings-phone")
    page.context.close()
