"""Online application: the generated form, the mobile confirmed by SMS code, drafts saved
and resumed by link + code, the window accepting the filed case, "my cases"."""

from __future__ import annotations

import re

from tests.web.demo_site import FOOD
from tests.web.flows import state_of
from tests.web.public.apply_flow import (
    MOBILE,
    apply_online,
    file_online,
    last_code,
    window_accepts,
)


def test_the_online_form_is_the_generated_form(anon) -> None:
    r = anon.get(f"/services/{FOOD}/apply")
    assert r.status_code == 200
    assert 'name="operator_name"' in r.text and 'name="_applicant_mobile"' in r.text
    assert "业州镇" in r.text  # a township hall may accept it
    assert 'name="_csrf_token"' in r.text


def test_an_item_not_marked_online_has_no_online_form(anon, house) -> None:
    from runtime.publishing import Catalog

    with house.sessions() as s:
        pub = Catalog().latest(s, house.settings.tenant, FOOD)
        assert pub is not None
        offline = pub.definition.model_copy(
            update={
                "code": f"{FOOD}-W",
                "service": pub.definition.service.model_copy(update={"online": False}),
            }
        )
        house.catalog.publish(s, house.settings.tenant, offline, "admin@county")
        s.commit()
    r = anon.get(f"/services/{FOOD}-W/apply")
    assert r.status_code == 404 and "窗口" in r.text
    assert f'href="/services/{FOOD}-W/apply"' not in anon.get(f"/services/{FOOD}-W").text


def test_errors_are_summarised_with_their_fields(anon) -> None:
    r = apply_online(anon, operator_name="", mobile="123")
    assert r.status_code == 422
    assert 'class="error-summary"' in r.text and "手机" in r.text


def test_filing_online_needs_the_code_and_the_window_accepts(anon, login, house) -> None:
    number = file_online(anon, house)
    mine = anon.get("/me")
    assert mine.status_code == 200 and number in mine.text and "已接件" in mine.text
    clerk = login("window_clerk@township.yezhou")
    assert number in clerk.get("/desk").text  # in the hall's queue
    r = window_accepts(clerk, number)
    assert r.status_code in (200, 303), r.text[:1000]
    assert "办理中" in state_of(clerk, number)
    code = re.search(r"<td>" + number + r"</td>.*?<td>(\w{6})</td>", anon.get("/me").text, re.S)
    assert code
    q = anon.get("/query", params={"number": number, "code": code[1]})
    assert q.status_code == 200 and "办理中" in q.text


def test_a_wrong_code_files_nothing(anon, house) -> None:
    r = apply_online(anon)
    confirm = r.headers["location"]
    wrong = "000000" if last_code(house) != "000000" else "111111"
    r = anon.send_form(confirm, {"code": wrong})
    assert r.status_code == 422 and "验证码不正确" in r.text
    assert "案件编号" not in anon.get("/me").text


def test_a_draft_is_saved_and_resumed_elsewhere_with_a_code(anon, app, house) -> None:
    from tests.web.conftest import BASE_URL, Client

    r = apply_online(anon, "save", operator_name="草稿小店")
    assert r.status_code == 200 and "草稿已保存" in r.text
    link = re.search(r'id="draft-link" href="https://[^/]+(/services/drafts/[\w-]+)"', r.text)[1]
    other = Client(app=app, base_url=BASE_URL)  # another device: no session
    page = other.get(link)
    assert page.status_code == 200 and "139****0002" in page.text and "草稿小店" not in page.text
    other.send_form(link + "/send")
    r = other.send_form(link, {"code": last_code(house)})
    assert r.status_code == 303
    resumed = other.get(r.headers["location"])
    assert resumed.status_code == 200 and "草稿小店" in resumed.text


def test_a_logged_in_applicant_files_without_another_code(anon, house) -> None:
    anon.send_form("/me/code", {"mobile": MOBILE})
    r = anon.send_form("/me/login", {"mobile": MOBILE, "code": last_code(house)})
    assert r.status_code == 303 and r.headers["location"] == "/me"
    r = apply_online(anon)
    assert r.status_code == 303 and r.headers["location"].startswith("/me?filed=")


def test_the_demo_inbox_shows_the_code_in_demo_mode_only(anon, house) -> None:
    r = apply_online(anon)
    page = anon.get(r.headers["location"])
    assert "/sms/demo-inbox?mobile=13907180002" in page.text
    inbox = anon.get("/sms/demo-inbox", params={"mobile": MOBILE})
    assert inbox.status_code == 200 and last_code(house) in inbox.text


def test_the_one_time_notice_reaches_the_online_applicant(anon, login, house) -> None:
    from sqlalchemy import select

    from runtime.case_tables import OutboxMessage
    from tests.web.flows import version_on_page

    number = file_online(anon, house)
    clerk = login("window_clerk@township.yezhou")
    page = clerk.get(f"/desk/cases/{number}")
    r = clerk.send_form(
        f"/desk/cases/{number}/act/request_correction",
        {"expected_version": version_on_page(page.text), "reason": "平面图须标明面积"},
    )
    assert r.status_code in (200, 303), r.text[:500]
    code = re.search(r"<td>" + number + r"</td>.*?<td>(\w{6})</td>", anon.get("/me").text, re.S)[1]
    q = anon.get("/query", params={"number": number, "code": code})
    todo = re.search(r'<div class="todo" id="query-todo">.*?</div>', q.text, re.S)[0]
    assert "一次性告知" in todo
    listed = re.findall(r"<p>· ([^<]+)</p>", todo)
    assert listed  # every missing material, named
    with house.sessions() as s:
        sms = s.execute(
            select(OutboxMessage.body).where(OutboxMessage.template == "correction_requested")
        ).scalar_one()
    assert all(name in sms for name in listed) and f"number={number}" in sms
