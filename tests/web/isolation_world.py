"""Two counties on one database (DESIGN §8), each served by its own app, for the tenant
isolation tests (tests/web/test_tenant_isolation_*.py): county A (建始县 422822) must never
show, find or act on anything of county B (巴东县 422823).

Both counties are loaded like ``banshi demo load`` loads them (runtime/demo.py: the same
item codes, the same county-level user and domain names, so a leak is visible), then each
gets demo cases driven through the real acts, a case filed at the window and one online,
a complaint, a rating, a supervision card, an administrator's draft, a county text for an
SMS, a delegation and a password of its own — in B, every free text carries the marker
``乙县秘``.

The ``world`` fixture builds them once per test module (on SQLite and, when it is set,
PostgreSQL); ``_leaks`` names B's markers in an answer. The fixture is defined as
``world_fixture`` (``name=`` gives pytest its name) so that a test module imports it
without its tests' ``world`` parameter shadowing the import."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from litestar import Litestar
from sqlalchemy import Engine, select, text

from db.engine import make_engine, session_factory, transaction
from definitions.models import ItemDefinition
from definitions.shipped import package_path
from house.settings import Settings
from house.wiring import House, build_house
from rbac import people
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from rbac.policy import load_org_data
from runtime.calendar_source import supported_years
from runtime.calendar_store import seed_from_chinesecalendar
from runtime.case_tables import Case
from runtime.demo import DEMO_COUNTIES, DemoDriver
from runtime.public_tables import Complaint, Draft, Rectification
from tests.conftest import BACKENDS, POSTGRES_URL, throwaway_schema
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import FOOD, PASSWORD, SECRET, catalog_definitions, food_data
from tests.web.flows import accept_food
from tests.web.public.apply_flow import last_code
from web.app import create_app

A, B = DEMO_COUNTIES[0].tenant, DEMO_COUNTIES[1].tenant
#: the marker every free text of county B carries
MARK = "乙县秘"
#: an item only B publishes, and the name B gives its own second version of FOOD
B_ONLY_CODE = "422823-SCJG-XK-0001"
B_FOOD_NAME = f"食品经营许可（{MARK}版）"
#: B's applicants' mobiles (A never uses them)
B_MOBILE, B_ONLINE_MOBILE = "13907189001", "13907189002"
A_MOBILE = "13907180002"
#: a draft of the same code in both counties' administration
DRAFT_CODE = "422822-SCJG-XK-0099"
#: B's own password for a user name both counties have
B_PASSWORD = "b-county-own-password-9"
#: path parameters that are not objects of a county
STATIC = {"file_path", "path"}


@dataclass
class County:
    tenant: str
    house: House
    app: Litestar
    numbers: list[str] = field(default_factory=list)
    #: (number, query code) of cases a citizen can query
    queries: list[tuple[str, str]] = field(default_factory=list)
    complaints: list[str] = field(default_factory=list)
    cards: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    window_number: str = ""
    online_number: str = ""
    delegation: str = ""
    #: users whose password is not the demo one
    passwords: dict[str, str] = field(default_factory=dict)

    def client(self) -> Client:
        return Client(app=self.app, base_url=BASE_URL)

    def login(self, username: str, password: str | None = None) -> Client:
        password = password or self.passwords.get(username, PASSWORD)
        c = self.client()
        c.get("/login")
        r = c.send_form("/login", {"username": username, "password": password, "next": "/desk"})
        assert r.status_code == 303, (self.tenant, username, r.status_code, r.text[:500])
        c.username = username
        return c

    def citizen(self, mobile: str) -> Client:
        """A citizen signed in at /me with the SMS code sent to ``mobile``."""
        c = self.client()
        assert c.send_form("/me/code", {"mobile": mobile}).status_code in (200, 303)
        r = c.send_form("/me/login", {"mobile": mobile, "code": last_code(self.house, mobile)})
        assert r.status_code == 303, r.text[:500]
        return c


@dataclass
class World:
    engine: Engine
    a: County
    b: County
    #: texts only county B's data holds
    markers: list[str]


def _load_county(engine: Engine, tenant: str, org_file: str) -> None:
    sessions = session_factory(engine)
    years = [y for y in supported_years() if y >= 2024]
    with transaction(sessions) as s:
        load_org_file(
            s, package_path("rbac", org_file), tenant, demo=True, hasher=CHEAP_HASHER, actor="t"
        )
        seed_from_chinesecalendar(s, tenant, years, by="t")


def _house(engine: Engine, tenant: str) -> House:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        tenant=tenant,
        demo_mode=True,
        secret_key=SECRET,
        public_url=f"https://zwfw.{tenant}.example",
        # the walks ask thousands of times from one address: no rate limit may answer
        # in the place of the page
        query_per_minute=10000,
        query_per_case_per_minute=1_000_000,
        evaluate_per_minute=100000,
        sms_codes_per_hour=100,
        login_address_free_attempts=10000,
    )
    return build_house(settings, engine)


def _publish_catalogue(house: House, rename: dict[str, str] | None = None) -> None:
    tenant = house.settings.tenant
    with transaction(house.sessions) as s:
        for d in catalog_definitions():
            house.catalog.publish(s, tenant, d, "admin@county")
    if rename:  # B's own items: one only it has, a second version of a shared one
        food = next(d for d in catalog_definitions() if d.code == FOOD)
        with transaction(house.sessions) as s:
            for code, name in rename.items():
                own = ItemDefinition.model_validate(
                    {**food.model_dump(mode="json"), "code": code, "name": name}
                )
                house.catalog.publish(s, tenant, own, "admin@county")
    house.policy.refresh(tenant, force=True)


def _demo_cases(house: House, seed: int, count: int) -> None:
    with house.sessions() as s:
        org = load_org_data(s, house.settings.tenant)
        published = house.catalog.all_latest(s, house.settings.tenant)
    townships = sorted(d.name for d in org.domains if d.kind == "township")
    applicants = {u.username: u.id for u in org.users if u.kind == "applicant"}
    DemoDriver(house.cases, published, townships, applicants, seed=seed).run(count)


def _populate(county: County, mark: str, mobile: str, online_mobile: str, town: str) -> None:
    """Objects of every kind in one county, made through its own app; ``mark`` in every
    free text."""
    house = county.house
    clerk = county.login("window_clerk@county.hall")
    county.window_number = accept_food(
        clerk, domain="county.hall", operator_name=f"{mark}小卖部", legal_person=f"谭{mark}"
    )
    # an online filing: a public draft, an account, SMS codes
    c = county.client()
    from tests.web.demo_site import application_post

    fields = application_post(
        food_data(operator_name=f"{mark}网店"),
        "submit",
        applicant=f"向{mark}",
        mobile=online_mobile,
    )
    fields.append(("_hall", f"township.{town}"))
    r = c.send_form(f"/services/{FOOD}/apply", fields)
    assert r.status_code == 303, r.text[:2000]
    confirm = r.headers["location"]
    r = c.send_form(confirm, {"code": last_code(house, online_mobile)})
    assert r.status_code == 303, r.text[:2000]
    county.online_number = re.fullmatch(r"/me\?filed=(\d+)", r.headers["location"])[1]  # type: ignore[index]
    # a saved draft left open (its token in B's data)
    r = county.client().send_form(
        f"/services/{FOOD}/apply",
        [
            *application_post(food_data(), "save", applicant=f"田{mark}", mobile=mobile),
            ("_hall", "county.hall"),
        ],
    )
    assert r.status_code in (200, 303), r.text[:2000]
    # a complaint about the window case
    with house.sessions() as s:
        query_code = s.execute(
            select(Case.query_code).where(
                Case.tenant == county.tenant, Case.number == county.window_number
            )
        ).scalar_one()
    r = county.client().send_form(
        "/complaints/new",
        {
            "anonymous": "no",
            "name": f"覃{mark}",
            "mobile": mobile,
            "subject": f"{mark}窗口排队",
            "body": f"{mark}等了很久",
            "department": "county.hall",
            "case_number": county.window_number,
            "query_code": query_code,
        },
    )
    assert r.status_code == 303, r.text[:2000]
    # a supervisor's card on the window case
    supervisor = county.login("supervisor@county")
    r = supervisor.send_form(
        "/supervision/cards",
        {"number": county.window_number, "color": "yellow", "reason": f"{mark}超时提醒"},
    )
    assert r.status_code == 303, r.text[:2000]
    # an administrator's draft (the same code in both counties) and a county text
    admin_scjg = county.login("admin@county.scjg")
    r = admin_scjg.send_form(
        "/admin/items/new",
        {
            "how": "blank",
            "code": DRAFT_CODE,
            "name": f"{mark}小餐饮登记",
            "owner": "county.scjg",
            "category": "administrative_license",
        },
    )
    assert r.status_code == 303, r.text[:2000]
    admin = county.login("admin@county")
    own = f"【{mark}】您的“{{item}}”已受理，编号{{number}}。"
    assert (
        admin.send_form("/admin/templates", {"event": "accepted", "text": own}).status_code == 303
    )
    # the demo's ratings and complaints, rule cards: DemoDriver ran before this


def _collect(county: County) -> None:
    tenant = county.house.settings.tenant
    with county.house.sessions() as s:
        cases = s.execute(select(Case.number, Case.query_code).where(Case.tenant == tenant)).all()
        county.numbers = sorted(n for n, _ in cases)
        county.queries = [(n, q) for n, q in cases if q]
        county.complaints = list(
            s.execute(select(Complaint.code).where(Complaint.tenant == tenant)).scalars()
        )
        county.tasks = list(
            s.execute(select(Rectification.id).where(Rectification.tenant == tenant)).scalars()
        )
        county.drafts = list(s.execute(select(Draft.token).where(Draft.tenant == tenant)).scalars())
        county.cards = [
            int(r[0])
            for r in s.execute(
                text("SELECT id FROM supervision_card WHERE tenant = :t"), {"t": tenant}
            )
        ]


def _texts_of(engine: Engine, tenant: str) -> set[str]:
    """Every name a county's data holds: its people and its applicants."""
    with session_factory(engine)() as s:
        org = load_org_data(s, tenant)
        names = {u.display_name for u in org.users}
        names |= {d.title for d in org.domains}
        names |= set(s.execute(select(Case.applicant_name).where(Case.tenant == tenant)).scalars())
    return {n for n in names if n}


