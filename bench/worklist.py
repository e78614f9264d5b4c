"""Worklists and the due list at 100,000 and 1,000,000 generated cases, on their indexes vs without them.

Data: cases bulk-inserted with SQLAlchemy Core ``executemany`` (batches of 10,000) straight
into the migrated ``case`` table (one ``item_version`` row per catalogue item for the
foreign key; every non-null column filled): 16 departments (unequal sizes), accepted at
county.hall (70%) or one of the 10 townships, a year of submissions, 25% open (submitted,
correction requested, in progress, suspended, decided) with promised deadlines from the
working calendar, mostly within a few weeks of "today" and some overdue; the rest closed
over the year. The same database grows from 100k to 1M (900k more rows), and each size is
measured.

Queries (runtime/queries.py, each run in its own session as a web request would):
* ``worklist department``: ``worklist(session, tenant, [department])``, first page (20),
  rotating over the 16 departments;
* ``worklist 3 domains``: a user working in three domains (the hall's window, a
  department, a township), rotating over a few such users;
* ``due_by``: open cases due on or before today + 2 working days, first 100.
Median and p99 of ``BANSHI_BENCH_RUNS`` runs (default 200) each. Goal: ≤ 5 ms.

Baseline (same run, same database): what a competent hand writes without an index — one
statement per call that reads the table once (the worklist of several domains as one
``current_domain IN (...)``, not one scan per domain), with the indexes out of play.
SQLite: every ``FROM "case"`` is read ``NOT INDEXED`` (a full table scan and a sort).
PostgreSQL: ``enable_indexscan``, ``enable_bitmapscan`` and ``enable_indexonlyscan`` off
for the transaction (sequential scan, top-N sort). Both sides answer the same calls (every
department, every three-domain user) and are checked to return the same cases in the same
order; rounds ABBA; p99 beside p99. Fewer baseline runs (a full scan each):
``BANSHI_BENCH_BASELINE_RUNS`` (default 20 at 100k, 5 at 1M), but at least one per
department. Statistics are what the product keeps (``db.engine.keep_statistics`` after
the bulk load, as after ``banshi db upgrade``; no full ANALYZE the product never runs).

Growth figures: the median at 1M divided by the median at 100k, held against the goal of
10× (linear in the number of rows) — a goal, not a measured baseline; so is the 2-minute
generation budget.

Sizes: ``BANSHI_BENCH_CASES`` (default ``100000,1000000``; comma-separated, increasing).
PostgreSQL: when ``BANSHI_TEST_POSTGRES_URL`` is set, the same figures on a throwaway
schema that is dropped afterwards (``BANSHI_BENCH_POSTGRES=0`` skips it;
``BANSHI_BENCH_SQLITE=0`` skips SQLite).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import Figure, median, percentile
from bench._cases import TENANT, fresh_sqlite
from bench._worklist_data import (
    THREE_DOMAIN_USERS,
    TODAY,
    Generator,
    _load_items,
    insert_cases,
)
from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.case_tables import Case
from runtime.queries import LIST_OPTIONS, due_by, worklist


def sizes() -> list[int]:
    raw = os.environ.get("BANSHI_BENCH_CASES", "100000,1000000")
    return sorted({int(x) for x in raw.replace("_", "").split(",") if x.strip()})


def runs() -> int:
    return int(os.environ.get("BANSHI_BENCH_RUNS", "200"))


def baseline_runs(size: int) -> int:
    raw = os.environ.get("BANSHI_BENCH_BASELINE_RUNS")
    if raw:
        return int(raw)
    return 20 if size <= 200_000 else 5


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


# --------------------------------------------------------------------------- generation


# --------------------------------------------------------------------------- measuring


def scan_worklist(
    session: Session, tenant: str, domains: Sequence[str], *, limit: int = 20
) -> list[Case]:
    """The baseline's worklist: what a competent hand would write without an index — one
    statement with ``IN`` over the user's domains, read once (not once per domain)."""
    return list(
        session.execute(
            select(Case)
            .options(*LIST_OPTIONS)
            .where(
                Case.tenant == tenant,
                Case.current_domain.in_(list(dict.fromkeys(domains))),
                Case.open.is_(True),
            )
            .order_by(Case.due_promised.is_(None), Case.due_promised, Case.number)
            .limit(limit)
        ).scalars()
    )


