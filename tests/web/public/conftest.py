"""The public side's tests: the web fixtures (tests/web/conftest.py) plus an emptying of
the public tables after each PostgreSQL test (the shared schema outlives a test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

PUBLIC_TABLES = (
    "rectification",
    "evaluation",
    "complaint_event",
    "complaint",
    "public_message",
    "public_draft",
    "public_account",
    "public_sms_code",
)


@pytest.fixture(autouse=True)
def _empty_public_tables(engine: Engine) -> Iterator[None]:
    yield
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.execute(text("TRUNCATE " + ", ".join(PUBLIC_TABLES) + " RESTART IDENTITY CASCADE"))
