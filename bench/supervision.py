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
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench import Figure, median, percentile
from bench._cases import TENANT, fresh_sqlite
from bench._worklist_data import DEPARTMENTS, HALL, ItemInfo, _load_items, _secondary_indexes
from bench.worklist import indexes_off, postgres_schema
from db.engine import keep_statistics, session_factory, transaction
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.case_tables import Case
from runtime.clock import DeadlineInputs
from runtime.supervision.figures import figures
from runtime.supervision.measure import nearing_on
from runtime.supervision.rules import Filters, judge, warnings
from runtime.supervision.upsert import MONTH, ROLLUP, WATCH
from runtime.supervision_tables import COUNTERS

TODAY = date(2026, 5, 6)  # a Wednesday; the calendar knows 2023–2026
YEARS = [2023, 2024, 2025, 2026]
BATCH = 10_000
OPEN_SHARE = 0.03
POOL = 50_000  # distinct generated case bodies
DEPARTMENT = "county.scjg"
CASE = Case.__table__
WATCHED = ("correction_requested", "in_progress", "suspended", "decided")


def sizes() -> list[int]:
    raw = os.environ.get("BANSHI_BENCH_CASES", "100000,1000000")
    return sorted({int(x) for x in raw.replace("_", "").split(",") if x.strip()})


def runs() -> int:
    return int(os.environ.get("BANSHI_BENCH_RUNS", "100"))


def baseline_runs() -> int:
    return int(os.environ.get("BANSHI_BENCH_BASELINE_RUNS", "5"))


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


# --------------------------------------------------------------------------- generation


