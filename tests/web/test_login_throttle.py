"""Login throttling: wrong passwords are counted per user name and per address in the
shared store; waits double (429 with Retry-After) and then the account locks until an
admin unlocks it; every wait and lock is audited; an unknown user name is answered
exactly like a known one, with the same argon2 work, off the event loop.

No test waits on a clock: a wait running out is simulated by deleting its store entry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from sqlalchemy import Engine, delete, func, select, text
from typer.testing import CliRunner

from banshi.cli import build
from db.kv_tables import KvEntry
from house.wiring import House, build_house
from rbac.tables import OrgAudit, OrgUser
from tests.web.conftest import BASE_URL, Client
from tests.web.demo_site import PASSWORD, TENANT
from web.app import create_app
from web.login import Limits, LoginThrottle
from web.stores import DatabaseStore

CLERK = "window_clerk@county.hall"
LIMITS = {
    "login_free_attempts": 3,
    "login_lock_after": 6,
    "login_delay_s": 2,
    "login_address_free_attempts": 50,
}


@pytest.fixture
def strict(house: House) -> Litestar:
    settings = house.settings.model_copy(update=LIMITS)
    return create_app(settings, build_house(settings, house.engine))


@pytest.fixture
def client(strict: Litestar) -> Client:
    c = Client(app=strict, base_url=BASE_URL)
    c.get("/login")
    return c


def attempt(c: Client, username: str, password: str = "wrong-password") -> Any:
    return c.send_form("/login", {"username": username, "password": password})


def waits_run_out(engine: Engine) -> None:
    """What waiting would do: the store's waits are gone (the counts stay)."""
    with engine.begin() as conn:
        conn.execute(
            delete(KvEntry).where(KvEntry.namespace == "banshi.login", KvEntry.key.like("block:%"))
        )


@pytest.fixture
def audit(house: House) -> Callable[[str], list[OrgAudit]]:
    """``audit(action)``: the rows this test wrote (PostgreSQL tests share the table)."""
    with house.sessions() as s:
        start = s.scalar(select(func.max(OrgAudit.id))) or 0

    def rows(action: str) -> list[OrgAudit]:
        with house.sessions() as s:
            return list(
                s.scalars(
                    select(OrgAudit)
                    .where(OrgAudit.action == action, OrgAudit.id > start)
                    .order_by(OrgAudit.id)
                )
            )

    return rows


def test_wrong_passwords_then_429_with_retry_after_even_for_the_right_password(
    client: Client,
) -> None:
    answers = [attempt(client, CLERK) for _ in range(3)]
    assert [r.status_code for r in answers] == [401, 401, 401]
    assert "秒后再试" in answers[-1].text  # the third wrong password starts the waiting
    r = attempt(client, CLERK, PASSWORD)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert "登录尝试过于频繁" in r.text
    assert client.get("/desk").status_code == 303  # not logged in


