"""The administrators' pages keep the organisation and the published catalogue in step: a
revocation or deactivation that would leave a published item with nobody to perform a step
is refused with the item and the step named (runtime/org_guard.py), and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import Client

CHIEF = "chief_representative@county.scjg"


def test_revoking_or_deactivating_the_last_decider_is_refused(
    login: Callable[[str], Client],
) -> None:
    c = login("admin@county")
    r = c.send_form(
        "/admin/people/grants",
        {"username": CHIEF, "role": "chief_representative", "domain": "county.scjg", "revoke": "1"},
    )
    assert r.status_code == 409
    assert "无人办理" in r.text and "422822-SCJG-XK-0001" in r.text
    r = c.send_form("/admin/people/active", {"username": CHIEF, "active": "0"})
    assert r.status_code == 409 and "无人办理" in r.text
    # nothing changed: the chief representative still decides
    page = c.get("/admin/people", params={"q": CHIEF}).text
    assert "首席代表@county.scjg" in page and "已停用" not in page
