"""The web app on each backend, loaded like ``banshi demo load`` (organisation, calendar, the
shipped catalogue; no demo cases), and logged-in test clients for the demo users.

The organisation and catalogue are loaded once per backend and test session: SQLite tests
get a copy of a prepared file, PostgreSQL tests share a prepared schema whose case tables
(and any item published by a test) are emptied after each test."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, text

from db.engine import make_engine
from house.settings import Settings
from house.wiring import House, build_house
from tests.conftest import BACKENDS, POSTGRES_URL, throwaway_schema
from tests.web.demo_site import PASSWORD, SECRET, load_demo
from web.app import create_app

#: Administration's tables: emptied after each PostgreSQL test like the case tables.
ADMIN_TABLES = ("admin_item_draft", "admin_item_retirement", "admin_log", "admin_message_template")
#: The public side's and supervision's rows, emptied likewise (any web test may write them:
#: the CSRF route test posts to every route).
PUBLIC_TABLES = (
    "rectification",
    "evaluation",
    "complaint_event",
    "complaint",
    "public_message",
    "public_draft",
    "public_account",
    "public_sms_code",
)
SUPERVISION_TABLES = (
    "supervision_card_entry",
    "supervision_card",
    "supervision_finding",
    "supervision_watch",
    "supervision_rollup",
    "supervision_rollup_month",
)

CASE_TABLES = (
    "audit_pending",
    "audit_log_entry",
    "audit_checkpoint",
    "outbox",
    "sent_message",
    "case_fee",
    "case_material",
    "case_event",
    "case",
    "counter",
    "stored_file",
)


@pytest.fixture(scope="session")
def _web_sqlite(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("web") / "web.sqlite3"
    shutil.copy(_sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    codes = load_demo(eng)
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path, codes


@pytest.fixture(scope="session")
def _web_postgres() -> Iterator[tuple[str, list[str]]]:
    with throwaway_schema("web", load_demo) as (schema, codes):
        assert codes is not None
        yield schema, codes


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """Overrides the root ``engine``: migrated and loaded with the demo organisation,
    the calendar and the shipped catalogue."""
    if request.param == "sqlite":
        template, _ = request.getfixturevalue("_web_sqlite")
        path = tmp_path / "banshi.sqlite3"
        shutil.copy(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    schema, codes = request.getfixturevalue("_web_postgres")
    assert POSTGRES_URL
    eng = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        with eng.begin() as c:
            c.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in CASE_TABLES)
                    + " RESTART IDENTITY CASCADE"
                )
            )
            c.execute(
                text(
                    "DELETE FROM item_version WHERE code NOT IN ("
                    + ", ".join(f"'{code}'" for code in codes)
                    + ")"
                )
            )
            # administration's rows (a route test may retire or re-publish a shipped item)
            c.execute(text("TRUNCATE " + ", ".join(ADMIN_TABLES)))
            others = PUBLIC_TABLES + SUPERVISION_TABLES
            c.execute(text("TRUNCATE " + ", ".join(others) + " RESTART IDENTITY CASCADE"))
            c.execute(text("DELETE FROM item_version WHERE version > 1"))
            c.execute(text("UPDATE org_user SET active = true, locked_at = NULL"))
            c.execute(text("DELETE FROM kv_entry"))  # sessions and login counters
        eng.dispose()


@pytest.fixture
def house(engine: Engine) -> House:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        demo_mode=True,
        secret_key=SECRET,
        public_url="https://zwfw.jianshi.example",
    )
    return build_house(settings, engine)


@pytest.fixture
def app(house: House) -> Litestar:
    return create_app(house.settings, house)


#: https, as the house's public URL: its cookies carry ``Secure``.
BASE_URL = "https://testserver.local"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Client(TestClient[Litestar]):
    """A TestClient that knows its CSRF token (from the ``csrftoken`` cookie)."""

    username: str | None = None

    def __init__(self, app: Litestar, **kw: Any) -> None:
        super().__init__(app=app, **kw)
        self.follow_redirects = False

    @property
    def csrf(self) -> str:
        token = self.cookies.get("csrftoken")
        if token is None:
            self.get("/login")
            token = self.cookies.get("csrftoken")
        assert token, "no csrftoken cookie"
        return token

    def send_form(self, url: str, fields: Any = (), **kw: Any) -> Any:
        """POST a form as a browser would (with the CSRF token field)."""
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        pairs.append(("_csrf_token", self.csrf))
        headers = kw.pop("headers", {})
        return self.post(
            url,
            content=_urlencode(pairs),
            headers={"content-type": "application/x-www-form-urlencoded", **headers},
            **kw,
        )

    def htmx_form(self, url: str, fields: Any = (), **kw: Any) -> Any:
        headers = {"HX-Request": "true", **kw.pop("headers", {})}
        return self.send_form(url, fields, headers=headers, **kw)

    def api_post(self, url: str, body: Any) -> Any:
        return self.post(url, json=body, headers={"x-csrftoken": self.csrf})


def _urlencode(pairs: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(pairs)


# Clients are not entered as context managers: several clients share one app (whose
# lifespans would wait on each other), and the app has no start-up hooks to run.


@pytest.fixture
def anon(app: Litestar) -> Client:
    return Client(app=app, base_url=BASE_URL)


@pytest.fixture
def login(app: Litestar) -> Callable[[str], Client]:
    """``login(username)`` -> a TestClient with that demo user's session."""

    def make(username: str) -> Client:
        c = Client(app=app, base_url=BASE_URL)
        c.get("/login")
        r = c.send_form("/login", {"username": username, "password": PASSWORD, "next": "/desk"})
        assert r.status_code == 303 and r.headers["location"] == "/desk", r.text[:500]
        c.username = username
        return c

    return make
