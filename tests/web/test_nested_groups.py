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
