"""The tenant log: every event of a county, sealed in order into one Merkle tree (RFC 9162).

Why. A case's own chain (:mod:`runtime.chain`) shows an edit only to someone who did not
also recompute the hashes: whoever can write to the database can re-chain a case after
editing it, or delete the case outright (row, events, outbox), and every chain left still
verifies. The tenant log binds all chains together, and a signed checkpoint of its head
(:mod:`runtime.checkpoints`) binds the log to a key that is not in the database.

How (as Certificate Transparency does, RFC 9162 §2.1). Each event becomes one leaf:
``canonical_json({tenant, case, seq, hash})`` of the event, its case number and position
in the case and its chain hash (which covers everything before it in the case). The leaf
hash is ``SHA-256(0x00 || leaf)``, an inner node ``SHA-256(0x01 || left || right)``; the
tree head of ``n`` leaves is the RFC's MTH, computed here with a compact range
(:class:`Frontier`: one hash per set bit of ``n``), so the next head needs only the new
leaves, and a verifier that streams the leaves gets the head at every checkpoint's size in
one pass.

Concurrency. An act does not touch the log: in its own transaction it inserts one
``audit_pending`` row (its event id), an insert with no shared row, so concurrent acts
(PostgreSQL filings run in parallel) do not queue behind a tenant-wide head. A short
step, :func:`seal`, later appends pending events to the log in event-id order, a bounded
batch at a time, and deletes their pending rows. Sealers are serialised (SQLite: the
writers' turn; PostgreSQL: a transaction-scoped advisory lock per tenant). An event
committed late with a lower id than one already sealed is simply sealed next time: the
log's order is the seal order, and nothing is lost because the pending rows are the
queue. ``banshi worker`` seals and signs a checkpoint every ``BANSHI_AUDIT_SEAL_SECONDS``;
``banshi audit checkpoint`` seals everything and signs at once.

The window. Until its event is sealed *and* a checkpoint covering it is signed, an event
is protected only by its case's chain: someone with database write access can still alter,
re-chain or delete it undetected. The window is bounded by the worker's interval
(``BANSHI_AUDIT_SEAL_SECONDS``, default 10 s) while the worker runs; verify counts the
events still waiting and reports an event that is neither sealed nor waiting (inserted
behind the log's back).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)

from db.engine import write_transaction
from db.prepared import Prepared
from definitions.canonical import canonical_json
from runtime.case_tables import Case, CaseEvent
from runtime.ledger_tables import AuditLogEntry, AuditPending

PENDING = cast(Table, AuditPending.__table__)
ENTRY = cast(Table, AuditLogEntry.__table__)
EVENT = cast(Table, CaseEvent.__table__)
CASE = cast(Table, Case.__table__)

#: Written by every act, in the event's own transaction.
PENDING_INSERT = Prepared(insert(PENDING))

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_data(tenant: str, number: str, seq: int, event_hash: str, legacy: bool = False) -> bytes:
    """The bytes of one leaf: which event (tenant, case number, seq) and its chain hash;
    ``legacy`` (only when set) for an event from before events carried their rows."""
    leaf: dict[str, object] = {"tenant": tenant, "case": number, "seq": seq, "hash": event_hash}
    if legacy:
        leaf["legacy"] = True
    return canonical_json(leaf).encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass
class Frontier:
    """A compact range over the first ``size`` leaves: the roots of the perfect subtrees
    that make up the tree, largest (leftmost) first, each with its height."""

    size: int = 0
    nodes: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash (already ``leaf_hash``-ed)."""
        height, h = 0, leaf
        while self.nodes and self.nodes[-1][0] == height:
            _, left = self.nodes.pop()
            height, h = height + 1, node_hash(left, h)
        self.nodes.append((height, h))
        self.size += 1

    def root(self) -> str:
        """MTH of the leaves so far (RFC 9162 §2.1.1), hex."""
        if not self.nodes:
            return EMPTY_ROOT
        h = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            h = node_hash(left, h)
        return h.hex()

    def to_json(self) -> str:
        return json.dumps([[height, h.hex()] for height, h in self.nodes])

    @classmethod
    def from_json(cls, size: int, raw: str) -> Frontier:
        """A stored compact range; raises ValueError when it cannot be one of ``size``."""
        nodes = [(int(height), bytes.fromhex(h)) for height, h in json.loads(raw)]
        if sum(1 << height for height, _ in nodes) != size:
            raise ValueError("compact range does not match the tree size")
        return cls(size, nodes)