class Cases:
    """Generates case rows with explicit ids, and what the hook would keep beside them."""

    def __init__(self, by_owner: dict[str, list[ItemInfo]], calendar: WorkCalendar) -> None:
        self.rng = random.Random(14)
        self.by_owner = by_owner
        self.calendar = calendar
        self.owners = [d for d in DEPARTMENTS if d in by_owner]
        self.weights = [DEPARTMENTS[d] for d in self.owners]
        self.next_id = 1
        self.per_day: dict[date, int] = {}
        self.rollup: dict[tuple[date, str, str, str], list[int]] = {}
        self._due: dict[tuple[date, int], date] = {}
        self._near: dict[tuple[date, int], date] = {}
        self._clock: dict[tuple[date, int, int], str] = {}
        self._pending: list[Any] = []
        self.pool: list[tuple[date, dict[str, Any], list[Any], dict[str, Any] | None]] = []

    def due(self, start: date, days: int) -> date:
        key = (start, days)
        hit = self._due.get(key)
        if hit is None:
            hit = self._due[key] = self.calendar.add_workdays(start, days).value
        return hit

    def near(self, start: date, days: int) -> date:
        key = (start, days)
        hit = self._near.get(key)
        if hit is None:
            hit = self._near[key] = nearing_on(self.calendar, DeadlineInputs(start, days), TODAY)
        return hit

    def clock(self, start: date, promised: int, statutory: int) -> str:
        key = (start, promised, statutory)
        hit = self._clock.get(key)
        if hit is None:
            from definitions.canonical import canonical_json

            hit = self._clock[key] = canonical_json(
                {
                    "promised": DeadlineInputs(start, promised, limit_name="承诺时限").to_json(),
                    "statutory": DeadlineInputs(start, statutory, limit_name="法定时限").to_json(),
                }
            )
        return hit

    def _count(self, day: date, owner: str, hall: str, item: str, **counts: int) -> None:
        """What the hook would add to the rollups for this case (applied per copy)."""
        self._pending.append(
            ((day, owner, hall, item), [(COUNTERS.index(k), v) for k, v in counts.items()])
        )

    def _body(self) -> tuple[date, dict[str, Any], list[Any], dict[str, Any] | None]:
        """One generated case: its row, its rollup contributions, its watch row."""
        rng = self.rng
        owner = rng.choices(self.owners, self.weights)[0]
        item = rng.choice(self.by_owner[owner])
        hall = HALL if HALL in item.accept and rng.random() < 0.7 else rng.choice(item.accept)
        is_open = rng.random() < OPEN_SHARE
        if is_open:
            day = TODAY - timedelta(days=rng.randint(0, 60))
            state = rng.choices(WATCHED, (1, 8, 1, 2))[0]
        else:
            day = TODAY - timedelta(days=rng.randint(3, 3 * 365))
            state = rng.choices(
                ("completed", "delivered", "not_accepted", "withdrawn"), (78, 10, 5, 7)
            )[0]
        self._pending = []
        watch: list[dict[str, Any]] = []
        row = self._case(item, owner, hall, day, state, is_open, watch)
        return day, row, self._pending, (watch[0] if watch else None)

    def batch(self, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``count`` case rows drawn from a pool of generated bodies (each made unique by
        its id, number, query code and hash) and the watch rows of the open ones; their
        rollup contributions are added for every copy."""
        if not self.pool:
            self.pool = [self._body() for _ in range(POOL)]
            self.next_id, self.per_day = 1, {}
        rand = self.rng.random
        pool, n = self.pool, len(self.pool)
        rollup, width = self.rollup, len(COUNTERS)
        cases: list[dict[str, Any]] = []
        watch: list[dict[str, Any]] = []
        for _ in range(count):
            day, template, contributions, watched = pool[int(rand() * n)]
            cid = self.next_id
            self.next_id += 1
            seq = self.per_day.get(day, 0) + 1
            self.per_day[day] = seq
            number = f"{TENANT}{day:%Y%m%d}{seq:06d}"
            row = dict(template)
            row.update(id=cid, number=number, query_code=f"{cid:06X}"[-6:], last_hash=f"{cid:064x}")
            cases.append(row)
            for key, adds in contributions:
                counts = rollup.get(key)
                if counts is None:
                    counts = rollup[key] = [0] * width
                for i, v in adds:
                    counts[i] += v
            if watched is not None:
                watch.append({**watched, "case_id": cid, "number": number})
        return cases, watch

    def _case(
        self,
        item: ItemInfo,
        owner: str,
        hall: str,
        day: date,
        state: str,
        is_open: bool,
        watch: list[dict[str, Any]],
    ) -> dict[str, Any]:
        rng = self.rng
        cid = self.next_id
        self.next_id += 1
        seq = self.per_day.get(day, 0) + 1
        self.per_day[day] = seq
        number = f"{TENANT}{day:%Y%m%d}{seq:06d}"
        clocked = item.promised > 0
        accepted = state not in ("correction_requested", "not_accepted") and not (
            state == "withdrawn" and rng.random() < 0.5
        )
        accepted_on = min(TODAY, day + timedelta(days=rng.choice((0, 0, 1)))) if accepted else None
        due_p = due_s = None
        clock = None
        if accepted_on is not None and clocked:
            due_p = self.due(accepted_on, item.promised)
            due_s = self.due(accepted_on, item.statutory)
            clock = self.clock(accepted_on, item.promised, item.statutory)
        closed = None
        if accepted_on is not None:
            self._count(accepted_on, owner, hall, item.code, accepted=1)
        if state in ("completed", "delivered"):
            assert accepted_on is not None
            span = max(item.promised, 1) * 2
            closed = min(TODAY, accepted_on + timedelta(days=rng.randint(0, span)))
            if clocked:
                used = self.calendar.count_ordinals(accepted_on.toordinal(), closed.toordinal())
                self._count(
                    closed,
                    owner,
                    hall,
                    item.code,
                    completed=1,
                    clocked=1,
                    on_time=int(used <= item.promised),
                    early=int(used < item.promised),
                    used_days=used,
                    promised_days=item.promised,
                    statutory_days=item.statutory,
                )
            else:
                self._count(closed, owner, hall, item.code, completed=1, on_time=1)
        elif state == "not_accepted":
            closed = day
            self._count(day, owner, hall, item.code, not_accepted=1)
        elif state == "withdrawn":
            closed = accepted_on or day
            self._count(closed, owner, hall, item.code, withdrawn=1)
        steps = item.steps
        step_index = None
        if is_open:
            middle = [i for i, (_, k) in enumerate(steps) if k not in ("accept", "complete")]
            step_index = (
                0
                if state == "correction_requested"
                else (len(steps) - 1 if state == "decided" else rng.choice(middle or [0]))
            )
        step_started = (accepted_on or day) if step_index is not None else None
        step_due = self.due(step_started, 3) if step_started and clocked else None
        current = (
            (hall if steps[step_index][1] in ("accept", "complete", "forward") else owner)
            if step_index is not None
            else None
        )
        row = {
            "id": cid,
            "tenant": TENANT,
            "number": number,
            "query_code": f"{cid:06X}"[-6:],
            "item_version_id": item.id,
            "item_code": item.code,
            "item_sha256": item.sha256,
            "applicant_user_id": None,
            "applicant_name": "申请人",
            "applicant_mobile": None,
            "data": "{}",
            "state": state,
            "open": is_open,
            "decision": "approved" if state in ("decided", "completed", "delivered") else None,
            "step_index": step_index,
            "current_step": steps[step_index][0] if step_index is not None else None,
            "current_domain": current,
            "step_started_on": step_started,
            "step_due": step_due,
            "countersigned": "[]",
            "accepting_domain": hall,
            "owner_domain": owner,
            "submitted_at": datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC),
            "accepted_by_user_id": 1 if accepted else None,
            "accepted_on": accepted_on,
            "clock": clock,
            "due_promised": due_p,
            "due_statutory": due_s,
            "due_provisional": False,
            "suspended": state == "suspended",
            "special_running": state == "suspended",
            "fee_total": "0.00",
            "fee_paid": True,
            "missing_materials": "[]",
            "closed_on": closed,
            "version": 3,
            "last_hash": f"{cid:064x}",
        }
        if is_open:
            near = (
                self.near(accepted_on, item.promised)
                if accepted_on is not None and clocked and state != "decided"
                else None
            )
            waiting_since = day if state == "correction_requested" else None
            starts = [
                d
                for d in (
                    near,
                    step_due + timedelta(days=1) if step_due else None,
                    waiting_since + timedelta(days=1) if waiting_since else None,
                )
                if d is not None
            ]
            watch.append(
                {
                    "tenant": TENANT,
                    "case_id": cid,
                    "number": number,
                    "owner_domain": owner,
                    "accepting_domain": hall,
                    "current_domain": current,
                    "item_code": item.code,
                    "state": state,
                    "due": due_p if state in ("in_progress", "suspended") else None,
                    "provisional": False,
                    "nearing_on": near,
                    "step_key": row["current_step"],
                    "step_due": step_due,
                    "special": state == "suspended",
                    "waiting": "correction" if waiting_since else None,
                    "waiting_since": waiting_since,
                    "warn_on": min(starts) if starts else None,
                }
            )
        return row


def _sqlite_converters(table: Any, cols: list[str]) -> list[tuple[int, Any]]:
    """Per column, how SQLAlchemy's SQLite types store a value (ISO dates, its datetime
    format, booleans as integers); columns stored as given are left out."""
    out: list[tuple[int, Any]] = []
    for i, c in enumerate(cols):
        kind = table.c[c].type.python_type
        if kind is datetime:
            out.append((i, lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f")))
        elif kind is date:
            out.append((i, date.isoformat))
        elif kind is bool:
            out.append((i, int))
    return out


def _bulk(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows through the driver (the generation, not the product, is the cost here).
    Engine-specific: SQLite ``executemany`` with values as SQLAlchemy stores them;
    PostgreSQL ``COPY … FROM STDIN`` (psycopg)."""
    if not rows:
        return
    cols = list(rows[0])
    names = ", ".join(f'"{c}"' for c in cols)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        convert = _sqlite_converters(table, cols)
        data = []
        for r in rows:
            values = [r[c] for c in cols]
            for i, f in convert:
                if values[i] is not None:
                    values[i] = f(values[i])
            data.append(values)
        marks = ", ".join("?" for _ in cols)
        raw.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', data)
        return
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for r in rows:
            copy.write_row([r[c] for c in cols])


