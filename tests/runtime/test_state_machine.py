"""Random catalogue items, random act sequences, random demo users (right and wrong ones).

After every act: nothing but a refusal (ActError, NotAllowed) ever escapes, a refusal
carries a reason and writes nothing, terminal states stay terminal, the due date is never
earlier than acceptance + promised working days (+ extensions + suspended working days),
the chain verifies and the fold of the events reproduces the case row."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.models import ItemDefinition
from runtime.acts.context import china_day
from runtime.audit import verify_case
from runtime.case_tables import Case, CaseEvent
from runtime.clock import DeadlineInputs, compute_deadline, elapsed_workdays
from runtime.errors import ActError, NotAllowed
from runtime.service import Actor, Applicant, CaseService
from runtime.states import TERMINAL
from tests.runtime.conftest import TENANT, FixedNow, advance, required_materials, sample_data
from tests.strategies.items import definitions


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


REASONS = st.sampled_from(["", "  ", "材料不符合法定形式", "经集体研究"])


def users_for(pub: Any) -> list[str]:
    owner = pub.definition.owner
    return [
        "window_clerk@county.hall",
        "window_clerk2@county.hall",
        "window_clerk@township.yezhou",
        "window_clerk@township.gaoping",
        f"reviewer@{owner}",
        f"chief_representative@{owner}",
        f"department_head@{owner}",
        "reviewer@county.scjg",
        "chief_representative@county.gaj",
        "chief_representative@county.zrzy",
        "chief_representative@township.yezhou",
        "supervisor@county",
        "admin@county",
        "applicant@demo",
        "applicant2@demo",
        "nobody@nowhere",
    ]


def random_act(
    data: st.DataObject, service: CaseService, pub: Any, case: Case
) -> Callable[[], Any]:
    who = Actor(data.draw(st.sampled_from(users_for(pub)), label="who"))
    n = case.number
    act = data.draw(
        st.sampled_from(
            [
                "accept",
                "request_correction",
                "refuse",
                "forward",
                "complete",
                "deliver",
                "assess_fee",
                "record_payment",
                "review",
                "start_special",
                "finish_special",
                "return",
                "countersign",
                "decide",
                "extend",
                "correct",
                "withdraw",
            ]
        ),
        label="act",
    )
    reason = data.draw(REASONS, label="reason")
    materials = required_materials(pub, json.loads(case.data))
    calls: dict[str, Callable[[], Any]] = {
        "accept": lambda: service.accept(
            who,
            n,
            received=materials[: data.draw(st.integers(0, len(materials)), label="received")],
        ),
        "request_correction": lambda: service.request_correction(who, n, note=reason),
        "refuse": lambda: service.refuse(who, n, reason=reason),
        "forward": lambda: service.forward(who, n),
        "complete": lambda: service.complete(who, n),
        "deliver": lambda: service.deliver(who, n),
        "assess_fee": lambda: service.assess_fee(who, n),
        "record_payment": lambda: service.record_payment(who, n, payment_ref=reason),
        "review": lambda: service.review(who, n, opinion=reason),
        "start_special": lambda: service.start_special(who, n),
        "finish_special": lambda: service.finish_special(who, n, result=reason),
        "return": lambda: service.return_step(who, n, reason=reason),
        "countersign": lambda: service.countersign(
            who, n, agree=data.draw(st.booleans(), label="agree"), opinion=reason
        ),
        "decide": lambda: service.decide(
            who, n, approve=data.draw(st.booleans(), label="approve"), reason=reason
        ),
        "extend": lambda: service.extend(
            who, n, days=data.draw(st.integers(-1, 25), label="days"), reason=reason
        ),
        "correct": lambda: service.correct(who, n, materials=materials),
        "withdraw": lambda: service.withdraw(who, n, reason=reason),
    }
    return calls[act]


def load(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def check_invariants(service: CaseService, sessions: sessionmaker[Session], case: Case) -> None:
    with sessions() as s:
        row = s.execute(select(Case).where(Case.id == case.id)).scalar_one()
        assert verify_case(s, row) is None  # the chain, and replay equals the row
        events = list(
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == row.id).order_by(CaseEvent.seq)
            ).scalars()
        )
    assert row.version == len(events)
    assert row.open == (row.state not in ("not_accepted", "completed", "delivered", "withdrawn"))
    snap = service.authorizer.store.snapshot(TENANT)
    if row.open:  # every open case waits on a named domain that exists
        assert row.current_domain is not None and row.current_domain in snap.domains, row.state
    check_history(service, events)
    if row.clock is None:
        assert row.due_promised is None
        return
    cal = service.calendar()
    clock = json.loads(row.clock)
    today = china_day(service.now())
    for key, due in (("promised", row.due_promised), ("statutory", row.due_statutory)):
        inputs = DeadlineInputs.from_json(clock[key])
        assert due is not None and row.accepted_on is not None
        floor = cal.add_workdays(row.accepted_on, inputs.total_days).value
        assert due >= floor, (key, due, floor)
        if all(sp.end is not None for sp in inputs.suspensions):
            # closed suspensions: the stored date is the clock's, suspended days included
            expected = compute_deadline(cal, inputs)
            assert due == expected.due
            with_suspensions = cal.add_workdays(
                row.accepted_on, inputs.total_days + expected.suspended_workdays
            ).value
            assert due >= with_suspensions
        # a decided case's clock stays stopped on the decision day (第四十二条)
        assert inputs.stopped_on == row.decided_on
        # a suspension never counts: the elapsed working days are those outside every one
        end = inputs.stopped_on or max(today, inputs.start)
        assert elapsed_workdays(cal, inputs, end)[0] == oracle_elapsed(cal, inputs, end)


def oracle_elapsed(cal: Any, inputs: DeadlineInputs, end: date) -> int:
    """Working days in (start, end] outside every suspension's (start, end-or-now], day by day."""
    count = 0
    day = inputs.start + timedelta(days=1)
    while day <= end:
        stopped = any(s.start < day <= (s.end or end) for s in inputs.suspensions)
        if cal.is_workday(day).value and not stopped:
            count += 1
        day += timedelta(days=1)
    return count


