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

Baseline (same run, same database, same Python functions): the query with the indexes
out of play. SQLite: every ``FROM "case"`` is read ``NOT INDEXED`` (a full table scan and a
sort). PostgreSQL: ``enable_indexscan``, ``enable_bitmapscan`` and ``enable_indexonlyscan``
off for the transaction (sequential scan, top-N sort). Fewer baseline runs (a full scan
each): ``BANSHI_BENCH_BASELINE_RUNS`` (default 20 at 100k, 5 at 1M).

Growth figures: the median at 1M divided by the median at 100k, beside 10× (linear in
the number of rows).

Sizes: ``BANSHI_BENCH_CASES`` (default ``100000,1000000``; comma-separated, increasing).
PostgreSQL: when ``BANSHI_TEST_POSTGRES_URL`` is set, the same figures on a throwaway
schema that is dropped afterwards (``BANSHI_BENCH_POSTGRES=0`` skips it;
``BANSHI_BENCH_SQLITE=0`` skips SQLite).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, text
from sqlalchemy.orm import Session, sessionmaker

from bench import Figure, median, percentile
from bench._cases import CATALOG, TENANT, fresh_sqlite
from db.engine import make_engine, session_factory, transaction
from db.migrate import upgrade
from definitions.canonical import canonical_json
from definitions.samples import person_name, sample_application
from runtime.calendar import WorkCalendar
from runtime.calendar_store import load_calendar, seed_from_chinesecalendar
from runtime.case_tables import Case, ItemVersion
from runtime.clock import DeadlineInputs
from runtime.numbers import QUERY_ALPHABET
from runtime.queries import due_by, worklist

TODAY = date(2026, 5, 6)  # a Wednesday; the calendar knows 2025 and 2026
BATCH = 10_000
POOL = 50_000  # distinct generated case bodies
HALL = "county.hall"
TOWNSHIPS = [
    "township.yezhou",
    "township.gaoping",
    "township.hongyansi",
    "township.jingyang",
    "township.guandian",
    "township.huaping",
    "township.changliang",
    "township.maotian",
    "township.longping",
    "township.sanli",
]
#: departments with their share of cases (unequal, as in a real county)
DEPARTMENTS = {
    "county.scjg": 14,
    "county.zrzy": 11,
    "county.zjj": 9,
    "county.rsj": 9,
    "county.ybj": 8,
    "county.mzj": 7,
    "county.gaj": 7,
    "county.nyj": 6,
    "county.jtj": 5,
    "county.wjj": 5,
    "county.jyj": 4,
    "county.sthj": 4,
    "county.slj": 3,
    "county.lyj": 3,
    "county.whj": 3,
    "county.zfb": 2,
}
#: state -> weight (percent); open states add up to 25
STATES = {
    "submitted": 3,
    "correction_requested": 1,
    "in_progress": 16,
    "suspended": 2,
    "decided": 3,
    "completed": 59,
    "delivered": 7,
    "not_accepted": 3,
    "withdrawn": 6,
}
OPEN = {"submitted", "correction_requested", "in_progress", "suspended", "decided"}
THREE_DOMAIN_USERS = [
    (HALL, "county.scjg", "township.yezhou"),
    (HALL, "county.zrzy", "township.gaoping"),
    (HALL, "county.rsj", "township.jingyang"),
    (HALL, "county.zfb", "township.sanli"),
]


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


def analyze(engine: Engine) -> bool:
    """PostgreSQL: always (autovacuum would; a bulk load should not wait for it). SQLite:
    unless ``BANSHI_BENCH_ANALYZE=0``. Nothing in Banshi runs ANALYZE on SQLite yet, and
    without statistics SQLite answers the undated half of ``worklist`` by walking the
    (tenant, number) unique index: hundreds of ms per call at 100k rows (reported to the
    lead with an index proposal); ``=0`` measures that state."""
    if engine.dialect.name != "sqlite":
        return True
    return os.environ.get("BANSHI_BENCH_ANALYZE", "1") != "0"


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


# --------------------------------------------------------------------------- generation


