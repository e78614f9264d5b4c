"""Two counties on one database (DESIGN §8), each served by its own app: county A (建始县
422822) never shows, finds or acts on anything of county B (巴东县 422823).

Both counties are loaded like ``banshi demo load`` loads them (runtime/demo.py: the same
item codes, the same county-level user and domain names, so a leak is visible), then each
gets demo cases driven through the real acts, a case filed at the window and one online,
a complaint, a rating, a supervision card, an administrator's draft, a county text for an
SMS, a delegation and a password of its own — in B, every free text carries the marker
``乙县秘``.

The routes are walked from ``app.routes``, not listed by hand: every GET route of A is
visited by every kind of A's users with its path parameters filled from B's objects (and
from A's own), and no answer — page, JSON, CSV or Excel — may carry a marker of B (B's case
numbers, its people, its applicants, its places, its texts); every state-changing route of
A is sent B's objects and may change nothing of B. A route with a path parameter this file
has no value for fails until one is added."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from db.engine import make_engine, session_factory, transaction
from db.models import load_all
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


@pytest.fixture(scope="module", params=BACKENDS)
def world(
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


# -- what an answer shows ---------------------------------------------------------------------


def _body_text(r: Any) -> str:
    """The answer as text; an Excel file's sheets and shared strings unzipped."""
    kind = r.headers.get("content-type", "")
    if "spreadsheetml" in kind or r.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return r.content.decode("utf-8", "replace")


def _leaks(world: World, body: str, asked: str = "") -> list[str]:
    """B's markers in ``body``, except those the request itself named (``asked``: a page
    may echo the number or text it was asked for)."""
    asked = unquote(asked)
    return [m for m in world.markers if m in body and m not in asked]


PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _routes(app: Litestar, methods: set[str]) -> list[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods & methods:
                found.add((method, route.path))
    return sorted(found)


def _samples(county: County, other: County) -> dict[str, list[str]]:
    """Path parameter values: ``county``'s objects (as another county would guess them)."""
    return {
        "number": [county.window_number, county.online_number, *county.numbers[:3]],
        "code": [B_ONLY_CODE, FOOD, DRAFT_CODE, *county.complaints[:2]],
        "version": ["2", "1"],
        "act": ["accept", "review", "decide", "complete", "withdraw", "not_accept"],
        "kind": ["acceptance", "result"],
        "token": county.drafts[:2] or ["none"],
        "card_id": [str(i) for i in county.cards[:3]] or ["1"],
        "task_id": [str(i) for i in county.tasks[:2]] or ["1"],
        "step": ["callback", "rectify", "close"],
    }


def _fill(template: str, samples: dict[str, list[str]]) -> list[str]:
    names = PARAM.findall(template)
    missing = set(names) - set(samples) - STATIC
    assert not missing, f"{template}: add sample values for {missing}"
    urls = [template]
    for name in names:
        urls = [
            re.sub(r"\{" + name + r"(?::\w+)?\}", value, u, count=1)
            for u in urls
            for value in samples[name]
        ]
    return urls


def _query_variants(world: World, url: str) -> list[str]:
    """The same URL with query strings a visitor could send naming B's objects."""
    b = world.b
    number, code = b.queries[0]
    extra = [
        {"number": number, "code": code},
        {"q": number},
        {"q": MARK},
        {"mobile": B_MOBILE},
        {"mobile": B_ONLINE_MOBILE},
        {"case": number},
        {"code": b.complaints[0]},
        {"domain": "township.xinling"},
        {"department": "county.scjg", "township": "township.xinling"},
        {"view": "township"},
        {"start": "2020-01-01", "end": "2030-12-31"},
    ]
    return [url] + [f"{url}?{urlencode(e)}" for e in extra]


A_USERS = (
    "window_clerk@county.hall",
    "window_clerk@township.yezhou",
    "reviewer@county.scjg",
    "chief_representative@county.scjg",
    "department_head@county.scjg",
    "supervisor@county",
    "supervisor@township.yezhou",
    "admin@county",
    "admin@county.scjg",
)


def _visitors(world: World) -> list[tuple[str, Client]]:
    a = world.a
    out = [("anonymous", a.client())]
    out += [(u, a.login(u)) for u in A_USERS]
    # a citizen of A whose mobile B's applicants used too
    out.append(("citizen", a.citizen(B_MOBILE)))
    return out


# -- the tests -------------------------------------------------------------------------------


def test_the_two_counties_hold_what_the_test_expects(world: World) -> None:
    a, b = world.a, world.b
    assert a.numbers and b.numbers and b.complaints and b.cards and b.drafts and b.tasks
    assert all(n.startswith(B) for n in b.numbers) and all(n.startswith(A) for n in a.numbers)
    assert len(world.markers) > 50, world.markers
    # the markers are B's: A's own pages never carry them (checked on B's own app here)
    r = world.b.login("supervisor@county").get("/supervision/")
    assert r.status_code == 200 and _leaks(world, r.text), "B's page shows none of B's markers"


def test_no_get_route_of_a_shows_anything_of_b(world: World) -> None:
    a = world.a
    routes = _routes(a.app, {"GET"})
    paths = {p for _, p in routes}
    assert {"/desk", "/query", "/supervision", "/admin/log", "/api/cases/{number:str}"} <= paths
    samples_b = _samples(world.b, a)
    samples_a = _samples(a, world.b)
    visitors = _visitors(world)
    problems: list[str] = []
    seen = 0
    # asked for one of these, A answers "not found" (never 200 with an empty page)
    b_objects = [*world.b.numbers, *world.b.complaints, *world.b.drafts, B_ONLY_CODE]
    for _, template in routes:
        if set(PARAM.findall(template)) & STATIC or template.startswith("/schema"):
            continue
        urls_b = _fill(template, samples_b)
        urls_a = [u for u in _fill(template, samples_a) if u not in urls_b]
        # B's objects for every visitor, A's own for some (their pages list no B either);
        # the first URL also with B's objects in its query string
        some = visitors[:2] + visitors[6:7] + visitors[-3:]
        visits = [(u, visitors) for u in urls_b] + [(u, some) for u in urls_a]
        visits += [(v, some) for v in _query_variants(world, urls_b[0])[1:]]
        for url, who_all in visits:
            for who, client in who_all:
                r = client.get(url)
                seen += 1
                if r.status_code >= 500:
                    problems.append(f"{who} GET {url}: {r.status_code}")
                    continue
                leaks = _leaks(world, _body_text(r), url)
                if leaks:
                    problems.append(f"{who} GET {url}: {r.status_code} shows {leaks[:3]}")
                elif r.status_code == 200 and any(m in url.split("?")[0] for m in b_objects):
                    problems.append(f"{who} GET {url}: 200 for an object of B")
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} of {seen})"