def load(engine: Engine, gen: Cases, count: int) -> float:
    """Insert ``count`` more cases (case indexes dropped and rebuilt), their watch rows,
    and the whole day and month rollups again; the product's statistics. Seconds spent."""
    sqlite = engine.dialect.name == "sqlite"
    start = time.perf_counter()
    with engine.connect() as conn:
        if sqlite:  # engine-specific: loading pragmas, reset below
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        indexes = _secondary_indexes(conn)
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        conn.commit()
        done = 0
        while done < count:
            cases, watch = gen.batch(min(BATCH, count - done))
            _bulk(conn, CASE, cases)
            _bulk(conn, WATCH, watch)
            conn.commit()
            done += len(cases)
        for _, ddl in indexes:
            conn.exec_driver_sql(ddl)
        conn.execute(delete(ROLLUP))
        rows = [
            {
                "tenant": TENANT,
                "day": day,
                "owner_domain": owner,
                "accepting_domain": hall,
                "item_code": item,
                **dict(zip(COUNTERS, counts, strict=True)),
            }
            for (day, owner, hall, item), counts in gen.rollup.items()
        ]
        _bulk(conn, ROLLUP, rows)
        conn.execute(delete(MONTH))
        months: dict[tuple[date, str, str], list[int]] = {}
        for (day, owner, hall, _), counts in gen.rollup.items():
            got = months.setdefault((day.replace(day=1), owner, hall), [0] * len(COUNTERS))
            for i, v in enumerate(counts):
                got[i] += v
        month_rows = [
            {
                "tenant": TENANT,
                "month": month,
                "owner_domain": owner,
                "accepting_domain": hall,
                **dict(zip(COUNTERS, counts, strict=True)),
            }
            for (month, owner, hall), counts in months.items()
        ]
        _bulk(conn, MONTH, month_rows)
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    keep_statistics(engine)
    return time.perf_counter() - start


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
