"""A case names the published version it is pinned to: on the case page (第 N 版) and in
the API answer, so a clerk and a kiosk know which form, steps and limits apply to it."""

from __future__ import annotations

from typing import Any

from tests.web.demo_site import FOOD, food_data

HALL = "window_clerk@county.hall"


def test_the_case_page_and_the_api_name_the_pinned_version(login: Any) -> None:
    clerk = login(HALL)
    version = clerk.get(f"/api/items/{FOOD}").json()["version"]
    filed = clerk.api_post(
        f"/api/items/{FOOD}/applications",
        {
            "data": food_data(),
            "applicant": {"name": "向明", "mobile": "13907180001"},
            "accepting_domain": "county.hall",
        },
    )
    number = filed.json()["number"]
    answer = clerk.get(f"/api/cases/{number}").json()
    assert answer["item"] == {"code": FOOD, "name": "食品经营许可（新办）", "version": version}
    page = clerk.get(f"/desk/cases/{number}")
    assert f"第 {version} 版" in page.text
