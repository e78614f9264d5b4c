"""CSRF, security headers, error pages, and definition text shown inert everywhere."""

from __future__ import annotations

import json
from typing import Any

import pytest

from db.engine import transaction
from definitions.models import ItemDefinition
from house.wiring import House
from tests.web.demo_site import CATALOG_DIR, FOOD, PASSWORD, TENANT, food_data
from tests.web.flows import act, case_number, post_application

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def test_a_form_post_without_the_csrf_token_is_refused_with_a_chinese_page(anon) -> None:
    anon.get("/login")
    r = anon.post("/login", data={"username": "window_clerk@county.hall", "password": PASSWORD})
    assert r.status_code == 403
    assert "<h1" in r.text and "无权办理" in r.text and "CSRF" in r.text
    assert 'lang="zh-CN"' in r.text
    # with a token that is not the cookie's: refused too
    r = anon.post(
        "/login",
        data={
            "username": "window_clerk@county.hall",
            "password": PASSWORD,
            "_csrf_token": "0" * 64,
        },
    )
    assert r.status_code == 403


def test_acts_and_api_writes_need_the_token(login) -> None:
    clerk = login("window_clerk@county.hall")
    r = post_application(
        clerk, "accept", domain="county.hall", received=["layout_plan", "safety_rules"]
    )
    number = case_number(r)
    reviewer = login("reviewer@county.scjg")
    r = reviewer.post(f"/desk/cases/{number}/act/review", data={"reason": "ok"})
    assert r.status_code == 403
    r = reviewer.post(f"/api/cases/{number}/acts/review", json={"reason": "ok"})
    assert r.status_code == 403 and r.json()["status"] == 403
    assert "审查" in reviewer.get(f"/desk/cases/{number}").text  # nothing happened
    ok = act(reviewer, number, "review", reason="符合条件")
    assert ok.status_code == 303


