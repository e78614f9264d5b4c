"""A new version published while a case of the old one is in flight leaves that case's
form, steps and deadlines unchanged (DESIGN §2: a case is pinned to its version for life)."""

from __future__ import annotations

from collections.abc import Callable

from house.wiring import House
from runtime.service import Actor, Applicant
from tests.admin.helpers import edit
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, food_data

HALL = "county.hall"


def test_a_case_in_flight_keeps_its_version(login: Callable[[str], Client], house: House) -> None:
    svc = house.cases
    clerk = Actor(f"window_clerk@{HALL}")
    pub = house.catalog.latest(house.sessions(), house.settings.tenant, FOOD)
    assert pub is not None and pub.version == 1
    needs = pub.compiled.evaluate(food_data()).materials
    received = [
        {"key": m.material.key, "name": f"{m.material.name}.pdf"}
        for m in needs
        if m.required and not m.exempt
    ]
    case = svc.submit(
        clerk,
        FOOD,
        food_data(),
        accepting_domain=HALL,
        applicant=Applicant("向明", "13907180001"),
        materials=received,
        accept=True,
    )
    before = (case.item_version_id, case.due_promised, case.due_statutory, case.current_step)

    # the department drafts v2 (a new required field),
    # the county publishes it
    dept, county = login("admin@county.scjg"), login("admin@county")
    dept.send_form(f"/admin/items/{FOOD}/draft")
    edit(dept, {"op": "add:/form/sections/0/fields"}, code=FOOD)
    doc_fields = dept.get(f"/admin/items/{FOOD}/export", params={"draft": "1"}).json()["form"][
        "sections"
    ][0]["fields"]
    last = len(doc_fields) - 1
    edit(
        dept,
        {
            f"v:/form/sections/0/fields/{last}/key": "shop_sign",
            f"v:/form/sections/0/fields/{last}/label": "门头招牌名称",
            f"b:/form/sections/0/fields/{last}/required": "1",
            f"v:/form/sections/0/fields/{last}/required": "on",
        },
        code=FOOD,
    )
    assert (
        dept.send_form(f"/admin/items/{FOOD}/submit", {"note": "新增门头招牌"}).status_code == 303
    )
    r = county.send_form(f"/admin/items/{FOOD}/publish", {"reason": "新增门头招牌字段"})
    assert r.status_code == 303, r.text[:800]
    house.catalog.latest_ttl = 0
    new = house.catalog.latest(house.sessions(), house.settings.tenant, FOOD)
    assert new is not None and new.version == 2

    again = svc.review(Actor("reviewer@county.scjg"), case.number, opinion="材料齐全")
    assert again.item_version_id == before[0]
    assert (again.due_promised, again.due_statutory) == before[1:3]
    case_page = login("reviewer@county.scjg").get(f"/desk/cases/{case.number}")
    assert case_page.status_code == 200
    assert "门头招牌名称" not in case_page.text
    # a new application takes the new version and its new required field
    fresh = svc.submit(
        clerk,
        FOOD,
        {**food_data(), "shop_sign": "放心小卖部"},
        accepting_domain=HALL,
        applicant=Applicant("李四", "13907180002"),
    )
    assert fresh.item_version_id == new.id != before[0]
