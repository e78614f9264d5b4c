"""Evaluation of a completed case: one rating, five levels and the indicators; a bad
rating opens a rectification task for the department, which calls back and fixes it;
the results per department are public."""

from __future__ import annotations

from tests.web.flows import accept_food
from tests.web.public.apply_flow import complete_case, query_code_of


def _completed(login) -> tuple[str, str]:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    complete_case(login, number, clerk)
    return number, query_code_of(clerk, number)


def test_only_a_completed_case_is_rated_and_only_with_its_code(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    code = query_code_of(clerk, number)
    r = anon.get(f"/cases/{number}/evaluate", params={"code": code})
    assert r.status_code == 200 and "办结后才能评价" in r.text
    r = anon.get(f"/cases/{number}/evaluate", params={"code": "WRONG1"})
    assert r.status_code == 404
    r = anon.send_form(f"/cases/{number}/evaluate", {"code": code, "level": "5"})
    assert r.status_code == 409


def test_the_query_page_leads_to_the_rating(login, anon) -> None:
    number, code = _completed(login)
    r = anon.get("/query", params={"number": number, "code": code})
    assert f'href="/cases/{number}/evaluate?code={code}"' in r.text


def test_a_good_rating_is_recorded_once(login, anon) -> None:
    number, code = _completed(login)
    r = anon.send_form(f"/cases/{number}/evaluate", {"code": code, "level": "5", "comment": "很快"})
    assert r.status_code == 200 and "感谢您的评价" in r.text and "非常满意" in r.text
    again = anon.send_form(f"/cases/{number}/evaluate", {"code": code, "level": "1"})
    assert again.status_code == 409 and "一事一评" in again.text
    figures = anon.get("/evaluations")
    assert "县市场监督管理局" in figures.text and "100.0%" in figures.text


def test_a_rating_without_a_level_is_refused_with_its_field(login, anon) -> None:
    number, code = _completed(login)
    r = anon.send_form(f"/cases/{number}/evaluate", {"code": code, "comment": "x"})
    assert r.status_code == 422 and "请选择满意程度" in r.text and 'href="#f-level-5"' in r.text


def test_a_bad_rating_opens_a_rectification_task_for_the_department(login, anon) -> None:
    number, code = _completed(login)
    r = anon.send_form(
        f"/cases/{number}/evaluate",
        {"code": code, "level": "1", "attitude": "1", "comment": "窗口态度差"},
    )
    assert r.status_code == 200 and "整改" in r.text
    chief = login("chief_representative@county.scjg")
    page = chief.get("/rectifications")
    assert page.status_code == 200 and number in page.text and "窗口态度差" in page.text
    other = login("chief_representative@county.zrzy")
    assert number not in other.get("/rectifications").text
    import re

    task = re.search(r'action="/rectifications/(\d+)/callback"', page.text)[1]
    r = chief.send_form(f"/rectifications/{task}/rectify", {"note": "未回访就整改"})
    assert r.status_code == 409
    assert (
        chief.send_form(f"/rectifications/{task}/callback", {"note": "已电话回访"}).status_code
        == 303
    )
    assert (
        chief.send_form(f"/rectifications/{task}/rectify", {"note": "已批评教育"}).status_code
        == 303
    )
    assert number not in chief.get("/rectifications").text
    assert other.send_form(f"/rectifications/{task}/callback", {"note": "x"}).status_code == 403
    figures = anon.get("/evaluations").text
    assert "县市场监督管理局" in figures


def test_the_completion_sms_links_to_the_rating(login, anon, house) -> None:
    from sqlalchemy import select

    from runtime.case_tables import OutboxMessage

    number, code = _completed(login)
    with house.sessions() as s:
        body = s.execute(
            select(OutboxMessage.body).where(OutboxMessage.template == "completed")
        ).scalar_one()
    link = body.split("评价：", 1)[1].split(" ", 1)[0]
    path = link.split("://", 1)[1].split("/", 1)[1]
    r = anon.get("/" + path)
    assert r.status_code == 200 and f"/cases/{number}/evaluate?code={code}" in r.text