@dataclass
class ItemInfo:
    id: int
    code: str
    sha256: str
    owner: str
    promised: int
    statutory: int
    steps: list[tuple[str, str]]  # (key, kind)
    accept: list[str]
    samples: list[str] = field(default_factory=list)


def _load_items(session: Session, rng: random.Random) -> dict[str, list[ItemInfo]]:
    """One item_version row per catalogue file (the foreign key), with sample data."""
    from definitions.loading import load_path

    by_owner: dict[str, list[ItemInfo]] = {}
    for path in sorted(CATALOG.glob("*.json")):
        definition = load_path(path).definition
        if definition is None:
            continue
        canonical = canonical_json(json.loads(path.read_text(encoding="utf-8")))
        sha = hashlib.sha256(canonical.encode()).hexdigest()
        row = ItemVersion(
            tenant=TENANT,
            code=definition.code,
            version=1,
            name=definition.name,
            owner=definition.owner,
            canonical=canonical,
            sha256=sha,
            published_by="bench",
            published_at=datetime(2025, 1, 2, tzinfo=UTC),
        )
        session.add(row)
        session.flush()
        accept: list[str] = []
        for pattern in definition.levels.accept:
            accept.extend(TOWNSHIPS if pattern.endswith(".*") else [pattern])
        info = ItemInfo(
            row.id,
            definition.code,
            sha,
            definition.owner,
            definition.limits.promised_days if definition.limits else 0,
            definition.limits.statutory_days if definition.limits else 0,
            [(s.key, s.kind.value) for s in definition.steps],
            accept,
            [canonical_json(sample_application(definition, rng)) for _ in range(8)],
        )
        by_owner.setdefault(definition.owner, []).append(info)
    return by_owner


