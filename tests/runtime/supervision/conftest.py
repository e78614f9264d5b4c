"""Supervision's runtime tests run on the prepared databases (organisation and 2025–2026
calendar loaded once per backend); the rollup table (no foreign key to the cases, so not
emptied with them) is emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text


@pytest.fixture
def engine(prepared_engine: Engine) -> Iterator[Engine]:
    with prepared_engine.begin() as c:
        c.execute(text("DELETE FROM supervision_rollup"))
        c.execute(text("DELETE FROM supervision_rollup_month"))
    yield prepared_engine


@pytest.fixture
def org() -> None:
    """The prepared database already holds the demo organisation and calendar."""
