"""Row-level security by tenant on PostgreSQL (migration 0015, db/rls.py): a county's
connection sees, changes and adds only its own rows even when a query forgets its filter,
a connection with no tenant sees nothing, and the app sets its county on every connection.

The tests' own user is a superuser, which skips policies: each test here works through a
fresh role that is neither a superuser nor the tables' owner and has no BYPASSRLS, as the
app's role in production (docs/province.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from banshi import cli
from db.engine import session_factory, transaction
from db.migrate import downgrade, upgrade
from db.models import load_all
from db.rls import (
    POLICY,
    SHARED_TABLES,
    TENANT_COLUMN,
    TENANT_SETTING,
    TenantSettingError,
    connect_args,
    tenant_tables,
    unwall,
    unwalled,
    wall,
)
from db.roundtrips import RoundTrips, counting
from house.settings import Settings
from house.wiring import House, build_house
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from runtime.org_guard import stored_org_names
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import DEMO_ORG, PASSWORD, SECRET, load_demo
from tests.web.flows import accept_food
from tests.web.test_roundtrips import MOST_ROUND_TRIPS
from web.app import create_app

COUNTY = "422822"  # 建始县 (the demo county)
OTHER = "422823"  # 巴东县
CLERK = "window_clerk@township.yezhou"


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's; SQLite has only the queries' filters")
    return engine


@pytest.fixture
def app_role(pg: Engine) -> Iterator[str]:
    """A login role as the app's should be: no superuser, not the owner, no BYPASSRLS,
    allowed to read and write the test schema's tables."""
    role = f"banshi_app_{uuid.uuid4().hex[:10]}"
    with pg.begin() as c:
        schema = c.execute(text("SELECT current_schema()")).scalar_one()
        for statement in (
            f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS',
            f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        ):
            c.exec_driver_sql(statement)
    try:
        yield role
    finally:
        with pg.begin() as c:
            c.exec_driver_sql(f'DROP OWNED BY "{role}"')  # its grants
            c.exec_driver_sql(f'DROP ROLE "{role}"')


def _as(conn: Connection, role: str, tenant: str | None) -> None:
    """The rest of ``conn``'s transaction runs as ``role``, for ``tenant`` (or none)."""
    conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    if tenant is not None:
        conn.execute(text("SELECT set_config(:s, :t, true)"), {"s": TENANT_SETTING, "t": tenant})


def _counters(conn: Connection) -> dict[str, int]:
    """``name -> value`` of the counter rows the connection can see, whatever the tenant."""
    rows = conn.execute(text("SELECT name, value FROM counter"))
    return {name: value for name, value in rows}


@pytest.fixture
def two_counties(pg: Engine) -> None:
    """A counter row of each county, written by the tests' superuser."""
    with pg.begin() as c:
        c.execute(
            text("INSERT INTO counter (tenant, name, value) VALUES (:a, 'a', 1), (:b, 'b', 1)"),
            {"a": COUNTY, "b": OTHER},
        )


def test_every_county_table_is_walled_and_only_the_shared_store_is_not(pg: Engine) -> None:
    declared = load_all().metadata.tables.values()
    county = sorted(t.name for t in declared if TENANT_COLUMN in t.c)
    shared = sorted(t.name for t in declared if TENANT_COLUMN not in t.c)
    assert shared == sorted(SHARED_TABLES), (
        "a table without a tenant column: give it one, or name it in db.rls.SHARED_TABLES "
        "with the reason it holds no county's data"
    )
    with pg.connect() as c:
        live = tenant_tables(c)
        assert set(county) <= set(live)
        assert unwalled(c, live) == {}, "a migration created a tenant table without db.rls.wall"


def test_the_wall_comes_down_with_its_migration_and_goes_up_again(pg: Engine) -> None:
    try:
        downgrade(pg, "0014")
        with pg.connect() as c:
            tables = tenant_tables(c)
            assert all("not enabled" in why for why in unwalled(c, tables).values())
            assert len(unwalled(c, tables)) == len(tables)
            policies = "SELECT count(*) FROM pg_policies WHERE schemaname = current_schema()"
            assert c.execute(text(policies)).scalar_one() == 0
    finally:
        upgrade(pg)
    with pg.connect() as c:
        assert unwalled(c, tenant_tables(c)) == {}


