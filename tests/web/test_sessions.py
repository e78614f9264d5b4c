"""Server-side sessions: the cookie is a random id, the session lives in the shared store
and can be ended (logout, deactivation, a new password, a revoked role, idle and absolute
lifetimes); the id changes at login; the CSRF token belongs to one session."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.middleware.session.client_side import CookieBackendConfig
from sqlalchemy import select, update

from db.engine import transaction
from db.kv_tables import KvEntry
from house.wiring import House
from rbac import people
from rbac.passwords import CHEAP_HASHER
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import PASSWORD, TENANT
from tests.web.flows import accept_food
from web.app import create_app

CLERK = "window_clerk@county.hall"
COOKIE = "banshi_session"
SESSIONS = "banshi.sessions"


def cookie_of(client: Client) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie"
    return value


def holding(app: Litestar, session_id: str) -> Client:
    """A fresh client (someone else's browser) carrying a copied session cookie."""
    thief = Client(app=app, base_url=BASE_URL)
    thief.cookies.set(COOKIE, session_id, domain="testserver.local")
    return thief


def logged_in(client: Client) -> bool:
    r = client.get("/desk")
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def stored(house: House, session_id: str) -> dict[str, Any] | None:
    with house.sessions() as s:
        raw = s.scalar(
            select(KvEntry.value).where(KvEntry.namespace == SESSIONS, KvEntry.key == session_id)
        )
    return None if raw is None else json.loads(raw)


def test_a_cookie_sealed_with_the_old_development_secret_names_nobody(
    login: Callable[[str], Client], app: Litestar, anon: Client
) -> None:
    number = accept_food(login(CLERK), domain="county.hall")
    # what the reproduction did: a client-side session sealed with the built-in secret
    old = CookieBackendConfig(
        secret=hashlib.sha256(b"session:dev-only-change-me-dev-only-change-me").digest(),
        key=COOKIE,
    )
    sealed = old._backend_class(config=old).dump_data({"user": "supervisor@county"})
    assert len(sealed) == 1
    forged = holding(app, sealed[0].decode())
    r = forged.get(f"/api/cases/{number}")
    assert r.status_code == 401 and r.json()["message"] == "请先登录"
    assert not logged_in(forged)
    # nor does a well-formed id that no login produced
    guessed = holding(app, "ab" * 32)
    assert guessed.get(f"/api/cases/{number}").status_code == 401


def test_the_cookie_is_a_random_id_and_the_session_is_in_the_store(
    login: Callable[[str], Client], house: House
) -> None:
    clerk = login(CLERK)
    session_id = cookie_of(clerk)
    assert re.fullmatch(r"[0-9a-f]{64}", session_id)
    data = stored(house, session_id)
    assert data is not None and data["user"] == CLERK


def test_logout_ends_a_copied_cookie(
    login: Callable[[str], Client], app: Litestar, house: House
) -> None:
    clerk = login(CLERK)
    number = accept_food(clerk, domain="county.hall")
    session_id = cookie_of(clerk)
    copy = holding(app, session_id)
    assert copy.get(f"/api/cases/{number}").status_code == 200
    r = clerk.send_form("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert copy.get(f"/api/cases/{number}").status_code == 401
    assert not logged_in(copy) and not logged_in(clerk)
    assert stored(house, session_id) is None


def _refresh(house: House) -> None:
    house.policy.refresh(TENANT, force=True)


def test_deactivating_then_reactivating_does_not_bring_old_sessions_back(
    login: Callable[[str], Client], app: Litestar, house: House
) -> None:
    clerk = login(CLERK)
    old = cookie_of(clerk)
    with transaction(house.sessions) as s:
        people.set_active(s, TENANT, CLERK, False, actor="admin@county")
    with transaction(house.sessions) as s:
        people.set_active(s, TENANT, CLERK, True, actor="admin@county")
    _refresh(house)
    assert not logged_in(holding(app, old))
    assert stored(house, old) is None  # the refused session was deleted from the store
    assert logged_in(login(CLERK))  # a new login works


@pytest.mark.parametrize(
    "change",
    [
        lambda s: people.set_password(
            s, TENANT, CLERK, PASSWORD, hasher=CHEAP_HASHER, actor="admin@county"
        ),
        lambda s: people.revoke_role(
            s, TENANT, CLERK, "window_clerk", "county.hall", actor="admin@county"
        ),
    ],
    ids=["password-change", "role-revocation"],
)
def test_a_new_password_or_a_revoked_role_ends_the_users_sessions(
    login: Callable[[str], Client], house: House, change: Callable[[Any], object]
) -> None:
    clerk, reviewer = login(CLERK), login("reviewer@county.scjg")
    try:
        with transaction(house.sessions) as s:
            change(s)
        _refresh(house)
        assert not logged_in(clerk)
        assert logged_in(reviewer)  # other people's sessions go on
        assert logged_in(login(CLERK))
    finally:  # the PostgreSQL schema is shared by the tests: give the role back
        with transaction(house.sessions) as s:
            people.grant_role(s, TENANT, CLERK, "window_clerk", "county.hall", actor="tests")


def test_the_session_id_changes_at_login(app: Litestar, anon: Client, house: House) -> None:
    planted = "cd" * 32  # fixation: an id put into the browser before the login
    anon.cookies.set(COOKIE, planted, domain="testserver.local")
    anon.get("/login")
    r = anon.send_form("/login", {"username": CLERK, "password": PASSWORD})
    assert r.status_code == 303
    first = cookie_of(anon)
    assert first != planted and stored(house, planted) is None
    # logging in again (as someone else) starts another session and ends the first
    anon.get("/login")
    r = anon.send_form("/login", {"username": "reviewer@county.scjg", "password": PASSWORD})
    assert r.status_code == 303
    second = cookie_of(anon)
    assert second != first
    assert stored(house, first) is None and not logged_in(holding(app, first))
    assert "reviewer@county.scjg" in anon.get("/desk").text


def _set_cookie(response: Any, name: str) -> str:
    lines = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert lines, f"no {name} cookie set"
    return lines[-1]


def test_cookie_flags_and_secure_when_the_public_url_is_https(house: House, anon: Client) -> None:
    anon.get("/login")
    r = anon.send_form("/login", {"username": CLERK, "password": PASSWORD})
    session = _set_cookie(r, COOKIE)
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" in session
    assert "Secure" in _set_cookie(r, "csrftoken")  # the login re-issues the token
    plain = create_app(
        house.settings.model_copy(update={"public_url": "http://127.0.0.1:8000"}), house
    )
    c = Client(app=plain, base_url="http://testserver.local")
    c.get("/login")
    r = c.send_form("/login", {"username": CLERK, "password": PASSWORD})
    assert r.status_code == 303
    assert "Secure" not in _set_cookie(r, COOKIE)


def test_a_csrf_token_from_another_session_or_from_before_login_is_refused(
    login: Callable[[str], Client], anon: Client
) -> None:
    before = anon.csrf  # minted for an anonymous visitor
    anon.send_form("/login", {"username": CLERK, "password": PASSWORD})
    assert anon.csrf != before  # the login re-issued it for the new session
    other = login("reviewer@county.scjg").csrf

    def logout_with(token: str) -> int:
        anon.cookies.set("csrftoken", token, domain="testserver.local")
        return anon.post(
            "/logout",
            content=f"_csrf_token={token}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).status_code

    mine = anon.csrf
    assert logout_with(other) == 403  # a valid pair, but of another session
    assert logout_with(before) == 403  # a valid pair, but from before the login
    assert logged_in(anon)
    assert logout_with(mine) == 303
    assert not logged_in(anon)


def test_a_stylesheet_fetched_between_page_and_post_keeps_the_pages_token(
    login: Callable[[str], Client],
) -> None:
    """A browser loads the page's static files after the page: their answers must not
    replace the page's CSRF cookie (they did, with a token bound to no session, and the
    page's next form was refused; the browser tests failed whenever the files were not
    cached)."""
    clerk = login(CLERK)
    page = clerk.get("/desk")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    for asset in ("/static/banshi.css", "/static/vendor/htmx.min.js"):
        fetched = clerk.get(asset)
        assert "csrftoken" not in fetched.headers.get("set-cookie", ""), asset
    out = clerk.post(
        "/logout",
        content=f"_csrf_token={token[1]}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert out.status_code == 303 and not logged_in(clerk)


def test_a_form_from_a_session_that_has_ended_leads_to_the_login(
    login: Callable[[str], Client], house: House
) -> None:
    clerk = login(CLERK)
    token = clerk.csrf
    _age(house, cookie_of(clerk), "seen", house.settings.session_idle_s + 1)
    r = clerk.post(
        "/logout",
        content=f"_csrf_token={token}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def _age(house: House, session_id: str, key: str, seconds: float) -> None:
    """Move a stored session's clock back (no test waits on time)."""
    data = stored(house, session_id)
    assert data is not None
    data[key] -= seconds
    with transaction(house.sessions) as s:
        s.execute(
            update(KvEntry)
            .where(KvEntry.namespace == SESSIONS, KvEntry.key == session_id)
            .values(value=json.dumps(data).encode())
        )


@pytest.mark.parametrize(
    ("key", "setting"), [("seen", "session_idle_s"), ("iat", "session_absolute_s")]
)
def test_idle_and_absolute_lifetimes_end_a_session(
    login: Callable[[str], Client], house: House, key: str, setting: str
) -> None:
    clerk = login(CLERK)
    session_id = cookie_of(clerk)
    lifetime = getattr(house.settings, setting)
    _age(house, session_id, key, lifetime - 30)
    assert logged_in(clerk)  # still within the lifetime (a busy session's "seen" moves on)
    _age(house, session_id, key, lifetime + 1)
    assert not logged_in(clerk)
    assert stored(house, session_id) is None


def test_sessions_in_redis_when_configured(house: House) -> None:
    from tests.web.test_stores import REDIS_URL, _redis_up

    if not _redis_up():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    settings = house.settings.model_copy(update={"redis_url": REDIS_URL})
    app = create_app(settings, house)
    with Client(app=app, base_url=BASE_URL) as c:  # one event loop for the Redis client
        c.get("/login")
        r = c.send_form("/login", {"username": CLERK, "password": PASSWORD})
        assert r.status_code == 303
        session_id = cookie_of(c)
        assert logged_in(c)
        assert stored(house, session_id) is None  # not in the database
        import redis

        keys = redis.Redis.from_url(REDIS_URL).keys(f"*{session_id}")
        assert keys, "the session is not in Redis"
        assert c.send_form("/logout").status_code == 303
        c.cookies.set(COOKIE, session_id, domain="testserver.local")
        assert not logged_in(c)
        assert not redis.Redis.from_url(REDIS_URL).keys(f"*{session_id}")