def check_history(service: CaseService, events: list[CaseEvent]) -> None:
    """The law over the whole chain: no extension after the statutory deadline, no head
    deciding (directly or by delegation), a decided case never reverting."""
    snap = service.authorizer.store.snapshot(TENANT)
    heads = {g.username for g in snap.grants if g.role == "department_head"}
    cal = service.calendar()
    clock: dict[str, Any] | None = None
    decision: str | None = None
    for ev in events:
        changes = json.loads(ev.changes)
        day = china_day(ev.at)
        if ev.act == "extend":
            assert clock is not None
            before = DeadlineInputs.from_json(clock["statutory"])
            assert day <= compute_deadline(cal, before, as_of=day).due, "extended too late"
        if ev.act == "decide":
            assert ev.actor not in heads and ev.acting_for not in heads, ev.actor
            assert ev.role != "department_head"
        if decision is not None:
            assert changes.get("decision", decision) == decision, "a decision changed"
            assert changes.get("state") not in REVERTED, f"decided, then {changes['state']}"
        decision = changes.get("decision", decision)
        if "clock" in changes and changes["clock"] is not None:
            clock = json.loads(changes["clock"])


#: The day every example starts (the clock fixture's): 10:00 on 30 September 2026 in Jianshi.
START = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)

#: States a decided case never returns to.
REVERTED = frozenset({"submitted", "correction_requested", "in_progress", "suspended"})


def file_random_case(
    service: CaseService, catalog: dict[str, Any], data: st.DataObject
) -> tuple[Any, Any]:
    """A random catalogue item filed at one of its halls by its window clerk, for the
    demo applicant: (the published item, the new case)."""
    pub = catalog[data.draw(st.sampled_from(sorted(catalog)), label="item")]
    halls = [p if not p.endswith(".*") else "township.yezhou" for p in pub.definition.levels.accept]
    domain = data.draw(st.sampled_from(halls), label="hall")
    me = service.authorizer.store.snapshot(TENANT).users["applicant@demo"].id
    case = service.submit(
        Actor(f"window_clerk@{domain}"),
        pub.code,
        sample_data(pub, data.draw(st.integers(0, 3), label="seed")),
        accepting_domain=domain,
        applicant=Applicant("谭斌", "13972800001", me),
    )
    return pub, case


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_acts_by_random_people(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    clock: FixedNow,
    data: st.DataObject,
) -> None:
    clock.moment = START  # each example starts on the same day
    pub, case = file_random_case(service, catalog, data)
    run_random_acts(service, sessions, clock, data, pub, case)


