"""The generated data of the supervision benchmark (``python -m bench supervision``,
bench/supervision.py): case rows over three years, the watch rows of the open ones and
the day and month rollups the act-time hook would have written beside them, and their
bulk load (case indexes dropped and rebuilt, the product's statistics)."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete

from bench._cases import TENANT
from bench._worklist_data import DEPARTMENTS, HALL, ItemInfo, _secondary_indexes
from db.engine import keep_statistics
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case
from runtime.clock import DeadlineInputs
from runtime.supervision.measure import nearing_on
from runtime.supervision.upsert import MONTH, ROLLUP, WATCH
from runtime.supervision_tables import COUNTERS

TODAY = date(2026, 5, 6)  # a Wednesday; the calendar knows 2023–2026
YEARS = [2023, 2024, 2025, 2026]
BATCH = 10_000
OPEN_SHARE = 0.03
POOL = 50_000  # distinct generated case bodies
CASE = Case.__table__
WATCHED = ("correction_requested", "in_progress", "suspended", "decided")


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
