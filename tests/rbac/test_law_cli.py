"""The command line keeps the law too: ``authz check`` on ``case:NUMBER`` and on the
published ``item:CODE``; ``definitions check`` reports names the organisation lacks;
``user delegate`` refuses a department head; ``user revoke`` / ``deactivate`` refuse to
orphan a published item unless ``--force``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from db.engine import make_engine
from house.settings import Settings
from house.wiring import build_house
from rbac.org_file import DEMO_ORG_FILE
from runtime.service import Actor, Applicant
from tests.rbac.test_cli import banshi, demo_template, env  # noqa: F401  (fixtures)
from tests.runtime.conftest import FOOD, sample_data

CHIEF = "chief_representative@county.scjg"


def publish_food(env: dict[str, str], tmp_path: Path, **changes: Any) -> Path:  # noqa: F811
    raw = json.loads(FOOD.read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / f"{raw['code']}.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def test_authz_check_reads_a_stored_case(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    code, out = banshi(
        env, "catalog", "publish", str(publish_food(env, tmp_path)), "--reason", "测试"
    )
    assert code == 0, out
    url = env["BANSHI_DATABASE_URL"]
    engine = make_engine(url)
    house = build_house(Settings(database_url=url), engine)
    with house.sessions() as s:
        pub = house.catalog.latest(s, house.settings.tenant, json.loads(FOOD.read_text())["code"])
    assert pub is not None
    case = house.cases.submit(
        Actor("window_clerk@county.hall"),
        pub.code,
        sample_data(pub),
        accepting_domain="county.hall",
        applicant=Applicant("谭斌", "13972800001"),
    )
    engine.dispose()
    code, out = banshi(
        env, "authz", "check", "window_clerk@county.hall", "accept", f"case:{case.number}"
    )
    assert code == 0 and "允许 ALLOW" in out and f"案件 {case.number}" in out
    code, out = banshi(
        env, "authz", "check", "reviewer@county.scjg", "accept", f"case:{case.number}"
    )
    assert code == 1 and "拒绝 DENY" in out
    # item: reads the published version
    code, out = banshi(env, "authz", "check", CHIEF, "decide", f"item:{pub.code}")
    assert code == 0 and "允许 ALLOW" in out


def test_definitions_check_reports_unknown_names_with_their_pointer(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    steps = json.loads(FOOD.read_text(encoding="utf-8"))["steps"]
    steps.insert(
        3,
        {
            "key": "countersign",
            "kind": "countersign",
            "at": "owner",
            "role": "chief_representative",
            "days": 0,
            "departments": ["county.nowhere"],
        },
    )
    path = publish_food(env, tmp_path, steps=steps)
    code, out = banshi(env, "definitions", "check", str(path))
    assert code == 1
    assert "/steps/3/departments/0: 组织机构中没有 county.nowhere" in out and "[org-names]" in out
    # publishing refuses it for the same reason
    code, out = banshi(env, "catalog", "publish", str(path), "--reason", "测试")
    assert code != 0 and "county.nowhere" in out
    # without the organisation (or without a database) only the definition is checked
    code, out = banshi(env, "definitions", "check", "--no-org", str(path))
    assert code == 0 and "org-names" not in out
    nowhere = {**env, "BANSHI_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    code, out = banshi(nowhere, "definitions", "check", str(path))
    assert code == 0 and "未检查组织机构名称" in out
    assert not (tmp_path / "none.sqlite3").exists()
    code, out = banshi(nowhere, "definitions", "check", "--org", str(path))
    assert code == 2


def test_user_delegate_refuses_a_department_head(env: dict[str, str]) -> None:  # noqa: F811
    code, out = banshi(
        env,
        "user",
        "delegate",
        CHIEF,
        "department_head@county.scjg",
        "chief_representative",
        "county.scjg",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-06",
        "--reason",
        "出差",
    )
    assert code == 2 and "部门负责人不再直接审批" in out
    code, out = banshi(
        env,
        "authz",
        "check",
        "department_head@county.scjg",
        "decide",
        "county.scjg",
        "--on",
        "2026-03-03",
    )
    assert code == 1


def test_revoking_the_last_decider_of_a_published_item_needs_force(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = banshi(
        env, "catalog", "publish", str(publish_food(env, tmp_path)), "--reason", "测试"
    )
    assert code == 0, out
    code, out = banshi(env, "user", "revoke", CHIEF, "chief_representative", "county.scjg")
    assert code == 2 and "无人办理" in out and "/steps/3/role" in out
    code, out = banshi(env, "user", "deactivate", CHIEF)
    assert code == 2 and "无人办理" in out
    code, out = banshi(env, "authz", "check", CHIEF, "decide", "county.scjg")
    assert code == 0  # nothing changed
    code, out = banshi(
        env, "user", "revoke", CHIEF, "chief_representative", "county.scjg", "--force"
    )
    assert code == 0 and "警告 warning" in out and "/steps/3/role" in out
    # a change that orphans nothing needs no force
    code, out = banshi(env, "user", "revoke", "reviewer@county.zrzy", "reviewer", "county.zrzy")
    assert code == 0, out


def test_org_load_reports_published_items_naming_what_it_lacks(tmp_path: Path) -> None:
    fresh = {"BANSHI_DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}", "BANSHI_DEMO_MODE": "1"}
    assert banshi(fresh, "db", "upgrade")[0] == 0
    # before any organisation nothing can be checked: the item is published
    path = publish_food(fresh, tmp_path, owner="county.nowhere")
    code, out = banshi(fresh, "catalog", "publish", str(path), "--reason", "测试")
    assert code == 0, out
    code, out = banshi(fresh, "org", "load", str(DEMO_ORG_FILE))
    assert code == 0 and "警告 warning" in out and "/owner" in out and "county.nowhere" in out
