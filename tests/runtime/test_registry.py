"""The act registry against the acts themselves, on random cases of random catalogue items.

After every move of a random case (the right person's move, or anyone's random act), for
every act the registry knows and each of its choices: performed with good arguments (by the
system, in a transaction rolled back afterwards), an act the registry offers is not refused
for its state, and an act it does not offer is refused. Then the desk's and the API's
question (``CaseService.possible``) is the state machine's answer cut by permission."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import write_transaction
from rbac.permissions import Decision
from runtime.acts.context import SYSTEM, Situation, case_target
from runtime.acts.registry import ACTS, Choice, offers, specs
from runtime.case_record import CaseRecord
from runtime.case_tables import Case
from runtime.errors import ActError, NotAllowed, WrongState
from runtime.service import CASE_BY_NUMBER, Actor, CaseService
from tests.runtime.conftest import TENANT, advance, required_materials
from tests.runtime.test_state_machine import file_random_case, random_act


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


class _Undo(Exception):
    """Rolls back a trial act."""


#: The one refusal for its state an offered act may still meet: 退回 is offered at a review
#: or decide step, and only the routing of the item knows that nothing comes before it
#: but the acceptance (the desk and the API have always offered it there).
NOTHING_TO_RETURN_TO = "没有可以退回的上一环节"


def good_arguments(act: str, choice: Choice, pub: Any, case: CaseRecord) -> dict[str, Any]:
    """Arguments that the act's own checks accept (reasons given, materials all in)."""
    reason = "依法审查，理由充分"
    return {
        "accept": lambda: {
            "received": required_materials(pub, json.loads(case.data)),
            # 即办件 the window cannot finish on the spot: the reason makes it a promised item
            **({"fallback": True, "reason": reason} if choice.value == "fallback" else {}),
        },
        "request_correction": lambda: {"missing": [pub.definition.materials[0].key]},
        "refuse": lambda: {"reason": reason},
        "review": lambda: {"opinion": reason},
        "start_special": lambda: {"note": reason},
        "finish_special": lambda: {"result": reason},
        "return": lambda: {"reason": reason},
        "decide": lambda: {"approve": choice.value == "approve", "reason": reason},
        "countersign": lambda: {"agree": choice.value == "agree", "opinion": reason},
        "extend": lambda: {"days": 1, "reason": reason},
        "assess_fee": lambda: {  # a fee assessed at this step: the quantity found here
            "quantities": {
                f.key: "45"
                for f in pub.definition.fees
                if f.assessed_at is not None and f.assessed_at.step == case.current_step
            }
        },
        "record_payment": lambda: {"payment_ref": "JF20260001"},
        "withdraw": lambda: {"reason": reason},
    }.get(act, dict)()


@contextmanager
def trial(service: CaseService, number: str) -> Iterator[tuple[Connection, CaseRecord, Any]]:
    try:
        with write_transaction(service.engine) as conn:
            row = CASE_BY_NUMBER.first(conn, {"t": TENANT, "n": number})
            case = CaseRecord.from_row(row)
            yield conn, case, service.catalog.by_id(conn, case.item_version_id)
            raise _Undo
    except _Undo:
        pass


def attempt(
    service: CaseService, number: str, act: str, choice: Choice
) -> ActError | NotAllowed | None:
    """Perform ``act`` as the system (no permission asked), then roll it back."""
    spec = ACTS[act]
    outcome: ActError | NotAllowed | None = None
    with trial(service, number) as (conn, case, pub):
        decision = Decision(True, "system", "系统操作", SYSTEM, act)
        ctx = service._ctx(
            conn, case, pub, decision, service.now(), service.calendar(), Actor(SYSTEM)
        )
        try:
            service._apply(ctx, spec, good_arguments(act, choice, pub, case))
        except (ActError, NotAllowed) as exc:
            outcome = exc
    return outcome


def check_registry(service: CaseService, number: str) -> None:
    with trial(service, number) as (conn, case, pub):
        offered = {(o.act, o.value) for o in offers(Situation(conn, case, pub))}
        state = (case.state, case.current_step, case.special_running, case.fee_paid)
    for spec in specs():
        if spec.system or not spec.choices:
            continue  # never offered: performed by the system, or with a form of its own
        for choice in spec.choices:
            refusal = attempt(service, number, spec.name, choice)
            if (spec.name, choice.value) in offered:
                if isinstance(refusal, WrongState):
                    assert spec.name == "return" and refusal.message == NOTHING_TO_RETURN_TO, (
                        spec.name,
                        choice.value,
                        state,
                        refusal.message,
                    )
            else:
                assert refusal is not None, (spec.name, choice.value, state)


def check_possible(service: CaseService, sessions: sessionmaker[Session], number: str) -> None:
    """The buttons are the state machine's offers that the user may perform."""
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        pub = service.catalog.by_id(s, case.item_version_id)
        offered = offers(Situation(s, case, pub))
        target = case_target(case, pub)
        for who in (
            f"window_clerk@{case.accepting_domain}",
            f"reviewer@{case.owner_domain}",
            f"chief_representative@{case.owner_domain}",
            "applicant@demo",
        ):
            mine = service.possible(who, case, pub, s)
            assert {(o.act, o.value) for o in mine} <= {(o.act, o.value) for o in offered}
            for o in mine:
                assert service.authorizer.can(who, o.act, target).allowed


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_registry_offers_exactly_what_the_acts_allow(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    data: st.DataObject,
) -> None:
    pub, case = file_random_case(service, catalog, data)
    number = case.number
    check_registry(service, number)
    check_possible(service, sessions, number)
    for _ in range(data.draw(st.integers(1, 8), label="moves")):
        with sessions() as s:
            case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        try:
            if data.draw(st.booleans(), label="right move") and case.current_step is not None:
                advance(service, pub, case)
            else:
                random_act(data, service, pub, case)()
        except (ActError, NotAllowed):
            pass
        check_registry(service, number)
    check_possible(service, sessions, number)
