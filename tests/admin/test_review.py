"""Drafts, the four-eyes review, publish and retire; version history; cases stay pinned."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from house.wiring import House
from runtime.case_tables import ItemVersion
from tests.admin.helpers import NEW_CODE, create_blank, edit
from tests.web.conftest import Client
from tests.web.demo_site import FOOD


def _submit(c: Client, code: str = NEW_CODE, note: str = "新增事项") -> None:
    r = c.send_form(f"/admin/items/{code}/submit", {"note": note})
    assert r.status_code == 303, r.text[:1000]


def test_the_department_drafts_and_the_county_publishes(
    login: Callable[[str], Client], house: House
) -> None:
    dept, county = login("admin@county.scjg"), login("admin@county")
    create_blank(dept)
    _submit(dept)
    # the drafter cannot publish, and is not the reviewer
    assert dept.send_form(f"/admin/items/{NEW_CODE}/publish", {"reason": "x"}).status_code == 403
    review = county.get(f"/admin/items/{NEW_CODE}/review")
    assert review.status_code == 200
    assert "新事项“小餐饮登记”" in review.text and "事项目录报告" in review.text
    r = county.send_form(f"/admin/items/{NEW_CODE}/publish", {"reason": ""})
    assert r.status_code == 303
    page = county.get(r.headers["location"])
    assert "已发布新版本" in page.text and "第 1 版" in page.text
    with house.sessions() as s:
        row = s.execute(select(ItemVersion).where(ItemVersion.code == NEW_CODE)).scalar_one()
    assert row.published_by == "admin@county" and row.version == 1
    log = county.get("/admin/log", params={"target": NEW_CODE}).text
    for words in ("新建草稿", "提交审核", "发布“小餐饮登记”第 1 版"):
        assert words in log
    # the department's admin reads its own department's log too
    assert "发布“小餐饮登记”第 1 版" in dept.get("/admin/log").text


def test_a_county_admin_cannot_publish_their_own_draft(login: Callable[[str], Client]) -> None:
    county = login("admin@county")
    create_blank(county)
    _submit(county)
    r = county.send_form(f"/admin/items/{NEW_CODE}/publish", {"reason": "自己发布"})
    assert r.status_code == 409
    assert "四眼原则" in r.text
    assert "不能由您发布" in county.get(f"/admin/items/{NEW_CODE}/review").text


def test_errors_block_submission_and_a_warning_needs_a_reason(
    login: Callable[[str], Client],
) -> None:
    dept, county = login("admin@county.scjg"), login("admin@county")
    dept.send_form(f"/admin/items/{FOOD}/draft")
    # promised days above the compression share: the rule's finding appears
    r = edit(dept, {"v:/limits/promised_days": "9"}, code=FOOD)
    assert r.status_code == 303
    page = dept.get(f"/admin/items/{FOOD}").text
    assert "承诺时限：4 → 9 个工作日" in page
    assert "compression" in page
    blocked = dept.send_form(f"/admin/items/{FOOD}/submit", {"note": ""})
    assert blocked.status_code == 409 and "错误" in blocked.text
    # fixed, the guide's summary reworded, submitted, reviewed
    edit(dept, {"v:/limits/promised_days": "4", "v:/summary": "新的事项概述"}, code=FOOD)
    _submit(dept, FOOD, "改写事项概述")
    review = county.get(f"/admin/items/{FOOD}/review").text
    assert "事项概述：" in review and "→ 新的事项概述" in review
    assert "承诺时限" not in review.split('id="diff"')[1].split("</ul>")[0]
    published = county.send_form(f"/admin/items/{FOOD}/publish", {"reason": "压缩时限"})
    assert published.status_code in (303, 422)
    if published.status_code == 422:  # the shipped item carries a rule warning
        assert "理由" in published.text


def test_send_back_with_a_reason(login: Callable[[str], Client]) -> None:
    dept, county = login("admin@county.scjg"), login("admin@county")
    create_blank(dept)
    _submit(dept)
    assert county.send_form(f"/admin/items/{NEW_CODE}/send-back", {"reason": ""}).status_code == 422
    r = county.send_form(f"/admin/items/{NEW_CODE}/send-back", {"reason": "请补充设定依据"})
    assert r.status_code == 303
    page = dept.get(f"/admin/items/{NEW_CODE}").text
    assert "请补充设定依据" in page and "提交县级管理员审核" in page


def test_retire_and_reinstate(login: Callable[[str], Client]) -> None:
    dept, county = login("admin@county.scjg"), login("admin@county")
    assert dept.send_form(f"/admin/items/{FOOD}/retire", {"reason": "x"}).status_code == 403
    assert county.send_form(f"/admin/items/{FOOD}/retire", {"reason": ""}).status_code == 422
    r = county.send_form(f"/admin/items/{FOOD}/retire", {"reason": "已取消该许可"})
    assert r.status_code == 303
    assert "已停用" in county.get("/admin/items", params={"status": "retired"}).text
    assert county.send_form(f"/admin/items/{FOOD}/reinstate", {"reason": "恢复"}).status_code == 303
    assert FOOD not in county.get("/admin/items", params={"status": "retired"}).text


def test_published_versions_are_shown_and_immutable(login: Callable[[str], Client]) -> None:
    county = login("admin@county")
    page = county.get(f"/admin/items/{FOOD}/versions/1")
    assert page.status_code == 200 and "不可修改" in page.text
    assert county.get(f"/admin/items/{FOOD}/versions/99").status_code == 404
    # a published item without a draft has no editing form
    item = county.get(f"/admin/items/{FOOD}").text
    assert "定义内容（只读）" in item and "新建草稿（基于第 1 版）" in item
    assert county.send_form(f"/admin/items/{FOOD}/edit", {"revision": "1"}).status_code == 404


def test_a_rule_warning_needs_a_written_reason(login: Callable[[str], Client]) -> None:
    dept, county = login("admin@county.scjg"), login("admin@county")
    create_blank(dept)
    edit(dept, {"v:/service/max_visits": "3"})  # more visits than one: the rule warns
    page = dept.get(f"/admin/items/{NEW_CODE}").text
    assert "0 个错误，1 个警告" in page
    _submit(dept)
    assert "必填" in county.get(f"/admin/items/{NEW_CODE}/review").text
    refused = county.send_form(f"/admin/items/{NEW_CODE}/publish", {"reason": " "})
    assert refused.status_code == 422 and "理由" in refused.text
    done = county.send_form(f"/admin/items/{NEW_CODE}/publish", {"reason": "须现场核验原件三次"})
    assert done.status_code == 303
    assert "须现场核验原件三次" in county.get(f"/admin/items/{NEW_CODE}").text  # version history
