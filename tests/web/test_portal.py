"""The public case query: number + query code, rate-limited, no login."""

from __future__ import annotations

import re

from tests.web.flows import accept_food


def _query_code(client, number: str) -> str:
    m = re.search(r"<dt>查询码</dt><dd>(\w+)</dd>", client.get(f"/desk/cases/{number}").text)
    assert m
    return m[1]


def test_query_with_the_right_code_shows_the_state(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    code = _query_code(clerk, number)
    r = anon.get("/query", params={"number": number, "code": code})
    assert r.status_code == 200
    result = re.search(r'<dl class="summary-list" id="query-result">.*?</dl>', r.text, re.S)
    assert result is not None
    assert number in result[0] and "食品经营许可（新办）" in result[0] and "办理中" in result[0]
    assert "承诺办结日期" in result[0]
    assert "向明" not in r.text  # no personal data on the public page


def test_query_with_a_wrong_code_says_so_without_details(login, anon) -> None:
    number = accept_food(login("window_clerk@township.yezhou"))
    r = anon.get("/query", params={"number": number, "code": "WRONG1"})
    assert r.status_code == 404
    assert "案件编号或查询码不正确" in r.text and 'id="query-result"' not in r.text


def test_queries_are_rate_limited(anon) -> None:
    statuses = [
        anon.get(
            "/query", params={"number": "42282220260101000001", "code": f"X{i:05d}"}
        ).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    r = anon.get("/query", params={"number": "42282220260101000001", "code": "X"})
    assert r.status_code == 429 and "查询太频繁" in r.text and "请求太频繁" in r.text
    # the empty form is not counted and still served
    assert anon.get("/query").status_code == 200


def test_kiosk_mode_is_large_type(anon) -> None:
    r = anon.get("/query", params={"kiosk": "true"})
    assert r.status_code == 200 and 'class="kiosk"' in r.text
    assert '<input type="hidden" name="kiosk" value="true">' in r.text
