"""Two counties on one database, below the web: what one county's process does — its
outbox worker, its audit sealer and checkpoints, its acts, its rule cards, its calendar
recompute — touches nothing of the other county (DESIGN §8). The same item codes, user
names and domain names in both, so a missing ``tenant ==`` would show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from db.engine import session_factory, transaction, write_transaction
from definitions.shipped import package_path
from house.settings import Settings
from house.wiring import House, build_house
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from runtime.audit import verify_cases
from runtime.calendar_source import supported_years
from runtime.calendar_store import seed_from_chinesecalendar
from runtime.case_tables import Case, OutboxMessage
from runtime.checkpoints import make_checkpoint
from runtime.demo import DEMO_COUNTIES
from runtime.errors import NotFound
from runtime.ledger import log_size, pending_count
from runtime.outbox import OutboxWorker
from runtime.public.codes import CodePolicy, send_code
from runtime.public_tables import PublicMessage
from runtime.service import Actor, Applicant
from runtime.supervision.sweep import issue_rule_cards
from tests.runtime.conftest import food_definition
from tests.runtime.test_lifecycle import valid_data

A, B = DEMO_COUNTIES[0].tenant, DEMO_COUNTIES[1].tenant
FOOD = "422822-SCJG-XK-0001"
CLERK = Actor("window_clerk@county.hall")
SECRET = "tenant-isolation-secret-0123456789abcdef"


def _house(engine: Engine, tenant: str) -> House:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        tenant=tenant,
        demo_mode=True,
        secret_key=SECRET,
    )
    return build_house(settings, engine)


@pytest.fixture
def counties(engine: Engine) -> dict[str, House]:
    """Both demo counties' organisations and calendars, the food item published in each."""
    sessions = session_factory(engine)
    years = [y for y in supported_years() if y >= 2024]
    for county in DEMO_COUNTIES:
        with transaction(sessions) as s:
            org = package_path("rbac", county.org_file)
            load_org_file(s, org, county.tenant, demo=True, hasher=CHEAP_HASHER)
            seed_from_chinesecalendar(s, county.tenant, years)
    houses = {t: _house(engine, t) for t in (A, B)}
    for tenant, house in houses.items():
        with transaction(house.sessions) as s:
            house.catalog.publish(s, tenant, food_definition(), "admin@county")
        house.policy.refresh(tenant, force=True)
    return houses


def _file(house: House, name: str, mobile: str, days_ago: int = 0) -> str:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    case = house.cases.submit(
        CLERK,
        FOOD,
        valid_data(),
        accepting_domain="county.hall",
        applicant=Applicant(name, mobile),
        materials=[{"key": "layout_plan"}],
        accept=True,
        at=at,
    )
    return case.number


def _count(engine: Engine, table: type, tenant: str, **where: object) -> int:
    with session_factory(engine)() as s:
        q = select(func.count()).select_from(table).where(table.tenant == tenant)  # type: ignore[attr-defined]
        for k, v in where.items():
            q = q.where(getattr(table, k) == v)
        return int(s.execute(q).scalar_one())


def test_a_county_s_worker_sends_only_its_own_messages(
    engine: Engine, counties: dict[str, House]
) -> None:
    """Each county's worker sends through its own gateway (account, signature): A's worker
    never sends B's case notices or B's SMS codes."""
    _file(counties[A], "建始甲", "13907180011")
    _file(counties[B], "巴东乙", "13907189011")
    now = datetime.now(UTC)
    for tenant in (A, B):
        with transaction(counties[tenant].sessions) as s:
            send_code(s, tenant, "13907180099", "login", now, CodePolicy())
    assert _count(engine, OutboxMessage, B, status="pending") > 0
    assert _count(engine, PublicMessage, B, status="pending") == 1

    report = OutboxWorker(counties[A].sessions, tenant=A).run_once()

    assert report.sent > 0
    assert _count(engine, OutboxMessage, A, status="pending") == 0
    assert _count(engine, PublicMessage, A, status="pending") == 0
    assert _count(engine, OutboxMessage, B, status="sent") == 0
    assert _count(engine, PublicMessage, B, status="sent") == 0
    assert _count(engine, PublicMessage, B, status="pending") == 1


