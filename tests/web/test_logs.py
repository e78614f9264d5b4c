"""The JSON log lines (web/logs.py): one object per line, Chinese as it is, values JSON
cannot hold written as text."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import structlog

from web.logs import configure


def test_json_lines_keep_chinese_and_write_other_values_as_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("json", "INFO")
    try:
        structlog.get_logger("banshi.test").info(
            "受理", item="食品经营许可", at=dt.date(2026, 5, 6), where={"hall": "county.hall"}
        )
        structlog.get_logger("banshi.test").debug("below the level")
        lines = capsys.readouterr().err.splitlines()
    finally:
        configure("auto", "INFO")
    assert len(lines) == 1
    assert "食品经营许可" in lines[0]  # not \\u escapes
    line = json.loads(lines[0])
    assert line["event"] == "受理" and line["level"] == "info"
    assert line["at"] == "2026-05-06" and line["where"] == {"hall": "county.hall"}
    assert line["timestamp"].endswith("Z")
