"""Open data: the disclosed fields of every published item and the public figures, as
JSON and CSV under stable URLs, with a licence."""

from __future__ import annotations

import csv
import io

from tests.web.flows import accept_food
from tests.web.public.apply_flow import complete_case


def test_items_as_json_and_csv(anon) -> None:
    r = anon.get("/open-data/items.json")
    assert r.status_code == 200
    body = r.json()
    assert "政府信息公开条例" in body["licence"]
    codes = {row["code"] for row in body["rows"]}
    assert "422822-SCJG-XK-0001" in codes and body["count"] == len(body["rows"])
    food = next(row for row in body["rows"] if row["code"] == "422822-SCJG-XK-0001")
    assert food["promised_days"] == 4 and food["statutory_days"] == 10 and food["online"] is True
    assert food["guide_url"].endswith("/services/422822-SCJG-XK-0001")
    text = anon.get("/open-data/items.csv")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    lines = text.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("# 许可：")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert {r["code"] for r in rows} == codes
    assert "operator_name" not in text.text  # form internals are not disclosed


def test_figures_count_cases_ratings_and_complaints(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    complete_case(login, number, clerk)
    accept_food(clerk)
    body = anon.get("/open-data/figures.json").json()
    scjg = next(r for r in body["rows"] if r["department"] == "county.scjg")
    assert scjg["accepted"] == 2 and scjg["completed"] == 1 and scjg["completed_on_time"] == 1
    assert scjg["department_name"] == "县市场监督管理局"
    text = anon.get("/open-data/figures.csv").content.decode("utf-8-sig")
    assert text.startswith("# 许可：") and "county.scjg" in text
