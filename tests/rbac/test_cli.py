"""``banshi org / user / authz`` through typer's CliRunner against a temporary SQLite database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from banshi.cli import build
from db.engine import make_engine
from definitions.shipped import catalog_dir
from rbac.explain import load_catalog
from rbac.org_file import DEMO_ORG_FILE

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with the demo organisation loaded through the CLI; each test gets a copy."""
    path = tmp_path_factory.mktemp("cli") / "template.sqlite3"
    environment = {"BANSHI_DATABASE_URL": f"sqlite:///{path}", "BANSHI_DEMO_MODE": "1"}
    result = runner.invoke(build(), ["db", "upgrade"], env=environment)
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        build(), ["org", "load", str(DEMO_ORG_FILE), "--actor", "setup"], env=environment
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def env(tmp_path: Path, demo_template: Path) -> dict[str, str]:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(demo_template, path)
    return {"BANSHI_DATABASE_URL": f"sqlite:///{path}", "BANSHI_DEMO_MODE": "1"}


def banshi(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(build(), list(args), env=env)
    return result.exit_code, result.output


def test_org_load_refuses_demo_outside_demo_mode(tmp_path: Path) -> None:
    environment = {
        "BANSHI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "BANSHI_DEMO_MODE": "0",
    }
    assert banshi(environment, "db", "upgrade")[0] == 0
    code, out = banshi(environment, "org", "load", str(DEMO_ORG_FILE))
    assert code == 2 and "演示模式" in out


def test_org_show_prints_tree_people_and_roles(env: dict[str, str]) -> None:
    code, out = banshi(env, "org", "show")
    assert code == 0
    assert "县市场监督管理局" in out and "业州镇便民服务中心" in out
    assert "首席代表" in out and "chief_representative@county.scjg" in out
    code, out = banshi(env, "org", "load", str(DEMO_ORG_FILE))
    assert code == 0 and "added: 0" in out  # idempotent


def test_authz_check_explains_allow_and_deny(env: dict[str, str]) -> None:
    code, out = banshi(
        env, "authz", "check", "chief_representative@county.scjg", "decide", "county.scjg"
    )
    assert code == 0 and "允许 ALLOW" in out and "grant #" in out
    code, out = banshi(
        env, "authz", "check", "department_head@county.scjg", "decide", "county.scjg"
    )
    assert code == 1 and "拒绝 DENY" in out and "首席代表" in out
    code, out = banshi(env, "authz", "check", "admin@county", "manage_items", "county.scjg")
    assert code == 0
    code, out = banshi(env, "authz", "check", "admin@county", "fly", "county.scjg")
    assert code == 2 and "未知的操作" in out
    # a target the CLI cannot resolve (no case 1) is a usage error (2), never mistaken for a
    # refusal (1)
    code, out = banshi(env, "authz", "check", "admin@county", "read", "case:1")
    assert code == 2 and "错误 target_unknown" in out and "拒绝" not in out
    # and a refusal is exit 1 with the reason, for an act the admin's roles do not grant
    code, out = banshi(env, "authz", "check", "admin@county", "decide", "county.scjg")
    assert code == 1 and "拒绝 DENY" in out


def test_authz_check_items_from_the_catalogue(env: dict[str, str]) -> None:
    catalog = load_catalog()
    devolved = [i for i in catalog.values() if "township.*" in i.levels.accept]
    county_only = [i for i in catalog.values() if i.levels.accept == ["county.hall"]]
    if not devolved or not county_only:
        pytest.skip("the shipped catalogue has no devolved and county-only items yet")
    # item: is read from the published catalogue, not from the files on disk
    code, out = banshi(
        env, "authz", "check", "window_clerk@township.yezhou", "accept", f"item:{devolved[0].code}"
    )
    assert code == 2 and "尚未发布" in out
    files = [str(catalog_dir() / f"{i.code}.json") for i in (devolved[0], county_only[0])]
    code, out = banshi(env, "catalog", "publish", *files, "--reason", "授权检查测试")
    assert code == 0, out
    code, _ = banshi(
        env, "authz", "check", "window_clerk@township.yezhou", "accept", f"item:{devolved[0].code}"
    )
    assert code == 0
    code, out = banshi(
        env,
        "authz",
        "check",
        "window_clerk@township.yezhou",
        "accept",
        f"item:{county_only[0].code}",
    )
    assert code == 1 and "county.hall" in out
    code, out = banshi(env, "authz", "check", "admin@county", "read", "item:422822-NONE-XX-9999")
    assert code == 2 and "尚未发布" in out


def test_user_commands_change_and_audit(env: dict[str, str]) -> None:
    chief, deputy = "chief_representative@county.scjg", "reviewer2@county.scjg"
    assert (
        banshi(
            env, "user", "add", deputy, "谭晓红", "--password", "s3cret-pass", "--actor", "局长"
        )[0]
        == 0
    )
    assert (
        banshi(env, "user", "grant", deputy, "reviewer", "county.scjg", "--actor", "局长")[0] == 0
    )
    code, out = banshi(
        env,
        "user",
        "delegate",
        chief,
        deputy,
        "chief_representative",
        "county.scjg",
        "--from",
        "2026-05-06",
        "--to",
        "2026-05-08",
        "--reason",
        "外出学习",
        "--actor",
        "局长",
    )
    assert code == 0 and "delegation #" in out
    delegation_id = out.split("delegation #")[1].split(":")[0]
    code, out = banshi(env, "authz", "check", deputy, "decide", "county.scjg", "--on", "2026-05-08")
    assert code == 0 and "代理" in out and "外出学习" in out
    code, out = banshi(env, "authz", "check", deputy, "decide", "county.scjg", "--on", "2026-05-09")
    assert code == 1
    assert banshi(env, "user", "end-delegation", delegation_id, "--actor", "局长")[0] == 0
    assert (
        banshi(env, "authz", "check", deputy, "decide", "county.scjg", "--on", "2026-05-07")[0] == 1
    )
    assert (
        banshi(env, "user", "revoke", deputy, "reviewer", "county.scjg", "--actor", "局长")[0] == 0
    )
    assert banshi(env, "user", "deactivate", deputy, "--actor", "局长")[0] == 0
    code, out = banshi(env, "authz", "check", deputy, "read", "county.scjg")
    assert code == 1 and "停用" in out
    code, out = banshi(env, "user", "grant", deputy, "pope", "county.scjg")
    assert code == 2 and "角色" in out
    code, out = banshi(env, "org", "audit", "--limit", "10")
    assert code == 0
    for action in (
        "user.add",
        "grant.add",
        "delegation.add",
        "delegation.end",
        "grant.revoke",
        "user.deactivate",
    ):
        assert action in out
    assert "局长" in out
