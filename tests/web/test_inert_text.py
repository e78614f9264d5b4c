"""Every text a person types — the applicant's name, form answers, reasons and opinions, the
public query's input — is shown as text on every page that shows it: escaped, never markup.

Each text carries its own marker, so a failure names the text and the page. The browser
counterpart (no dialog, no injected element, with the page's CSP bypassed) is
tests/e2e/test_inert.py; the definition's own text is covered in test_security.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.web.demo_site import food_data
from tests.web.flows import FOOD_MATERIALS, act, case_number, post_application

#: one number per text, so a failure names the text
TEXTS = {
    "operator": 1,
    "premises": 2,
    "staff": 3,
    "applicant": 4,
    "opinion": 5,
    "decision": 6,
    "correction": 7,
    "refusal": 8,
    "query": 9,
}


def payload(name: str) -> str:
    """Script and an element with a handler, breaking out of an attribute first (50
    characters: it fits the shortest text field)."""
    n = TEXTS[name]
    return f'"><script>alert({n})</script><svg onload=alert({n})>'


def raw_markers(name: str) -> tuple[str, ...]:
    n = TEXTS[name]
    return (f"<script>alert({n})", f"<svg onload=alert({n})")


def escaped(name: str) -> str:
    """How Jinja's autoescape shows the script part of ``payload(name)``."""
    return f"&lt;script&gt;alert({TEXTS[name]})&lt;/script&gt;"


def assert_inert(pages: dict[str, str], shown: dict[str, set[str]]) -> None:
    """No page carries any text as markup; each page shows the texts ``shown`` expects."""
    names = {n for ns in shown.values() for n in ns}
    for where, html in pages.items():
        for name in names:
            for marker in raw_markers(name):
                assert marker not in html, (where, name, marker)
        for name in shown.get(where, ()):
            assert escaped(name) in html, (where, name, "not shown as text")


def _query_code(html: str) -> str:
    m = re.search(r"<dt>查询码</dt><dd>([^<]+)</dd>", html)
    assert m, html[:2000]
    return m[1]


def test_reasons_opinions_and_answers_are_inert_on_every_page(
    login: Callable[[str], Any], anon: Any
) -> None:
    clerk = login("window_clerk@township.yezhou")
    reviewer = login("reviewer@county.scjg")
    chief = login("chief_representative@county.scjg")
    data = food_data(
        operator_name=f"店{payload('operator')}",
        premises=f"广润路{payload('premises')}",
        staff=[
            {
                "name": payload("staff"),
                "post": "manager",
                "health_cert_no": "JK2026-0001",
                "health_cert_expiry": "2027-06-30",
            }
        ],
    )
    applicant = f"申请人{payload('applicant')}"
    pages: dict[str, str] = {}
    check = post_application(clerk, "check", data, applicant=applicant)
    assert check.status_code == 200, check.text[:1000]
    pages["check"] = check.text
    # a refused answer comes back on the form with its error
    bad = post_application(clerk, "check", {**data, "uscc": "bad"}, applicant=applicant)
    assert bad.status_code == 422
    pages["form-errors"] = bad.text

    number = case_number(
        post_application(clerk, "accept", data, applicant=applicant, received=FOOD_MATERIALS)
    )
    r = act(reviewer, number, "review", reason=f"意见{payload('opinion')}")
    assert r.status_code == 303, r.text[:1000]
    r = act(chief, number, "decide", value="approve", reason=f"决定{payload('decision')}")
    assert r.status_code == 303, r.text[:1000]
    assert act(clerk, number, "complete").status_code == 303
    answers = {"operator", "applicant"}
    timeline = {"opinion", "decision"}
    for who, client in (("clerk", clerk), ("reviewer", reviewer), ("chief", chief)):
        pages[f"case/{who}"] = client.get(f"/desk/cases/{number}").text
    pages["queue/clerk"] = clerk.get("/desk").text
    pages["search"] = clerk.get(f"/desk?q={number}").text
    for kind in ("acceptance", "result"):
        r = clerk.get(f"/desk/cases/{number}/notice/{kind}")
        assert r.status_code == 200, (kind, r.text[:500])
        pages[f"notice/{kind}"] = r.text
    code = _query_code(pages["case/clerk"])
    pages["query"] = anon.get(f"/query?number={number}&code={code}").text

    # the window's one-time correction notice (the note typed there is not kept: only the
    # missing materials are listed) and a refusal with its typed reason
    correct = post_application(
        clerk, "correct", data, applicant=applicant, reason=f"补正{payload('correction')}"
    )
    corrected = case_number(correct)
    pages["case/correction"] = clerk.get(f"/desk/cases/{corrected}").text
    pages["notice/correction"] = clerk.get(f"/desk/cases/{corrected}/notice/correction").text
    refuse = post_application(
        clerk, "refuse", data, applicant=applicant, reason=f"不予受理{payload('refusal')}"
    )
    refused = case_number(refuse)
    pages["case/refusal"] = clerk.get(f"/desk/cases/{refused}").text
    pages["notice/refusal"] = clerk.get(f"/desk/cases/{refused}/notice/refusal").text

    # what the public types into the query form is echoed back as text
    r = anon.get("/query", params={"number": payload("query"), "code": payload("query")})
    assert r.status_code == 404
    pages["query/echo"] = r.text

    assert_inert(
        pages,
        {
            "check": {"operator", "premises", "staff", "applicant"},
            "form-errors": {"operator", "applicant"},
            "case/clerk": answers | timeline,
            "case/reviewer": answers | timeline,
            "case/chief": answers | timeline,
            "notice/acceptance": {"applicant"},
            "notice/result": {"applicant"},
            "case/correction": {"applicant"},
            "notice/correction": {"applicant"},
            "case/refusal": {"refusal", "applicant"},
            "notice/refusal": {"refusal"},
            "query/echo": {"query"},
        },
    )
    # the API gives the same texts back as data (JSON), exactly as typed
    body = clerk.get(f"/api/cases/{number}").json()
    assert body["data"]["operator_name"] == f"店{payload('operator')}"
