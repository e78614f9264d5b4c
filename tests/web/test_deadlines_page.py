"""The case page and the API show both deadlines — statutory and promised — each explained,
marked 暂定 while the calendar lacks a year they touch; withdrawing and re-entering the year
recomputes the case at once, as an event with before → after for both dates."""

from __future__ import annotations

import html

from db.engine import transaction
from house.wiring import House
from runtime.calendar_recompute import recompute_pending
from runtime.calendar_store import mark_year_complete, mark_year_incomplete
from runtime.localtime import today
from tests.web.demo_site import TENANT
from tests.web.flows import accept_food

HALL = "window_clerk@county.hall"


def _page(client: object, number: str) -> str:
    return html.unescape(client.get(f"/desk/cases/{number}").text)  # type: ignore[attr-defined]


def test_both_deadlines_are_shown_and_explained(login, house: House) -> None:
    clerk = login(HALL)
    number = accept_food(clerk, domain="county.hall")
    page = _page(clerk, number)
    for kind, name in (("statutory", "法定期限"), ("promised", "承诺期限")):
        assert f'id="deadline-{kind}"' in page
        assert f"{name}如何计算" in page  # <details>: works without JavaScript
    assert "法定时限10个工作日" in page and "承诺时限4个工作日" in page
    answer = clerk.get(f"/api/cases/{number}").json()
    kinds = [(d["kind"], d["name"], d["working_days"]) for d in answer["deadlines"]]
    assert kinds == [("statutory", "法定期限", 10), ("promised", "承诺期限", 4)]
    for d in answer["deadlines"]:
        assert f"故应于{d['due_text']}前（含当日）办结" in d["explanation"]
        assert d["stopped_on"] is None and d["on_time"] is None


def test_a_withdrawn_year_makes_both_dates_provisional_until_it_is_entered_again(
    login, house: House
) -> None:
    clerk = login(HALL)
    number = accept_food(clerk, domain="county.hall")
    year = today().year
    with transaction(house.sessions) as s:
        mark_year_incomplete(s, TENANT, year)
    try:
        report = recompute_pending(house.cases)
        assert number in report.changed
        page = _page(clerk, number)
        assert page.count("（暂定）") >= 2 and "【暂定】" in page
        assert f"{year}年的法定节假日及调休安排尚未录入" in page
        answer = clerk.get(f"/api/cases/{number}").json()
        assert all(d["provisional"] for d in answer["deadlines"])
        assert [d["missing_years"] for d in answer["deadlines"]] == [[year], [year]]
    finally:
        with transaction(house.sessions) as s:
            mark_year_complete(s, TENANT, year, source="chinesecalendar")
    recompute_pending(house.cases)
    answer = clerk.get(f"/api/cases/{number}").json()
    assert not any(d["provisional"] for d in answer["deadlines"])
    reasons = [e["reason"] or "" for e in answer["events"]]
    assert any("法定期限" in r and "（暂定） → " in r and "承诺期限" in r for r in reasons)
    assert "暂定" not in _page(clerk, number).split("办理记录")[0].split("法定期限")[1][:40]