def test_a_tenant_table_without_the_wall_is_named(pg: Engine) -> None:
    with pg.begin() as c:
        c.exec_driver_sql("CREATE TABLE rls_probe (id integer PRIMARY KEY, tenant varchar(6))")
        assert unwalled(c, ["rls_probe"]) == {
            "rls_probe": f"row level security not enabled; row level security not forced; "
            f"no {POLICY} policy"
        }
        for statement in wall("rls_probe"):
            c.exec_driver_sql(statement)
        assert unwalled(c, ["rls_probe"]) == {}
        c.exec_driver_sql(f"DROP POLICY {POLICY} ON rls_probe")
        c.exec_driver_sql(f"CREATE POLICY {POLICY} ON rls_probe USING (true)")
        assert "does not read" in unwalled(c, ["rls_probe"])["rls_probe"]
        for statement in unwall("rls_probe"):
            c.exec_driver_sql(statement)
        assert "not enabled" in unwalled(c, ["rls_probe"])["rls_probe"]
        c.rollback()


@pytest.mark.usefixtures("two_counties")
def test_a_county_sees_and_changes_only_its_own_rows(pg: Engine, app_role: str) -> None:
    with pg.begin() as c:
        _as(c, app_role, COUNTY)
        assert _counters(c) == {"a": 1}
        # no filter at all: the wall narrows every statement to the county's rows
        assert c.execute(text("UPDATE counter SET value = value + 10")).rowcount == 1
        assert c.execute(text("DELETE FROM counter WHERE tenant = :b"), {"b": OTHER}).rowcount == 0
        assert c.execute(text("UPDATE counter SET value = 0 WHERE name = 'b'")).rowcount == 0
    with pg.connect() as c:  # the superuser sees both, the other county's untouched
        assert _counters(c) == {"a": 11, "b": 1}


def _refused(pg: Engine, role: str, tenant: str | None, sql: str, **params: str) -> None:
    """``sql`` as ``role`` working for ``tenant`` is refused by the wall."""
    refused = pytest.raises(ProgrammingError, match="row-level security")
    with pg.connect() as c, refused, c.begin():
        _as(c, role, tenant)
        c.execute(text(sql), params)


@pytest.mark.usefixtures("two_counties")
def test_a_county_cannot_write_a_row_of_another(pg: Engine, app_role: str) -> None:
    add = "INSERT INTO counter (tenant, name, value) VALUES (:t, 'b2', 1)"
    _refused(pg, app_role, COUNTY, add, t=OTHER)
    give_away = "UPDATE counter SET tenant = :t WHERE name = 'a'"
    _refused(pg, app_role, COUNTY, give_away, t=OTHER)
    with pg.connect() as c:
        assert _counters(c) == {"a": 1, "b": 1}


@pytest.mark.usefixtures("two_counties")
def test_a_connection_without_a_tenant_sees_and_writes_nothing(pg: Engine, app_role: str) -> None:
    with pg.begin() as c:
        _as(c, app_role, None)
        for table in tenant_tables(c):
            assert c.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() == 0, table
        assert c.execute(text("UPDATE counter SET value = 0")).rowcount == 0
    add = "INSERT INTO counter (tenant, name, value) VALUES (:t, 'x', 1)"
    _refused(pg, app_role, None, add, t=COUNTY)


def test_the_tenant_joins_the_options_already_asked_for() -> None:
    url = "postgresql+psycopg://app@db/banshi"
    assert connect_args(url, COUNTY) == {"options": f"-c {TENANT_SETTING}={COUNTY}"}
    asked = {"options": "-csearch_path=x", "connect_timeout": 5}
    assert connect_args(url, COUNTY, asked) == {
        "options": f"-csearch_path=x -c {TENANT_SETTING}={COUNTY}",
        "connect_timeout": 5,
    }
    assert connect_args(f"{url}?options=-csearch_path%3Dy", COUNTY) == {
        "options": f"-csearch_path=y -c {TENANT_SETTING}={COUNTY}"
    }
    assert connect_args("sqlite:///var/banshi.sqlite3", COUNTY) == {}
    with pytest.raises(TenantSettingError):
        connect_args(url, "4228 -c role=postgres")


