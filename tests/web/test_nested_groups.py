"""Nested repeating groups over HTTP: the desk's generated form of the special working-hours
item (企业名单 → each company's 从业人员) adds rows of rows without JavaScript, and the API
answers errors at their nested paths and refuses rows beyond the bounds at any depth."""

from __future__ import annotations

from typing import Any

from tests.web.flows import apply_url

HOURS = "422822-RSJ-XK-0001"
HALL = "window_clerk@county.hall"


def hours_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_name": "湖北建始某某集团有限公司",
        "uscc": "91422822MA4F0XJ025",
        "contact": "向明",
        "mobile": "13907180001",
        "union_consulted": True,
        "companies": [
            {
                "name": "建始某某运输有限公司",
                "uscc": "91422822MA4F0XJ025",
                "system": "comprehensive",
                "period": "month",
                "staff": [
                    {"name": "张三", "id_card": "42282219900101001X", "post": "长途驾驶员"},
                    {"name": "李四", "id_card": "11010519491231002X", "post": "押运员"},
                ],
            }
        ],
    }
    data.update(changes)
    return data


def test_the_form_names_rows_of_rows_and_adds_one_without_javascript(login) -> None:
    clerk = login(HALL)
    page = clerk.get(apply_url(HOURS, "county.hall"))
    assert page.status_code == 200
    assert 'name="companies[0][staff][0][name]"' in page.text
    assert 'name="_rows_companies/0/staff" value="1"' in page.text
    assert 'value="add:companies/0/staff"' in page.text
    posted = clerk.send_form(
        apply_url(HOURS, "county.hall"),
        [
            ("_rows_companies", "1"),
            ("_rows_companies/0/staff", "1"),
            ("companies[0][name]", "建始某某运输有限公司"),
            ("companies[0][staff][0][name]", "张三"),
            ("_action", "add:companies/0/staff"),
        ],
    )
    assert posted.status_code == 200
    assert 'name="companies[0][staff][1][name]"' in posted.text
    assert 'value="张三"' in posted.text  # what was typed stays
    assert 'name="companies[0][staff][2][name]"' not in posted.text


def test_the_api_answers_at_nested_paths_and_bounds_every_level(anon) -> None:
    anon.get("/login")
    ok = anon.api_post(f"/api/items/{HOURS}/evaluate", hours_data()).json()
    assert ok["ok"] is True, ok["errors"]
    assert "/companies/0/staff/1/post" in ok["visible"]
    bad = hours_data()
    bad["companies"][0]["staff"][1]["id_card"] = "123"
    del bad["companies"][0]["period"]
    body = anon.api_post(f"/api/items/{HOURS}/evaluate", bad).json()
    assert {e["path"] for e in body["errors"]} == {
        "/companies/0/staff/1/id_card",
        "/companies/0/period",
    }
    staff = hours_data()["companies"][0]["staff"][0]
    many = hours_data()
    many["companies"][0]["staff"] = [staff] * 201  # 从业人员 takes at most 200 rows
    r = anon.api_post(f"/api/items/{HOURS}/evaluate", many)
    assert r.status_code in (200, 422)
    assert "/companies/0/staff" in {e["path"] for e in r.json()["errors"]}


def test_a_file_in_a_groups_row_takes_only_this_sessions_uploads(house, tmp_path) -> None:
    """A file field inside a repeating group's rows is resolved like a top-level one: a
    forged or another session's reference is refused at the row's path."""
    import json

    from db.engine import transaction
    from definitions.models import ItemDefinition
    from tests.web.demo_site import CATALOG_DIR, FOOD, TENANT, food_data
    from tests.web.test_limits import PDF, _app, _apply_body, _client

    raw = json.loads((CATALOG_DIR / f"{FOOD}.json").read_text(encoding="utf-8"))
    raw["code"] = "422822-SCJG-XK-0097"
    fields = [f for section in raw["form"]["sections"] for f in section["fields"]]
    staff = next(f for f in fields if f["key"] == "staff")
    staff["fields"].append({"key": "cert_scan", "label": "健康证明扫描件", "type": "file"})
    with transaction(house.sessions) as s:
        code = house.catalog.publish(
            s, TENANT, ItemDefinition.model_validate(raw), "admin@county"
        ).code
    app = _app(house, upload_dir=str(tmp_path))
    clerk, other = _client(app, HALL), _client(app, HALL)

    def file_with(ref: Any, client: Any) -> Any:
        data = food_data()
        data["staff"] = [dict(data["staff"][0], cert_scan=ref)]
        return client.api_post(f"/api/items/{code}/applications", _apply_body(data=data))

    forged = {"sha256": "b" * 64, "name": "x.pdf", "size": 10, "content_type": "application/pdf"}
    r = file_with(forged, clerk)
    assert r.status_code == 422 and "/staff/0/cert_scan" in {e["path"] for e in r.json()["errors"]}
    up = clerk.post(
        "/api/uploads",
        files={"file": ("cert.pdf", PDF, "application/pdf")},
        headers={"x-csrftoken": clerk.csrf},
    )
    ref = up.json()
    assert file_with(ref, other).status_code == 422  # another session's upload
    filed = file_with(ref | {"size": 1}, clerk)
    assert filed.status_code == 201, filed.text[:500]
    case = clerk.get(f"/api/cases/{filed.json()['number']}").json()
    assert case["data"]["staff"][0]["cert_scan"]["size"] == len(PDF)  # as stored, not as posted
