"""A retired item takes no new application anywhere — the window's form, a filing through
the API — and leaves the catalogue lists; a case filed before goes on; reinstating it
opens it again. (The reform office retires items it takes out of the catalogue.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import Client
from tests.web.demo_site import FOOD, food_data
from tests.web.flows import FOOD_MATERIALS

HALL = "window_clerk@county.hall"


def _file(clerk: Client) -> Any:
    return clerk.api_post(
        f"/api/items/{FOOD}/applications",
        {
            "data": food_data(),
            "applicant": {"name": "向明", "mobile": "13907180001"},
            "accepting_domain": "county.hall",
        },
    )


def test_a_retired_item_takes_no_new_application(login: Callable[[str], Client]) -> None:
    county, clerk = login("admin@county"), login(HALL)
    before = _file(clerk)
    assert before.status_code == 201
    in_flight = before.json()
    assert county.send_form(f"/admin/items/{FOOD}/retire", {"reason": "已取消"}).status_code == 303

    refused = _file(clerk)
    assert refused.status_code == 409 and "已停止办理" in refused.json()["message"]
    assert FOOD not in {i["code"] for i in clerk.get("/api/items").json()}
    form = clerk.get(f"/desk/apply/{FOOD}", params={"domain": "county.hall"})
    assert form.status_code == 409 and "已停止办理" in form.text
    # the case filed before goes on under its pinned version
    accepted = clerk.api_post(
        f"/api/cases/{in_flight['number']}/acts/accept",
        {"received": FOOD_MATERIALS, "expected_version": in_flight["version"]},
    )
    assert accepted.status_code == 201

    assert county.send_form(f"/admin/items/{FOOD}/reinstate", {"reason": "恢复"}).status_code == 303
    assert _file(clerk).status_code == 201
    assert FOOD in {i["code"] for i in clerk.get("/api/items").json()}
