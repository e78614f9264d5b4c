"""Every state-changing route the app defines — found by walking ``app.routes``, not listed by
hand — refuses a request without the CSRF token, and takes the same request with the token
a browser would send (read from the page's form, as the browser reads it).

A new POST/PUT/PATCH/DELETE route is covered the moment it exists; one whose path has a
parameter this file has no sample value for fails until one is added below."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.web.demo_site import FOOD, application_post, food_data
from tests.web.flows import FOOD_MATERIALS, case_number, post_application

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_IN_FORM = re.compile(r'name="_csrf_token" value="([^"]+)"')
TOKEN_IN_HEADERS = re.compile(r'"X-CSRFToken": "([^"]+)"')
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


#: Machine-to-machine endpoints a provider calls with its own token, exempt from CSRF
#: (``exclude_from_csrf``): exactly these, so a new exemption shows up here.
EXEMPT = {"/sms/inbound"}


def state_changing_routes(app: Litestar, exempt: bool = False) -> list[tuple[str, str]]:
    """(method, path template) of every route handler that may change state (with
    ``exempt``: only those excluded from CSRF)."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if bool(handler.opt.get("exclude_from_csrf")) != exempt:
                continue
            for method in handler.http_methods & STATE_CHANGING:
                found.add((method, route.path))
    return sorted(found)


def page_token(client: Any, url: str) -> str:
    """The token a browser sends: the page's hidden form field (or its htmx header)."""
    page = client.get(url)
    m = TOKEN_IN_FORM.search(page.text) or TOKEN_IN_HEADERS.search(page.text)
    assert m, f"{url} carries no CSRF token for the browser to send"
    return m[1]


def is_csrf_refusal(r: Any) -> bool:
    return r.status_code == 403 and "CSRF" in r.text


def test_every_state_changing_route_needs_the_csrf_token(
    app: Litestar, login: Callable[[str], Any], anon: Any
) -> None:
    routes = state_changing_routes(app)
    assert {p for _, p in state_changing_routes(app, exempt=True)} == EXEMPT
    paths = {p for _, p in routes}
    # the walk sees the routes we know of (a sanity check on the walk itself)
    assert {"/login", "/logout", "/desk/apply/{code:str}"} <= paths, routes
    assert any(p.startswith("/api/") for p in paths) and any("/act/" in p for p in paths)

    clerk = login("window_clerk@township.yezhou")
    number = case_number(post_application(clerk, "accept", food_data(), received=FOOD_MATERIALS))
    samples = {
        "code": FOOD,
        "number": number,
        "act": "review",
        "card_id": "1",
        "task_id": "1",
        "step": "callback",
        "token": "no-such-draft",
    }
    form_bodies: dict[str, list[tuple[str, str]]] = {
        "/login": [("username", "window_clerk@township.yezhou"), ("password", "x")],
        "/desk/apply/{code:str}": application_post(food_data(), "check"),
    }

    refused = []
    for method, template in routes:
        missing = set(PARAM.findall(template)) - set(samples)
        assert not missing, f"{method} {template}: add a sample value for {missing}"
        url = PARAM.sub(lambda m: samples[m[1]], template)
        if template.startswith("/desk/apply/"):
            url += "?domain=township.yezhou"
        api = template.startswith("/api/")
        # a fresh signed-in browser per route (the positive control may log it out)
        user = anon if template == "/login" else login("reviewer@county.scjg")
        if template.startswith("/desk/apply/"):
            user = login("window_clerk@township.yezhou")
        if template.startswith("/admin/"):  # any other role's 403 page also names X-CSRFToken
            user = login("admin@county")
        if template.startswith("/supervision/"):
            user = login("supervisor@county")
        token = page_token(user, "/login" if user is anon else "/desk")
        if api:
            body: dict[str, Any] = {"json": {"reason": "x", "data": food_data()}}
            without = user.request(method, url, **body)
            with_token = user.request(method, url, headers={"x-csrftoken": token}, **body)
        else:
            fields = form_bodies.get(template, [("reason", "x")])
            form = {"content-type": "application/x-www-form-urlencoded"}
            without = user.request(method, url, content=urlencode(fields), headers=form)
            with_token = user.request(
                method, url, content=urlencode([*fields, ("_csrf_token", token)]), headers=form
            )
        assert is_csrf_refusal(without), (method, template, without.status_code, without.text[:300])
        assert not is_csrf_refusal(with_token), (method, template, with_token.status_code)
        refused.append(template)
    assert len(refused) == len(routes)
