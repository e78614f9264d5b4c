"""Figures with their charts, the Excel and CSV exports holding the page's numbers, and
the queues with their deadlines — for each role that may see them, and refused to the
others."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import openpyxl
from sqlalchemy import Engine

from db.engine import session_factory, transaction
from house.wiring import House
from runtime.public_tables import Complaint, Evaluation, Rectification
from tests.runtime.conftest import advance
from tests.web.conftest import Client
from tests.web.demo_site import FOOD

COUNTY = "supervisor@county"


def _cells(html: str, table: str, row: str) -> dict[str, str]:
    body = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        if f">{row}</th>" in tr:
            return dict(re.findall(r'data-key="([a-z_]+)">([^<]*)</td>', tr))
    raise AssertionError(f"no row {row} in {table}")


def _finish(house: House, number: str) -> None:
    pub = house.cases.latest_published(FOOD)
    assert pub is not None
    when = datetime.now(UTC) - timedelta(days=39)  # the day after acceptance
    with house.reading() as s:
        from runtime.queries import case_by_number

        case = case_by_number(s, house.settings.tenant, number)
    while case is not None and case.open and case.state != "completed":
        case = advance(house.cases, pub, case, at=when)


def test_figures_page_charts_and_exports_agree(
    login: Callable[[str], Client], late_cases: dict[str, str], house: House
) -> None:
    _finish(house, late_cases["hall"])
    c = login(COUNTY)
    start = (date.today() - timedelta(days=60)).isoformat()
    r = c.get(f"/supervision/figures?start={start}")
    assert r.status_code == 200
    assert r.text.count('<svg role="img"') == 6  # three charts per view
    dept = _cells(r.text, "department", "县市场监督管理局")
    assert dept["accepted"] == "3" and dept["completed"] == "1"
    assert dept["on_time_rate"] == "100.0%"
    yezhou = _cells(r.text, "township", "业州镇")
    assert yezhou["accepted"] == "1"
    x = c.get(f"/supervision/figures.xlsx?start={start}")
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    book = openpyxl.load_workbook(io.BytesIO(x.content))
    assert [ws.title.split("（")[0] for ws in book.worksheets] == ["部门", "乡镇"]
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "县市场监督管理局"
    )
    values = dict(zip(header, row, strict=True))
    assert values["受理"] == 3 and isinstance(values["受理"], int)
    assert values["办结"] == 1 and values["按时办结率"] == 1.0
    assert isinstance(values["平均用时（工作日）"], int | float)  # a number, not text
    assert f"{values['平均用时（工作日）']:.1f}" == dept["avg_used"]
    text = c.get(f"/supervision/figures.csv?view=township&start={start}").content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["domain", "乡镇", "受理"]
    assert next(r for r in rows if r[0] == "township.yezhou")[:3] == [
        "township.yezhou",
        "业州镇",
        "1",
    ]


def test_bad_dates_are_refused_with_their_field(login: Callable[[str], Client]) -> None:
    c = login(COUNTY)
    r = c.get("/supervision/figures?start=2026-13-01")
    assert r.status_code == 422 and 'href="#start"' in r.text and "error-summary" in r.text
    r = c.get("/supervision/figures?start=2026-05-01&end=2026-01-01")
    assert r.status_code == 422 and 'href="#end"' in r.text
    r = c.get("/supervision/figures.xlsx?start=nonsense")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "/start"
    assert c.get("/supervision/figures.csv?view=village").status_code == 422


def test_each_role_sees_its_own_figures(
    login: Callable[[str], Client], late_cases: dict[str, str]
) -> None:
    start = (date.today() - timedelta(days=60)).isoformat()
    head = login("department_head@county.scjg").get(f"/supervision/figures?start={start}")
    assert head.status_code == 200 and "县市场监督管理局" in head.text
    assert 'id="table-township"' not in head.text and "县自然资源和规划局</th>" not in head.text
    town = login("supervisor@township.yezhou").get(f"/supervision/figures?start={start}")
    assert town.status_code == 200 and 'id="table-department"' not in town.text
    assert ">业州镇</th>" in town.text and ">高坪镇</th>" not in town.text
    for who in ("window_clerk@county.hall", "chief_representative@county.scjg"):
        c = login(who)
        for page in (
            "/supervision/figures",
            "/supervision/figures.xlsx",
            "/supervision/figures.csv",
            "/supervision/queues",
        ):
            assert c.get(page).status_code == 403, (who, page)


def test_queues_show_deadlines_and_warnings(
    login: Callable[[str], Client], late_cases: dict[str, str], engine: Engine
) -> None:
    now = datetime.now(UTC)
    today = date.today()
    with transaction(session_factory(engine)) as s:
        s.add(
            Complaint(
                tenant="422822",
                code="TS0001",
                case_number=late_cases["hall"],
                item_code=FOOD,
                department="county.scjg",
                anonymous=False,
                name="向明",
                subject="办理超期",
                body="四十天未办结",
                state="filed",
                filed_at=now - timedelta(days=10),
                accept_due=today - timedelta(days=2),
                version=1,
                last_hash="0" * 64,
            )
        )
        ev = Evaluation(
            tenant="422822",
            case_number=late_cases["yezhou"],
            item_code=FOOD,
            department="county.scjg",
            hall="township.yezhou",
            level=1,
            overall=1,
            efficiency=1,
            guide_accuracy=3,
            convenience=2,
            attitude=2,
            channel="web",
            named=True,
            bad=True,
            evaluated_at=now,
        )
        s.add(ev)
        s.flush()
        s.add(
            Rectification(
                tenant="422822",
                evaluation_id=ev.id,
                case_number=late_cases["yezhou"],
                department="county.scjg",
                state="open",
                opened_at=now,
                due=today + timedelta(days=20),
            )
        )
    c = login(COUNTY)
    r = c.get("/supervision/queues")
    assert r.status_code == 200
    complaints = r.text.split('id="queue-complaints"', 1)[1].split("</table>", 1)[0]
    assert "TS0001" in complaints and "已超期" in complaints
    rect = r.text.split('id="queue-rectifications"', 1)[1].split("</table>", 1)[0]
    assert late_cases["yezhou"] in rect and "已超期" not in rect
    warned = c.get("/supervision/").text.split('id="due-soon"', 1)[1].split("</table>", 1)[0]
    complaints_row = next(r for r in warned.split("<tr>") if "投诉（受理与答复）" in r)
    assert 'card-red">1<' in complaints_row  # the complaint past its acceptance deadline
    head = login("department_head@county.scjg").get("/supervision/queues")
    assert "TS0001" in head.text
    other = login("department_head@county.zjj").get("/supervision/queues")
    assert "TS0001" not in other.text
    start = (today - timedelta(days=60)).isoformat()
    figs = c.get(f"/supervision/figures?start={start}")
    assert _cells(figs.text, "department", "县市场监督管理局")["satisfaction"] == "0.0%"
    assert _cells(figs.text, "department", "县市场监督管理局")["complaints"] == "1"


def test_the_desk_points_supervisors_to_supervision(login: Callable[[str], Client]) -> None:
    r = login(COUNTY).get("/desk")
    assert 'href="/supervision/"' in r.text