def test_b_case_through_a_is_not_found(world: World) -> None:
    a, b = world.a, world.b
    supervisor = a.login("supervisor@county")
    clerk = a.login("window_clerk@county.hall")
    for number in (b.window_number, b.online_number, *b.numbers[:5]):
        assert clerk.get(f"/desk/cases/{number}").status_code == 404
        assert clerk.get(f"/api/cases/{number}").status_code == 404
        assert supervisor.get(f"/supervision/cases/{number}").status_code == 404
        r = clerk.send_form(f"/desk/cases/{number}/act/accept", {"expected_version": "1"})
        assert r.status_code == 404, (number, r.status_code)
        r = clerk.api_post(f"/api/cases/{number}/acts/accept", {"expected_version": 1})
        assert r.status_code == 404, (number, r.status_code)
    for number, code in b.queries:
        r = a.client().get(f"/query?{urlencode({'number': number, 'code': code})}")
        assert r.status_code == 404 and not _leaks(world, r.text, number), number
    for code in b.complaints:
        assert a.client().get(f"/complaints/{code}").status_code == 404
    assert a.client().get(f"/services/{B_ONLY_CODE}").status_code == 404
    assert a.client().get(f"/services/{FOOD}/versions/2").status_code == 404
    assert a.client().get(f"/api/items/{B_ONLY_CODE}").status_code == 404