def run_random_acts(
    service: CaseService,
    sessions: sessionmaker[Session],
    clock: FixedNow,
    data: st.DataObject,
    pub: Any,
    case: Any,
) -> None:
    """Random acts on random later days (into 2027, a year the calendar does not know)."""
    check_invariants(service, sessions, case)
    for _ in range(data.draw(st.integers(1, 16), label="steps")):
        clock.moment += timedelta(days=data.draw(st.integers(0, 9), label="days later"))
        before = load(sessions, case.number)
        was_terminal = before.state in {s.value for s in TERMINAL} or (
            before.state == "completed" and before.current_step is None
        )
        right = data.draw(st.booleans(), label="right move") and not was_terminal
        if right:  # the right person's act(s) for the step: may be several acts
            act: Callable[[], Any] = lambda before=before: advance(service, pub, before)  # noqa: E731
        else:
            act = random_act(data, service, pub, before)
        try:
            act()
        except (ActError, NotAllowed) as exc:
            assert exc.message.strip(), type(exc)
            after = load(sessions, case.number)
            if not right:
                assert (after.version, after.last_hash) == (before.version, before.last_hash)
        else:
            after = load(sessions, case.number)
            assert not was_terminal, f"{before.state} is terminal, yet an act succeeded"
            assert after.version == before.version + 1 or (right and after.version > before.version)
        if before.state in ("not_accepted", "withdrawn", "delivered"):
            assert after.state == before.state
        if before.state == "completed":
            assert after.state in ("completed", "delivered")
        check_invariants(service, sessions, after)


#: The generated definitions' departments, as the demo organisation's (its staff act).
DEMO_DEPARTMENTS = {
    "county.mz": "county.mzj",
    "county.wjw": "county.wjj",
    "county.swj": "county.slj",
    "county.ylbz": "county.ybj",
    "county.sfj": "county.sthj",
}


def demo_definition(definition: ItemDefinition, data: st.DataObject) -> ItemDefinition:
    """A generated definition run by the demo organisation, with a random extension rule."""
    text = json.dumps(definition.canonical(), ensure_ascii=False)
    for generated, demo in DEMO_DEPARTMENTS.items():
        text = text.replace(f'"{generated}"', f'"{demo}"')
    raw = json.loads(text)
    raw["code"] = f"422822-SM-XK-{data.draw(st.integers(0, 9999), label='code'):04d}"
    if raw["handling"] != "instant":
        raw["limits"]["extension_days"] = data.draw(st.integers(0, 20), label="extension")
        raw["limits"]["extension_by"] = data.draw(
            st.sampled_from(["chief_representative", "department_head"]), label="extends"
        )
    return ItemDefinition.model_validate(raw)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_acts_on_random_definitions(
    service: CaseService,
    sessions: sessionmaker[Session],
    clock: FixedNow,
    data: st.DataObject,
) -> None:
    clock.moment = START
    definition = demo_definition(data.draw(definitions(), label="definition"), data)
    with transaction(sessions) as s:
        pub = service.catalog.publish(s, TENANT, definition, "admin@county")
    hall = data.draw(
        st.sampled_from(
            [p if not p.endswith(".*") else "township.yezhou" for p in definition.levels.accept]
        ),
        label="hall",
    )
    try:
        application = sample_data(pub, data.draw(st.integers(0, 3), label="seed"))
    except AssertionError:  # the sampler cannot fill every pattern field
        reject()
    case = service.submit(
        Actor(f"window_clerk@{hall}"),
        pub.code,
        application,
        accepting_domain=hall,
        applicant=Applicant("谭斌", "13972800001"),
    )
    run_random_acts(service, sessions, clock, data, pub, case)