@contextmanager
def indexes_off(engine: Engine) -> Iterator[Callable[[Session], None]]:
    """Within the block, queries on ``case`` run without its indexes; yields the per-session
    preparation (PostgreSQL planner settings) to call at the start of each baseline run."""
    if engine.dialect.name == "sqlite":

        def rewrite(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):
            return statement.replace('FROM "case"', 'FROM "case" NOT INDEXED'), params

        event.listen(engine, "before_cursor_execute", rewrite, retval=True)
        try:
            yield lambda s: None
        finally:
            event.remove(engine, "before_cursor_execute", rewrite)
    else:

        def prepare(s: Session) -> None:
            s.execute(text("SET LOCAL enable_indexscan = off"))
            s.execute(text("SET LOCAL enable_bitmapscan = off"))
            s.execute(text("SET LOCAL enable_indexonlyscan = off"))

        yield prepare


def _time_runs(
    sessions: sessionmaker[Session],
    calls: Sequence[Callable[[Session], object]],
    count: int,
    prepare: Callable[[Session], None] = lambda s: None,
    start_at: int = 0,
) -> list[float]:
    """Milliseconds per run, each in a fresh session (and transaction), rotating over
    ``calls`` from ``start_at``."""
    out = []
    for i in range(start_at, start_at + count):
        call = calls[i % len(calls)]
        with sessions() as s, s.begin():
            prepare(s)
            start = time.perf_counter_ns()
            result = call(s)
            elapsed = time.perf_counter_ns() - start
        if not result:
            raise RuntimeError("a benchmark query returned nothing: the generated data is wrong")
        out.append(elapsed / 1e6)
    return out


@dataclass
class Measured:
    median: float
    p99: float
    base_median: float
    base_p99: float
    base_runs: int


def _ids(
    sessions: sessionmaker[Session],
    call: Callable[[Session], object],
    prepare: Callable[[Session], None] = lambda s: None,
) -> list[int]:
    with sessions() as s, s.begin():
        prepare(s)
        return [c.id for c in call(s)]  # type: ignore[attr-defined]


