"""Worklists and the due list: soonest deadline first, cases not yet accepted after them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from definitions.models import ItemDefinition
from runtime.queries import due_by, worklist
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import FixedNow, food_definition
from tests.runtime.test_lifecycle import valid_data

CLERK = Actor("window_clerk@county.hall")
TOWN = Actor("window_clerk@township.yezhou")


def test_worklist_and_due_list_order(
    service: CaseService,
    publish: Callable[[ItemDefinition], str],
    sessions: sessionmaker[Session],
    clock: FixedNow,
) -> None:
    code = publish(food_definition())
    accepted = []
    for day in (3, 1, 2):  # accepted on different days: different due dates
        clock.moment = datetime(2026, 11, day + 1, 2, 0, tzinfo=UTC)
        case = service.submit(
            CLERK,
            code,
            valid_data(),
            accepting_domain="county.hall",
            applicant=Applicant(f"申请人{day}"),
            materials=[{"key": "layout_plan"}],
            accept=True,
        )
        accepted.append(case)
    waiting = service.submit(
        TOWN,
        code,
        valid_data(),
        accepting_domain="township.yezhou",
        applicant=Applicant("乡镇申请人"),
    )
    with sessions() as s:
        # every accepted case now sits at the department's site inspection
        listed = worklist(s, "422822", ["county.scjg", "township.yezhou"], limit=10)
        numbers = [c.number for c in listed]
        by_due = sorted(accepted, key=lambda c: (c.due_promised, c.number))
        assert numbers == [c.number for c in by_due] + [waiting.number]
        assert [
            c.number for c in worklist(s, "422822", ["county.scjg", "township.yezhou"], limit=2)
        ] == [c.number for c in by_due[:2]]
        soon = due_by(s, "422822", by_due[1].due_promised or date.max)
        assert [c.number for c in soon] == [c.number for c in by_due[:2]]
        assert due_by(s, "422822", (by_due[0].due_promised or date.max) - timedelta(days=1)) == []
