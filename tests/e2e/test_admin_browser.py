"""Administration in the browser (headless Chromium): a department's admin builds a brand-new
item without typing JSON — a conditional required field, a nested repeating group, a
material required only under a condition, a site inspection that stops the clock,
acceptance at townships — sees the compression finding appear live and fixes it, submits;
the county's admin reads the change and publishes; a township clerk then takes a case of
it to completion. Screenshots of the editor, the findings and the diff go to
artifacts/screenshots/."""

from __future__ import annotations

import contextlib
import re

from tests.e2e.conftest import BROWSER, SHOTS, open_page

CODE = "422822-SCJG-XK-0077"
NAME = "冷链食品小作坊登记"
F = "/form/sections/0/fields"

pytestmark = BROWSER

with contextlib.suppress(ImportError):  # without Playwright the marks skip the module
    from playwright.sync_api import Browser, Page, expect


def _id(pointer: str, suffix: str = "-i") -> str:
    """The editor's element id of a JSON pointer (admin/editor.py ``anchor``)."""
    return "#e" + "".join(c if c.isalnum() else "-" for c in pointer) + suffix


def _shot(page: Page, name: str, at: str | None = None) -> None:
    """A full-page screenshot, or the window scrolled to ``at`` (a selector)."""
    if at is None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        return
    page.locator(at).first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -200)")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _button(page: Page, op: str) -> None:
    """A row button (add, up, remove …): a plain form post, the page comes back."""
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.click(f"button[name=op][value='{op}']")