def test_the_app_works_for_its_county_through_the_wall(
    pg: Engine, app_role: str, record_property: Callable[[str, object], None]
) -> None:
    """The whole app, built from settings alone and connecting as the app's role: it can
    sign a clerk in, file a case and open it only because it sets its county on every
    connection (without it the role sees no user, no item, no case), and a submission costs
    it the round trips it costs the tests' superuser, whom the wall does not hold."""
    load_demo(pg)
    settings = Settings(
        database_url=_role_url(pg, app_role),
        tenant=COUNTY,
        demo_mode=True,
        secret_key=SECRET,
        public_url="https://zwfw.jianshi.example",
        policy_poll_ms=60000,  # the organisation's version is not polled while counting
    )
    walled = build_house(settings)
    unwalled_house = build_house(settings, pg)  # the baseline: the superuser's engine
    try:
        with walled.engine.connect() as c:
            assert c.execute(text("SELECT current_user")).scalar_one() == app_role
            setting = c.execute(text(f"SELECT current_setting('{TENANT_SETTING}')"))
            assert setting.scalar_one() == COUNTY
        base, _, _ = _submission(unwalled_house)
        trips, number, clerk = _submission(walled)
        record_property("round trips of a submission (baseline, walled)", (base.count, trips.count))
        # the tenant travels in the connection's start-up packet: no round trip of its own
        assert trips.count == base.count <= MOST_ROUND_TRIPS, "\n".join(trips.sent)
        assert not any(TENANT_SETTING in sent for sent in trips.sent)
        page = clerk.get(f"/desk/cases/{number}")
        assert page.status_code == 200 and number in page.text
    finally:
        walled.engine.dispose()
    with pg.connect() as c:  # the cases are the county's, none the other's
        tenants = c.execute(text('SELECT DISTINCT tenant FROM "case"')).scalars().all()
        assert tenants == [COUNTY]


def _submission(house: House) -> tuple[RoundTrips, str, Client]:
    """A clerk signs in to the house's app and the window accepts an application, twice:
    what the second went through to the database, its case number, the clerk."""
    clerk = Client(app=create_app(house.settings, house), base_url=BASE_URL)
    clerk.get("/login")
    r = clerk.send_form("/login", {"username": CLERK, "password": PASSWORD, "next": "/desk"})
    assert r.status_code == 303 and r.headers["location"] == "/desk", r.text[:500]
    accept_food(clerk)  # warm the caches and a number block, as tests/web/test_roundtrips.py
    with counting(house.engine) as trips:
        number = accept_food(clerk)
    return trips, number, clerk


def test_a_county_app_finds_nothing_of_another(pg: Engine, app_role: str) -> None:
    """The same role working for another county reads none of the first one's users,
    neither through a house, nor in ``banshi authz check``, nor through ``banshi definitions
    check``'s look at the stored organisation."""
    with transaction(session_factory(pg)) as s:
        load_org_file(s, DEMO_ORG, COUNTY, demo=True, hasher=CHEAP_HASHER, actor="rls-tests")
    url = _role_url(pg, app_role)
    other = build_house(Settings(database_url=url, tenant=OTHER, demo_mode=True))
    try:
        with other.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM org_user")).scalar_one() == 0
    finally:
        other.engine.dispose()
    for tenant, allowed in ((COUNTY, True), (OTHER, False)):  # a command, through the house
        env = {"BANSHI_DATABASE_URL": url, "BANSHI_TENANT": tenant}
        argv = ["authz", "check", CLERK, "accept", "township.yezhou"]
        result = CliRunner().invoke(cli.build(), argv, env=env)
        assert (result.exit_code == 0) is allowed, result.output
    names, _ = stored_org_names(url, COUNTY)
    assert names is not None and not names.empty
    names, why = stored_org_names(url, OTHER)
    assert names is None and OTHER in why
    with pg.connect() as c:
        assert c.execute(text("SELECT count(*) FROM org_user")).scalar_one() > 0


def _role_url(pg: Engine, role: str) -> str:
    """The test database's URL for ``role``, in the test's schema."""
    with pg.connect() as c:
        schema = c.execute(text("SELECT current_schema()")).scalar_one()
    url = pg.url.set(username=role, query={"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)