def _fingerprint(engine: Engine, tenant: str) -> str:
    """Every row of every tenant table of ``tenant``, hashed."""
    digest = hashlib.sha256()
    with engine.connect() as c:
        for table in load_all().metadata.sorted_tables:
            if "tenant" not in table.c or table.name in {"kv_entry"}:
                continue
            keys = [col for col in table.primary_key.columns] or list(table.c)
            rows = c.execute(select(table).where(table.c.tenant == tenant).order_by(*keys))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _post_bodies(world: World, template: str) -> list[list[tuple[str, str]]]:
    """Form bodies naming B's objects (people, places, cases, uploads)."""
    b = world.b
    number = b.window_number
    generic = [
        ("expected_version", "1"),
        ("reason", f"{MARK}理由"),
        ("text", f"{MARK}答复"),
        ("value", "approve"),
        ("number", number),
        ("case_number", number),
        ("query_code", b.queries[0][1]),
        ("username", "window_clerk@township.xinling"),
        ("display_name", f"{MARK}新人"),
        ("role", "window_clerk"),
        ("domain", "township.xinling"),
        ("parent", "township.xinling"),
        ("name", "village.siduhe"),
        ("kind", "village"),
        ("title", f"{MARK}村"),
        ("mobile", B_MOBILE),
        ("code", "123456"),
        ("color", "red"),
        ("event", "accepted"),
        ("department", "township.xinling"),
        ("subject", f"{MARK}投诉"),
        ("body", f"{MARK}投诉内容"),
        ("anonymous", "yes"),
        ("_hall", "township.xinling"),
        ("id", b.delegation),
        ("task_id", str(b.tasks[0]) if b.tasks else "1"),
        ("card_id", str(b.cards[0]) if b.cards else "1"),
        ("token", b.drafts[0] if b.drafts else ""),
    ]
    return [generic]


def test_no_post_route_of_a_changes_anything_of_b(world: World) -> None:
    a, b = world.a, world.b
    before = _fingerprint(world.engine, B)
    routes = _routes(a.app, {"POST", "PUT", "PATCH", "DELETE"})
    samples = _samples(b, a)
    samples["code"] = [B_ONLY_CODE, DRAFT_CODE, *b.complaints[:2]]  # not A's own items
    problems = []
    for method, template in routes:
        if template in ("/logout", "/login"):
            continue
        for url in dict.fromkeys(_fill(template, samples)):
            for who in ("admin@county", "supervisor@county", "window_clerk@county.hall"):
                client = a.login(who)
                for fields in _post_bodies(world, template):
                    if template.startswith("/api/"):
                        body: dict[str, Any] = {"expected_version": 1, "reason": MARK}
                        if "/items/" in template:  # a filing at B's hall, B's uploads
                            body = {
                                "data": food_data(),
                                "applicant": {"name": MARK, "mobile": B_MOBILE},
                                "accepting_domain": "township.xinling",
                            }
                        r = client.request(
                            method, url, json=body, headers={"x-csrftoken": client.csrf}
                        )
                    else:
                        r = client.send_form(url, fields)
                    if r.status_code >= 500:
                        problems.append(f"{who} {method} {url}: {r.status_code}")
                    number_in_path = "{number" in template
                    if number_in_path and r.status_code != 404:
                        problems.append(f"{who} {method} {url}: {r.status_code}, not 404")
    assert not problems, "\n".join(problems[:60])
    assert _fingerprint(world.engine, B) == before, "a request to A changed B's rows"


def test_b_credentials_do_not_sign_in_to_a(world: World) -> None:
    a, b = world.a, world.b
    # B's own password of a user name both have; a user only B has
    for username, password in (
        ("admin@county.scjg", B_PASSWORD),
        ("window_clerk@township.xinling", PASSWORD),
        ("supervisor@township.xinling", PASSWORD),
    ):
        c = a.client()
        c.get("/login")
        r = c.send_form("/login", {"username": username, "password": password, "next": "/desk"})
        assert r.status_code != 303, (username, r.status_code)
        assert c.get("/desk").status_code in (302, 303, 401), username
    # ... while B takes them
    assert b.login("admin@county.scjg", B_PASSWORD).get("/admin/items").status_code == 200


def test_a_session_is_worth_nothing_in_b(world: World) -> None:
    """A signed-in cookie of A (the same store, the same user name in B) is anonymous in B."""
    a, b = world.a, world.b
    for username in ("admin@county", "supervisor@county", "window_clerk@county.hall"):
        signed = a.login(username)
        assert signed.get("/desk").status_code == 200
        thief = b.client()
        for cookie in signed.cookies.jar:
            thief.cookies.set(cookie.name, cookie.value)
        r = thief.get("/desk")
        assert r.status_code in (302, 303, 401), (username, r.status_code)
        assert thief.get("/admin/people").status_code in (302, 303, 401, 403)
        r = thief.get(f"/desk/cases/{b.window_number}")
        assert r.status_code in (302, 303, 401, 404), (username, r.status_code)


