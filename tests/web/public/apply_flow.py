"""A citizen's online application as HTTP requests (used by several public test modules)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from runtime.public_tables import PublicMessage
from tests.web.demo_site import FOOD, application_post, food_data

MOBILE = "13907180002"


def last_code(house: Any, mobile: str = MOBILE) -> str:
    """The code in the newest SMS code message to ``mobile`` (read from the queue)."""
    with house.sessions() as s:
        body = (
            s.execute(
                select(PublicMessage.body)
                .where(PublicMessage.recipient == mobile, PublicMessage.template == "sms_code")
                .order_by(PublicMessage.id.desc())
            )
            .scalars()
            .first()
        )
    assert body, "no code was sent"
    m = re.search(r"验证码 (\d{6})", body)
    assert m
    return m[1]


def apply_online(
    client: Any,
    action: str = "submit",
    *,
    mobile: str = MOBILE,
    hall: str = "township.yezhou",
    **changes: Any,
) -> Any:
    fields = application_post(food_data(**changes), action, mobile=mobile)
    fields.append(("_hall", hall))
    return client.send_form(f"/services/{FOOD}/apply", fields)


def file_online(client: Any, house: Any, mobile: str = MOBILE) -> str:
    """Apply, confirm the mobile with the SMS code; the new case's number."""
    r = apply_online(client, mobile=mobile)
    assert r.status_code == 303, r.text[:3000]
    confirm = r.headers["location"]
    assert re.fullmatch(r"/services/drafts/[\w-]+/confirm", confirm)
    r = client.send_form(confirm, {"code": last_code(house, mobile)})
    assert r.status_code == 303, r.text[:2000]
    m = re.fullmatch(r"/me\?filed=(\d+)", r.headers["location"])
    assert m, r.headers["location"]
    return m[1]


def window_accepts(clerk: Any, number: str) -> Any:
    """The window accepts an online case, ticking the materials as received."""
    from tests.web.flows import version_on_page

    page = clerk.get(f"/desk/cases/{number}")
    fields = [("expected_version", version_on_page(page.text))]
    fields += [("received", k) for k in ("layout_plan", "safety_rules")]
    return clerk.send_form(f"/desk/cases/{number}/act/accept", fields)


def complete_case(login: Any, number: str, clerk: Any | None = None) -> None:
    """Review, decide and complete a 食品经营许可 case accepted at 业州镇."""
    from tests.web.flows import act

    clerk = clerk or login("window_clerk@township.yezhou")
    assert act(login("reviewer@county.scjg"), number, "review", reason="符合").status_code == 303
    chief = login("chief_representative@county.scjg")
    assert act(chief, number, "decide", value="approve", reason="准予").status_code == 303
    assert act(clerk, number, "complete").status_code == 303


def query_code_of(clerk: Any, number: str) -> str:
    m = re.search(r"<dt>查询码</dt><dd>(\w+)</dd>", clerk.get(f"/desk/cases/{number}").text)
    assert m
    return m[1]
