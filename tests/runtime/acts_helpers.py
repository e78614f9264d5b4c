"""What the act tests share (tests/runtime/test_acts_*.py): the catalogue items and the
demo organisation's people they use, the fixtures that run them on the prepared database
(SQLite and PostgreSQL), and the helpers that file, advance and inspect a case and check
that a refused act wrote nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_tables import Case, CaseEvent
from runtime.errors import (
    ActError,
)
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import TENANT, advance, sample_data

PROMISED = "422822-SCJG-XK-0001"  # food licence: accept, inspect (when), review, decide, complete
SIMPLE = "422822-ZFB-QT-0001"  # accept, review, decide, complete; extension 20 days
COUNTY_ONLY = "422822-JTJ-XK-0001"  # accepted at the county hall only
REPORTED = "422822-LYJ-XK-0001"  # township accept, forward, inspect, review, decide, complete
JOINT = "422822-ZJJ-XK-0002"  # ..., review, countersign (county.gaj), decide, complete; fees
JOINT_FIRST = "422822-WHJ-XK-0001"  # countersign right after acceptance
TOWNSHIP = "422822-MZJ-GF-0002"  # decided by the accepting township, no extension allowed
INSTANT = "422822-RSJ-GG-0001"  # 即办件: accept, complete
FEES = "422822-ZRZY-QR-0003"  # waivable registration fee, per-certificate fee; pay before complete

CLERK = Actor("window_clerk@county.hall")
CLERK2 = Actor("window_clerk2@county.hall")
TOWN_CLERK = Actor("window_clerk@township.yezhou")
OTHER_TOWN_CLERK = Actor("window_clerk@township.gaoping")
TOWN_CHIEF = Actor("chief_representative@township.yezhou")
ADMIN = Actor("admin@county")
SUPERVISOR = Actor("supervisor@county")


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def hall_of(pub: Any) -> str:
    return "county.hall" if "county.hall" in pub.definition.levels.accept else "township.yezhou"


def submit(
    service: CaseService,
    pub: Any,
    domain: str | None = None,
    *,
    seed: int = 0,
    data: dict[str, Any] | None = None,
    applicant: Applicant | None = None,
    actor: Actor | None = None,
) -> Case:
    domain = domain or hall_of(pub)
    return service.submit(
        actor or Actor(f"window_clerk@{domain}"),
        pub.code,
        data if data is not None else sample_data(pub, seed),
        accepting_domain=domain,
        applicant=applicant or Applicant("谭斌", "13972800001"),
    )


def accepted(service: CaseService, pub: Any, domain: str | None = None, **kw: Any) -> Case:
    case = submit(service, pub, domain, **kw)
    return advance(service, pub, case)


def until(service: CaseService, pub: Any, case: Case, step_key: str) -> Case:
    for _ in range(20):
        if case.current_step == step_key:
            return case
        case = advance(service, pub, case)
    raise AssertionError(f"{pub.code} never reached {step_key}")


def events(sessions: sessionmaker[Session], case: Case) -> list[CaseEvent]:
    with sessions() as s:
        return list(
            s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).scalars()
        )


def row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.execute(select(Case).where(Case.number == number)).scalar_one()


def refused(
    sessions: sessionmaker[Session],
    number: str,
    error: type[ActError],
    act: Callable[[], Any],
) -> ActError:
    """The act is refused with ``error`` and a message, and nothing is written."""
    before = row(sessions, number)
    with pytest.raises(error) as caught:
        act()
    assert caught.value.message.strip()
    after = row(sessions, number)
    assert after.version == before.version and after.last_hash == before.last_hash
    return caught.value


def user_id(service: CaseService, username: str) -> int:
    user = service.authorizer.store.snapshot(TENANT).users[username]
    return int(user.id)
