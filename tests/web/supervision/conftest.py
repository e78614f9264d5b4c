"""Supervision pages on each backend: the demo site (tests/web/conftest.py) with three
late cases filed through the real acts 40 days ago — one at the county hall (县市场监管局's
food licence), one at 业州镇 and one at 高坪镇 — and the rollups emptied first (they have
no foreign key to the cases, so PostgreSQL's per-test truncation leaves them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from house.wiring import House
from runtime.service import Actor, Applicant
from tests.web.demo_site import FOOD, food_data


@pytest.fixture
def late_cases(engine: Engine, house: House) -> dict[str, str]:
    """hall / yezhou / gaoping -> the number of an overdue case accepted there."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM supervision_rollup"))
        c.execute(text("DELETE FROM supervision_rollup_month"))
    pub = house.cases.latest_published(FOOD)
    assert pub is not None
    when = datetime.now(UTC) - timedelta(days=40)
    out = {}
    for name, hall in (
        ("hall", "county.hall"),
        ("yezhou", "township.yezhou"),
        ("gaoping", "township.gaoping"),
    ):
        clerk = Actor(f"window_clerk@{hall}")
        case = house.cases.submit(
            clerk,
            FOOD,
            food_data(),
            accepting_domain=hall,
            applicant=Applicant("向明", "13907180001"),
            at=when,
        )
        needs = pub.compiled.evaluate(food_data()).materials
        received = [
            {"key": n.material.key, "name": f"{n.material.name}.pdf"}
            for n in needs
            if n.required and not n.exempt
        ]
        case = house.cases.accept(clerk, case.number, received=received, at=when)
        assert case.state == "in_progress"
        out[name] = case.number
    return out
