"""Text with script and HTML stays inert in headless Chromium: the definition's own text
(item name, summary, section title, labels, hints, option and material names) and what
people type (the applicant's name, answers, a reviewer's opinion, a decision's reason, the
public query's input). On every page that shows them, no dialog opens and no injected
element exists — while each text is visibly there, as text.

The pages are opened with the Content-Security-Policy bypassed: the CSP would block an
injected inline script anyway, so without the bypass a missing escape could go unseen."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import BROWSER, fill_food, open_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from definitions.models import ItemDefinition

pytestmark = BROWSER

CODE = "422822-SCJG-XK-0098"
CLERK = "window_clerk@township.yezhou"


def payload(n: int) -> str:
    """Breaks out of an attribute, then script, an element with a handler, and a marked
    element; ``n`` names the text in a failure (alert(n) would be the dialog's message)."""
    return f'"><script>alert({n})</script><img src=x onerror=alert({n})><b class=pwn>{n}</b>'


#: where each text comes from
DEFINITION = {"name": 11, "summary": 12, "section": 13, "label": 14, "hint": 15}
DEFINITION |= {"option": 16, "material": 17, "material_hint": 18}
TYPED = {"applicant": 21, "operator": 22, "opinion": 23, "decision": 24, "query": 25}


def _poisoned() -> ItemDefinition:
    from definitions.models import ItemDefinition
    from tests.web.demo_site import CATALOG_DIR, FOOD

    raw: dict[str, Any] = json.loads((CATALOG_DIR / f"{FOOD}.json").read_text(encoding="utf-8"))
    raw["code"] = CODE
    raw["name"] = f"恶意事项{payload(DEFINITION['name'])}"
    raw["summary"] = f"说明{payload(DEFINITION['summary'])}"
    raw["form"]["sections"][0]["title"] = f"分节{payload(DEFINITION['section'])}"
    fields = {f["key"]: f for s in raw["form"]["sections"] for f in s["fields"]}
    fields["operator_name"]["label"] = f"经营者名称{payload(DEFINITION['label'])}"
    fields["operator_name"]["hint"] = f"提示{payload(DEFINITION['hint'])}"
    fields["main_format"]["options"][0]["label"] = f"销售{payload(DEFINITION['option'])}"
    for m in raw["materials"]:
        if m["key"] == "layout_plan":
            m["name"] = f"平面图{payload(DEFINITION['material'])}"
            m["hint"] = f"材料提示{payload(DEFINITION['material_hint'])}"
    return ItemDefinition.model_validate(raw)


@pytest.fixture(scope="module")
def extra_definitions() -> list[ItemDefinition]:
    return [_poisoned()]


class Watch:
    """Dialogs opened on a page, and what an injected element would leave in the DOM."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, where: str, shown: set[int]) -> None:
        page = self.page
        page.wait_for_load_state("load")
        injected = page.evaluate(
            """() => [
                ...document.querySelectorAll('b.pwn, img[src="x"], [onerror], [onload]'),
                ...[...document.scripts].filter(s => s.textContent.includes('alert(')),
            ].map(e => e.outerHTML)"""
        )
        assert injected == [], (where, injected)
        assert self.dialogs == [], (where, self.dialogs)
        text = page.inner_text("body")
        for n in shown:
            assert f"<script>alert({n})</script>" in text, (where, n, "not shown as text")


def _act(page: Page, label: str, reason: str) -> None:
    form = page.locator("#actions form", has=page.locator(f"button:has-text('{label}')"))
    form.locator("textarea").fill(reason)
    with page.expect_response(lambda r: "/act/" in r.url):
        form.locator("button").click()
    page.locator("#flash").wait_for(state="visible")


def test_script_and_html_stay_inert_in_chromium(browser: Browser, server: str) -> None:
    definition = set(DEFINITION.values())
    clerk = open_page(browser, server, CLERK, bypass_csp=True)
    watch = Watch(clerk)
    clerk.goto("/desk?q=恶意")
    watch.check("search", {DEFINITION["name"]})
    clerk.goto(f"/desk/apply/{CODE}?domain=township.yezhou")
    watch.check("form", definition - {"summary"} - {DEFINITION["summary"]})
    fill_food(
        clerk,
        applicant=f"申请人{payload(TYPED['applicant'])}",
        operator=f"店{payload(TYPED['operator'])}",
    )
    watch.check("form, typed and re-rendered by htmx", {DEFINITION["label"]})
    clerk.click("button[value=check]")
    watch.check("check", {TYPED["applicant"], TYPED["operator"]})
    clerk.check("#received-layout_plan")
    clerk.check("#received-safety_rules")
    clerk.click("button[value=accept]")
    clerk.wait_for_url(re.compile(r"/desk/cases/\d+\?done=accept$"))
    number = clerk.url.split("?")[0].rsplit("/", 1)[1]
    watch.check("case (clerk)", {TYPED["applicant"], TYPED["operator"], DEFINITION["name"]})
    code = clerk.locator("dt:has-text('查询码') + dd").inner_text().strip()

    reviewer = open_page(browser, server, "reviewer@county.scjg", bypass_csp=True)
    rwatch = Watch(reviewer)
    reviewer.goto("/desk")
    rwatch.check("queue (reviewer)", {DEFINITION["name"]})
    reviewer.goto(f"/desk/cases/{number}")
    _act(reviewer, "审查通过", f"意见{payload(TYPED['opinion'])}")
    rwatch.check("case after the opinion", {TYPED["opinion"], TYPED["operator"]})

    chief = open_page(browser, server, "chief_representative@county.scjg", bypass_csp=True)
    cwatch = Watch(chief)
    chief.goto(f"/desk/cases/{number}")
    _act(chief, "准予许可", f"决定{payload(TYPED['decision'])}")
    cwatch.check("case after the decision", {TYPED["opinion"], TYPED["decision"]})

    clerk.goto(f"/desk/cases/{number}")
    watch.check("case (clerk, decided)", {TYPED["opinion"], TYPED["decision"]})
    clerk.goto(f"/desk/cases/{number}/notice/acceptance")
    watch.check("acceptance notice", {TYPED["applicant"], DEFINITION["name"]})

    public = open_page(browser, server, bypass_csp=True)
    pwatch = Watch(public)
    public.goto(f"/query?number={number}&code={code}")
    pwatch.check("public query", {DEFINITION["name"]})
    public.goto("/query")
    public.fill("#number", payload(TYPED["query"]))
    public.fill("#code", payload(TYPED["query"]))
    with public.expect_response(lambda r: "/query?" in r.url):
        public.click("button[type=submit]")
    public.wait_for_load_state("networkidle")
    pwatch.check("public query, typed input echoed", set())
    assert public.locator("#number").input_value() == payload(TYPED["query"])
    for p in (clerk, reviewer, chief, public):
        p.context.close()
