"""``banshi demo load`` loads two counties on one database — 建始县 (422822) as before and
巴东县 (422823) beside it — each with its own organisation, catalogue and cases; loading
again adds nothing; each county's house sees only its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from banshi.cli import build
from db.engine import make_engine, session_factory
from rbac.policy import load_org_data
from rbac.tables import OrgUser
from runtime.case_tables import Case, ItemVersion
from runtime.demo import DEMO_COUNTIES


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cases: int) -> str:
    monkeypatch.setenv("BANSHI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("BANSHI_DEMO_MODE", "1")
    monkeypatch.delenv("BANSHI_TENANT", raising=False)
    result = CliRunner().invoke(build(), ["demo", "load", "--cases", str(cases)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_demo_load_makes_two_counties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _load(tmp_path, monkeypatch, 3)
    assert "建始县 (422822)" in out and "巴东县 (422823)" in out
    assert "window_clerk@township.yezhou" in out and "window_clerk@township.xinling" in out
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        with session_factory(engine)() as s:
            orgs = {c.tenant: load_org_data(s, c.tenant) for c in DEMO_COUNTIES}
            a, b = orgs["422822"], orgs["422823"]
            # the same county-level names, each county's own people and townships
            shared = {"admin@county", "supervisor@county", "window_clerk@county.hall"}
            assert shared <= {u.username for u in a.users} & {u.username for u in b.users}
            assert not {u.display_name for u in a.users} & {u.display_name for u in b.users}
            assert "township.xinling" in {d.name for d in b.domains}
            assert "township.xinling" not in {d.name for d in a.domains}
            for county in DEMO_COUNTIES:
                t = county.tenant
                items = s.execute(
                    select(func.count()).select_from(ItemVersion).where(ItemVersion.tenant == t)
                ).scalar_one()
                numbers = list(s.execute(select(Case.number).where(Case.tenant == t)).scalars())
                assert items >= 20 and numbers, t
                assert all(n.startswith(t) for n in numbers)
            users = s.execute(select(func.count()).select_from(OrgUser)).scalar_one()
        again = _load(tmp_path, monkeypatch, 3)  # idempotent: nothing added twice
        assert again.count("already there") == 2
        with session_factory(engine)() as s:
            assert s.execute(select(func.count()).select_from(OrgUser)).scalar_one() == users
    finally:
        engine.dispose()
