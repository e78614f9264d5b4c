"""Fees: assessed, waived and paid before the paying step; none for an application
without fee lines; a denied case completed without paying.

Over the shipped catalogue, with the demo people (tests/runtime/acts_helpers.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_tables import CaseFee
from runtime.errors import InvalidInput, NotAllowed, ReasonRequired, WrongState
from runtime.service import Actor, CaseService
from tests.runtime.acts_helpers import (
    CLERK,
    FEES,
    SIMPLE,
    TOWN_CLERK,
    accepted,
    engine,  # noqa: F401 (fixture)
    org,  # noqa: F401 (fixture)
    refused,
    until,
)
from tests.runtime.conftest import sample_data

# ---------------------------------------------------------------------------- fees


def test_fees_assessed_waived_and_paid_before_the_paying_step(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[FEES]
    data = sample_data(pub, 0, property_use="residential", extra_certificates=2)
    lines = {f.key: f for f in pub.compiled.fees_for(pub.compiled.clean(data))}
    assert set(lines) == {"reg_fee_residential", "extra_certificates"}
    case = until(service, pub, accepted(service, pub, data=data), "decide")
    n = case.number
    case = service.decide(Actor("chief_representative@county.zrzy"), n, approve=True)
    assert case.current_step == "complete"
    err = refused(sessions, n, WrongState, lambda: service.complete(CLERK, n))
    assert "收费" in err.message
    refused(sessions, n, WrongState, lambda: service.record_payment(CLERK, n, payment_ref="JF1"))
    refused(sessions, n, NotAllowed, lambda: service.assess_fee(TOWN_CLERK, n))
    refused(
        sessions,
        n,
        InvalidInput,
        lambda: service.assess_fee(CLERK, n, waive=["extra_certificates"]),
    )
    refused(sessions, n, InvalidInput, lambda: service.assess_fee(CLERK, n, waive=["nope"]))
    case = service.assess_fee(CLERK, n, waive=["reg_fee_residential"])
    assert case.fee_total == "20.00" and not case.fee_paid
    with sessions() as s:
        fees = {
            f.fee_key: f
            for f in s.execute(select(CaseFee).where(CaseFee.case_id == case.id)).scalars()
        }
    assert fees["reg_fee_residential"].waived and fees["extra_certificates"].amount == "20.00"
    assert all(f.basis for f in fees.values())
    refused(sessions, n, WrongState, lambda: service.assess_fee(CLERK, n))
    err = refused(sessions, n, WrongState, lambda: service.complete(CLERK, n))
    assert "缴" in err.message
    refused(sessions, n, ReasonRequired, lambda: service.record_payment(CLERK, n, payment_ref=" "))
    case = service.record_payment(CLERK, n, payment_ref="JF20260930001")
    assert case.fee_paid
    refused(sessions, n, WrongState, lambda: service.record_payment(CLERK, n, payment_ref="JF2"))
    assert service.complete(CLERK, n).state == "completed"


def test_no_fee_for_an_application_without_fee_lines(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    case = accepted(service, catalog[SIMPLE])
    refused(sessions, case.number, WrongState, lambda: service.assess_fee(CLERK, case.number))


def test_a_denied_case_can_be_completed_without_paying(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    """A fee is for the service granted: a denial is handed over without payment."""
    pub = catalog[FEES]
    data = sample_data(pub, 0, property_use="non_residential", extra_certificates=0)
    case = until(service, pub, accepted(service, pub, data=data), "decide")
    case = service.decide(
        Actor("chief_representative@county.zrzy"), case.number, approve=False, reason="权属存在争议"
    )
    case = service.complete(CLERK, case.number)
    assert case.state == "completed" and case.decision == "denied"
