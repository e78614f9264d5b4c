"""Filing a case (submit): who may file where and for whom, the desk's evaluation, the
number, query code and first event; each refusal with its reason.

Over the shipped catalogue, with the demo people (tests/runtime/acts_helpers.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_tables import Case
from runtime.errors import InvalidInput, NotAllowed, NotFound
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.acts_helpers import (
    ADMIN,
    CLERK,
    COUNTY_ONLY,
    SIMPLE,
    TOWN_CLERK,
    engine,  # noqa: F401 (fixture)
    events,
    org,  # noqa: F401 (fixture)
    submit,
    user_id,
)
from tests.runtime.conftest import sample_data

# ---------------------------------------------------------------------------- submit


def test_submit_refusals(service: CaseService, catalog: dict[str, Any]) -> None:
    pub = catalog[COUNTY_ONLY]
    with pytest.raises(NotFound):
        service.submit(
            CLERK, "422822-NO-SUCH", {}, accepting_domain="county.hall", applicant=Applicant("谭斌")
        )
    # an item that is not devolved to townships cannot be filed at a township window
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, "township.yezhou")
    assert "township.yezhou" in err.value.message
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, applicant=Applicant("   "))
    assert "申请人" in err.value.message
    # a clerk of another hall cannot file at this one; an applicant files only for themself
    with pytest.raises(NotAllowed):
        submit(service, pub, "county.hall", actor=TOWN_CLERK)
    with pytest.raises(NotAllowed):
        submit(
            service,
            pub,
            actor=Actor("applicant@demo"),
            applicant=Applicant("黄世平", "13972800002", user_id(service, "applicant2@demo")),
        )
    with pytest.raises(NotAllowed):
        submit(service, pub, actor=ADMIN)
    with Session(service.sessions.kw["bind"]) as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 0


def test_submit_takes_the_desks_evaluation_only_from_the_same_version(
    service: CaseService, catalog: dict[str, Any]
) -> None:
    pub = catalog[COUNTY_ONLY]
    data = sample_data(pub, 3)
    # the desk's evaluation of this very version is used as it is
    case = submit(service, pub, data=pub.compiled.evaluate(data))  # type: ignore[arg-type]
    assert json.loads(case.data) == pub.compiled.evaluate(data).data
    # an evaluation said to come from another version is evaluated afresh: its errors count
    forged = pub.compiled.evaluate({})
    forged.errors.clear()
    forged.sha256 = "0" * 64
    with pytest.raises(InvalidInput) as err:
        submit(service, pub, data=forged)  # type: ignore[arg-type]
    assert err.value.errors
    # and an evaluation with errors is refused like the data it came from
    with pytest.raises(InvalidInput):
        submit(service, pub, data=pub.compiled.evaluate({}))  # type: ignore[arg-type]


def test_applicant_files_online_for_themself(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[COUNTY_ONLY]
    me = user_id(service, "applicant@demo")
    case = submit(
        service, pub, actor=Actor("applicant@demo"), applicant=Applicant("谭斌", "13972800001", me)
    )
    assert case.state == "submitted" and case.applicant_user_id == me
    (ev,) = events(sessions, case)
    assert ev.act == "submit" and ev.role == "applicant" and ev.actor == "applicant@demo"


def test_submit_writes_number_query_code_one_event(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    a = submit(service, catalog[SIMPLE])
    b = submit(service, catalog[SIMPLE])
    assert a.number.startswith("42282220260930") and a.number != b.number
    assert len(a.query_code) == 6 and a.version == 1
    (ev,) = events(sessions, a)
    assert (ev.seq, ev.act, ev.role, ev.domain) == (1, "submit", "window_clerk", "county.hall")