class Generator:
    """Makes case rows; keeps per-day counters so numbers stay unique as the table grows."""

    def __init__(self, by_owner: dict[str, list[ItemInfo]], calendar: WorkCalendar, seed: int = 7):
        self.rng = random.Random(seed)
        self.by_owner = by_owner
        self.calendar = calendar
        self.owners = [d for d in DEPARTMENTS if d in by_owner]
        self.owner_weights = [DEPARTMENTS[d] for d in self.owners]
        self.states = list(STATES)
        self.state_weights = list(STATES.values())
        self.per_day: dict[date, int] = {}
        self.pool: list[dict[str, Any]] = []
        self._due: dict[tuple[date, int], date] = {}
        self._clock: dict[tuple[date, int, int], str] = {}
        self.names = [person_name(self.rng) for _ in range(2000)]

    def worked_departments(self) -> list[str]:
        """Departments whose items have steps in the department (instant items stay at the window)."""
        return [
            d
            for d in self.owners
            if any(
                kind not in ("accept", "complete", "forward", "deliver")
                for item in self.by_owner[d]
                for _, kind in item.steps
            )
        ]

    def due(self, start: date, days: int) -> date:
        key = (start, days)
        hit = self._due.get(key)
        if hit is None:
            hit = self._due[key] = self.calendar.add_workdays(start, days).value
        return hit

    def clock(self, start: date, promised: int, statutory: int) -> str:
        key = (start, promised, statutory)
        hit = self._clock.get(key)
        if hit is None:
            hit = self._clock[key] = canonical_json(
                {
                    "promised": DeadlineInputs(start, promised, limit_name="承诺时限").to_json(),
                    "statutory": DeadlineInputs(start, statutory, limit_name="法定时限").to_json(),
                }
            )
        return hit

    def rows(self, count: int) -> Iterator[dict[str, Any]]:
        """Rows drawn from a pool of generated case bodies, each made unique by its own
        number, query code, applicant, version and hash (generating every body afresh
        costs more Python time than the database spends inserting it)."""
        if not self.pool:
            self.pool = list(self.bodies(POOL))
        rng = self.rng
        rand = rng.random
        pool = self.pool
        names = self.names
        per_day = self.per_day
        npool, nnames = len(pool), len(names)
        for _ in range(count):
            row = dict(pool[int(rand() * npool)])
            day = row.pop("_day")
            seq = per_day.get(day, 0) + 1
            per_day[day] = seq
            row["number"] = f"{TENANT}{day:%Y%m%d}{seq:06d}"
            row["query_code"] = "".join(rng.choices(QUERY_ALPHABET, k=6))
            row["applicant_name"] = names[int(rand() * nnames)]
            row["applicant_mobile"] = f"139{int(rand() * 100_000_000):08d}"
            row["applicant_user_id"] = int(rand() * 60_000) + 1 if rand() < 0.35 else None
            row["version"] = int(rand() * 9) + 1
            row["last_hash"] = os.urandom(32).hex()
            yield row

    def bodies(self, count: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        owners = rng.choices(self.owners, self.owner_weights, k=count)
        states = rng.choices(self.states, self.state_weights, k=count)
        for owner, state in zip(owners, states, strict=True):
            item = rng.choice(self.by_owner[owner])
            is_open = state in OPEN
            accepting = (
                HALL if HALL in item.accept and rng.random() < 0.7 else rng.choice(item.accept)
            )
            # open cases were filed in the last 90 days, closed ones over the past year
            back = rng.randint(0, 90) if is_open else rng.randint(3, 365)
            day = TODAY - timedelta(days=back)
            submitted = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC) + timedelta(
                minutes=rng.randint(0, 540)
            )
            instant = item.promised == 0
            accepted = state not in ("submitted", "correction_requested", "not_accepted") and not (
                state == "withdrawn" and rng.random() < 0.5
            )
            accepted_on = day + timedelta(days=rng.choice((0, 0, 0, 1, 2))) if accepted else None
            if accepted_on is not None and accepted_on > TODAY:
                accepted_on = TODAY
            due_promised = due_statutory = None
            clock = None
            if accepted_on is not None and not instant:
                due_promised = self.due(accepted_on, item.promised)
                due_statutory = self.due(accepted_on, item.statutory)
                clock = self.clock(accepted_on, item.promised, item.statutory)
            steps = item.steps
            step_index: int | None
            current_domain: str | None
            if state in ("submitted", "correction_requested"):
                step_index, current_domain = 0, accepting
            elif state in ("in_progress", "suspended"):
                middle = [
                    i for i, (_, kind) in enumerate(steps) if kind not in ("accept", "complete")
                ]
                if state == "suspended":
                    middle = [i for i in middle if steps[i][1] == "special"] or middle
                step_index = rng.choice(middle) if middle else len(steps) - 1
                kind = steps[step_index][1]
                current_domain = accepting if kind in ("forward", "complete") else owner
            elif state == "decided":
                step_index, current_domain = len(steps) - 1, accepting
            else:
                step_index, current_domain = None, None
            step_started = (accepted_on or day) if step_index is not None else None
            closed = None
            if not is_open:
                closed = min(TODAY, (accepted_on or day) + timedelta(days=rng.randint(0, 20)))
            decision = None
            if state in ("decided", "completed", "delivered"):
                decision = "approved" if rng.random() < 0.92 else "denied"
            missing = "[]"
            if state == "correction_requested":
                missing = '[{"key":"id_card","name":"身份证明"}]'
            yield {
                "_day": day,
                "tenant": TENANT,
                "item_version_id": item.id,
                "item_code": item.code,
                "item_sha256": item.sha256,
                "data": rng.choice(item.samples),
                "state": state,
                "open": is_open,
                "decision": decision,
                "step_index": step_index,
                "current_step": steps[step_index][0] if step_index is not None else None,
                "current_domain": current_domain,
                "step_started_on": step_started,
                "step_due": (
                    self.due(step_started, 2) if step_started is not None and not instant else None
                ),
                "countersigned": "[]",
                "accepting_domain": accepting,
                "owner_domain": owner,
                "submitted_at": submitted,
                "accepted_by_user_id": rng.randint(1, 40) if accepted else None,
                "accepted_on": accepted_on,
                "clock": clock,
                "due_promised": due_promised,
                "due_statutory": due_statutory,
                "due_provisional": False,
                "suspended": state == "suspended",
                "special_running": state == "suspended",
                "fee_total": "0.00",
                "fee_paid": True,
                "missing_materials": missing,
                "closed_on": closed,
            }


