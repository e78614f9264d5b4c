"""Browser tests: what people click, in headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright), against the app served by uvicorn on 127.0.0.1 with a temporary
SQLite database loaded like the demo. Screenshots of the key pages go to
artifacts/screenshots/.

Skipped, with the reason, where Chromium or Playwright is missing (``.ci/run`` installs
Chromium on the CI machine)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from typing import Any

import pytest

from tests.e2e.conftest import AXE, BROWSER, SHOTS, fill_food, wait_rerender
from tests.e2e.conftest import open_page as _page

FOOD = "422822-SCJG-XK-0001"
YEZHOU = "window_clerk@township.yezhou"

pytestmark = BROWSER

with contextlib.suppress(ImportError):  # without Playwright the marks skip the module
    from playwright.sync_api import Browser, Page, expect


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _axe(page: Page) -> list[dict[str, Any]]:
    """Accessibility violations of serious or critical impact on the page."""
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core is missing (npm install)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"] is not None
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _open_food_form(page: Page) -> None:
    page.goto("/desk")
    page.fill("#q", "spjy")
    page.click("button:has-text('查找')")
    page.click("a:has-text('食品经营许可（新办）')")
    page.wait_for_selector("#application-form")


def _act(page: Page, label: str, reason: str | None = None) -> None:
    form = page.locator("#actions form", has=page.locator(f"button:has-text('{label}')"))
    if reason is not None:
        form.locator("textarea").fill(reason)
    with page.expect_response(lambda r: "/act/" in r.url):
        form.locator("button").click()
    expect(page.locator("#flash")).to_be_visible()


def test_a_township_clerk_takes_an_application_end_to_end(browser: Browser, server: str) -> None:
    login = _page(browser, server)
    login.goto("/login")
    _shot(login, "01-login")
    login.context.close()

    clerk = _page(browser, server, YEZHOU)
    clerk.goto("/desk?q=spjy")
    _shot(clerk, "02-desk-search")
    _open_food_form(clerk)
    fill_food(clerk)
    clerk.click("button[value=check]")
    expect(clerk.locator("h1")).to_have_text("核对申请信息")
    clerk.check("#received-layout_plan")
    clerk.check("#received-safety_rules")
    _shot(clerk, "04-check-page")
    clerk.click("button[value=accept]")
    clerk.wait_for_url(re.compile(r"/desk/cases/\d+\?done=accept$"))
    number = clerk.url.split("?")[0].rsplit("/", 1)[1]
    expect(clerk.locator("#case-state")).to_have_text("办理中")
    expect(clerk.locator("#flash")).to_contain_text("已受理")

    reviewer = _page(browser, server, "reviewer@county.scjg")
    reviewer.goto("/desk")
    reviewer.click(f"a:has-text('{number}')")
    _shot(reviewer, "05-case-page-reviewer")
    _act(reviewer, "审查通过", "材料齐全，符合法定条件")
    expect(reviewer.locator("#flash")).to_contain_text("审查完成")

    chief = _page(browser, server, "chief_representative@county.scjg")
    chief.goto(f"/desk/cases/{number}")
    _act(chief, "准予许可", "准予")
    expect(chief.locator("#case-state")).to_contain_text("准予")

    clerk.goto(f"/desk/cases/{number}")
    _act(clerk, "办结")
    expect(clerk.locator("#case-state")).to_contain_text("办结")
    _shot(clerk, "06-case-completed")
    clerk.click("a:has-text('打印办理结果通知书')")
    expect(clerk.locator("h1")).to_have_text("办理结果通知书")
    expect(clerk.locator(".qr svg")).to_be_visible()
    clerk.goto(f"/desk/cases/{number}/notice/acceptance")
    expect(clerk.locator("article")).to_contain_text(number)
    _shot(clerk, "07-notice-acceptance")
    for p in (clerk, reviewer, chief):
        p.context.close()


def test_a_missing_required_field_shows_the_summary_and_the_inline_error(
    browser: Browser, server: str
) -> None:
    page = _page(browser, server, YEZHOU)
    _open_food_form(page)
    fill_food(page, operator="")
    page.click("button[value=check]")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(1)
    expect(page.locator("#f-operator_name-error")).to_contain_text("请填写“经营者名称”")
    _shot(page, "03-form-with-errors")
    summary.locator("a").click()
    expect(page.locator("#f-operator_name")).to_be_focused()
    page.fill("#f-operator_name", "补上了")
    page.click("button[value=check]")
    expect(page.locator("h1")).to_have_text("核对申请信息")
    page.context.close()


def test_a_conditional_field_appears_and_its_material_joins(browser: Browser, server: str) -> None:
    page = _page(browser, server, YEZHOU)
    _open_food_form(page)
    page.fill("#f-operator_name", "冷链小店")
    page.evaluate("window.__still_here = true")
    expect(page.locator("#f-cold_storage_m3")).to_have_count(0)
    expect(page.locator("#material-cold_chain_plan")).to_have_count(0)
    wait_rerender(page, lambda: page.check("#f-cold_chain"))
    expect(page.locator("#f-cold_storage_m3")).to_be_visible()
    expect(page.locator("#material-cold_chain_plan")).to_be_visible()
    assert page.evaluate("window.__still_here") is True  # htmx: no page load
    expect(page.locator("#f-operator_name")).to_have_value("冷链小店")  # typed text kept
    wait_rerender(page, lambda: page.check("#f-cold_chain-no"))
    expect(page.locator("#f-cold_storage_m3")).to_have_count(0)
    page.context.close()


def test_the_same_submission_works_without_javascript(browser: Browser, server: str) -> None:
    page = _page(browser, server, YEZHOU, java_script_enabled=False)
    _open_food_form(page)
    fill_food(page, js=False)
    page.check("#f-cold_chain")
    page.click("button[value=refresh]")  # the no-JS way to show dependent fields
    expect(page.locator("#f-cold_storage_m3")).to_be_visible()
    expect(page.locator("#material-cold_chain_plan")).to_be_visible()
    page.fill("#f-cold_storage_m3", "12")
    page.click("button[value='add:staff']")
    expect(page.locator("#f-staff-1-name")).to_be_visible()
    page.click("button[value='remove:staff:1']")
    expect(page.locator("#f-staff-1-name")).to_have_count(0)
    page.click("button[value=check]")
    expect(page.locator("h1")).to_have_text("核对申请信息")
    for key in ("layout_plan", "safety_rules", "cold_chain_plan"):
        page.check(f"#received-{key}")
    page.click("button[value=accept]")
    page.wait_for_url(re.compile(r"/desk/cases/\d+\?done=accept$"))
    expect(page.locator("#case-state")).to_have_text("办理中")
    page.context.close()


def test_phone_width_form_is_readable(browser: Browser, server: str) -> None:
    page = _page(
        browser,
        server,
        YEZHOU,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page.goto(f"/desk/apply/{FOOD}?domain=township.yezhou")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    box = page.locator("#f-operator_name").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    _shot(page, "08-form-phone")
    page.context.close()


def test_no_serious_accessibility_violations(browser: Browser, server: str) -> None:
    # bypass_csp: our Content-Security-Policy (rightly) blocks the injected axe script
    page = _page(browser, server, YEZHOU, bypass_csp=True)
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto("/login")
    found["login"] = _axe(page)
    page.goto("/desk?q=spjy")
    found["desk"] = _axe(page)
    _open_food_form(page)
    found["form"] = _axe(page)
    page.click("button[value=check]")  # empty: every error shown
    found["form-errors"] = _axe(page)
    fill_food(page)
    page.click("button[value=check]")
    found["check"] = _axe(page)
    page.check("#received-layout_plan")
    page.check("#received-safety_rules")
    page.click("button[value=accept]")
    page.wait_for_url(re.compile(r"/desk/cases/\d+\?done=accept$"))
    found["case"] = _axe(page)
    page.goto(page.url.split("?")[0] + "/notice/acceptance")
    found["notice"] = _axe(page)
    reviewer = _page(browser, server, "reviewer@county.scjg", bypass_csp=True)
    reviewer.goto("/desk")
    found["queue"] = _axe(reviewer)
    reviewer.goto("/query")
    found["query"] = _axe(reviewer)
    bad = {k: v for k, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
    page.context.close()
    reviewer.context.close()


def teardown_module() -> None:
    # keep the folder tidy when the run skipped everything
    if SHOTS.exists() and not any(SHOTS.iterdir()):
        shutil.rmtree(SHOTS, ignore_errors=True)
