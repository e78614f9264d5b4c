"""Policy propagation to a second process: pushed (LISTEN/NOTIFY, Redis pub/sub) beside the poll.

Two ``PolicyStore`` instances on one PostgreSQL database stand for two app processes (a
throwaway database on ``BANSHI_TEST_POSTGRES_URL``'s server, migrated, no organisation
rows: the reload reads the version and an empty organisation, so the figure is the
propagation, not the size of a county). The first commits a change
(``bump_policy_version``, as every organisation edit does); the second asks for its
snapshot every millisecond, as requests would, until it sees the new version: the time
from the commit returning to that moment, over ``BANSHI_BENCH_PUSH_CHANGES`` changes
(default 30) with 50 ms between them. Three ways, one after the other in each round
(ABBA): the second process listening on PostgreSQL (poll interval one minute, so only
the push can explain it), listening on Redis (when ``redis://127.0.0.1:6379`` answers),
and polling only, at the default ``BANSHI_POLICY_POLL_MS`` (500 ms). The goal: the median
with push ≤ 20 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator

from bench import Figure
from bench._cases import Db
from bench._floor import fresh_postgres
from db.engine import transaction
from rbac.policy import PolicyStore, bump_policy_version
from rbac.policy_push import PolicyListener

TENANT = "422822"
REDIS_URL = os.environ.get("BANSHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
POLL_MS = 500.0
GOAL_MS = 20.0


def _redis_up() -> bool:
    try:
        import redis

        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5) as client:
            return bool(client.ping())
    except Exception:
        return False


def _latencies(db: Db, way: str, changes: int) -> list[float]:
    push = way != "poll"
    other = PolicyStore(sessions=db.sessions, poll_interval_ms=60_000 if push else POLL_MS)
    other.snapshot(TENANT)
    listener = None
    if push:
        listener = PolicyListener(
            db.engine, other, (TENANT,), REDIS_URL if way == "redis" else None
        ).start()
        if not listener.listening.wait(10):  # pragma: no cover
            raise RuntimeError(f"the {way} listener did not subscribe")
    out: list[float] = []
    try:
        for _ in range(changes):
            seen = other.snapshot(TENANT).version
            with transaction(db.sessions) as s:
                bump_policy_version(s, TENANT)
            start = time.perf_counter()
            while other.snapshot(TENANT).version == seen:
                if time.perf_counter() - start > 10:  # pragma: no cover
                    raise RuntimeError(f"{way}: the change never arrived")
                time.sleep(0.001)
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
    finally:
        if listener is not None:
            listener.stop()
    return out


def run() -> Iterator[Figure]:
    changes = int(os.environ.get("BANSHI_BENCH_PUSH_CHANGES", "30"))
    ways = ["postgres", "redis", "poll"] if _redis_up() else ["postgres", "poll"]
    got: dict[str, list[float]] = {w: [] for w in ways}
    with fresh_postgres("banshi_bench_push") as db:
        if db is None:
            print("# push: skipped (BANSHI_TEST_POSTGRES_URL unset or unreachable)")
            return
        with transaction(db.sessions) as s:
            bump_policy_version(s, TENANT)
        for r in range(2):  # ABBA
            for way in ways if r == 0 else list(reversed(ways)):
                got[way] += _latencies(db, way, changes // 2)
    poll = statistics.median(got["poll"])
    for way, name in (("postgres", "LISTEN/NOTIFY"), ("redis", "Redis pub/sub")):
        if way not in got:
            continue
        values = sorted(got[way])
        yield Figure(
            f"policy propagation, push ({name})",
            statistics.median(values),
            "ms",
            GOAL_MS,
            goal=True,
            note=(
                f"median from commit to the second process's new snapshot, {len(values)} "
                f"changes; max {values[-1]:.1f} ms; polling every {POLL_MS:.0f} ms instead: "
                f"median {poll:.1f} ms"
            ),
        )