@pytest.mark.parametrize(
    "url", ["/login", "/desk", "/static/banshi.css", "/no/such/page", "/api/items"]
)
def test_security_headers_on_every_response(login, url: str) -> None:
    clerk = login("window_clerk@county.hall")
    r = clerk.get(url)
    for key, value in HEADERS.items():
        assert r.headers.get(key) == value, (url, key)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_the_session_cookie_is_http_only(anon) -> None:
    anon.get("/login")
    r = anon.send_form("/login", {"username": "window_clerk@county.hall", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "banshi_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_not_found_is_a_chinese_page_a_fragment_or_json(login, anon) -> None:
    r = anon.get("/no/such/page")
    assert r.status_code == 404 and "找不到页面" in r.text and "<html" in r.text
    clerk = login("window_clerk@county.hall")
    r = clerk.get("/desk/cases/42282299990101999999")
    assert r.status_code == 404 and "案件 42282299990101999999 不存在" in r.text
    r = clerk.get("/desk/cases/42282299990101999999", headers={"HX-Request": "true"})
    assert (
        r.status_code == 404
        and "<html" not in r.text
        and "案件 42282299990101999999 不存在" in r.text
    )
    r = clerk.get("/desk/apply/422822-XXX-XK-9999?domain=county.hall")
    assert r.status_code == 404 and "尚未发布" in r.text
    r = clerk.get("/api/cases/42282299990101999999")
    assert r.status_code == 404 and r.json()["message"] == "案件 42282299990101999999 不存在"


# -- a definition whose text carries HTML and script ------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
RAW = ("<script>alert(1)", "<img src=x", 'onerror="alert', "<b>")


def _poisoned() -> ItemDefinition:
    raw: dict[str, Any] = json.loads((CATALOG_DIR / f"{FOOD}.json").read_text(encoding="utf-8"))
    raw["code"] = "422822-SCJG-XK-0099"
    raw["name"] = f"恶意事项{SCRIPT}"
    raw["summary"] = f"说明{IMG}"
    section = raw["form"]["sections"][0]
    section["title"] = f"<b>分节</b>{IMG}"
    fields = {f["key"]: f for s in raw["form"]["sections"] for f in s["fields"]}
    fields["operator_name"]["label"] = f"经营者名称{SCRIPT}"
    fields["operator_name"]["hint"] = f"提示{IMG}"
    fields["main_format"]["options"][0]["label"] = f"销售{SCRIPT}"
    fields["staff"]["fields"][0]["label"] = f"姓名{IMG}"
    for m in raw["materials"]:
        if m["key"] == "layout_plan":
            m["name"] = f"平面图{SCRIPT}"
            m["hint"] = f"材料提示{IMG}"
    return ItemDefinition.model_validate(raw)


def _assert_inert(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, (where, raw)


def test_definition_text_is_shown_inert_everywhere(login, house: House) -> None:
    definition = _poisoned()
    with transaction(house.sessions) as s:
        code = house.catalog.publish(s, TENANT, definition, "admin@county").code
    clerk = login("window_clerk@township.yezhou")
    pages: dict[str, str] = {}
    search = clerk.get("/desk?q=恶意")
    assert code in search.text
    pages["search"] = search.text
    url = f"/desk/apply/{code}?domain=township.yezhou"
    pages["form"] = clerk.get(url).text
    assert "经营者名称&lt;script&gt;alert(1)&lt;/script&gt;" in pages["form"]  # shown, as text
    data = food_data(operator_name=f"店{SCRIPT}")
    errors = post_application(
        clerk, "check", food_data(operator_name=f"店{SCRIPT}", uscc="bad"), code=code
    )
    assert errors.status_code == 422
    pages["errors"] = errors.text
    check = post_application(clerk, "check", data, code=code)
    assert check.status_code == 200
    pages["check"] = check.text
    number = case_number(
        post_application(
            clerk,
            "accept",
            data,
            code=code,
            applicant=f"申请人{IMG}",
            received=["layout_plan", "safety_rules"],
        )
    )
    pages["case"] = clerk.get(f"/desk/cases/{number}").text
    assert "申请人&lt;img" in pages["case"]
    pages["notice"] = clerk.get(f"/desk/cases/{number}/notice/acceptance").text
    reviewer = login("reviewer@county.scjg")
    pages["queue"] = reviewer.get("/desk").text
    pages["reviewer-case"] = reviewer.get(f"/desk/cases/{number}").text
    for where, html in pages.items():
        _assert_inert(html, where)
    # the API answers JSON (never HTML), so the text comes back as data, with a JSON type
    for url in (f"/api/items/{code}", f"/api/cases/{number}", "/api/items"):
        r = clerk.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.headers["x-content-type-options"] == "nosniff"
    assert clerk.get(f"/api/cases/{number}").json()["data"]["operator_name"] == f"店{SCRIPT}"


# -- leaks (issue 9): permission before anything, one 404, no-store ---------------------------


def _missing_answer(r: Any, number: str, missing: str) -> Any:
    return r.json() | {"message": r.json()["message"].replace(number, "N").replace(missing, "N")}


def test_an_outsider_with_a_stale_version_learns_nothing(login) -> None:
    from tests.web.flows import accept_food

    number = accept_food(login("window_clerk@township.yezhou"))
    missing = "42282220200101999999"
    outsider = login("reviewer@county.zrzy")
    stale = outsider.api_post(
        f"/api/cases/{number}/acts/review", {"reason": "x", "expected_version": 0}
    )
    absent = outsider.api_post(
        f"/api/cases/{missing}/acts/review", {"reason": "x", "expected_version": 0}
    )
    assert stale.status_code == absent.status_code == 404
    assert "版" not in stale.text
    assert _missing_answer(stale, number, missing) == _missing_answer(absent, number, missing)
    # on the desk too
    page = outsider.send_form(
        f"/desk/cases/{number}/act/review", {"reason": "x", "expected_version": "0"}
    )
    assert page.status_code == 404 and "版" not in page.text


def test_a_refusal_names_no_domain_and_no_user(login) -> None:
    from tests.web.flows import accept_food

    number = accept_food(login("window_clerk@township.yezhou"))
    head = login("department_head@county.scjg")  # may read the case, may not review it
    r = head.api_post(f"/api/cases/{number}/acts/review", {"reason": "我来审"})
    assert r.status_code == 403
    body = r.json()["message"]
    assert body.startswith("拒绝审查") and "county" not in body and "@" not in body
    page = head.send_form(f"/desk/cases/{number}/act/review", {"reason": "我来审"})
    assert page.status_code == 403 and "county.scjg" not in page.text.split("<main", 1)[-1]
    filing = login("reviewer@county.scjg").api_post(
        f"/api/items/{FOOD}/applications",
        {"data": food_data(), "applicant": {"name": "向明"}, "accepting_domain": "county.hall"},
    )
    assert filing.status_code == 403 and "county" not in filing.json()["message"]


def test_pages_and_answers_with_personal_data_are_not_stored(login, anon) -> None:
    from tests.web.flows import accept_food

    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    for r in (
        clerk.get(f"/desk/cases/{number}"),
        clerk.get(f"/desk/cases/{number}/notice/acceptance"),
        clerk.get(f"/api/cases/{number}"),
        anon.api_post(f"/api/items/{FOOD}/evaluate", food_data()),
    ):
        assert r.status_code == 200, r.url
        assert r.headers["cache-control"] == "no-store", r.url
    assert "no-store" not in anon.get("/static/banshi.css").headers.get("cache-control", "")
