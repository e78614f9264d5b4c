"""The citizen's whole journey in headless Chromium: read a guide on a phone, apply
online, save and resume, confirm by SMS code, the window accepts, the SMS arrives (read
from the gateway's record), query on a phone and in kiosk mode, rate badly, the
rectification task appears for the department; an anonymous complaint is filed and
followed by code. axe finds no serious violation on any public page. Screenshots of the
key pages go to artifacts/screenshots/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.conftest import AXE, BROWSER, SHOTS, _free_port, open_page

pytestmark = BROWSER

FOOD = "422822-SCJG-XK-0001"
MOBILE = "13907180066"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app under uvicorn with a demo database, and the house for reading what the
    gateway recorded and for the department's own acts."""
    import uvicorn

    from db.engine import make_engine
    from db.migrate import upgrade
    from house.settings import Settings
    from house.wiring import build_house
    from tests.web.demo_site import SECRET, load_demo
    from web.app import create_app

    path = tmp_path_factory.mktemp("public-browser") / "banshi.sqlite3"
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
    yield {"url": url, "house": house}
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture(scope="module")
def server(site: dict[str, Any]) -> str:
    return str(site["url"])


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_serious(page: Any) -> list[str]:
    """Serious and critical axe violations on the page (rule id: first target)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def code_sent_to(house: Any, mobile: str) -> str:
    from runtime.public_tables import PublicMessage

    with house.sessions() as s:
        body = (
            s.execute(
                select(PublicMessage.body)
                .where(PublicMessage.recipient == mobile, PublicMessage.template == "sms_code")
                .order_by(PublicMessage.id.desc())
            )
            .scalars()
            .first()
        )
    assert body
    return re.search(r"验证码 (\d{6})", body)[1]  # type: ignore[index]


def deliver(house: Any) -> list[str]:
    """Run the outbox worker with the recording gateway; what it recorded, oldest first."""
    from runtime.case_tables import SentMessage
    from runtime.outbox import OutboxWorker

    OutboxWorker(house.sessions).run_once()
    with house.sessions() as s:
        return list(
            s.execute(
                select(SentMessage.body)
                .where(SentMessage.recipient == MOBILE)
                .order_by(SentMessage.id)
            ).scalars()
        )


def fill_online(page: Any) -> None:
    texts = {
        "#f-_applicant_name": "向明",
        "#f-_applicant_mobile": MOBILE,
        "#f-operator_name": "建始县业州镇放心小卖部",
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
    page.select_option("#f-_hall", "township.yezhou")
    for selector, value in texts.items():
        page.fill(selector, value)
    page.check("#f-staff-0-post")
    for selector in ("#f-main_format", "#f-items", "#f-cold_chain-no"):
        with page.expect_response(lambda r: "/apply" in r.url and r.request.method == "POST"):
            page.check(selector)
        page.wait_for_load_state("networkidle")


def test_the_citizens_journey(browser: Any, site: dict[str, Any]) -> None:
    from runtime.service import Actor

    url, house = site["url"], site["house"]
    problems: dict[str, list[str]] = {}

    # 1. a guide on a phone; the portal and the catalogue
    phone = open_page(browser, url, bypass_csp=True, **PHONE)
    phone.goto("/")
    assert phone.locator("h1").inner_text() == "建始县政务服务"
    problems["/"] = axe_serious(phone)
    phone.fill("#q", "spjy")
    phone.click("button:has-text('搜索')")
    problems["/services"] = axe_serious(phone)
    phone.click("a.service-name:has-text('食品经营许可（新办）')")
    assert phone.locator("#guide-title").inner_text() == "食品经营许可（新办）"
    assert phone.locator(".guide-materials").is_visible() and phone.locator(".qr svg").count() == 1
    shot(phone, "public-guide-phone")
    problems["/services/{code}"] = axe_serious(phone)

    # 2. apply online, save a draft, resume it elsewhere with a code
    page = open_page(browser, url, bypass_csp=True)
    page.goto(f"/services/{FOOD}")
    shot(page, "public-guide")
    page.click("a:has-text('网上申请')")
    fill_online(page)
    shot(page, "public-online-form")
    problems["/services/{code}/apply"] = axe_serious(page)
    page.click("button:has-text('保存草稿')")
    page.wait_for_load_state("networkidle")
    link = page.locator("#draft-link").get_attribute("href")
    assert link and "/services/drafts/" in link
    other = open_page(browser, url, bypass_csp=True, **PHONE)
    other.goto(link)
    other.click("button:has-text('获取验证码')")
    other.fill("#code", code_sent_to(house, MOBILE))
    other.click("button:has-text('确认')")
    assert other.locator("#f-operator_name").input_value() == "建始县业州镇放心小卖部"
    problems["/services/drafts/{token}"] = []  # checked below on the confirm page

    # 3. submit: the mobile is confirmed by a code, the case is filed
    other.click("button:has-text('提交申请')")
    other.wait_for_url("**/confirm")
    problems["/services/drafts/{token}/confirm"] = axe_serious(other)
    other.fill("#code", code_sent_to(house, MOBILE))
    other.click("button:has-text('确认')")
    other.wait_for_url("**/me?filed=*")
    number = other.locator("#filed strong").inner_text()
    assert number in other.locator("#my-cases").inner_text()
    problems["/me"] = axe_serious(other)

    # 4. the window accepts; the SMS arrives (the gateway's record)
    clerk = open_page(browser, url, "window_clerk@township.yezhou")
    clerk.goto(f"/desk/cases/{number}")
    accept = clerk.locator("form[action$='/act/accept']")
    for box in accept.locator("input[name=received]").all():
        box.check()
    accept.locator("button[type=submit]").click()
    clerk.wait_for_load_state("networkidle")
    sms = deliver(house)
    accepted = next(m for m in sms if "已受理" in m)
    assert number in accepted
    code = re.search(r"查询码(\w{6})", accepted)[1]  # type: ignore[index]

    # 5. query on a phone and at the kiosk (on-screen keypad)
    phone.goto(f"/query?number={number}&code={code}")
    assert "办理中" in phone.locator("#query-result").inner_text()
    assert phone.locator("#query-todo").is_visible()
    shot(phone, "public-query-phone")
    problems["/query"] = axe_serious(phone)
    kiosk = open_page(browser, url, bypass_csp=True, viewport={"width": 1080, "height": 1920})
    kiosk.goto("/query?kiosk=true")
    kiosk.click("#number")
    for ch in number:
        kiosk.click(f"#keypad button[data-key='{ch}']")
    kiosk.click("#code")
    for ch in code:
        pad = "#keypad" if ch.isdigit() else "#keypad-letters"
        kiosk.click(f"{pad} button[data-key='{ch}']")
    kiosk.click("button:has-text('查询')")
    assert "办理中" in kiosk.locator("#query-result").inner_text()
    shot(kiosk, "public-query-kiosk")
    problems["/query?kiosk=true"] = axe_serious(kiosk)

    # 6. the department decides, the window completes; the citizen rates badly
    cases = house.cases
    cases.review(Actor("reviewer@county.scjg"), number, opinion="符合")
    cases.decide(Actor("chief_representative@county.scjg"), number, approve=True)
    cases.complete(Actor("window_clerk@township.yezhou"), number)
    completed = next(m for m in deliver(house) if "已办结" in m)
    link = re.search(r"(http://\S+)", completed)[1]  # type: ignore[index]
    phone.goto(link)
    phone.click("#query-todo a:has-text('评价本次服务')")
    shot(phone, "public-evaluation")
    problems["/cases/{number}/evaluate"] = axe_serious(phone)
    phone.check("#f-level-1")
    phone.fill("#f-comment", "等候时间太长，窗口态度不好")
    phone.click("button:has-text('提交评价')")
    assert "感谢您的评价" in phone.locator("#evaluated").inner_text()
    chief = open_page(browser, url, "chief_representative@county.scjg")
    chief.goto("/rectifications")
    assert number in chief.locator("#rectifications").inner_text()
    shot(chief, "public-rectification-task")

    # 7. publicity and the evaluation figures
    page.goto("/publicity")
    assert number in page.locator("#publicity").inner_text()
    shot(page, "public-publicity")
    problems["/publicity"] = axe_serious(page)
    page.goto("/evaluations")
    problems["/evaluations"] = axe_serious(page)

    # 8. an anonymous complaint, followed by code
    page.goto("/complaints/new")
    problems["/complaints/new"] = axe_serious(page)
    page.check("#f-anonymous")
    page.fill("#f-subject", "窗口排队太久")
    page.fill("#f-body", "上午等了两个小时才办上。")
    page.click("button:has-text('提交投诉')")
    tracking = page.locator("#complaint-code").inner_text()
    fresh = open_page(browser, url, bypass_csp=True)
    fresh.goto("/complaints/new")
    fresh.fill("#track-code", tracking)
    fresh.click("button:has-text('查询')")
    assert "已登记，待受理" in fresh.locator("#complaint").inner_text()
    shot(fresh, "public-complaint")
    problems["/complaints/{code}"] = axe_serious(fresh)

    serious = {k: v for k, v in problems.items() if v}
    assert not serious, serious


def test_the_public_pages_work_without_javascript(browser: Any, site: dict[str, Any]) -> None:
    page = open_page(browser, site["url"], java_script_enabled=False)
    page.goto("/services?q=spjy")
    assert "食品经营许可（新办）" in page.locator("#results").inner_text()
    page.goto(f"/services/{FOOD}/apply")
    page.select_option("#f-_hall", "township.yezhou")
    page.click("button:has-text('提交申请')")
    assert page.locator(".error-summary").is_visible()


def test_screenshot_paths_exist() -> None:
    assert Path(SHOTS).is_dir()
