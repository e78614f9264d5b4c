"""Fees assessed at a later step on the actual quantity, and the decision in the item's
wording, through the real acts on both databases.

The shipped disclosure item of the county planning bureau (422822-ZRZY-QT-0001) counts
the pages of its reply at the review step and charges the processing fee of 国办函〔2020〕
109号 on them, tiered; the minimum living allowance (422822-MZJ-GF-0001) is granted or
refused as 给予最低生活保障 / 不予给予最低生活保障."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.acts.context import Situation
from runtime.acts.registry import offers
from runtime.audit import verify_case
from runtime.case_tables import Case, CaseEvent, CaseFee, OutboxMessage
from runtime.clock import WAIT_PAYMENT, DeadlineInputs
from runtime.errors import ActError, InvalidInput, WrongState
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import FixedNow, advance, right_actor, sample_data, step_of

PAGES = "422822-ZRZY-QT-0001"
DIBAO = "422822-MZJ-GF-0001"
FEE_KEY = "processing_by_pages"
CLERK = Actor("window_clerk@county.hall")
REVIEWER = Actor("reviewer@county.zrzy")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def refused(sessions: sessionmaker[Session], number: str, error: type[ActError], act: Any) -> Any:
    """The act is refused with ``error`` and nothing is written."""
    before = row(sessions, number)
    with pytest.raises(error) as caught:
        act()
    after = row(sessions, number)
    assert (after.version, after.last_hash) == (before.version, before.last_hash)
    return caught.value


def messages(sessions: sessionmaker[Session], case: Any, template: str) -> list[str]:
    with sessions() as s:
        return list(
            s.execute(
                select(OutboxMessage.body).where(
                    OutboxMessage.case_id == case.id, OutboxMessage.template == template
                )
            ).scalars()
        )


def offered(sessions: sessionmaker[Session], pub: Any, number: str) -> list[Any]:
    with sessions() as s:
        case = s.execute(select(Case).where(Case.number == number)).scalar_one()
        return offers(Situation(s, case, pub))


def at_review(service: CaseService, catalog: dict[str, Any], **data: Any) -> Any:
    pub = catalog[PAGES]
    case = service.submit(
        CLERK,
        PAGES,
        sample_data(pub, 0, carrier=["paper"], delivery="pickup", **data),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    case = advance(service, pub, case)  # accepted: the case is with the bureau's reviewer
    assert case.current_step == "review"
    return case


def test_the_pages_are_counted_at_review_and_the_tiered_fee_follows_them(
    service: CaseService,
    catalog: dict[str, Any],
    sessions: sessionmaker[Session],
    clock: FixedNow,
) -> None:
    pub = catalog[PAGES]
    case = at_review(service, catalog)
    number = case.number
    # the step cannot be left before the pages are counted and the fee assessed
    err = refused(
        sessions, number, WrongState, lambda: service.review(REVIEWER, number, opinion="同意")
    )
    assert "本环节须先按实核定收费" in err.message and "信息处理费" in err.message
    # the desk offers the assessment with one number to enter: the pages
    [assess] = [o for o in offered(sessions, pub, number) if o.act == "assess_fee"]
    assert assess.quantities == (
        (f"qty_{FEE_KEY}", "政府信息公开信息处理费（按量计收）：实际提供的页数（页）"),
    )
    # a missing, negative, unreadable or excessive count is refused at its path
    for bad in (None, "-1", "一百", "100001", "1" * 50):
        given = {} if bad is None else {FEE_KEY: bad}
        err = refused(
            sessions,
            number,
            InvalidInput,
            lambda given=given: service.assess_fee(CLERK, number, quantities=given),
        )
        assert [e.path for e in err.errors] == [f"/quantities/{FEE_KEY}"]
    before = row(sessions, number)
    case = service.assess_fee(CLERK, number, quantities={FEE_KEY: "120"})
    # 30 pages free, 70 × 10 元, 20 × 20 元 (《政府信息公开信息处理费管理办法》第五条)
    assert (case.fee_total, case.fee_paid) == ("1100.00", False)
    with sessions() as s:
        fee = s.execute(select(CaseFee).where(CaseFee.case_id == case.id)).scalar_one()
        ev = (
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            )
            .scalars()
            .first()
        )
    assert (fee.amount, fee.quantity, fee.basis) == ("1100.00", "120", "ogi_fee_measures_5")
    assert ev is not None and ev.act == "assess_fee"
    assert json.loads(ev.records or "{}")["fees"][FEE_KEY]["quantity"] == "120"
    assert "70页 × 10元 + 20页 × 20元" in (ev.reason or "")
    assert any("1100.00元" in body for body in messages(sessions, case, "fee_assessed"))
    # waiting for the applicant to pay is not the office's time: the clock waits
    assert case.clock is not None
    waits = DeadlineInputs.from_json(json.loads(case.clock)["statutory"]).suspensions
    assert [(w.reason, w.end) for w in waits] == [(WAIT_PAYMENT, None)]
    # still unpaid: the step waits on the payment; assessing again is not offered
    err = refused(
        sessions, number, WrongState, lambda: service.review(REVIEWER, number, opinion="同意")
    )
    assert "缴费" in err.message
    assert "assess_fee" not in {o.act for o in offered(sessions, pub, number)}
    # paid eight days later (the National Day holidays): the deadline moves on by the wait
    clock.moment = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    case = service.record_payment(CLERK, number, payment_ref="JF2026100901")
    waits = DeadlineInputs.from_json(json.loads(case.clock)["statutory"]).suspensions
    assert [w.reason for w in waits] == [WAIT_PAYMENT] and waits[0].end is not None
    assert before.due_statutory is not None and case.due_statutory is not None
    assert case.due_statutory > before.due_statutory
    case = service.review(REVIEWER, number, opinion="检索到相关信息，予以提供")
    case = advance(service, pub, case)  # decide: approve
    assert any("予以公开" in body for body in messages(sessions, case, "decided"))
    while case.open:
        case = advance(service, pub, case)
    assert case.state == "completed"
    assert any("予以公开" in body for body in messages(sessions, case, "completed"))
    with sessions() as s:
        assert verify_case(s, case) is None


def test_a_count_of_nothing_charges_nothing_and_the_case_goes_on(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = at_review(service, catalog)
    case = service.assess_fee(CLERK, case.number, quantities={FEE_KEY: "30"})
    assert (case.fee_total, case.fee_paid) == ("0.00", True)
    assert case.clock is not None
    assert DeadlineInputs.from_json(json.loads(case.clock)["statutory"]).suspensions == ()
    case = service.review(REVIEWER, case.number, opinion="同意")
    assert case.current_step == "decide"


def test_a_waivable_later_fee_may_be_waived_when_assessed(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = at_review(service, catalog, fee_waiver=True)
    case = service.assess_fee(CLERK, case.number, quantities={FEE_KEY: "250"}, waive=[FEE_KEY])
    assert (case.fee_total, case.fee_paid) == ("0.00", True)
    with sessions() as s:
        fee = s.execute(select(CaseFee).where(CaseFee.case_id == case.id)).scalar_one()
    # 70 × 10 + 100 × 20 + 50 × 40 = 4700 元, waived
    assert (fee.amount, fee.waived, fee.quantity) == ("4700.00", True, "250")
    assert service.review(REVIEWER, case.number, opinion="同意").current_step == "decide"


def test_a_reply_looked_up_online_has_no_fee_to_assess(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[PAGES]
    data = sample_data(pub, 1, carrier=["electronic"], delivery="online")
    case = service.submit(
        CLERK, PAGES, data, accepting_domain="county.hall", applicant=Applicant("谭斌")
    )
    case = advance(service, pub, case)
    assert "assess_fee" not in {o.act for o in offered(sessions, pub, case.number)}
    assert service.review(REVIEWER, case.number, opinion="同意").current_step == "decide"


def test_benefits_are_granted_and_refused_in_their_own_words(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[DIBAO]
    hall = "county.hall" if "county.hall" in pub.definition.levels.accept else "township.yezhou"
    case = service.submit(
        Actor(f"window_clerk@{hall}"),
        DIBAO,
        sample_data(pub),
        accepting_domain=hall,
        applicant=Applicant("向明", "13972800002"),
    )
    for _ in range(20):
        if case.current_step is not None and step_of(pub, case).kind.value == "decide":
            break
        case = advance(service, pub, case)
    chief = Actor(right_actor(case, step_of(pub, case)))
    offered_labels = {o.label for o in offered(sessions, pub, case.number) if o.act == "decide"}
    assert offered_labels == {"给予最低生活保障", "不予给予最低生活保障"}
    case = service.decide(chief, case.number, approve=False, reason="家庭人均收入高于当地低保标准")
    [body] = messages(sessions, case, "decided")
    assert "不予给予最低生活保障（家庭人均收入高于当地低保标准）" in body
    assert "不予许可" not in body