def test_a_code_sent_by_b_does_not_sign_in_to_a(world: World) -> None:
    a, b = world.a, world.b
    c = b.client()
    assert c.send_form("/me/code", {"mobile": B_MOBILE}).status_code in (200, 303)
    code = last_code(b.house, B_MOBILE)
    r = a.client().send_form("/me/login", {"mobile": B_MOBILE, "code": code})
    assert r.status_code != 303 or "/me" not in r.headers.get("location", "")


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


# -- each county by its own name ---------------------------------------------------------------


def _layout(html: str) -> str:
    """What the layout says of the county: the title, the header, the footer."""
    parts = re.findall(r"<title>.*?</title>|<header.*?</header>|<footer.*?</footer>", html, re.S)
    return "\n".join(parts)


def test_each_county_shows_its_own_name(world: World) -> None:
    for county, own, other in ((world.a, "建始县", "巴东县"), (world.b, "巴东县", "建始县")):
        for url in ("/", "/login", "/services", "/query", "/complaints/new", "/publicity"):
            r = county.client().get(url)
            assert r.status_code == 200, url
            layout = _layout(r.text)
            assert f"{own}政务服务" in layout and other not in layout, (county.tenant, url, layout)
        home = county.client().get("/").text
        assert f'<h1 class="heading">{own}政务服务</h1>' in home
        desk = county.login("window_clerk@county.hall").get("/desk").text
        assert own in _layout(desk) and other not in _layout(desk)
        licence = county.client().get("/open-data/items.json").json()["licence"]
        assert own in licence and other not in licence
        assert own in county.client().get("/open-data/figures.csv").text.splitlines()[0]


def test_each_county_s_messages_carry_its_own_name(world: World) -> None:
    """SMS of the built-in texts (codes, filings, complaints, cards, query replies) name
    the county that sends them; the signature of the HTTP gateway too."""
    from runtime.outbox import gateway_for

    for county, own, other in ((world.a, "建始县", "巴东县"), (world.b, "巴东县", "建始县")):
        county.client().send_form(
            "/sms/inbound", {"from": "13907185555", "text": f"CX {county.window_number} XXXXXX"}
        )
        with county.house.sessions() as s:
            bodies = list(
                s.execute(
                    text(
                        "SELECT body FROM outbox WHERE tenant = :t UNION ALL "
                        "SELECT body FROM public_message WHERE tenant = :t"
                    ),
                    {"t": county.tenant},
                ).scalars()
            )
        assert len(bodies) > 10
        for body in bodies:
            assert other not in body, (county.tenant, body)
        assert any(body.startswith(f"【{own}政务服务】") for body in bodies)
        assert any(body.startswith(f"【{own}电子监察】") for body in bodies)
        settings = county.house.settings.model_copy(
            update={
                "sms_gateway": "http",
                "sms_http_url": "https://sms.example",
                "sms_http_key": "k",
            }
        )
        gateway = gateway_for(settings, county.house.sessions)
        assert gateway.config.signature == f"{own}政务服务"  # type: ignore[attr-defined]


def test_a_notice_of_b_names_b(world: World) -> None:
    b = world.b
    clerk = b.login("window_clerk@county.hall")
    r = clerk.get(f"/desk/cases/{b.window_number}/notice/acceptance")
    assert r.status_code == 200
    assert "建始县" not in r.text and "巴东县" in r.text


def test_a_s_figures_count_only_a_s_cases(world: World) -> None:
    """Counts carry no marker: A's figures (supervision, open data) are checked against A's
    own cases — the same departments in B would double them if a rollup were shared."""
    from datetime import date

    from runtime.public.opendata import figure_rows
    from runtime.supervision.figures import figures, total

    for county in (world.a, world.b):
        tenant = county.tenant
        with county.house.sessions() as s:
            accepted = s.execute(
                select(func.count())
                .select_from(Case)
                .where(Case.tenant == tenant, Case.accepted_on.is_not(None))
            ).scalar_one()
            rows = figures(s.connection(), tenant, "department", date(2000, 1, 1), date(2100, 1, 1))
            open_rows = figure_rows(s, tenant, {})
        assert accepted > 0
        assert total(rows).counts["accepted"] == accepted, tenant
        assert sum(int(r["accepted"]) for r in open_rows) == accepted, tenant
