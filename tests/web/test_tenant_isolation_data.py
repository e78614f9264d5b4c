"""Tenant isolation of what county A reads outside its pages: B's SMS texts and item
versions do not reach A, A's command line lists nothing of B, A's deadlines and
worklists hold only A's cases.

The two counties (B's free texts marked ``乙县秘``): tests/web/isolation_world.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from rbac.policy import load_org_data
from tests.web.demo_site import FOOD
from tests.web.flows import accept_food
from tests.web.isolation_world import (
    B_ONLY_CODE,
    MARK,
    A,
    B,
    World,
    _leaks,
    world_fixture,  # noqa: F401 (the world fixture)
)


def test_b_texts_and_versions_do_not_reach_a(world: World) -> None:
    """B's own SMS text is not used for A's cases; B's own version of FOOD is not A's."""
    a = world.a
    clerk = a.login("window_clerk@county.hall")
    number = accept_food(clerk, domain="county.hall")
    with a.house.sessions() as s:
        bodies = list(
            s.execute(
                text("SELECT body FROM outbox WHERE tenant = :t AND body LIKE :n"),
                {"t": A, "n": f"%{number}%"},
            ).scalars()
        )
    assert bodies and not any(MARK in body for body in bodies), bodies
    page = clerk.get(f"/desk/apply/{FOOD}?domain=county.hall")
    assert page.status_code == 200 and MARK not in page.text


def _cli(world: World, tenant: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    from banshi.cli import build

    monkeypatch.setenv(
        "BANSHI_DATABASE_URL", world.engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("BANSHI_TENANT", tenant)
    monkeypatch.setenv("BANSHI_DEMO_MODE", "1")
    result = CliRunner().invoke(build(), args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    return result.output


def test_the_command_line_of_a_lists_nothing_of_b(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if world.engine.dialect.name != "sqlite":
        pytest.skip("the CLI reads the SQLite file; PostgreSQL's schema is not in its URL")
    b = world.b
    monkeypatch.setenv("BANSHI_VAR_DIR", str(tmp_path))
    outputs = {
        "org show": _cli(world, A, ["org", "show"], monkeypatch),
        "org audit": _cli(world, A, ["org", "audit"], monkeypatch),
        "outbox pending": _cli(world, A, ["outbox", "pending"], monkeypatch),
        "outbox sent": _cli(world, A, ["outbox", "sent"], monkeypatch),
        "calendar show": _cli(world, A, ["calendar", "show"], monkeypatch),
        "catalog report": _cli(world, A, ["catalog", "report"], monkeypatch),
        "replay": _cli(world, A, ["case", "replay", b.window_number], monkeypatch),
        "authz": _cli(
            world,
            A,
            ["authz", "check", "supervisor@county", "read", f"case:{b.window_number}"],
            monkeypatch,
        ),
        "authz user": _cli(
            world,
            A,
            ["authz", "check", "window_clerk@township.xinling", "accept", "county.hall"],
            monkeypatch,
        ),
    }
    export = tmp_path / "export"
    outputs["catalog export"] = _cli(world, A, ["catalog", "export", str(export)], monkeypatch)
    outputs["exported"] = "\n".join(p.read_text(encoding="utf-8") for p in export.glob("*"))
    assert not (export / f"{B_ONLY_CODE}.json").exists()
    outputs["audit verify"] = _cli(world, A, ["audit", "verify"], monkeypatch)
    outputs["user"] = _cli(
        world, A, ["user", "deactivate", "window_clerk@township.xinling"], monkeypatch
    )
    outputs["grant"] = _cli(
        world, A, ["user", "grant", "admin@county", "reviewer", "township.xinling"], monkeypatch
    )
    problems = {k: _leaks(world, v, b.window_number) for k, v in outputs.items()}
    assert not any(problems.values()), problems
    print(outputs["replay"], outputs["authz"], outputs["authz user"])
    assert "不存在" in outputs["replay"] or "没有" in outputs["replay"], outputs["replay"]
    with world.b.house.sessions() as s:
        snap = load_org_data(s, B)
        assert next(u for u in snap.users if u.username == "window_clerk@township.xinling").active
    # the same commands of B do see B (the markers are right)
    assert _leaks(world, _cli(world, B, ["org", "show"], monkeypatch))


def test_a_b_item_version_is_never_a_version_of_a(world: World) -> None:
    """B's newest FOOD is version 2 with B's name; A's catalogue has version 1 only."""
    a = world.a
    with a.house.sessions() as s:
        latest = a.house.catalog.latest(s, A, FOOD)
        assert latest is not None and latest.version == 1 and MARK not in latest.definition.name
        assert a.house.catalog.latest(s, A, B_ONLY_CODE) is None
    body = a.client().get("/open-data/items.json").text
    assert B_ONLY_CODE not in body and MARK not in body


def test_deadlines_and_worklists_hold_only_a(world: World) -> None:
    from runtime.queries import worklist

    a, b = world.a, world.b
    with a.house.sessions() as s:
        domains = [d.name for d in load_org_data(s, A).domains]
        listed = [c.number for c in worklist(s, A, domains, limit=1000)]
    assert listed and not set(listed) & set(b.numbers)
