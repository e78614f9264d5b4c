"""The demo organisation file and the loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac.org_file import DEMO_ORG_FILE, OrgFileError, load_org_file, parse_org_file
from rbac.passwords import CHEAP_HASHER, verify_password
from rbac.people import find_user
from rbac.permissions import Authorizer
from rbac.policy import PolicyStore, load_org_data
from rbac.tables import OrgAudit
from rbac.targets import CaseTarget

from .conftest import TENANT

DEPARTMENTS = {
    "county.scjg": "县市场监督管理局",
    "county.zrzy": "县自然资源和规划局",
    "county.zjj": "县住房和城乡建设局",
    "county.wjj": "县卫生健康局",
    "county.jyj": "县教育局",
    "county.mzj": "县民政局",
    "county.rsj": "县人力资源和社会保障局",
    "county.nyj": "县农业农村局",
    "county.sthj": "恩施州生态环境局建始县分局",
    "county.jtj": "县交通运输局",
    "county.slj": "县水利和湖泊局",
    "county.gaj": "县公安局",
    "county.ybj": "县医疗保障局",
    "county.zfb": "县人民政府办公室",
    "county.whj": "县文化和旅游局",
    "county.lyj": "县林业局",
}
TOWNSHIPS = {
    "township.yezhou": "业州镇",
    "township.gaoping": "高坪镇",
    "township.hongyansi": "红岩寺镇",
    "township.jingyang": "景阳镇",
    "township.guandian": "官店镇",
    "township.huaping": "花坪镇",
    "township.changliang": "长梁乡",
    "township.maotian": "茅田乡",
    "township.longping": "龙坪乡",
    "township.sanli": "三里乡",
}


def test_demo_file_has_the_fixed_domains_and_users() -> None:
    org = parse_org_file(DEMO_ORG_FILE)
    assert org.tenant == "422822" and org.demo and org.password == "banshi-demo"
    domains = {d.name: d for d in org.domains}
    for name, title in {**DEPARTMENTS, **TOWNSHIPS, "county.hall": "县政务服务中心"}.items():
        assert domains[name].title == title
    for name in DEPARTMENTS:
        assert domains[name].section == "行政审批股"
    for name, title in TOWNSHIPS.items():
        assert domains[name].section == f"{title}便民服务中心"
    assert any(d.kind == "village" and d.parent in TOWNSHIPS for d in org.domains)
    users = {u.username: u for u in org.users}
    expected = {"window_clerk@county.hall", "supervisor@county", "admin@county", "applicant@demo"}
    expected |= {
        f"{r}@{d}"
        for d in DEPARTMENTS
        for r in ("reviewer", "chief_representative", "department_head")
    }
    expected |= {f"{r}@{t}" for t in TOWNSHIPS for r in ("window_clerk", "chief_representative")}
    assert expected <= set(users)
    for name in expected - {"applicant@demo"}:
        role, domain = name.split("@")
        assert users[name].roles == ((role, domain),)
    assert users["applicant@demo"].kind == "applicant"
    assert all(u.display_name and not u.display_name.isascii() for u in org.users)


def test_demo_file_is_refused_outside_demo_mode(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s, pytest.raises(OrgFileError, match="演示模式"):
        load_org_file(s, DEMO_ORG_FILE, TENANT, demo=False, hasher=CHEAP_HASHER)
    with sessions() as s:
        assert load_org_data(s, TENANT).users == ()


def test_demo_load_is_idempotent_and_usable(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        first = load_org_file(s, DEMO_ORG_FILE, TENANT, demo=True, hasher=CHEAP_HASHER)
    with sessions() as s:
        audits = s.scalar(select(func.count()).select_from(OrgAudit))
    with transaction(sessions) as s:
        second = load_org_file(s, DEMO_ORG_FILE, TENANT, demo=True, hasher=CHEAP_HASHER)
    assert first.changed and first.users_added >= 70 and first.domains_changed >= 33
    assert not second.changed
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OrgAudit)) == audits
        user = find_user(s, TENANT, "chief_representative@county.scjg")
        assert user is not None and verify_password(user.password_hash, "banshi-demo", CHEAP_HASHER)
        assert not verify_password(user.password_hash, "wrong", CHEAP_HASHER)
    authorizer = Authorizer(PolicyStore(sessions, poll_interval_ms=0))
    case = CaseTarget(
        TENANT,
        1,
        "county.scjg",
        "township.yezhou",
        "county.scjg",
        None,
        None,
        ("county.hall", "township.*"),
    )
    assert authorizer.can("chief_representative@county.scjg", "decide", case).allowed
    assert authorizer.can("window_clerk@township.yezhou", "accept", case).allowed
    assert not authorizer.can("department_head@county.scjg", "decide", case).allowed


def test_bad_files_name_the_entry(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    bad = tmp_path / "org.toml"
    bad.write_text('[[domains]]\nname = "county"\nkind = "planet"\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(OrgFileError, match=r"domains\[0\].*planet"):
        parse_org_file(bad)
    bad.write_text('password = "x"\n', encoding="utf-8")
    with pytest.raises(OrgFileError, match="演示文件"):
        parse_org_file(bad)
    bad.write_text('tenant = "420100"\n', encoding="utf-8")
    with transaction(sessions) as s, pytest.raises(OrgFileError, match="420100"):
        load_org_file(s, bad, TENANT, demo=False)
