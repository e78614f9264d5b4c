"""A grant changed in one process reaches another at once (pushed), not after its poll:
two ``PolicyStore`` instances on one database stand for two app processes, the second
polling only every minute. PostgreSQL LISTEN/NOTIFY; Redis pub/sub when it is reachable."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from rbac.policy import PolicyStore, bump_policy_version
from rbac.policy_push import PolicyListener

TENANT = "422822"
REDIS_URL = os.environ.get("BANSHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5) as r:
            return bool(r.ping())
    except Exception:
        return False


@pytest.fixture(params=["database", "redis"])
def redis_url(request: pytest.FixtureRequest, engine: Engine) -> Iterator[str | None]:
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("Redis not reachable")
        yield REDIS_URL
        return
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has nothing to push with (one process there)")
    yield None


def _wait(condition: object, seconds: float = 5.0) -> float:
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - start > seconds:
            raise AssertionError("not propagated")
        time.sleep(0.002)
    return time.monotonic() - start


def test_a_change_reaches_the_other_process_before_its_poll(
    engine: Engine, sessions: sessionmaker[Session], redis_url: str | None
) -> None:
    with transaction(sessions) as s:
        bump_policy_version(s, TENANT)
    other = PolicyStore(sessions=sessions, poll_interval_ms=60_000)
    before = other.snapshot(TENANT).version
    listener = PolicyListener(engine, other, (TENANT,), redis_url).start()
    try:
        assert listener.listening.wait(5)
        with transaction(sessions) as s:  # the first process changes a grant
            bump_policy_version(s, TENANT)
        _wait(lambda: other.snapshot(TENANT).version == before + 1)
        # a rolled-back change is never announced
        with pytest.raises(RuntimeError), transaction(sessions) as s:
            bump_policy_version(s, TENANT)
            raise RuntimeError("changed my mind")
        time.sleep(0.2)
        assert other.snapshot(TENANT).version == before + 1
        assert other.reloads(TENANT) == 2
    finally:
        listener.stop()
