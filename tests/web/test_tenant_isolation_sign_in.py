"""Tenant isolation at the door: B's credentials do not sign in to A, a session of A is
worth nothing in B, an SMS code sent by B does not sign in to A.

The two counties (B's free texts marked ``乙县秘``): tests/web/isolation_world.py."""

from __future__ import annotations

from tests.web.demo_site import PASSWORD
from tests.web.isolation_world import (
    B_MOBILE,
    B_PASSWORD,
    World,
    world_fixture,  # noqa: F401 (the world fixture)
)
from tests.web.public.apply_flow import last_code


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
