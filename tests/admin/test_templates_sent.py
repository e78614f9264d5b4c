"""A county's own SMS text, saved at /admin/templates, is the text the applicant receives
for the next case; removing it brings the built-in text back."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from house.wiring import House
from runtime.case_tables import OutboxMessage
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, food_data
from tests.web.flows import FOOD_MATERIALS

OWN = "县政务中心：您的“{item}”已受理，编号{number}，请留意后续短信。"


def _accept(clerk: Client) -> str:
    filed = clerk.api_post(
        f"/api/items/{FOOD}/applications",
        {
            "data": food_data(),
            "applicant": {"name": "向明", "mobile": "13907180001"},
            "accepting_domain": "county.hall",
        },
    ).json()
    r = clerk.api_post(
        f"/api/cases/{filed['number']}/acts/accept",
        {"received": FOOD_MATERIALS, "expected_version": filed["version"]},
    )
    assert r.status_code == 201
    return str(filed["number"])


def _accepted_sms(house: House, number: str) -> str:
    with house.sessions() as s:
        bodies = s.execute(
            select(OutboxMessage.body).where(OutboxMessage.template == "accepted")
        ).scalars()
        return next(b for b in bodies if number in b)


def test_the_county_text_is_the_text_sent(login: Callable[[str], Client], house: House) -> None:
    admin, clerk = login("admin@county"), login("window_clerk@county.hall")
    assert (
        admin.send_form("/admin/templates", {"event": "accepted", "text": OWN}).status_code == 303
    )
    number = _accept(clerk)
    assert _accepted_sms(house, number) == OWN.format(item="食品经营许可（新办）", number=number)

    assert admin.send_form("/admin/templates", {"event": "accepted", "text": ""}).status_code == 303
    again = _accept(clerk)
    assert _accepted_sms(house, again).startswith("【建始县政务服务】")
