"""runtime/case_record.py: the record the acts hand back is the stored case row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.case_record import RECORD_FIELDS
from runtime.case_tables import Case
from runtime.chain import row_values
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import required_materials, sample_data

SIMPLE = "422822-ZFB-QT-0001"


@pytest.fixture
def engine(prepared_engine: Engine) -> Engine:
    return prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""


def test_the_record_has_every_column_of_the_case_table() -> None:
    assert tuple(c.key for c in Case.__table__.columns) == RECORD_FIELDS


def test_what_an_act_returns_is_what_was_stored(
    service: CaseService, catalog: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    pub = catalog[SIMPLE]
    data = sample_data(pub, 1)
    clerk = Actor("window_clerk@county.hall")
    filed = service.submit(
        clerk, pub.code, data, accepting_domain="county.hall", applicant=Applicant("谭斌")
    )
    accepted = service.accept(
        clerk, filed.number, received=required_materials(pub, json.loads(filed.data))
    )
    with sessions() as s:
        stored = s.execute(select(Case).where(Case.number == filed.number)).scalar_one()
        assert accepted.id == stored.id and accepted.last_hash == stored.last_hash
        assert row_values(accepted) == row_values(stored)
