"""Tenant isolation of the county's name: each county's pages, messages, notices and
figures name and count that county only.

The two counties (B's free texts marked ``乙县秘``): tests/web/isolation_world.py."""

from __future__ import annotations

import re

from sqlalchemy import func, select, text

from runtime.case_tables import Case
from tests.web.isolation_world import (
    World,
    world_fixture,  # noqa: F401 (the world fixture)
)

# -- each county by its own name ---------------------------------------------------------------


def _layout(html: str) -> str:
    """What the layout says of the county: the title, the header, the footer."""
    parts = re.findall(r"<title>.*?</title>|<header.*?</header>|<footer.*?</footer>", html, re.S)
    return "\n".join(parts)


def test_each_county_shows_its_own_name(world: World) -> None:
    for county, own, other in ((world.a, "建始县", "巴东县"), (world.b, "巴东县", "建始县")):
        for url in ("/", "/login", "/services", "/query", "/complaints/new", "/publicity"):
            r = county.client().get(url)
            assert r.status_code == 200, url
            layout = _layout(r.text)
            assert f"{own}政务服务" in layout and other not in layout, (county.tenant, url, layout)
        home = county.client().get("/").text
        assert f'<h1 class="heading">{own}政务服务</h1>' in home
        desk = county.login("window_clerk@county.hall").get("/desk").text
        assert own in _layout(desk) and other not in _layout(desk)
        licence = county.client().get("/open-data/items.json").json()["licence"]
        assert own in licence and other not in licence
        assert own in county.client().get("/open-data/figures.csv").text.splitlines()[0]


def test_each_county_s_messages_carry_its_own_name(world: World) -> None:
    """SMS of the built-in texts (codes, filings, complaints, cards, query replies) name
    the county that sends them; the signature of the HTTP gateway too."""
    from runtime.outbox import gateway_for

    for county, own, other in ((world.a, "建始县", "巴东县"), (world.b, "巴东县", "建始县")):
        county.client().send_form(
            "/sms/inbound", {"from": "13907185555", "text": f"CX {county.window_number} XXXXXX"}
        )
        with county.house.sessions() as s:
            bodies = list(
                s.execute(
                    text(
                        "SELECT body FROM outbox WHERE tenant = :t UNION ALL "
                        "SELECT body FROM public_message WHERE tenant = :t"
                    ),
                    {"t": county.tenant},
                ).scalars()
            )
        assert len(bodies) > 10
        for body in bodies:
            assert other not in body, (county.tenant, body)
        assert any(body.startswith(f"【{own}政务服务】") for body in bodies)
        assert any(body.startswith(f"【{own}电子监察】") for body in bodies)
        settings = county.house.settings.model_copy(
            update={
                "sms_gateway": "http",
                "sms_http_url": "https://sms.example",
                "sms_http_key": "k",
            }
        )
        gateway = gateway_for(settings, county.house.sessions)
        assert gateway.config.signature == f"{own}政务服务"  # type: ignore[attr-defined]


def test_a_notice_of_b_names_b(world: World) -> None:
    b = world.b
    clerk = b.login("window_clerk@county.hall")
    r = clerk.get(f"/desk/cases/{b.window_number}/notice/acceptance")
    assert r.status_code == 200
    assert "建始县" not in r.text and "巴东县" in r.text


def test_a_s_figures_count_only_a_s_cases(world: World) -> None:
    """Counts carry no marker: A's figures (supervision, open data) are checked against A's
    own cases — the same departments in B would double them if a rollup were shared."""
    from datetime import date

    from runtime.public.opendata import figure_rows
    from runtime.supervision.figures import figures, total

    for county in (world.a, world.b):
        tenant = county.tenant
        with county.house.sessions() as s:
            accepted = s.execute(
                select(func.count())
                .select_from(Case)
                .where(Case.tenant == tenant, Case.accepted_on.is_not(None))
            ).scalar_one()
            rows = figures(s.connection(), tenant, "department", date(2000, 1, 1), date(2100, 1, 1))
            open_rows = figure_rows(s, tenant, {})
        assert accepted > 0
        assert total(rows).counts["accepted"] == accepted, tenant
        assert sum(int(r["accepted"]) for r in open_rows) == accepted, tenant