def measure(
    engine: Engine,
    sessions: sessionmaker[Session],
    until: date,
    size: int,
    departments: Sequence[str],
) -> dict[str, Measured]:
    """Ours and the baseline on the same calls (every department, every user), checked to
    return the same cases in the same order; rounds ABBA."""
    ours: dict[str, list[Callable[[Session], object]]] = {
        "worklist department": [(lambda s, d=d: worklist(s, TENANT, [d])) for d in departments],
        "worklist 3 domains": [
            (lambda s, u=u: worklist(s, TENANT, list(u))) for u in THREE_DOMAIN_USERS
        ],
        "due_by": [lambda s: due_by(s, TENANT, until)],
    }
    theirs: dict[str, list[Callable[[Session], object]]] = {
        "worklist department": [
            (lambda s, d=d: scan_worklist(s, TENANT, [d])) for d in departments
        ],
        "worklist 3 domains": [
            (lambda s, u=u: scan_worklist(s, TENANT, list(u))) for u in THREE_DOMAIN_USERS
        ],
        "due_by": [lambda s: due_by(s, TENANT, until)],  # already one scan
    }
    out: dict[str, Measured] = {}
    n = runs()
    for name, calls in ours.items():
        base_calls = theirs[name]
        # at least one baseline run per call, so both cover the same departments and users
        nb = max(baseline_runs(size), len(calls))
        nb += -nb % len(calls)
        with indexes_off(engine) as prepare:
            for mine, base in zip(calls, base_calls, strict=True):
                if _ids(sessions, mine) != _ids(sessions, base, prepare):
                    raise RuntimeError(f"{name}: the baseline answers differently")
        _time_runs(sessions, calls, len(calls) * 2)  # warm the cache and the pool
        a1 = _time_runs(sessions, calls, n // 2)
        with indexes_off(engine) as prepare:
            _time_runs(sessions, base_calls, 1, prepare)  # the same warm-up, one scan
            b1 = _time_runs(sessions, base_calls, nb // 2, prepare)
            b2 = _time_runs(sessions, base_calls, nb - nb // 2, prepare, start_at=nb // 2)
        a2 = _time_runs(sessions, calls, n - n // 2, start_at=n // 2)
        ms, base = a1 + a2, b1 + b2
        out[name] = Measured(median(ms), percentile(ms, 99), median(base), percentile(base, 99), nb)
    return out


def _figures(
    db_name: str, results: dict[int, dict[str, Measured]], gen_s: dict[int, float]
) -> Iterator[Figure]:
    how = (
        "one NOT INDEXED scan + sort (SQLite)"
        if db_name == "sqlite"
        else "index scans off: one seq scan + top-N sort (PostgreSQL)"
    )
    stats = "statistics as the product keeps them (keep_statistics after the load)"
    for size, by_query in results.items():
        label = _label(size)
        for name, m in by_query.items():
            yield Figure(
                f"{name} median @{label} {db_name}",
                m.median,
                "ms",
                m.base_median,
                note=f"{runs()} runs, {stats}; baseline median of {m.base_runs}: the same "
                f"cases from {how}, answers checked equal; ABBA; goal <= 5 ms",
            )
            yield Figure(
                f"{name} p99 @{label} {db_name}",
                m.p99,
                "ms",
                m.base_p99,
                note="p99 beside p99",
            )
    ordered = sorted(results)
    if len(ordered) >= 2:
        small, big = ordered[0], ordered[-1]
        rows = big / small
        for name in results[small]:
            for stat in ("median", "p99"):
                a = getattr(results[small][name], stat)
                b = getattr(results[big][name], stat)
                yield Figure(
                    f"{name} {stat} growth {_label(small)}->{_label(big)} {db_name}",
                    b / a,
                    "x",
                    rows,
                    goal=True,
                    note=f"{a:.2f} ms -> {b:.2f} ms; goal: at most linear in rows ({rows:.0f}x)",
                )
            base_growth = results[big][name].base_median / results[small][name].base_median
            yield Figure(
                f"{name} unindexed growth {_label(small)}->{_label(big)} {db_name}",
                base_growth,
                "x",
                rows,
                goal=True,
                note="the baseline's own growth, for comparison",
            )
    for size, seconds in gen_s.items():
        yield Figure(
            f"generate to {_label(size)} {db_name}",
            seconds,
            "s",
            120.0,
            goal=True,
            note="bulk insert (Core executemany, 10k batches), indexes rebuilt, statistics; "
            "goal: the 2-minute budget",
        )


def _bench_database(engine: Engine, db_name: str) -> Iterator[Figure]:
    sessions = session_factory(engine)
    rng = random.Random(2026)
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, TENANT, [2025, 2026])
        by_owner = _load_items(s, rng)
    with sessions() as s:
        calendar = load_calendar(s, TENANT)
    until = calendar.add_workdays(TODAY, 2).value
    gen = Generator(by_owner, calendar)
    results: dict[int, dict[str, Measured]] = {}
    gen_s: dict[int, float] = {}
    have = 0
    for size in sizes():
        gen_s[size] = insert_cases(engine, gen, size - have) + (gen_s.get(have, 0.0))
        have = size
        results[size] = measure(engine, sessions, until, size, gen.worked_departments())
        for name, m in results[size].items():  # progress, as the figures come at the end
            print(
                f"#   {db_name} {_label(size)} {name}: median {m.median:.2f} ms, p99 {m.p99:.2f} ms,"
                f" unindexed {m.base_median:.1f} ms",
                flush=True,
            )
    yield from _figures(db_name, results, gen_s)


@contextmanager
def postgres_schema(url: str) -> Iterator[Engine]:
    """A throwaway schema on the test server, migrated; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))  # engine-specific: PostgreSQL schema
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run() -> Iterator[Figure]:
    if os.environ.get("BANSHI_BENCH_SQLITE", "1") != "0":
        with fresh_sqlite("worklist.sqlite3") as db:
            yield from _bench_database(db.engine, "sqlite")
    url = os.environ.get("BANSHI_TEST_POSTGRES_URL")
    if url and os.environ.get("BANSHI_BENCH_POSTGRES", "1") != "0":
        with postgres_schema(url) as engine:
            yield from _bench_database(engine, "postgresql")
