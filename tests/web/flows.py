"""Steps a clerk takes through the desk, as HTTP requests (used by several test modules)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from tests.web.demo_site import FOOD, application_post, food_data

FOOD_MATERIALS = ["layout_plan", "safety_rules"]


def apply_url(code: str = FOOD, domain: str = "township.yezhou") -> str:
    return f"/desk/apply/{code}?domain={domain}"


def post_application(
    client: Any,
    action: str,
    data: Any = None,
    *,
    code: str = FOOD,
    domain: str = "township.yezhou",
    **kw: Any,
) -> Any:
    data = food_data() if data is None else data
    return client.send_form(apply_url(code, domain), application_post(data, action, **kw))


def case_number(response: Any) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    location = response.headers["location"]
    m = re.fullmatch(r"/desk/cases/(\d+)(?:\?done=(?:accept|correct|refuse))?", location)
    assert m, location
    return m[1]


def accept_food(client: Any, domain: str = "township.yezhou", **changes: Any) -> str:
    """The window accepts a complete 食品经营许可 application; the case number."""
    r = post_application(
        client, "accept", food_data(**changes), domain=domain, received=FOOD_MATERIALS
    )
    return case_number(r)


class _Forms(HTMLParser):
    """The act forms of a case page: (action url, {field: value}) in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and "/act/" in (a.get("action") or ""):
            self.forms.append((a["action"] or "", {}))
            self._open = True
        elif tag == "input" and self._open and a.get("type") == "hidden":
            self.forms[-1][1][a.get("name") or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def act_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    p = _Forms()
    p.feed(html)
    return p.forms


def acts_offered(html: str) -> list[str]:
    """The acts offered on a case page, e.g. ['review', 'return'] or ['decide:approve', ...]."""
    out = []
    for action, fields in act_forms(html):
        act = action.rsplit("/", 1)[1]
        out.append(f"{act}:{fields['value']}" if "value" in fields else act)
    return out


def version_on_page(html: str) -> str:
    forms = act_forms(html)
    assert forms, "no act form on the page"
    return forms[0][1]["expected_version"]


def act(client: Any, number: str, name: str, **fields: Any) -> Any:
    """Perform an act from the case page as shown (its expected_version)."""
    page = client.get(f"/desk/cases/{number}")
    assert page.status_code == 200, page.text[:1000]
    form = {"expected_version": version_on_page(page.text), **fields}
    return client.send_form(f"/desk/cases/{number}/act/{name}", form)


def state_of(client: Any, number: str) -> str:
    page = client.get(f"/desk/cases/{number}")
    m = re.search(r'<dd id="case-state">(.*?)</dd>', page.text, re.S)
    assert m, page.text[:2000]
    return m[1]


def main_of(html: str) -> str:
    m = re.search(r"<main\b.*?</main>", html, re.S)
    return m[0] if m else html
