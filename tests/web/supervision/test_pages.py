"""Every supervision page for each role, allowed and refused (issue #14 §6): the county
supervisor sees all and acts; a township's supervisor sees its township only; a
department head reads their department and cannot act; everyone else gets 403, and a
visitor is sent to log in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from tests.web.conftest import Client

PAGES = ("/supervision/", "/supervision/cards")
COUNTY = "supervisor@county"
TOWNSHIP = "supervisor@township.yezhou"
HEAD = "department_head@county.scjg"
OTHER_HEAD = "department_head@county.zjj"


@pytest.mark.parametrize(
    "username", ["window_clerk@county.hall", "reviewer@county.scjg", "admin@county"]
)
def test_other_roles_are_refused(
    login: Callable[[str], Client], late_cases: dict[str, str], username: str
) -> None:
    c = login(username)
    for page in (*PAGES, f"/supervision/cases/{late_cases['hall']}"):
        assert c.get(page).status_code == 403, page
    r = c.send_form(
        "/supervision/cards", {"number": late_cases["hall"], "color": "red", "reason": "x"}
    )
    assert r.status_code == 403


def test_a_visitor_is_sent_to_log_in(anon: Client) -> None:
    r = anon.get("/supervision/")
    assert r.status_code in (302, 303, 401) and "/login" in r.headers.get("location", "/login")


def test_the_county_supervisor_sees_every_late_case_in_red(
    login: Callable[[str], Client], late_cases: dict[str, str]
) -> None:
    c = login(COUNTY)
    r = c.get("/supervision/")
    assert r.status_code == 200
    for number in late_cases.values():
        assert f'href="/supervision/cases/{number}"' in r.text
    assert "红色" in r.text and "超过承诺时限" in r.text
    # filters: one township, red only
    r = c.get("/supervision/?township=township.gaoping&severity=red")
    assert late_cases["gaoping"] in r.text and late_cases["hall"] not in r.text
    r = c.get("/supervision/?department=county.zjj")
    assert all(n not in r.text for n in late_cases.values())
    assert c.get("/supervision/cards").status_code == 200


def test_a_township_supervisor_sees_only_its_township(
    login: Callable[[str], Client], late_cases: dict[str, str]
) -> None:
    c = login(TOWNSHIP)
    r = c.get("/supervision/")
    assert r.status_code == 200
    assert late_cases["yezhou"] in r.text
    assert late_cases["hall"] not in r.text and late_cases["gaoping"] not in r.text
    assert c.get(f"/supervision/cases/{late_cases['yezhou']}").status_code == 200
    assert c.get(f"/supervision/cases/{late_cases['gaoping']}").status_code == 404
    # its own filter cannot be widened by the query string
    r = c.get("/supervision/?township=township.gaoping")
    assert late_cases["gaoping"] not in r.text


def test_a_department_head_reads_but_cannot_card(
    login: Callable[[str], Client], late_cases: dict[str, str], engine: Engine
) -> None:
    c = login(HEAD)
    r = c.get("/supervision/")
    assert r.status_code == 200 and late_cases["hall"] in r.text  # 市场监管局's own item
    replay = c.get(f"/supervision/cases/{late_cases['hall']}")
    assert replay.status_code == 200 and "出示监察牌</button>" not in replay.text
    r = c.send_form(
        "/supervision/cards", {"number": late_cases["hall"], "color": "red", "reason": "超期"}
    )
    assert r.status_code == 403
    other = login(OTHER_HEAD)
    assert late_cases["hall"] not in other.get("/supervision/").text
    assert other.get(f"/supervision/cases/{late_cases['hall']}").status_code == 404
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM supervision_card")).scalar() == 0


def test_replay_shows_events_the_chain_check_and_the_counter_acts(
    login: Callable[[str], Client], late_cases: dict[str, str]
) -> None:
    c = login(COUNTY)
    r = c.get(f"/supervision/cases/{late_cases['hall']}")
    assert r.status_code == 200
    assert "校验通过" in r.text
    assert "window_clerk@county.hall" in r.text and "受理" in r.text
    assert "窗口行为（调取大厅视频用）" in r.text and "县政务服务中心" in r.text
    assert c.get("/supervision/cases/42282299990101000001").status_code == 404


def test_a_supervisor_cards_a_case_the_person_is_told_and_the_ledger_only_grows(
    login: Callable[[str], Client], late_cases: dict[str, str], engine: Engine
) -> None:
    c = login(COUNTY)
    number = late_cases["hall"]
    missing = c.send_form("/supervision/cards", {"number": number, "color": "red", "reason": " "})
    assert missing.status_code == 422 and "发牌必须说明理由" in missing.text
    r = c.send_form(
        "/supervision/cards", {"number": number, "color": "red", "reason": "超期未办结"}
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"/supervision/cases/{number}")
    with engine.connect() as conn:
        card_id, who = conn.execute(
            text("SELECT id, responsible FROM supervision_card WHERE number = :n"), {"n": number}
        ).one()
        told = conn.execute(
            text("SELECT recipient, body FROM outbox WHERE channel = :ch"), {"ch": f"card{card_id}"}
        ).one()
    assert "reviewer@county.scjg" in who  # the food licence waits at the department's review
    assert told[0] == who and "红牌" in told[1]
    page = c.get("/supervision/cards")
    assert f'id="card-{card_id}"' in page.text and "超期未办结" in page.text
    r = c.send_form(
        f"/supervision/cards/{card_id}/entries", {"kind": "explained", "text": "现场勘查排期"}
    )
    assert r.status_code == 303
    r = c.send_form(
        f"/supervision/cards/{card_id}/entries",
        {"kind": "resolved", "resolution": "upheld", "text": "理由不成立"},
    )
    assert r.status_code == 303
    again = c.send_form(
        f"/supervision/cards/{card_id}/entries",
        {"kind": "resolved", "resolution": "accepted", "text": "改判"},
    )
    assert again.status_code == 409 and "已办结" in again.text
    with engine.connect() as conn:
        kinds = (
            conn.execute(
                text("SELECT kind FROM supervision_card_entry WHERE card_id = :c ORDER BY seq"),
                {"c": card_id},
            )
            .scalars()
            .all()
        )
    assert kinds == ["explained", "resolved"]


def test_rule_cards_from_the_sweep(
    login: Callable[[str], Client], late_cases: dict[str, str], engine: Engine
) -> None:
    c = login(COUNTY)
    r = c.send_form("/supervision/cards/sweep", {})
    assert r.status_code == 200 and "按规则新出示监察牌" in r.text
    with engine.connect() as conn:
        red = conn.execute(
            text("SELECT count(*) FROM supervision_card WHERE color = 'red' AND rule = 'overdue'")
        ).scalar()
    assert red == 3
    r = c.send_form("/supervision/cards/sweep", {})
    assert "按规则新出示监察牌 0 张" in r.text
    township = login(TOWNSHIP)
    page = township.get("/supervision/cards")
    assert late_cases["yezhou"] in page.text and late_cases["hall"] not in page.text


def test_a_township_supervisor_cannot_card_another_township(
    login: Callable[[str], Client], late_cases: dict[str, str], engine: Engine
) -> None:
    c = login(TOWNSHIP)
    r = c.send_form(
        "/supervision/cards", {"number": late_cases["gaoping"], "color": "red", "reason": "超期"}
    )
    assert r.status_code == 422 and "没有找到案件" in r.text
    r = c.send_form(
        "/supervision/cards", {"number": late_cases["yezhou"], "color": "yellow", "reason": "临期"}
    )
    assert r.status_code == 303
    assert c.send_form("/supervision/cards/sweep", {}).status_code == 403
    with engine.connect() as conn:
        card_id = conn.execute(text("SELECT id FROM supervision_card")).scalar_one()
    head = login(HEAD)
    r = head.send_form(f"/supervision/cards/{card_id}/entries", {"kind": "explained", "text": "x"})
    assert r.status_code == 403


def test_the_filters_answer_htmx_with_the_results_only(
    login: Callable[[str], Client], late_cases: dict[str, str]
) -> None:
    c = login(COUNTY)
    r = c.get("/supervision/?severity=red", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="results">') and "<html" not in r.text
    assert late_cases["hall"] in r.text


ALL_PAGES = (
    "/supervision/",
    "/supervision/cards",
    "/supervision/figures",
    "/supervision/figures.xlsx",
    "/supervision/figures.csv",
    "/supervision/figures.csv?view=township",
    "/supervision/queues",
)


@pytest.mark.parametrize("username", [COUNTY, TOWNSHIP, HEAD])
def test_every_page_opens_for_every_supervising_role(
    login: Callable[[str], Client], late_cases: dict[str, str], username: str
) -> None:
    c = login(username)
    for page in ALL_PAGES:
        assert c.get(page).status_code == 200, (username, page)
    own = late_cases["yezhou"] if username == TOWNSHIP else late_cases["hall"]
    assert c.get(f"/supervision/cases/{own}").status_code == 200


@pytest.mark.parametrize(
    "username", ["window_clerk@township.yezhou", "chief_representative@county.scjg"]
)
def test_every_page_is_refused_to_other_roles(
    login: Callable[[str], Client], late_cases: dict[str, str], username: str
) -> None:
    c = login(username)
    for page in (*ALL_PAGES, f"/supervision/cases/{late_cases['hall']}"):
        assert c.get(page).status_code == 403, (username, page)
