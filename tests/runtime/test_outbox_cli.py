"""An operator reads what the worker delivered: ``banshi worker --once`` then ``banshi outbox sent``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from banshi.cli import build
from runtime.service import Actor, Applicant, CaseService
from tests.runtime.conftest import food_definition
from tests.runtime.test_lifecycle import valid_data


def test_worker_then_outbox_sent(
    engine: Engine, service: CaseService, publish, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "the CLI is pointed at the SQLite file of this test; PostgreSQL is covered by test_outbox"
        )
    code = publish(food_definition())
    service.submit(
        Actor("window_clerk@county.hall"),
        code,
        valid_data(),
        accepting_domain="county.hall",
        applicant=Applicant("建始县好味道餐饮店", "13972800001"),
        materials=[{"key": "layout_plan"}],
        accept=True,
    )
    monkeypatch.setenv("BANSHI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    pending = runner.invoke(build(), ["outbox", "pending"])
    assert pending.exit_code == 0 and "1 message(s) not sent" in pending.output
    worked = runner.invoke(build(), ["worker", "--once"])
    assert worked.exit_code == 0 and "sent 1" in worked.output
    sent = runner.invoke(build(), ["outbox", "sent"])
    assert sent.exit_code == 0
    assert "13972800001" in sent.output and "已受理" in sent.output
    again = runner.invoke(build(), ["worker", "--once"])
    assert "sent 0" in again.output
