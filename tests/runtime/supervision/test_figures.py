"""Figures equal a brute-force recomputation from the event log, after random act
sequences (acceptance, corrections, refusals, returns, denials, withdrawals, completion)
over random days: the rollups kept in each act's transaction never drift from the log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rbac.permissions import PermissionDenied
from runtime.case_tables import Case, CaseEvent
from runtime.clock import DeadlineInputs, progress
from runtime.errors import ActError
from runtime.service import Actor, Applicant, CaseService
from runtime.supervision.figures import figures, split, total
from tests.runtime.conftest import TENANT, advance, sample_data, step_of

CHINA = ZoneInfo("Asia/Shanghai")
ITEMS = ("422822-ZJJ-XK-0001", "422822-ZFB-QT-0001", "422822-SLJ-XK-0001")
CLERK = Actor("window_clerk@county.hall")
START = date(2026, 3, 2)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def drive(service: CaseService, pub: Any, script: list[tuple[str, int]], seed: int) -> None:
    """One case driven by ``script``: (move, days to wait before it) pairs."""
    day = START + timedelta(days=seed % 40)
    case = service.submit(
        CLERK,
        pub.code,
        sample_data(pub, seed),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
        at=at(day),
    )
    for move, wait in script:
        day += timedelta(days=wait)
        n = case.number
        try:
            if move == "refuse":
                case = service.refuse(CLERK, n, reason="不属于本机关职权范围", at=at(day))
            elif move == "correct" and case.state == "submitted":
                key = pub.definition.materials[0].key
                case = service.request_correction(CLERK, n, missing=[key], at=at(day))
            elif move == "withdraw":
                case = service.withdraw(CLERK, n, reason="申请人书面撤回", written=True, at=at(day))
            elif move == "return" and case.state == "in_progress":
                step = step_of(pub, case)
                who = Actor(
                    f"chief_representative@{case.current_domain}"
                    if step.kind.value == "decide"
                    else f"reviewer@{case.current_domain}"
                )
                case = service.return_step(who, n, reason="材料需要补充核实", at=at(day))
            elif move == "deny" and case.current_step == "decide":
                who = Actor(f"chief_representative@{case.current_domain}")
                case = service.decide(who, n, approve=False, reason="不符合法定条件", at=at(day))
            else:
                case = advance(service, pub, case, at=at(day))
        except (ActError, PermissionDenied):  # a move the case does not allow now
            pass
        if not case.open:
            return


def brute_force(
    sessions: sessionmaker[Session],
    calendar: Any,
    start: date = date.min,
    end: date = date.max,
) -> dict[str, int]:
    """The figures' counters, recomputed from every event of every case (those of events
    on days in ``[start, end]``)."""
    out = dict.fromkeys(
        [
            "accepted",
            "completed",
            "clocked",
            "on_time",
            "early",
            "used_days",
            "promised_days",
            "statutory_days",
            "not_accepted",
            "denied",
            "corrections",
            "withdrawn",
            "returned",
        ],
        0,
    )
    with sessions() as s:
        cases = {c.id: c for c in s.execute(select(Case)).scalars()}
        events = s.execute(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)).scalars()
        state: dict[int, dict[str, Any]] = {}
        for ev in events:
            assert ev.case_id in cases
            changes = json.loads(ev.changes)
            folded = state.setdefault(ev.case_id, {})
            folded.update(changes)
            day = (ev.at if ev.at.tzinfo else ev.at.replace(tzinfo=UTC)).astimezone(CHINA).date()
            if not start <= day <= end:
                continue
            key = {
                "accept": "accepted",
                "refuse": "not_accepted",
                "request_correction": "corrections",
                "withdraw": "withdrawn",
                "return": "returned",
            }.get(ev.act)
            if key:
                out[key] += 1
            if changes.get("decision") == "denied":
                out["denied"] += 1
            if changes.get("state") == "completed":
                out["completed"] += 1
                if folded.get("clock") is None:
                    out["on_time"] += 1
                    continue
                clock = json.loads(folded["clock"])
                promised = DeadlineInputs.from_json(clock["promised"])
                p = progress(calendar, promised, as_of=day, completed=day)
                out["clocked"] += 1
                out["on_time"] += int(not p.overdue)
                out["early"] += int(p.left > 0)
                out["used_days"] += p.elapsed
                out["promised_days"] += promised.days
                out["statutory_days"] += DeadlineInputs.from_json(clock["statutory"]).days
    return out


MOVES = st.sampled_from(["advance"] * 6 + ["refuse", "correct", "withdraw", "return", "deny"])
SCRIPTS = st.lists(
    st.tuples(st.sampled_from(ITEMS), st.lists(st.tuples(MOVES, st.integers(0, 6)), max_size=14)),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scripts=SCRIPTS,
    seed=st.integers(0, 10_000),
    window=st.tuples(st.integers(0, 150), st.integers(0, 150)),
)
def test_figures_equal_a_recomputation_from_the_events(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    scripts: list[tuple[str, list[tuple[str, int]]]],
    seed: int,
    window: tuple[int, int],
) -> None:
    for i, (code, script) in enumerate(scripts):
        drive(service, catalog[code], [*script, *[("advance", 1)] * 8], seed + i)
    expected = brute_force(sessions, service.calendar())
    with sessions() as s:
        rows = figures(
            s.connection(), TENANT, "department", date(2020, 1, 1), date(2030, 1, 1), public=False
        )
        by_hall = figures(
            s.connection(), TENANT, "township", date(2020, 1, 1), date(2030, 1, 1), public=False
        )
    got = total(rows).counts
    assert got == expected
    assert by_hall == []  # every case here was accepted at the county hall
    if got["completed"]:
        assert 0 <= total(rows).on_time_rate <= 1  # type: ignore[operator]
    # any date range: whole months from the month rollups, the ends from the day rollups
    a, b = sorted(START + timedelta(days=d) for d in window)
    with sessions() as s:
        part = figures(s.connection(), TENANT, "department", a, b, public=False)
    assert total(part).counts == brute_force(sessions, service.calendar(), a, b)


def test_a_range_splits_into_whole_months_and_the_days_at_either_end() -> None:
    assert split(date(2026, 3, 15), date(2026, 6, 10)) == (
        (date(2026, 4, 1), date(2026, 6, 1)),
        [(date(2026, 3, 15), date(2026, 3, 31)), (date(2026, 6, 1), date(2026, 6, 10))],
    )
    assert split(date(2026, 1, 1), date(2026, 12, 31)) == (
        (date(2026, 1, 1), date(2027, 1, 1)),
        [],
    )
    assert split(date(2026, 2, 3), date(2026, 2, 27)) == (
        None,
        [(date(2026, 2, 3), date(2026, 2, 27))],
    )
    assert split(date(2026, 1, 31), date(2026, 3, 1)) == (
        (date(2026, 2, 1), date(2026, 3, 1)),
        [(date(2026, 1, 31), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 1))],
    )
