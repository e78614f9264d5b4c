"""即办件 that cannot be finished on the spot: the clerk says why and the case becomes a
promised item with the definition's fallback limit, its deadlines computed then.

The shipped 个体工商户设立登记 (422822-SCJG-XK-0002) follows 《市场主体登记管理条例》第十九条:
registered on the spot, or — when that cannot be done — within 3 working days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.acts.context import Situation
from runtime.acts.registry import offers
from runtime.audit import verify_case
from runtime.case_tables import Case, CaseEvent, OutboxMessage
from runtime.errors import ReasonRequired, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import required_materials, sample_data

REGISTRATION = "422822-SCJG-XK-0002"  # instant, fallback_days 3
INSTANT_NO_FALLBACK = "422822-RSJ-GG-0001"
PROMISED = "422822-SCJG-XK-0001"
CLERK = Actor("window_clerk@county.hall")
FALLBACK = "受理（不能当场办结，转为承诺件）"


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def filed(service: CaseService, pub: Any) -> Any:
    hall = "county.hall" if "county.hall" in pub.definition.levels.accept else "township.yezhou"
    return service.submit(
        Actor(f"window_clerk@{hall}"),
        pub.code,
        sample_data(pub),
        accepting_domain=hall,
        applicant=Applicant("谭斌", "13972800001"),
    )


def labels(sessions: sessionmaker[Session], pub: Any, number: str) -> set[str]:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        return {o.label for o in offers(Situation(s, case, pub)) if o.act == "accept"}


def version(sessions: sessionmaker[Session], number: str) -> int:
    with sessions() as s:
        return s.execute(select(Case.version).where(Case.number == number)).scalar_one()


def test_the_window_falls_back_to_the_promised_limit_saying_why(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[REGISTRATION]
    case = filed(service, pub)
    received = required_materials(pub, sample_data(pub))
    assert FALLBACK in labels(sessions, pub, case.number)
    # the reason is what the law wants recorded: none, nothing written
    v = version(sessions, case.number)
    with pytest.raises(ReasonRequired):
        service.accept(CLERK, case.number, received=received, fallback=True, reason=" ")
    assert version(sessions, case.number) == v
    case = service.accept(
        CLERK, case.number, received=received, fallback=True, reason="经营场所需核实产权证明"
    )
    # accepted on 2026-09-30: 3 working days, the National Day holidays skipped, 10-10 is an
    # adjusted working Saturday (DOMAIN-FACTS)
    assert case.state == "in_progress" and case.clock is not None
    assert case.due_promised == date(2026, 10, 10)
    assert case.step_due == case.due_promised
    assert case.due_statutory is not None and case.due_statutory >= case.due_promised
    with sessions() as s:
        ev = (
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            )
            .scalars()
            .first()
        )
        sms = s.execute(
            select(OutboxMessage.body).where(
                OutboxMessage.case_id == case.id, OutboxMessage.template == "accepted"
            )
        ).scalar_one()
    assert ev is not None and ev.act == "accept"
    assert "不能当场办结，转为承诺件，承诺3个工作日内办结" in (ev.reason or "")
    assert "经营场所需核实产权证明" in (ev.reason or "")
    assert "2026年10月10日前办结" in sms
    case = service.complete(CLERK, case.number)
    assert (case.state, case.decision) == ("completed", "approved")
    with sessions() as s:
        body = s.execute(
            select(OutboxMessage.body).where(
                OutboxMessage.case_id == case.id, OutboxMessage.template == "completed"
            )
        ).scalar_one()
        assert verify_case(s, case) is None
    assert "已办结：予以登记" in body


def test_finished_on_the_spot_an_instant_item_has_no_clock(
    service: CaseService, catalog: dict[str, Any]
) -> None:
    pub = catalog[REGISTRATION]
    case = filed(service, pub)
    case = service.accept(CLERK, case.number, received=required_materials(pub, sample_data(pub)))
    assert case.clock is None and case.due_promised is None and case.step_due is None


@pytest.mark.parametrize("code", [INSTANT_NO_FALLBACK, PROMISED])
def test_only_an_instant_item_with_a_fallback_limit_falls_back(
    code: str, service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[code]
    case = filed(service, pub)
    assert FALLBACK not in labels(sessions, pub, case.number)
    v = version(sessions, case.number)
    with pytest.raises(WrongState, match="不是可转为承诺件的即办件"):
        service.accept(
            Actor(f"window_clerk@{case.accepting_domain}"),
            case.number,
            received=required_materials(pub, sample_data(pub)),
            fallback=True,
            reason="系统故障",
        )
    assert version(sessions, case.number) == v