def test_the_worker_command_of_a_leaves_b_s_messages(
    engine: Engine, counties: dict[str, House], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the command reads the SQLite file; PostgreSQL's schema is not in its URL")
    from banshi.cli import build

    _file(counties[A], "建始甲", "13907180011")
    _file(counties[B], "巴东乙", "13907189011")
    b_pending = _count(engine, OutboxMessage, B, status="pending")
    monkeypatch.setenv("BANSHI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("BANSHI_TENANT", A)
    monkeypatch.setenv("BANSHI_DEMO_MODE", "1")
    monkeypatch.setenv("BANSHI_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(build(), ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert _count(engine, OutboxMessage, A, status="pending") == 0
    assert _count(engine, OutboxMessage, B, status="pending") == b_pending
    sent = CliRunner().invoke(build(), ["outbox", "sent"])
    assert "13907180011" in sent.output and "13907189011" not in sent.output


def test_a_county_s_acts_never_find_the_other_s_case(counties: dict[str, House]) -> None:
    b_number = _file(counties[B], "巴东乙", "13907189011")
    a = counties[A].cases
    # the same user name, the same item, the same domain in A: still not found
    with pytest.raises(NotFound):
        a.review(Actor("reviewer@county.scjg"), b_number, opinion="同意")
    with pytest.raises(NotFound):
        a.withdraw(CLERK, b_number, reason="撤回")
    with counties[B].sessions() as s:
        case = s.execute(select(Case).where(Case.tenant == B, Case.number == b_number)).scalar_one()
        assert case.state == "in_progress" and case.version == 2


def test_sealing_and_checkpoints_are_per_county(engine: Engine, counties: dict[str, House]) -> None:
    _file(counties[A], "建始甲", "13907180011")
    _file(counties[B], "巴东乙", "13907189011")
    with engine.connect() as c:
        b_waiting = pending_count(c, B)
    assert b_waiting > 0
    cp = make_checkpoint(engine, A, Ed25519PrivateKey.generate(), batch=1000)
    assert cp is not None
    with engine.connect() as c:
        assert pending_count(c, A) == 0 and log_size(c, A) == cp.tree_size
        assert pending_count(c, B) == b_waiting and log_size(c, B) == 0
    with counties[A].sessions() as s:
        numbers = [n for n, _ in verify_cases(s, A)]
    assert numbers and all(n.startswith(A) for n in numbers)


def test_rule_cards_of_a_card_only_a_s_cases(engine: Engine, counties: dict[str, House]) -> None:
    """A late case in each county: A's sweep cards A's case only."""
    from runtime.supervision_tables import SupervisionCard

    _file(counties[A], "建始甲", "13907180011", days_ago=40)
    _file(counties[B], "巴东乙", "13907189011", days_ago=40)
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        issue_rule_cards(
            conn,
            counties[A].cases.calendar(),
            A,
            now.date(),
            now,
            yellow_share=0.8,
            waiting_days=5,
        )
    assert _count(engine, SupervisionCard, A) > 0
    assert _count(engine, SupervisionCard, B) == 0


def test_a_calendar_change_in_a_moves_no_deadline_of_b(
    engine: Engine, counties: dict[str, House]
) -> None:
    from runtime.calendar_recompute import recompute_pending
    from runtime.calendar_store import set_day

    b_number = _file(counties[B], "巴东乙", "13907189011")
    a_number = _file(counties[A], "建始甲", "13907180011")

    def deadline(tenant: str, number: str) -> tuple[object, ...]:
        with session_factory(engine)() as s:
            row = s.execute(
                select(Case.version, Case.due_promised, Case.due_statutory).where(
                    Case.tenant == tenant, Case.number == number
                )
            ).one()
            return tuple(row)

    before, a_before = deadline(B, b_number), deadline(A, a_number)
    day = date.today() + timedelta(days=1)
    with transaction(counties[A].sessions) as s:
        for offset in range(10):  # the next ten days are holidays in A only
            set_day(s, A, day + timedelta(days=offset), is_workday=False, name="甲县假日", by="t")
    recompute_pending(counties[A].cases)
    recompute_pending(counties[B].cases)
    assert deadline(A, a_number) != a_before  # A's own case moved
    assert deadline(B, b_number) == before
