"""Complaints: named or anonymous, about a case or not; a tracking code; supervision
accepts or not within the deadline and answers; the complainant follows it by code and
SMS; every act is chained."""

from __future__ import annotations

import re

from sqlalchemy import select

from runtime.public.complaints import by_code, verify_chain
from runtime.public_tables import PublicMessage
from tests.web.flows import accept_food
from tests.web.public.apply_flow import query_code_of


def _file(client, **fields):
    base = {"anonymous": "yes", "subject": "窗口排队太久", "body": "上午等了两个小时。"}
    return client.send_form("/complaints/new", {**base, **fields})


def test_an_anonymous_complaint_is_followed_by_its_code(anon, house) -> None:
    assert anon.get("/complaints/new").status_code == 200
    r = _file(anon, mobile="13907180009", department="county.hall")
    assert r.status_code == 303
    m = re.fullmatch(r"/complaints/(TS\w+)\?filed=1", r.headers["location"])
    assert m
    code = m[1]
    page = anon.get(r.headers["location"])
    assert page.status_code == 200 and code in page.text and "已登记，待受理" in page.text
    assert "受理期限" in page.text and "匿名" in page.text
    assert "上午等了两个小时" not in page.text  # the body is for supervisors
    with house.sessions() as s:
        sms = (
            s.execute(select(PublicMessage.body).where(PublicMessage.recipient == "13907180009"))
            .scalars()
            .all()
        )
    assert len(sms) == 1 and code in sms[0]
    assert anon.get("/complaints/TSWRONG123").status_code == 404


def test_a_named_complaint_needs_a_name_and_a_case_needs_its_code(login, anon) -> None:
    r = _file(anon, anonymous="no")
    assert r.status_code == 422 and "实名投诉请填写姓名" in r.text
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    r = _file(anon, case_number=number, query_code="WRONG1")
    assert r.status_code == 422 and "案件编号或查询码不正确" in r.text
    r = _file(
        anon,
        anonymous="no",
        name="向明",
        case_number=number,
        query_code=query_code_of(clerk, number),
    )
    assert r.status_code == 303
    page = anon.get(r.headers["location"])
    assert number in page.text and "县市场监督管理局" in page.text and "向明" not in page.text


def test_supervision_accepts_and_answers(login, anon, house) -> None:
    r = _file(anon, mobile="13907180009", department="county.scjg")
    code = re.search(r"/complaints/(TS\w+)", r.headers["location"])[1]
    supervisor = login("supervisor@county")
    page = supervisor.get(f"/complaints/{code}")
    assert "上午等了两个小时" in page.text and "/act/accept" in page.text
    assert anon.send_form(f"/complaints/{code}/act/accept", {}).status_code == 403
    clerk = login("window_clerk@township.yezhou")
    assert clerk.send_form(f"/complaints/{code}/act/accept", {}).status_code == 403
    r = supervisor.send_form(f"/complaints/{code}/act/answer", {"text": "x"})
    assert r.status_code == 409  # not accepted yet
    assert (
        supervisor.send_form(
            f"/complaints/{code}/act/accept", {"expected_version": "1"}
        ).status_code
        == 303
    )
    stale = supervisor.send_form(
        f"/complaints/{code}/act/answer", {"text": "x", "expected_version": "1"}
    )
    assert stale.status_code == 409
    r = supervisor.send_form(
        f"/complaints/{code}/act/answer", {"text": "已督促县政务服务中心增设窗口。"}
    )
    assert r.status_code == 303
    page = anon.get(f"/complaints/{code}")
    assert "已答复" in page.text and "已督促县政务服务中心增设窗口" in page.text
    with house.sessions() as s:
        complaint = by_code(s, house.settings.tenant, code)
        assert complaint is not None and verify_chain(s, complaint) is None
        sms = (
            s.execute(
                select(PublicMessage.template)
                .where(PublicMessage.recipient == "13907180009")
                .order_by(PublicMessage.id)
            )
            .scalars()
            .all()
        )
    assert sms == ["complaint_filed", "complaint_accepted", "complaint_answered"]


def test_not_accepting_needs_a_reason(login, anon) -> None:
    r = _file(anon)
    code = re.search(r"/complaints/(TS\w+)", r.headers["location"])[1]
    supervisor = login("supervisor@county")
    assert (
        supervisor.send_form(f"/complaints/{code}/act/not_accept", {"text": ""}).status_code == 422
    )
    assert (
        supervisor.send_form(
            f"/complaints/{code}/act/not_accept", {"text": "不属于本中心职责"}
        ).status_code
        == 303
    )
    assert "不予受理" in anon.get(f"/complaints/{code}").text
