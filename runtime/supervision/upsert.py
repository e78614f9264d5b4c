"""Insert-or-add statements for the rollups and the watch list, built once per dialect.

Engine-specific (DESIGN §8: marked): ``INSERT … ON CONFLICT (…) DO UPDATE`` is the same
statement on SQLite (3.24+) and PostgreSQL (and on the PostgreSQL-compatible distributed
engines); SQLAlchemy builds it from each dialect's own ``insert``. Two acts on cases of the
same day, hall and item both add to one rollup row without losing either count.

They run as deferred writes (``Prepared.defer``, db/prepared.py): nothing reads their
outcome, and on PostgreSQL they travel with the act's COMMIT, so the rollup rows every
acceptance of the day adds to are locked for that one round trip only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from db.prepared import Prepared
from runtime.supervision_tables import (
    COUNTERS,
    SupervisionRollup,
    SupervisionRollupMonth,
    SupervisionWatch,
)

ROLLUP = cast(Table, SupervisionRollup.__table__)
WATCH = cast(Table, SupervisionWatch.__table__)
MONTH = cast(Table, SupervisionRollupMonth.__table__)
ROLLUP_KEY = ("tenant", "day", "owner_domain", "accepting_domain", "item_code")
MONTH_KEY = ("tenant", "month", "owner_domain", "accepting_domain")
WATCH_KEY = ("tenant", "case_id")

_cache: dict[tuple[str, str, tuple[str, ...]], Prepared] = {}


def _insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"supervision rollups: no upsert for {dialect}")


def add_counts(conn: Connection, key: dict[str, Any], counts: dict[str, int]) -> None:
    """Add ``counts`` to the day rollup row of ``key`` (tenant, day, owner_domain,
    accepting_domain, item_code) and to its month row (created at zero)."""
    if not counts:
        return
    month = {
        "tenant": key["tenant"],
        "month": key["day"].replace(day=1),
        "owner_domain": key["owner_domain"],
        "accepting_domain": key["accepting_domain"],
    }
    for table, keys, row in ((ROLLUP, ROLLUP_KEY, key), (MONTH, MONTH_KEY, month)):
        _adder(conn.dialect.name, table, keys, tuple(sorted(counts))).defer(
            conn,
            {
                **row,
                **dict.fromkeys(COUNTERS, 0),
                **counts,
            },
        )


def _adder(dialect: str, table: Table, keys: tuple[str, ...], cols: tuple[str, ...]) -> Prepared:
    cache_key = (dialect, table.name, cols)
    stmt = _cache.get(cache_key)
    if stmt is None:
        ins = _insert(dialect, table)
        stmt = Prepared(
            ins.on_conflict_do_update(
                index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in cols}
            )
        )
        _cache[cache_key] = stmt
    return stmt


def put_watch(conn: Connection, row: dict[str, Any], keep: Sequence[str] = ()) -> None:
    """Insert or replace the watch row of a case; the columns in ``keep`` keep their
    stored value when the row exists."""
    dialect = conn.dialect.name
    cache_key = (dialect, "watch", tuple(keep))
    stmt = _cache.get(cache_key)
    if stmt is None:
        ins = _insert(dialect, WATCH)
        cols = [c.key for c in WATCH.columns if c.key not in ("id", *WATCH_KEY, *keep)]
        stmt = Prepared(
            ins.on_conflict_do_update(
                index_elements=list(WATCH_KEY), set_={c: ins.excluded[c] for c in cols}
            )
        )
        _cache[cache_key] = stmt
    stmt.defer(conn, row)