def _save(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.click("button:has-text('保存并检查')")


def _condition(page: Page, pointer: str, field: str, op: str, value: str) -> None:
    page.select_option(_id(pointer), field)
    page.select_option(_id(pointer, "-o"), op)
    page.fill(_id(pointer, "-x"), value)


def _field(page: Page, i: int, key: str, label: str, kind: str, parent: str = F) -> None:
    page.fill(_id(f"{parent}/{i}/key"), key)
    page.fill(_id(f"{parent}/{i}/label"), label)
    page.select_option(_id(f"{parent}/{i}/type"), kind)


def _act(page: Page, label: str, reason: str | None = None) -> None:
    form = page.locator("#actions form", has=page.locator(f"button:has-text('{label}')"))
    if reason is not None:
        form.locator("textarea").first.fill(reason)
    with page.expect_response(lambda r: "/act/" in r.url):
        form.locator("button").first.click()
    page.wait_for_load_state("networkidle")


def test_a_department_builds_an_item_the_county_publishes_a_clerk_completes_a_case(
    browser: Browser, server: str
) -> None:
    admin = open_page(browser, server, "admin@county.scjg", viewport={"width": 1280, "height": 900})
    admin.click("a:has-text('管理')")
    expect(admin.locator("h1")).to_have_text("事项管理")
    admin.click("a:has-text('新建事项')")
    admin.fill("#code", CODE)
    admin.fill("#name", NAME)
    admin.select_option("#category", "administrative_license")
    with admin.expect_navigation():
        admin.click("button:has-text('创建草稿')")
    expect(admin.locator("h1")).to_have_text(NAME)

    # a yes/no field, and a number required only when it is yes
    _button(admin, f"add:{F}")
    _field(admin, 2, "cold_chain", "是否经营冷藏冷冻食品", "boolean")
    _button(admin, f"add:{F}")
    _field(admin, 3, "cold_m3", "冷库容积（立方米）", "number")
    _condition(admin, f"{F}/3/required_when", "cold_chain", "eq", "true")
    _shot(admin, "admin-01-editor", _id(f"{F}/3/type"))
    _save(admin)
    # a repeating group of staff, each with a repeating group of certificates
    _button(admin, f"add:{F}")
    _field(admin, 4, "staff", "从业人员", "group")
    _save(admin)
    _button(admin, f"add:{F}/4/repeat")
    _button(admin, f"add:{F}/4/fields")
    _field(admin, 0, "name", "姓名", "text", parent=f"{F}/4/fields")
    admin.check(_id(f"{F}/4/fields/0/required"))
    _button(admin, f"add:{F}/4/fields")
    _field(admin, 1, "certs", "健康证明", "group", parent=f"{F}/4/fields")
    _save(admin)
    _button(admin, f"add:{F}/4/fields/1/repeat")
    _button(admin, f"add:{F}/4/fields/1/fields")
    _field(admin, 0, "cert_no", "健康证明编号", "text", parent=f"{F}/4/fields/1/fields")
    _save(admin)
    # a material required only with the cold chain
    _button(admin, "add:/materials")
    admin.fill(_id("/materials/0/key"), "cold_plan")
    admin.fill(_id("/materials/0/name"), "冷链管理制度")
    _condition(admin, "/materials/0/required_when", "cold_chain", "eq", "true")
    _save(admin)
    # a site inspection after the review that stops the clock; accepted at townships too
    _button(admin, "add:/steps")
    _button(admin, "up:/steps/4")
    _button(admin, "up:/steps/3")
    admin.fill(_id("/steps/2/key"), "inspect")
    admin.select_option(_id("/steps/2/kind"), "special")
    admin.select_option(_id("/steps/2/procedure"), "site_inspection")
    admin.fill(_id("/steps/2/at"), "owner")
    admin.select_option(_id("/steps/2/role"), "reviewer")
    admin.fill(_id("/steps/2/days"), "5")
    admin.select_option(_id("/steps/2/counts_toward_limit"), "false")
    admin.fill(_id("/levels/accept"), "county.hall\ntownship.*")
    admin.check(f"{_id('/notify', '-i')} input[value=special_started]")
    _shot(admin, "admin-01b-editor-steps", _id("/steps/2/kind"))
    _save(admin)

    # the promised days exceed the allowed share: the finding appears as soon as the field
    # is left (htmx), then is fixed
    promised = _id("/limits/promised_days")
    with admin.expect_response(lambda r: "/edit" in r.url and r.request.method == "POST"):
        admin.fill(promised, "15")
        admin.press(promised, "Tab")
    expect(admin.locator("#findings")).to_contain_text("compression")
    beside = admin.locator(_id("/limits/promised_days", "-live"))
    expect(beside).to_contain_text("48%")  # beside the field itself, not only in the panel
    _shot(admin, "admin-02-findings", promised)
    with admin.expect_response(lambda r: "/edit" in r.url and r.request.method == "POST"):
        admin.fill(promised, "9")
        admin.press(promised, "Tab")
    expect(admin.locator("#findings")).to_contain_text("0 个错误")
    expect(admin.locator("#findings")).not_to_contain_text("compression")
    expect(beside).to_be_empty()
    admin.goto(f"/admin/items/{CODE}/preview")
    expect(admin.locator("body")).to_contain_text("冷库容积（立方米）")
    _shot(admin, "admin-03-preview")
    admin.click("a:has-text('按手机尺寸预览')")
    expect(admin.locator("#preview.phone")).to_contain_text("冷库容积（立方米）")
    _shot(admin, "admin-03b-preview-phone", "#preview")
    admin.goto(f"/admin/items/{CODE}")
    admin.fill("#note", "新增冷链食品小作坊登记")
    with admin.expect_navigation():
        admin.click("button:has-text('提交县级管理员审核')")
    expect(admin.locator(".notice-ok")).to_contain_text("已提交审核")

    county = open_page(browser, server, "admin@county", viewport={"width": 1280, "height": 900})
    county.goto(f"/admin/items/{CODE}/review")
    expect(county.locator("#diff")).to_contain_text(NAME)
    expect(county.locator("body")).to_contain_text("事项目录报告")
    _shot(county, "admin-04-review")
    county.fill("#reason", "县改革办审核同意")
    with county.expect_navigation():
        county.click("button:has-text('发布')")
    expect(county.locator(".notice-ok")).to_contain_text("已发布新版本")
    _shot(county, "admin-05-published")

    # a township clerk takes a case of it to completion
    clerk = open_page(browser, server, "window_clerk@township.yezhou")
    clerk.goto("/desk?q=" + NAME)
    clerk.click(f"a:has-text('{NAME}')")
    clerk.wait_for_selector("#application-form")
    clerk.fill("#f-_applicant_name", "向明")
    clerk.fill("#f-_applicant_mobile", "13907180001")
    clerk.fill("#f-applicant_name", "向明")
    clerk.fill("#f-mobile", "13907180001")
    clerk.check("#f-cold_chain-no")
    clerk.wait_for_load_state("networkidle")
    clerk.fill("#f-staff-0-name", "向明")
    clerk.fill("#f-staff-0-certs-0-cert_no", "JK2026-0001")
    clerk.click("button[value=check]")
    expect(clerk.locator("h1")).to_have_text("核对申请信息")
    clerk.click("button[value=accept]")
    clerk.wait_for_url(re.compile(r"/desk/cases/\d+\?done=accept$"))
    number = clerk.url.split("?")[0].rsplit("/", 1)[1]

    reviewer = open_page(browser, server, "reviewer@county.scjg")
    reviewer.goto(f"/desk/cases/{number}")
    _act(reviewer, "审查通过", "材料齐全")
    _act(reviewer, "启动现场勘查")
    expect(reviewer.locator("body")).to_contain_text("暂停")
    _act(reviewer, "结束现场勘查", "现场符合要求")
    chief = open_page(browser, server, "chief_representative@county.scjg")
    chief.goto(f"/desk/cases/{number}")
    _act(chief, "准予")
    clerk.goto(f"/desk/cases/{number}")
    _act(clerk, "办结")
    expect(clerk.locator("#case-state")).to_contain_text("办结")
    _shot(clerk, "admin-06-case-completed")

    # the next version: 9 → 7 days, accepted at townships only, the material dropped;
    # the county reads the change in words
    admin.goto(f"/admin/items/{CODE}")
    with admin.expect_navigation():
        admin.click("button:has-text('新建草稿')")
    admin.fill(promised, "7")
    admin.fill(_id("/levels/accept"), "township.*")
    _button(admin, "remove:/materials/0")
    admin.fill("#note", "压缩承诺时限，下放乡镇受理")
    with admin.expect_navigation():
        admin.click("button:has-text('提交县级管理员审核')")
    county.goto(f"/admin/items/{CODE}/review")
    diff = county.locator("#diff")
    expect(diff).to_contain_text("承诺时限：9 → 7 个工作日")
    expect(diff).to_contain_text("删除材料“冷链管理制度”")
    expect(diff).to_contain_text("受理地点取消：county.hall")
    _shot(county, "admin-07-diff")
    county.fill("#reason", "四减一放：压缩时限、下放乡镇")
    with county.expect_navigation():
        county.click("button:has-text('发布')")
    expect(county.locator("body")).to_contain_text("第 2 版")
    for p in (admin, county, clerk, reviewer, chief):
        p.context.close()