def merkle_root(leaves: Iterable[bytes]) -> str:
    """MTH of raw leaf data, hex (for tests and one-off checks)."""
    f = Frontier()
    for data in leaves:
        f.append(leaf_hash(data))
    return f.root()


# ---------------------------------------------------------------------------- sealing

_PENDING_EVENTS = (
    select(PENDING.c.event_id, PENDING.c.legacy, EVENT.c.seq, EVENT.c.hash, CASE.c.number)
    .select_from(
        PENDING.join(EVENT, EVENT.c.id == PENDING.c.event_id).join(
            CASE, CASE.c.id == EVENT.c.case_id
        )
    )
    .where(PENDING.c.tenant == bindparam("t"))
    .order_by(PENDING.c.event_id)
    .limit(bindparam("n"))
)
_LOG_SIZE = select(func.coalesce(func.max(ENTRY.c.idx) + 1, 0)).where(
    ENTRY.c.tenant == bindparam("t")
)


def lock_log(conn: Connection, tenant: str) -> None:
    """One sealer at a time per tenant (SQLite: the write transaction is already one)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x62616E7368 + int(tenant)})


def seal(engine: Engine, tenant: str, batch: int, now: datetime | None = None) -> int:
    """Append up to ``batch`` pending events to the tenant log, oldest id first; returns
    how many were sealed. Short: one read, one insert, one delete, one transaction."""
    at = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        lock_log(conn, tenant)
        rows = conn.execute(_PENDING_EVENTS, {"t": tenant, "n": batch}).all()
        if not rows:
            return 0
        size = int(conn.execute(_LOG_SIZE, {"t": tenant}).scalar_one())
        conn.execute(
            insert(ENTRY),
            [
                {
                    "tenant": tenant,
                    "idx": size + i,
                    "event_id": r.event_id,
                    "case_number": r.number,
                    "seq": r.seq,
                    "event_hash": r.hash,
                    "legacy": bool(r.legacy),
                    "sealed_at": at,
                }
                for i, r in enumerate(rows)
            ],
        )
        conn.execute(delete(PENDING).where(PENDING.c.event_id.in_([r.event_id for r in rows])))
        return len(rows)


def seal_all(engine: Engine, tenant: str, batch: int) -> int:
    """Seal every pending event (in bounded batches); returns how many."""
    total = 0
    while True:
        n = seal(engine, tenant, batch)
        total += n
        if n < batch:
            return total


@dataclass(frozen=True)
class LogEntry:
    idx: int
    event_id: int
    case_number: str
    seq: int
    event_hash: str
    legacy: bool = False

    def leaf(self, tenant: str) -> bytes:
        return leaf_hash(
            leaf_data(tenant, self.case_number, self.seq, self.event_hash, self.legacy)
        )


def entries(conn: Connection, tenant: str, start: int = 0, batch: int = 5000) -> Iterator[LogEntry]:
    """The log's entries from index ``start`` in order, read in batches."""
    last = start - 1
    while True:
        rows = conn.execute(
            select(
                ENTRY.c.idx,
                ENTRY.c.event_id,
                ENTRY.c.case_number,
                ENTRY.c.seq,
                ENTRY.c.event_hash,
                ENTRY.c.legacy,
            )
            .where(ENTRY.c.tenant == tenant, ENTRY.c.idx > last)
            .order_by(ENTRY.c.idx)
            .limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield LogEntry(r.idx, r.event_id, r.case_number, r.seq, r.event_hash, bool(r.legacy))
        last = rows[-1].idx


def log_size(conn: Connection, tenant: str) -> int:
    return int(conn.execute(_LOG_SIZE, {"t": tenant}).scalar_one())


def pending_count(conn: Connection, tenant: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(PENDING).where(PENDING.c.tenant == tenant)
        ).scalar_one()
    )
