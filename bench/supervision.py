"""Electronic supervision at 100,000 and 1,000,000 generated cases over three years: the
warnings page's first page and one department's figures for a year, each beside the same
question answered by a naive scan of the case table, in the same run.

Data (bulk-inserted with Core ``executemany`` in batches of 10,000, the case table's
secondary indexes dropped during the load and rebuilt after it): 16 departments of
unequal size, accepted at county.hall (70% where allowed) or a township, three years of
cases (2023-05 to 2026-05) of which 3% are open (filed in the last 60 days: in progress,
special procedures, decided, waiting for a correction); the rest completed (some late),
delivered, not accepted or withdrawn. What the act-time hook would have written is
written beside them from the same rows: the watch row of every open case
(``runtime.supervision.hook.watch_row``'s dates, through the clock's functions) and the
day rollups (counters per day, department, hall and item). The calendar knows 2023–2026.

Queries, each in its own session as a web request would:
* ``warnings first page``: ``runtime.supervision.rules.warnings`` (50 warned cases, most
  urgent first) — the watch list in due-date order, judged with the clock;
* ``department figures 1y``: ``runtime.supervision.figures.figures`` for 县市场监管局
  (the largest department) over the last year — a range of the rollups plus its cards,
  evaluations and complaints.

Baselines (same run, same database): the naive scan. Warnings: every open case of the
case table in due order (SQLite ``NOT INDEXED``; PostgreSQL with index scans off), judged
with the same rules until the page is full; the first pages are checked equal. Figures:
one aggregate over the case table for that department and year (accepted, completed, on
time by due date, not accepted, withdrawn — fewer measures than ours, no working days:
a lower bound for the naive way); accepted and completed are checked equal to ours.
Median and p99 of ``BANSHI_BENCH_RUNS`` runs (default 100); baselines
``BANSHI_BENCH_BASELINE_RUNS`` (default 5). Goals: warnings ≤ 5 ms, figures ≤ 50 ms at 1M,
growth 100k→1M well under linear (10×).

Sizes: ``BANSHI_BENCH_CASES`` (default ``100000,1000000``). PostgreSQL when
``BANSHI_TEST_POSTGRES_URL`` is set, on a throwaway schema (``BANSHI_BENCH_POSTGRES=0``
skips it; ``BANSHI_BENCH_SQLITE=0`` skips SQLite).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import Connection, Engine, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench import Figure, median, percentile
from bench._cases import TENANT, fresh_sqlite
from bench._supervision_data import CASE, TODAY, WATCHED, YEARS, Cases, load
from bench._worklist_data import _load_items
from bench.worklist import indexes_off, postgres_schema
from db.engine import session_factory, transaction
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.supervision.figures import figures
from runtime.supervision.rules import Filters, judge, warnings

DEPARTMENT = "county.scjg"


def sizes() -> list[int]:
    raw = os.environ.get("BANSHI_BENCH_CASES", "100000,1000000")
    return sorted({int(x) for x in raw.replace("_", "").split(",") if x.strip()})


def runs() -> int:
    return int(os.environ.get("BANSHI_BENCH_RUNS", "100"))


def baseline_runs() -> int:
    return int(os.environ.get("BANSHI_BENCH_BASELINE_RUNS", "5"))


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


# --------------------------------------------------------------------------- the queries


def ours_warnings(conn: Connection, calendar: WorkCalendar) -> list[str]:
    rows, _ = warnings(
        conn, calendar, TENANT, TODAY, Filters(), yellow_share=0.8, waiting_days=5, limit=50
    )
    return [w.number for w in rows]


def naive_warnings(conn: Connection, calendar: WorkCalendar) -> list[str]:
    """Every open case from the case table, most urgent first, judged until 50 warn."""
    c = CASE.c
    undated = (c.state == "decided") | c.due_promised.is_(None)
    rows = conn.execute(
        select(CASE)
        .where(c.tenant == TENANT, c.open.is_(True), c.state.in_(WATCHED))
        .order_by(undated, c.due_promised, c.number)
    )
    out: list[str] = []
    for r in rows:
        w = SimpleNamespace(
            case_id=r.id,
            number=r.number,
            item_code=r.item_code,
            owner_domain=r.owner_domain,
            accepting_domain=r.accepting_domain,
            current_domain=r.current_domain,
            state=r.state,
            due=None if r.state == "decided" else r.due_promised,
            provisional=r.due_provisional,
            step_key=r.current_step,
            step_due=r.step_due,
            special=r.special_running,
            waiting="correction" if r.state == "correction_requested" else None,
            waiting_since=r.submitted_at.date() if r.state == "correction_requested" else None,
        )
        if judge(calendar, w, r, TODAY, yellow_share=0.8, waiting_days=5).warnings:
            out.append(r.number)
            if len(out) == 50:
                break
    return out


def ours_figures(conn: Connection, start: date) -> tuple[int, int]:
    (fig,) = figures(conn, TENANT, "department", start, TODAY, domain=DEPARTMENT)
    return fig.counts["accepted"], fig.counts["completed"]


def naive_figures(conn: Connection, start: date) -> tuple[int, int]:
    c = CASE.c
    done = c.state.in_(("completed", "delivered")) & c.closed_on.between(start, TODAY)
    row = conn.execute(
        select(
            func.sum(case((c.accepted_on.between(start, TODAY), 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((done & (c.closed_on <= c.due_promised), 1), else_=0)),
            func.sum(
                case(((c.state == "not_accepted") & c.closed_on.between(start, TODAY), 1), else_=0)
            ),
            func.sum(
                case(((c.state == "withdrawn") & c.closed_on.between(start, TODAY), 1), else_=0)
            ),
        ).where(c.tenant == TENANT, c.owner_domain == DEPARTMENT)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


# --------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    median: float
    p99: float
    base_median: float
    base_p99: float
    best: float


def _time(
    sessions: sessionmaker[Session],
    call: Callable[[Connection], object],
    count: int,
    prepare: Callable[[Session], None] = lambda s: None,
) -> list[float]:
    out = []
    for _ in range(count):
        with sessions() as s, s.begin():
            prepare(s)
            conn = s.connection()
            start = time.perf_counter_ns()
            result = call(conn)
            out.append((time.perf_counter_ns() - start) / 1e6)
        if not result:
            raise RuntimeError("a benchmark query returned nothing: the generated data is wrong")
    return out


def _answer(
    sessions: sessionmaker[Session],
    call: Callable[[Connection], object],
    prepare: Callable[[Session], None] = lambda s: None,
) -> object:
    with sessions() as s, s.begin():
        prepare(s)
        return call(s.connection())


def measure(
    engine: Engine, sessions: sessionmaker[Session], calendar: WorkCalendar
) -> dict[str, Measured]:
    year_ago = TODAY - timedelta(days=365)
    pairs: dict[str, tuple[Callable[[Connection], object], Callable[[Connection], object]]] = {
        "warnings first page": (
            lambda c: ours_warnings(c, calendar),
            lambda c: naive_warnings(c, calendar),
        ),
        "department figures 1y": (
            lambda c: ours_figures(c, year_ago),
            lambda c: naive_figures(c, year_ago),
        ),
    }
    out: dict[str, Measured] = {}
    for name, (ours, naive) in pairs.items():
        with indexes_off(engine) as prepare:
            if _answer(sessions, ours) != _answer(sessions, naive, prepare):
                raise RuntimeError(f"{name}: the naive scan answers differently")
        _time(sessions, ours, 10)  # warm the cache and the pool
        n = runs()
        a1 = _time(sessions, ours, n // 2)
        with indexes_off(engine) as prepare:
            _time(sessions, naive, 1, prepare)
            base = _time(sessions, naive, baseline_runs(), prepare)
        a2 = _time(sessions, ours, n - n // 2)
        ms = a1 + a2
        out[name] = Measured(
            median(ms), percentile(ms, 99), median(base), percentile(base, 99), min(ms)
        )
    return out


GOALS = {"warnings first page": 5.0, "department figures 1y": 50.0}


def _figures(
    db_name: str, results: dict[int, dict[str, Measured]], gen_s: dict[int, float]
) -> Iterator[Figure]:
    how = "NOT INDEXED scan" if db_name == "sqlite" else "index scans off (seq scan)"
    for size, by_query in results.items():
        label = _label(size)
        for name, m in by_query.items():
            yield Figure(
                f"supervision {name} median @{label} {db_name}",
                m.median,
                "ms",
                m.base_median,
                note=f"{runs()} runs; baseline median of {baseline_runs()}: the naive "
                f"{how} of the case table, answers checked equal; fastest {m.best:.2f} ms; "
                f"goal <= {GOALS[name]:.0f} ms",
            )
            yield Figure(
                f"supervision {name} p99 @{label} {db_name}",
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
            a, b = results[small][name].median, results[big][name].median
            yield Figure(
                f"supervision {name} median growth {_label(small)}->{_label(big)} {db_name}",
                b / a,
                "x",
                rows,
                goal=True,
                note=f"{a:.2f} ms -> {b:.2f} ms; goal: well under linear ({rows:.0f}x)",
            )
            base = results[big][name].base_median / results[small][name].base_median
            yield Figure(
                f"supervision {name} naive growth {_label(small)}->{_label(big)} {db_name}",
                base,
                "x",
                rows,
                goal=True,
                note="the naive scan's own growth, for comparison",
            )
    for size, seconds in gen_s.items():
        yield Figure(
            f"supervision generate to {_label(size)} {db_name}",
            seconds,
            "s",
            300.0,
            goal=True,
            note="cases, watch rows and rollups bulk-inserted, indexes rebuilt, statistics",
        )


def _bench(engine: Engine, db_name: str) -> Iterator[Figure]:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        seed_from_chinesecalendar(s, TENANT, YEARS)
        by_owner = _load_items(s, random.Random(2026))
    with sessions() as s:
        calendar = load_calendar(s, TENANT)
    gen = Cases(by_owner, calendar)
    results: dict[int, dict[str, Measured]] = {}
    gen_s: dict[int, float] = {}
    have = 0
    for size in sizes():
        gen_s[size] = load(engine, gen, size - have) + gen_s.get(have, 0.0)
        have = size
        results[size] = measure(engine, sessions, calendar)
        for name, m in results[size].items():
            print(
                f"#   {db_name} {_label(size)} {name}: median {m.median:.2f} ms, p99 {m.p99:.2f} ms,"
                f" naive {m.base_median:.1f} ms",
                flush=True,
            )
    yield from _figures(db_name, results, gen_s)


def run() -> Iterator[Figure]:
    if os.environ.get("BANSHI_BENCH_SQLITE", "1") != "0":
        with fresh_sqlite("supervision.sqlite3") as db:
            yield from _bench(db.engine, "sqlite")
    url = os.environ.get("BANSHI_TEST_POSTGRES_URL")
    if url and os.environ.get("BANSHI_BENCH_POSTGRES", "1") != "0":
        with postgres_schema(url) as engine:
            yield from _bench(engine, "postgresql")
