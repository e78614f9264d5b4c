"""A county's own SMS text, saved at /admin/templates, is the text the applicant receives
for the next case — and the public side's messages (complaints, codes, rectifications) too;
removing it brings the built-in text back."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from house.wiring import House
from runtime.case_tables import OutboxMessage
from runtime.public_tables import PublicMessage
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


def test_the_public_sides_messages_use_the_county_text_too(
    login: Callable[[str], Client], anon: Client, house: House
) -> None:
    own = "县电子监察中心已收到您的投诉，追踪码{code}，{due}前决定是否受理。"
    admin = login("admin@county")
    assert (
        admin.send_form("/admin/templates", {"event": "complaint_filed", "text": own}).status_code
        == 303
    )
    filed = anon.send_form(
        "/complaints/new",
        {
            "anonymous": "yes",
            "subject": "窗口排队太久",
            "body": "上午等了两个小时。",
            "mobile": "13907180009",
            "department": "county.hall",
        },
    )
    assert filed.status_code == 303
    with house.sessions() as s:
        body = s.execute(
            select(PublicMessage.body).where(PublicMessage.recipient == "13907180009")
        ).scalar_one()
    assert body.startswith("县电子监察中心已收到您的投诉，追踪码TS")
