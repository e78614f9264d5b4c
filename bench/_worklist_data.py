"""Generated cases for bench/worklist.py: the county's items, departments, states and
deadlines, bulk-inserted with the indexes rebuilt afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.orm import Session

from bench._cases import CATALOG, TENANT
from db.engine import keep_statistics
from definitions.canonical import canonical_json
from definitions.samples import person_name, sample_application
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case, ItemVersion
from runtime.clock import DeadlineInputs
from runtime.numbers import QUERY_ALPHABET

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
    afterwards, then the product's ``keep_statistics`` (no full ANALYZE the product would
    not run). Returns the seconds spent."""
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
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    # statistics as the product keeps them after a bulk load (bounded ANALYZE on SQLite)
    keep_statistics(engine)
    return time.perf_counter() - start