def _secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the ``case`` table's plain indexes (not its keys)."""
    if conn.dialect.name == "sqlite":  # engine-specific: SQLite catalogue
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case'"
            " AND sql IS NOT NULL AND name LIKE 'ix_%'"
        )
    else:  # engine-specific: PostgreSQL catalogue, current schema
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case'"
            " AND schemaname = current_schema() AND indexname LIKE 'ix_%%'"
        )
    return [(str(name), str(ddl)) for name, ddl in conn.exec_driver_sql(sql)]


def insert_cases(engine: Engine, gen: Generator, count: int) -> float:
    """Bulk-insert ``count`` cases in batches of 10,000 (Core ``executemany``) with the
    secondary indexes dropped during the load and rebuilt from their own definitions
    afterwards, then ANALYZE. Returns the seconds spent."""
    table = Case.__table__
    sqlite = engine.dialect.name == "sqlite"
    start = time.perf_counter()
    rows = gen.rows(count)
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
            batch = [next(rows) for _ in range(min(BATCH, count - done))]
            conn.execute(insert(table), batch)
            conn.commit()
            done += len(batch)
        for _, ddl in indexes:
            conn.exec_driver_sql(ddl)
        conn.commit()
        if analyze(engine):
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    return time.perf_counter() - start


# --------------------------------------------------------------------------- measuring


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
) -> list[float]:
    """Milliseconds per run, each in a fresh session (and transaction), rotating over ``calls``."""
    out = []
    for i in range(count):
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
    base_runs: int


def measure(
    engine: Engine,
    sessions: sessionmaker[Session],
    until: date,
    size: int,
    departments: Sequence[str],
) -> dict[str, Measured]:
    queries: dict[str, list[Callable[[Session], object]]] = {
        "worklist department": [(lambda s, d=d: worklist(s, TENANT, [d])) for d in departments],
        "worklist 3 domains": [
            (lambda s, u=u: worklist(s, TENANT, list(u))) for u in THREE_DOMAIN_USERS
        ],
        "due_by": [lambda s: due_by(s, TENANT, until)],
    }
    out: dict[str, Measured] = {}
    n = runs()
    nb = baseline_runs(size)
    for name, calls in queries.items():
        _time_runs(sessions, calls, len(calls) * 2)  # warm the cache and the pool
        ms = _time_runs(sessions, calls, n)
        with indexes_off(engine) as prepare:
            base = _time_runs(sessions, calls, nb, prepare)
        out[name] = Measured(median(ms), percentile(ms, 99), median(base), nb)
    return out


def _figures(
    db_name: str, results: dict[int, dict[str, Measured]], gen_s: dict[int, float]
) -> Iterator[Figure]:
    how = (
        "NOT INDEXED full scan + sort (SQLite)"
        if db_name == "sqlite"
        else "index scans off: seq scan + top-N sort (PostgreSQL)"
    )
    stats = (
        "ANALYZEd"
        if db_name != "sqlite" or os.environ.get("BANSHI_BENCH_ANALYZE", "1") != "0"
        else "no ANALYZE"
    )
    for size, by_query in results.items():
        label = _label(size)
        for name, m in by_query.items():
            yield Figure(
                f"{name} median @{label} {db_name}",
                m.median,
                "ms",
                m.base_median,
                note=f"{runs()} runs, {stats}; baseline median of {m.base_runs}: same call, {how}; goal <= 5 ms",
            )
            yield Figure(
                f"{name} p99 @{label} {db_name}",
                m.p99,
                "ms",
                m.base_median,
                note="baseline: the unindexed median",
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
                    note=f"{a:.2f} ms -> {b:.2f} ms; baseline: linear in rows ({rows:.0f}x)",
                )
            base_growth = results[big][name].base_median / results[small][name].base_median
            yield Figure(
                f"{name} unindexed growth {_label(small)}->{_label(big)} {db_name}",
                base_growth,
                "x",
                rows,
                note="the baseline's own growth, for comparison",
            )
    for size, seconds in gen_s.items():
        yield Figure(
            f"generate to {_label(size)} {db_name}",
            seconds,
            "s",
            120.0,
            note="bulk insert (Core executemany, 10k batches), indexes rebuilt; baseline: the 2-minute budget",
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
