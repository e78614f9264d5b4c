"""/admin/items: who sees what, search and filters, new items (template, copy, import)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.admin.helpers import NEW_CODE, create_blank
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, FOREST

OTHER_ROLES = (
    "window_clerk@county.hall",
    "window_clerk@township.yezhou",
    "reviewer@county.scjg",
    "chief_representative@county.scjg",
    "department_head@county.scjg",
    "supervisor@county",
)
PAGES = (
    "/admin/items",
    "/admin/items/new",
    f"/admin/items/{FOOD}",
    f"/admin/items/{FOOD}/preview",
    f"/admin/items/{FOOD}/export",
    f"/admin/items/{FOOD}/versions/1",
    "/admin/log",
)
ACTIONS = (
    "/admin/items/new",
    "/admin/items/import",
    f"/admin/items/{FOOD}/draft",
    f"/admin/items/{FOOD}/edit",
    f"/admin/items/{FOOD}/json",
    f"/admin/items/{FOOD}/submit",
    f"/admin/items/{FOOD}/discard",
    f"/admin/items/{FOOD}/publish",
    f"/admin/items/{FOOD}/send-back",
    f"/admin/items/{FOOD}/retire",
    f"/admin/items/{FOOD}/reinstate",
)


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_every_other_role_is_refused_every_page_and_action(
    login: Callable[[str], Client], username: str
) -> None:
    c = login(username)
    for url in PAGES:
        assert c.get(url).status_code == 403, url
    for url in ACTIONS:
        assert c.send_form(url, {"code": NEW_CODE, "reason": "x"}).status_code == 403, url


def test_anonymous_is_sent_to_login(anon: Client) -> None:
    r = anon.get("/admin/items")
    assert r.status_code in (302, 303, 401)


def test_a_department_admin_sees_only_its_items(login: Callable[[str], Client]) -> None:
    dept = login("admin@county.scjg")
    page = dept.get("/admin/items")
    assert page.status_code == 200
    assert FOOD in page.text and FOREST not in page.text
    assert dept.get(f"/admin/items/{FOREST}").status_code == 403
    assert dept.send_form(f"/admin/items/{FOREST}/draft").status_code == 403
    county = login("admin@county").get("/admin/items")
    assert FOOD in county.text and FOREST in county.text


def test_admins_see_a_link_to_administration(login: Callable[[str], Client]) -> None:
    assert 'href="/admin/items"' in login("admin@county.scjg").get("/desk").text
    assert 'href="/admin/items"' not in login("window_clerk@county.hall").get("/desk").text


def test_search_by_name_code_and_pinyin_initials_and_filters(
    login: Callable[[str], Client],
) -> None:
    c = login("admin@county")
    for q in ("食品经营", FOOD.lower(), "spjy"):
        page = c.get("/admin/items", params={"q": q})
        assert FOOD in page.text, q
        assert FOREST not in page.text, q
    only_forest = c.get("/admin/items", params={"owner": "county.lyj"}).text
    assert FOREST in only_forest and FOOD not in only_forest
    devolved = c.get("/admin/items", params={"level": "township"}).text
    assert FOOD in devolved
    drafts = c.get("/admin/items", params={"status": "draft"}).text
    assert FOOD not in drafts
    fragment = c.get("/admin/items", params={"q": "spjy"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and FOOD in fragment.text


def test_create_from_a_category_template(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    r = create_blank(c)
    assert r.headers["location"].startswith(f"/admin/items/{NEW_CODE}")
    page = c.get(r.headers["location"])
    assert page.status_code == 200
    assert "草稿已创建" in page.text and "小餐饮登记" in page.text
    listed = c.get("/admin/items", params={"status": "draft"}).text
    assert NEW_CODE in listed
    again = c.send_form(
        "/admin/items/new",
        {"how": "blank", "code": NEW_CODE, "name": "再来", "owner": "county.scjg"},
    )
    assert again.status_code == 409  # one open draft per code


def test_create_refuses_a_used_code_and_empty_fields(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    used = c.send_form(
        "/admin/items/new", {"how": "blank", "code": FOOD, "name": "x", "owner": "county.scjg"}
    )
    assert used.status_code == 409  # published already: a new version is a draft on its page
    empty = c.send_form("/admin/items/new", {"how": "blank", "code": "", "name": ""})
    assert empty.status_code == 422
    assert "请填写事项编码" in empty.text


def test_a_department_admin_cannot_create_for_another_department(
    login: Callable[[str], Client],
) -> None:
    c = login("admin@county.scjg")
    r = c.send_form(
        "/admin/items/new",
        {"how": "blank", "code": "422822-LYJ-XK-0099", "name": "x", "owner": "county.lyj"},
    )
    assert r.status_code == 403


def test_copy_of_a_published_item(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    r = c.send_form(
        "/admin/items/new",
        {
            "how": "copy",
            "source": FOOD,
            "code": NEW_CODE,
            "name": "食品经营许可（副本）",
            "owner": "county.scjg",
        },
    )
    assert r.status_code == 303
    exported = c.get(f"/admin/items/{NEW_CODE}/export", params={"draft": "1"})
    doc = json.loads(exported.text)
    assert doc["code"] == NEW_CODE and doc["name"] == "食品经营许可（副本）"
    assert any(s["kind"] == "special" for s in doc["steps"])


def test_import_a_definition_file_as_a_draft(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    food = json.loads(c.get(f"/admin/items/{FOOD}/export").text)
    food["code"] = NEW_CODE
    body = json.dumps(food, ensure_ascii=False).encode()
    r = c.post(
        "/admin/items/import",
        files={"file": ("item.json", body, "application/json")},
        data={"_csrf_token": c.csrf},
    )
    assert r.status_code == 303, r.text[:500]
    assert "定义文件已导入为草稿" in c.get(r.headers["location"]).text
    bad = c.post(
        "/admin/items/import",
        files={"file": ("item.json", b"{not json", "application/json")},
        data={"_csrf_token": c.csrf},
    )
    assert bad.status_code == 422


def test_export_is_the_canonical_file(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    r = c.get(f"/admin/items/{FOOD}/export")
    assert r.status_code == 200
    assert (
        r.text
        == json.dumps(json.loads(r.text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
