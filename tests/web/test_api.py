"""The JSON API under /api: the same lookups and acts as the desk, the same permissions."""

from __future__ import annotations

from typing import Any

from tests.web.demo_site import CATALOG_DIR, FOOD, food_data
from tests.web.flows import FOOD_MATERIALS

HALL = "window_clerk@county.hall"


def _apply(client: Any, data: dict[str, Any] | None = None, domain: str = "county.hall") -> Any:
    return client.api_post(
        f"/api/items/{FOOD}/applications",
        {
            "data": data or food_data(),
            "applicant": {"name": "向明", "mobile": "13907180001"},
            "accepting_domain": domain,
        },
    )


def test_items_list_the_published_catalogue(anon) -> None:
    r = anon.get("/api/items")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()}
    assert len(items) == len(list(CATALOG_DIR.glob("*.json")))  # every shipped item
    food = items[FOOD]
    assert food["name"] == "食品经营许可（新办）" and food["accept"] == [
        "county.hall",
        "township.*",
    ]
    assert food["promised_days"] < food["statutory_days"]


def test_one_item_has_its_definition_and_application_schema(anon) -> None:
    r = anon.get(f"/api/items/{FOOD}")
    assert r.status_code == 200
    body = r.json()
    assert body["definition"]["code"] == FOOD and len(body["sha256"]) == 64
    assert "operator_name" in body["application_schema"]["properties"]
    missing = anon.get("/api/items/422822-XXX-XK-9999")
    assert missing.status_code == 404 and "尚未发布" in missing.json()["message"]


def test_openapi_schema_is_served(anon) -> None:
    r = anon.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/items",
        "/api/items/{code}",
        "/api/items/{code}/evaluate",
        "/api/items/{code}/applications",
        "/api/cases/{number}",
        "/api/cases/{number}/acts/{act}",
    ):
        assert path in paths, path
    assert not any(p.startswith("/desk") for p in paths)


def test_evaluate_answers_field_path_errors_and_what_follows(anon) -> None:
    anon.get("/login")
    r = anon.api_post(
        f"/api/items/{FOOD}/evaluate",
        food_data(legal_person_id="422822199001011230", cold_chain=True),
    )
    assert r.status_code == 200  # an evaluation creates nothing
    body = r.json()
    assert body["ok"] is False
    paths = {e["path"]: e["message"] for e in body["errors"]}
    assert set(paths) == {"/legal_person_id", "/cold_storage_m3"}
    assert "/cold_storage_m3" in body["visible"] and "/cold_storage_m3" in body["required"]
    assert "cold_chain_plan" in {m["key"] for m in body["materials"] if m["required"]}
    ok = anon.api_post(f"/api/items/{FOOD}/evaluate", food_data()).json()
    assert ok["ok"] is True and ok["errors"] == []
    assert ok["steps"] == ["accept", "review", "decide", "complete"]


def test_applications_201_422_and_refused(login, anon) -> None:
    clerk = login(HALL)
    r = _apply(clerk)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "submitted" and body["number"] and body["query_code"]
    bad = _apply(clerk, food_data(uscc="123"))
    assert bad.status_code == 422
    assert "/uscc" in {e["path"] for e in bad.json()["errors"]}
    assert _apply(login("reviewer@county.scjg")).status_code == 403
    anon.get("/login")
    assert _apply(anon).status_code == 401
    # a township clerk cannot file at the county hall
    assert _apply(login("window_clerk@township.yezhou")).status_code == 403


def test_case_read_and_acts_with_the_same_permissions(login) -> None:
    clerk, reviewer = login(HALL), login("reviewer@county.scjg")
    number = _apply(clerk).json()["number"]
    case = clerk.get(f"/api/cases/{number}").json()
    assert case["state"] == "submitted"
    # (a walk-in applicant's 撤件 is recorded by the clerk, with the written request)
    assert [a["act"] for a in case["actions"]] == [
        "accept",
        "request_correction",
        "refuse",
        "withdraw",
    ]
    # an outsider cannot tell this case from one that does not exist
    outsider = login("reviewer@county.zrzy").get(f"/api/cases/{number}")
    missing = login("reviewer@county.zrzy").get("/api/cases/42282220200101999999")
    assert outsider.status_code == missing.status_code == 404
    assert outsider.json()["message"].replace(number, "N") == missing.json()["message"].replace(
        "42282220200101999999", "N"
    )
    r = clerk.api_post(
        f"/api/cases/{number}/acts/accept",
        {"received": FOOD_MATERIALS, "expected_version": case["version"]},
    )
    assert r.status_code == 201 and r.json()["message"] == "已受理"
    seen = reviewer.get(f"/api/cases/{number}").json()
    assert seen["state"] == "in_progress"
    # nothing precedes the first step after acceptance: no 退回 is offered there
    assert [a["act"] for a in seen["actions"]] == ["review"]
    # the clerk may not review; a stale version loses the race
    assert clerk.api_post(f"/api/cases/{number}/acts/review", {"reason": "x"}).status_code == 403
    stale = reviewer.api_post(
        f"/api/cases/{number}/acts/review", {"reason": "x", "expected_version": case["version"]}
    )
    assert stale.status_code == 409 and stale.json()["code"]
    ok = reviewer.api_post(
        f"/api/cases/{number}/acts/review", {"reason": "符合", "expected_version": seen["version"]}
    )
    assert ok.status_code == 201
    assert clerk.get(f"/api/cases/{number}").json()["events"][-1]["reason"] == "符合"


def test_the_schema_page_renders_from_our_own_assets_under_the_csp(anon) -> None:
    import re

    page = anon.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.text
    # no inline script or style: every script has a src, there is no <style> and no style=
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "<style" not in html and "style=" not in html
    assets = [a for a in re.findall(r'(?:src|href)="([^"]+)"', html) if a != "data:,"]
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        r = anon.get(asset)
        assert r.status_code == 200 and r.content, asset
    spec_url = re.search(r'data-url="([^"]+)"', html)
    assert spec_url and anon.get(spec_url[1]).json()["info"]["title"] == "Banshi 办事 API"
