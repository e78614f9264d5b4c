"""Logging in and out; every desk page and act needs a logged-in user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from db.engine import transaction
from house.settings import Settings, SettingsError, load_settings
from house.wiring import House
from rbac.people import set_active
from rbac.policy import bump_policy_version
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import FOOD, PASSWORD, TENANT
from tests.web.flows import accept_food
from web.app import create_app


def test_login_lands_on_the_desk_with_the_users_name(anon) -> None:
    page = anon.get("/login")
    assert page.status_code == 200
    assert '<label class="label" for="username">' in page.text
    r = anon.send_form("/login", {"username": "window_clerk@township.yezhou", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/desk"
    desk = anon.get("/desk")
    assert desk.status_code == 200
    assert "window_clerk@township.yezhou" in desk.text


def test_wrong_password_is_a_401_page_with_an_error_summary(anon) -> None:
    r = anon.send_form("/login", {"username": "window_clerk@county.hall", "password": "wrong"})
    assert r.status_code == 401
    assert 'class="error-summary"' in r.text
    assert '<a href="#username">用户名或密码不正确' in r.text
    assert 'value="window_clerk@county.hall"' in r.text  # what was typed is kept
    assert anon.get("/desk").status_code == 303  # not logged in


def test_unknown_user_and_empty_form_are_refused_alike(anon) -> None:
    assert (
        anon.send_form("/login", {"username": "nobody@county", "password": PASSWORD}).status_code
        == 401
    )
    assert anon.send_form("/login", {"username": "", "password": ""}).status_code == 401


def test_inactive_user_cannot_log_in_and_an_open_session_ends(login, anon, house: House) -> None:
    clerk = login("window_clerk@county.hall")
    assert clerk.get("/desk").status_code == 200
    with transaction(house.sessions) as s:
        set_active(s, TENANT, "window_clerk@county.hall", False, actor="admin@county")
        bump_policy_version(s, TENANT)
    house.policy.refresh(TENANT, force=True)
    r = anon.send_form("/login", {"username": "window_clerk@county.hall", "password": PASSWORD})
    assert r.status_code == 401
    gone = clerk.get("/desk")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_logout_ends_the_session(login) -> None:
    clerk = login("window_clerk@county.hall")
    r = clerk.send_form("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert clerk.get("/desk").status_code == 303


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("applicant@demo", "/me"),
        ("supervisor@county", "/supervision/"),
        ("admin@county", "/admin/items"),
        ("department_head@county.scjg", "/desk"),
    ],
)
def test_each_user_lands_on_their_own_work(app, username: str, home: str) -> None:
    with Client(app, base_url=BASE_URL) as fresh:
        r = fresh.send_form("/login", {"username": username, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == home


def test_login_only_redirects_inside_the_site(anon) -> None:
    for target, expected in (
        ("/desk?q=spjy", "/desk?q=spjy"),
        ("//evil.example/x", "/desk"),
        ("https://evil.example/", "/desk"),
    ):
        r = anon.send_form(
            "/login", {"username": "window_clerk@county.hall", "password": PASSWORD, "next": target}
        )
        assert r.status_code == 303 and r.headers["location"] == expected


PAGES = [
    "/desk",
    "/desk?q=spjy",
    f"/desk/apply/{FOOD}?domain=county.hall",
    "/desk/cases/{number}",
    "/desk/cases/{number}/notice/acceptance",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_desk_page_redirects_to_login(login, anon, page: str) -> None:
    number = accept_food(login("window_clerk@county.hall"), domain="county.hall")
    url = page.format(number=number)
    r = anon.get(url)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={quote(url, safe='/')}"
    # and after logging in, the clerk is back on the page asked for (query included)
    page = anon.get(r.headers["location"])
    assert f'name="next" value="{url}"'.replace("&", "&amp;") in page.text
    back = anon.send_form(
        "/login", {"username": "window_clerk@county.hall", "password": PASSWORD, "next": url}
    )
    assert back.headers["location"] == url


def test_posts_without_login_are_refused(login, anon) -> None:
    number = accept_food(login("window_clerk@county.hall"), domain="county.hall")
    r = anon.send_form(f"/desk/cases/{number}/act/review", {"reason": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = anon.send_form(f"/desk/apply/{FOOD}?domain=county.hall", {"_action": "check"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    api = anon.get(f"/api/cases/{number}")
    assert api.status_code == 401 and api.json()["message"] == "请先登录"


# -- the secret ------------------------------------------------------------------------


def test_banshi_serve_without_a_secret_outside_demo_mode_stops_with_one_line(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSHI_")}
    env.update(BANSHI_DEMO_MODE="0", BANSHI_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    done = subprocess.run(
        [sys.executable, "-m", "banshi.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "BANSHI_SECRET_KEY" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stdout


@pytest.mark.parametrize(
    "secret", ["dev-only-change-me-dev-only-change-me", "short-secret"], ids=["default", "short"]
)
def test_the_built_in_or_a_short_secret_is_refused(secret: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(secret_key=secret, demo_mode=False)
    assert len(str(refused.value).splitlines()) == 1
    assert "BANSHI_SECRET_KEY" in str(refused.value)


def test_create_app_refuses_a_missing_secret_outside_demo_mode(house: House) -> None:
    settings = house.settings.model_copy(update={"demo_mode": False, "secret_key": None})
    with pytest.raises(SettingsError, match="BANSHI_SECRET_KEY"):
        create_app(settings, house)


def test_demo_mode_makes_one_random_secret_per_install(tmp_path: Path) -> None:
    demo = Settings(demo_mode=True, secret_key=None, var_dir=str(tmp_path / "var"))
    first = demo.web_secret()
    assert len(first) >= 32 and first == demo.web_secret()
    assert (tmp_path / "var" / "secret-key").stat().st_mode & 0o777 == 0o600
    other = Settings(demo_mode=True, var_dir=str(tmp_path / "other"))
    assert other.web_secret() != first  # another install, another secret
