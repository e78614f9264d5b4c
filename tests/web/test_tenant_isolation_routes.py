"""Tenant isolation, the routes of county A walked with county B's objects (DESIGN §8).

The routes are walked from ``app.routes``, not listed by hand: every GET route of A is
visited by every kind of A's users with its path parameters filled from B's objects (and
from A's own), and no answer — page, JSON, CSV or Excel — may carry a marker of B (B's case
numbers, its people, its applicants, its places, its texts); every state-changing route of
A is sent B's objects and may change nothing of B. A route with a path parameter this file
has no value for fails until one is added.

The two counties (B's free texts marked ``乙县秘``): tests/web/isolation_world.py."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import Engine, select

from db.models import load_all
from runtime.demo import DEMO_COUNTIES
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, food_data
from tests.web.isolation_world import (
    B_MOBILE,
    B_ONLINE_MOBILE,
    B_ONLY_CODE,
    DRAFT_CODE,
    MARK,
    STATIC,
    A,
    B,
    County,
    World,
    _leaks,
    world_fixture,  # noqa: F401 (the world fixture)
)

# -- what an answer shows ---------------------------------------------------------------------


def _body_text(r: Any) -> str:
    """The answer as text; an Excel file's sheets and shared strings unzipped."""
    kind = r.headers.get("content-type", "")
    if "spreadsheetml" in kind or r.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return r.content.decode("utf-8", "replace")


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


#: every demo login of the first county but the applicant (who has no desk)
A_USERS = tuple(u for u in DEMO_COUNTIES[0].logins if u != "applicant@demo")


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