def _build(engine: Engine) -> World:
    for county in DEMO_COUNTIES:
        _load_county(engine, county.tenant, county.org_file)
    ha, hb = _house(engine, A), _house(engine, B)
    _publish_catalogue(ha)
    _publish_catalogue(hb, {B_ONLY_CODE: f"{MARK}特有事项", FOOD: B_FOOD_NAME})
    # B's own password for a user name A has too
    with transaction(hb.sessions) as s:
        people.set_password(s, B, "admin@county.scjg", B_PASSWORD, hasher=CHEAP_HASHER, actor="t")
    # a delegation in B (its id is sent to A's pages)
    with transaction(hb.sessions) as s:
        today = datetime.now(UTC).date()
        row = people.delegate(
            s,
            B,
            "reviewer@county.scjg",
            "reviewer@county.zrzy",
            "reviewer",
            "county.scjg",
            today,
            today + timedelta(days=30),
            f"{MARK}休假代理",
            actor="t",
        )
        b_delegation = str(row.id)
    hb.policy.refresh(B, force=True)
    _demo_cases(ha, 7, 14)
    _demo_cases(hb, 8, 14)
    a = County(A, ha, create_app(ha.settings, ha))
    b = County(B, hb, create_app(hb.settings, hb), passwords={"admin@county.scjg": B_PASSWORD})
    b.delegation = b_delegation
    _populate(a, "甲县", A_MOBILE, "13907180003", "yezhou")
    _populate(b, MARK, B_MOBILE, B_ONLINE_MOBILE, "xinling")
    _collect(a)
    _collect(b)
    mine = _texts_of(engine, A)
    theirs = _texts_of(engine, B) - mine
    # titles of domains both have (县政务服务中心 …) are not B's: only what A lacks counts
    markers = sorted(
        {MARK, *b.numbers, *b.complaints, *(t for t in theirs if len(t) >= 2)},
        key=len,
        reverse=True,
    )
    return World(engine, a, b, markers)


@pytest.fixture(scope="module", params=BACKENDS, name="world")
def world_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path_factory.mktemp("two_counties") / "banshi.sqlite3"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield _build(engine)
        finally:
            engine.dispose()
        return
    assert POSTGRES_URL
    with throwaway_schema("iso") as (schema, _):
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield _build(engine)
        finally:
            engine.dispose()


def _leaks(world: World, body: str, asked: str = "") -> list[str]:
    """B's markers in ``body``, except those the request itself named (``asked``: a page
    may echo the number or text it was asked for)."""
    asked = unquote(asked)
    return [m for m in world.markers if m in body and m not in asked]
