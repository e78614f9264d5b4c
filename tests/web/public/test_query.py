"""The public query (web, phone, kiosk) and the SMS query: the state, the step, both
deadlines explained, the public timeline, what to do now; the same answer for a wrong
number and a wrong code; limited per address and per case number."""

from __future__ import annotations

import re

from sqlalchemy import select

from runtime.public_tables import PublicMessage
from tests.web.flows import accept_food


def query_code(client, number: str) -> str:
    m = re.search(r"<dt>查询码</dt><dd>(\w+)</dd>", client.get(f"/desk/cases/{number}").text)
    assert m
    return m[1]


def test_the_answer_explains_both_deadlines_and_what_to_do(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    code = query_code(clerk, number)
    r = anon.get("/query", params={"number": number, "code": code.lower()})
    assert r.status_code == 200
    page = r.text
    assert "承诺办结日期" in page and "法定办结日期" in page
    assert "个工作日" in page  # the explanation of the deadline
    assert "当前环节" in page and "您现在需要做什么" in page and "无需操作" in page
    timeline = re.search(
        r'<ol class="timeline timeline-public" id="query-timeline">.*?</ol>', page, re.S
    )
    assert timeline and "受理" in timeline[0]
    assert "window_clerk" not in page  # who acted stays internal
    assert "evaluate" not in page  # only a completed case is rated


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    wrong_code = anon.get("/query", params={"number": number, "code": "ZZZZZZ"})
    wrong_number = anon.get("/query", params={"number": "422822209901010001", "code": "ZZZZZZ"})
    assert wrong_code.status_code == wrong_number.status_code == 404

    def answer(r):
        return re.search(r'<div id="query-answer".*?</div>\s*</div>', r.text, re.S)[0]

    assert answer(wrong_code).replace(number, "N") == answer(wrong_number).replace(
        "422822209901010001", "N"
    )


def test_queries_of_one_case_are_limited_beside_the_address_limit(house) -> None:
    from house.wiring import build_house
    from tests.web.conftest import BASE_URL, Client
    from web.app import create_app

    settings = house.settings.model_copy(
        update={"query_per_minute": 1000, "query_per_case_per_minute": 3}
    )
    client = Client(
        app=create_app(settings, build_house(settings, house.engine)), base_url=BASE_URL
    )
    one = [
        client.get(
            "/query", params={"number": "422822202601010009", "code": f"C{i:05d}"}
        ).status_code
        for i in range(4)
    ]
    assert one == [404, 404, 404, 429]
    other = client.get("/query", params={"number": "422822202601010010", "code": "C00000"})
    assert other.status_code == 404  # another case number is not held up


def test_the_kiosk_has_a_keypad_and_resets(anon) -> None:
    r = anon.get("/query", params={"kiosk": "true"})
    assert r.status_code == 200
    assert 'id="keypad"' in r.text and 'data-idle-seconds="90"' in r.text
    assert '<script src="/static/public/kiosk.js" defer></script>' in r.text
    js = anon.get("/static/public/kiosk.js")
    assert js.status_code == 200 and "data-keypad" in js.text


def test_a_basic_phone_queries_by_sms(login, anon, house) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    code = query_code(clerk, number)
    r = anon.post("/sms/inbound", data={"from": "+8613900001111", "text": f"cx {number} {code}"})
    assert r.status_code == 200, r.text
    assert "食品经营许可（新办）" in r.json()["reply"] and "办理中" in r.json()["reply"]
    r = anon.post("/sms/inbound", json={"from": "13900001111", "text": "你好"})
    assert r.status_code == 200 and "CX 案件编号 查询码" in r.json()["reply"]
    r = anon.post("/sms/inbound", json={"from": "13900001111", "text": f"CX {number} AAAAAA"})
    assert "未查到该办件" in r.json()["reply"]
    with house.sessions() as s:
        bodies = [
            m.body for m in s.execute(select(PublicMessage).order_by(PublicMessage.id)).scalars()
        ]
    assert len(bodies) == 3 and all(m.startswith("【建始县政务服务】") for m in bodies)


def test_inbound_sms_needs_the_providers_token_outside_demo_mode(app, house) -> None:
    from house.settings import Settings
    from house.wiring import build_house
    from tests.web.conftest import BASE_URL, Client
    from web.app import create_app

    settings = Settings(
        database_url=house.settings.database_url,
        demo_mode=False,
        secret_key="x" * 40,
        sms_inbound_token="t" * 32,
    )
    other = create_app(settings, build_house(settings, house.engine))
    client = Client(app=other, base_url=BASE_URL)
    body = {"from": "13900001111", "text": "CX 1 2"}
    assert client.post("/sms/inbound", json=body).status_code == 403
    ok = client.post("/sms/inbound", json=body, headers={"x-banshi-token": "t" * 32})
    assert ok.status_code == 200


def test_operators_see_the_dead_letters(login, anon, house) -> None:
    from datetime import UTC, datetime

    from db.engine import transaction
    from runtime.public.messages import enqueue

    with transaction(house.sessions) as s:
        m = enqueue(
            s,
            house.settings.tenant,
            "sms_code",
            "13900000400",
            "【建始县政务服务】验证码",
            now=datetime.now(UTC),
        )
        m.status, m.last_error = "failed", "SMS provider refused the message (400)"
    assert anon.get("/sms/dead-letters").status_code in (303, 401)
    assert login("window_clerk@township.yezhou").get("/sms/dead-letters").status_code == 403
    r = login("admin@county").get("/sms/dead-letters")
    assert r.status_code == 200 and "13900000400" in r.text and "refused" in r.text