def test_waits_double_then_the_account_locks_until_an_admin_unlocks_it(
    client: Client,
    house: House,
    engine: Engine,
    audit: Callable[[str], list[OrgAudit]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statuses = []
    for _ in range(LIMITS["login_lock_after"]):
        statuses.append(attempt(client, CLERK).status_code)
        waits_run_out(engine)
    assert statuses == [401, 401, 401, 401, 401, 403]
    waits = [
        (row.subject, row.actor, row.detail["scope"], row.detail["retry_after_s"])
        for row in audit("login.throttle")
    ]
    assert waits == [(CLERK, "testclient", "account", s) for s in (2, 4, 8)]
    locks = audit("login.lock")
    assert [(r.subject, r.detail["failures"]) for r in locks] == [(CLERK, 6)]
    with house.sessions() as s:
        assert s.scalar(select(OrgUser.locked_at).where(OrgUser.username == CLERK)) is not None
    # the right password does not open a locked account
    r = attempt(client, CLERK, PASSWORD)
    assert r.status_code == 403 and "账号已锁定" in r.text
    # the admin lifts the lock from the command line
    monkeypatch.setenv("BANSHI_DATABASE_URL", _cli_url(engine))
    monkeypatch.setenv("BANSHI_TENANT", TENANT)
    done = CliRunner().invoke(build(), ["user", "unlock", CLERK, "--actor", "admin@county"])
    assert done.exit_code == 0, done.output
    assert "已解锁" in done.output
    assert [r.actor for r in audit("user.unlock")] == ["admin@county"]
    r = attempt(client, CLERK, PASSWORD)
    assert r.status_code == 303 and client.get("/desk").status_code == 200


def _cli_url(engine: Engine) -> str:
    """The test database as BANSHI_DATABASE_URL (a PostgreSQL schema by its search path)."""
    url = engine.url
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            path = conn.execute(text("SHOW search_path")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={path}"})
    return url.render_as_string(hide_password=False)


def test_an_unknown_user_name_is_answered_like_a_known_one_with_the_same_work(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[bool] = []
    real = PasswordHasher.verify

    def spy(self: PasswordHasher, stored: str, password: str) -> bool:
        try:  # argon2 must not run on the event loop
            asyncio.get_running_loop()
            verified.append(False)
        except RuntimeError:
            verified.append(True)
        return real(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    answers: dict[str, list[tuple[int, str]]] = {}
    for name in (CLERK, "nobody@county"):
        seen = []
        for _ in range(LIMITS["login_lock_after"] + 1):
            r = attempt(client, name)
            seen.append((r.status_code, r.text.split('class="error-summary-list"')[-1][:80]))
            waits_run_out(engine)
        answers[name] = seen
    assert answers[CLERK] == answers["nobody@county"]
    # one argon2 verification per counted try (not for the try refused as locked), each
    # in a worker thread
    assert verified == [True] * (2 * LIMITS["login_lock_after"])


def test_many_user_names_from_one_address_are_throttled_too(
    house: House, engine: Engine, audit: Callable[[str], list[OrgAudit]]
) -> None:
    settings = house.settings.model_copy(
        update={**LIMITS, "login_address_free_attempts": 3, "login_free_attempts": 5}
    )
    c = Client(app=create_app(settings, build_house(settings, engine)), base_url=BASE_URL)
    c.get("/login")
    answers = [attempt(c, f"guess{i}@county").status_code for i in range(3)]
    r = attempt(c, "guess9@county")
    assert answers == [401, 401, 401] and r.status_code == 429
    assert "retry-after" in r.headers
    rows = audit("login.throttle")
    assert [(r.subject, r.detail["scope"], r.detail["failures"]) for r in rows] == [
        ("testclient", "address", 3)
    ]


def test_a_right_password_resets_the_user_names_count(client: Client, engine: Engine) -> None:
    assert [attempt(client, CLERK).status_code for _ in range(2)] == [401, 401]
    assert attempt(client, CLERK, PASSWORD).status_code == 303
    client.send_form("/logout")
    # two more wrong passwords are free again (the count started afresh)
    again = [attempt(client, CLERK) for _ in range(2)]
    assert [r.status_code for r in again] == [401, 401]
    assert "秒后再试" not in again[-1].text


@pytest.fixture
def throttle(engine: Engine) -> Iterator[Callable[[], LoginThrottle]]:
    limits = Limits(
        free=1, address_free=100, delay_s=2, max_delay_s=900, lock_after=50, window_s=600
    )
    yield lambda: LoginThrottle(DatabaseStore(engine).with_namespace("login"), limits)


def test_beyond_the_free_tries_a_burst_of_parallel_guesses_gets_one_turn(
    throttle: Callable[[], LoginThrottle],
) -> None:
    async def burst() -> list[Any]:
        t = throttle()
        first = await t.begin("acct:x", "addr:a")
        assert not isinstance(first, int)
        results: list[Any] = []

        async def one() -> None:
            results.append(await t.begin("acct:x", "addr:a"))

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(one)
        return results

    results = anyio.run(burst)
    turns = [r for r in results if not isinstance(r, int)]
    assert len(turns) == 1 and sorted(r for r in results if isinstance(r, int)) == [1] * 9
