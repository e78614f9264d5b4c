"""/admin/org, /admin/people, /admin/calendar, /admin/templates and /admin/log for admins
and every other role; changes go through rbac's and the runtime's own functions."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.admin.test_items import OTHER_ROLES
from tests.web.conftest import Client

PAGES = ("/admin/org", "/admin/people", "/admin/calendar", "/admin/templates", "/admin/log")
ACTIONS = (
    "/admin/org/domains",
    "/admin/people/users",
    "/admin/people/grants",
    "/admin/people/delegations",
    "/admin/people/active",
    "/admin/people/password",
    "/admin/calendar/days",
    "/admin/calendar/years",
    "/admin/templates",
)


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_get_403(login: Callable[[str], Client], username: str) -> None:
    c = login(username)
    for url in PAGES:
        assert c.get(url).status_code == 403, url
    for url in ACTIONS:
        assert c.send_form(url, {"x": "1"}).status_code == 403, url


def test_every_page_answers_an_admin(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    for url in PAGES:
        r = c.get(url)
        assert r.status_code == 200, url
        assert 'aria-current="page"' in r.text


def test_people_a_user_a_grant_a_password_and_deactivation(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    name = f"test-{uuid.uuid4().hex[:8]}@county.scjg"
    r = c.send_form(
        "/admin/people/users",
        {
            "username": name,
            "display_name": "测试员",
            "password": "secret-123",
            "role": "reviewer",
            "domain": "county.scjg",
        },
    )
    assert r.status_code == 303, r.text[:500]
    page = c.get("/admin/people", params={"q": name}).text
    assert "测试员" in page and "审查员@county.scjg" in page
    assert (
        c.send_form("/admin/people/password", {"username": name, "password": "short"}).status_code
        == 422
    )
    assert (
        c.send_form(
            "/admin/people/password", {"username": name, "password": "another-secret"}
        ).status_code
        == 303
    )
    assert c.send_form("/admin/people/active", {"username": name, "active": "0"}).status_code == 303
    assert "已停用" in c.get("/admin/people", params={"q": name}).text
    log = c.get("/admin/log", params={"area": "people"}).text
    assert f"新增用户 {name}" in log and f"停用用户 {name}" in log


def test_a_delegation_that_lets_a_head_decide_is_refused(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    r = c.send_form(
        "/admin/people/delegations",
        {
            "from": "chief_representative@county.scjg",
            "to": "department_head@county.scjg",
            "role": "chief_representative",
            "domain": "county.scjg",
            "valid_from": "2026-12-01",
            "valid_to": "2026-12-10",
            "reason": "出差",
        },
    )
    assert r.status_code in (403, 409, 422), r.text[:300]


def test_a_department_admin_cannot_manage_county_people(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    r = c.send_form(
        "/admin/people/grants",
        {"username": "reviewer@county.scjg", "role": "reviewer", "domain": "county.hall"},
    )
    assert r.status_code == 403


def test_the_permission_explanation(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    page = c.get(
        "/admin/people",
        params={"who": "department_head@county.scjg", "act": "decide", "target": "county.scjg"},
    ).text
    assert "拒绝 DENY" in page
    page = c.get(
        "/admin/people",
        params={
            "who": "chief_representative@county.scjg",
            "act": "decide",
            "target": "county.scjg",
        },
    ).text
    assert "允许 ALLOW" in page


def test_calendar_entering_a_year_recomputes(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    page = c.get("/admin/calendar", params={"year": "2031"}).text
    assert "2031 年尚未录入" in page
    r = c.send_form(
        "/admin/calendar/days", {"day": "2031-10-01", "kind": "holiday", "name": "国庆节"}
    )
    assert r.status_code == 303
    assert "moved=" in r.headers["location"]
    done = c.get(r.headers["location"]).text
    assert "已重新计算期限" in done and "国庆节" in done
    r = c.send_form("/admin/calendar/years", {"year": "2031", "action": "complete"})
    assert r.status_code == 303
    assert "2031 年已完整录入" in c.get("/admin/calendar", params={"year": "2031"}).text
    assert (
        c.send_form("/admin/calendar/days", {"day": "not a day", "kind": "holiday"}).status_code
        == 422
    )


def test_message_templates_preview_and_length(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    page = c.get("/admin/templates").text
    assert "个字符" in page and "条短信" in page
    r = c.send_form(
        "/admin/templates", {"event": "accepted", "text": "您申请的“{item}”已受理，编号{number}。"}
    )
    assert r.status_code == 303
    page = c.get("/admin/templates").text
    assert "本县自定义" in page
    assert (
        c.send_form("/admin/templates", {"event": "accepted", "text": "{bogus}"}).status_code == 422
    )
    assert (
        c.send_form("/admin/templates", {"event": "accepted", "text": "{item"}).status_code == 422
    )
    assert c.send_form("/admin/templates", {"event": "nope", "text": "x"}).status_code == 404


def test_org_adds_a_domain(login: Callable[[str], Client]) -> None:
    c = login("admin@county")
    name = f"county.t{uuid.uuid4().hex[:6]}"
    r = c.send_form(
        "/admin/org/domains",
        {
            "name": name,
            "title": "县测试局",
            "kind": "department",
            "parent": "county",
            "section": "行政审批股",
        },
    )
    assert r.status_code == 303, r.text[:300]
    assert "县测试局" in c.get("/admin/org").text
