"""Verification of the tenant log (:mod:`runtime.ledger`) against the events and the
signed checkpoints (:mod:`runtime.checkpoints`).

:func:`verify_log` streams the log's entries in order and, for each, checks that its event
is still there under the same case number and seq with the hash it had when sealed; it
folds the leaves into the Merkle tree and compares the head at every checkpoint's size
with the signed root. Then it looks for events that are in no entry: waiting to be sealed
(the window) or inserted behind the log's back. Each problem names its case and event
where it can:

- *re-chained*: an event's hash is not the one sealed (the case was edited and its
  hashes recomputed; the case's own chain may verify);
- *deleted* / *case missing*: a sealed event, or a whole case, is gone;
- *inserted*: an event is neither sealed nor waiting to be sealed;
- *checkpoint mismatch*: the first ``tree_size`` entries no longer hash to a signed root
  (the log itself was rewritten), a signature does not verify with the configured key,
  the log is shorter than a checkpoint, or an exported checkpoint is missing from the
  database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, select

from runtime.audit import Break
from runtime.case_tables import Case
from runtime.checkpoints import KEY_SETTING, Checkpoint, stored
from runtime.ledger import EMPTY_ROOT, ENTRY, EVENT, PENDING, Frontier, leaf_data, leaf_hash

CASE = cast(Table, Case.__table__)


@dataclass
class LogReport:
    """What the log walk found: its size, the events waiting to be sealed, the
    checkpoints checked (the newest one first) and every problem."""

    size: int = 0
    waiting: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[Break] = field(default_factory=list)

    def summary(self) -> str:
        line = f"audit log: {self.size} sealed event(s), {self.waiting} waiting to be sealed"
        if self.checkpoints:
            cp = max(self.checkpoints, key=lambda c: (c.tree_size, c.signed_at))
            distinct = {(c.tree_size, c.root, c.signature) for c in self.checkpoints}
            line += f"; {len(distinct)} checkpoint(s) checked, the latest of size {cp.tree_size} signed {cp.signed_at}"
        else:
            line += "; no signed checkpoint yet (banshi audit checkpoint)"
        return line


_ENTRIES = (
    select(
        ENTRY.c.idx,
        ENTRY.c.case_number,
        ENTRY.c.seq,
        ENTRY.c.event_hash,
        ENTRY.c.legacy,
        EVENT.c.id.label("event_id"),
        EVENT.c.seq.label("now_seq"),
        EVENT.c.hash.label("now_hash"),
        CASE.c.number.label("now_number"),
    )
    .select_from(
        ENTRY.outerjoin(EVENT, EVENT.c.id == ENTRY.c.event_id).outerjoin(
            CASE, CASE.c.id == EVENT.c.case_id
        )
    )
    .order_by(ENTRY.c.idx)
)


def verify_log(
    conn: Connection,
    tenant: str,
    key: Ed25519PublicKey | None,
    exported: Sequence[Checkpoint] = (),
    batch: int = 5000,
) -> LogReport:
    """Walk the tenant log; ``exported``: checkpoints read from files outside the database."""
    report = LogReport()
    in_db = stored(conn, tenant)
    db_keys = {(c.tree_size, c.root, c.signature) for c, _ in in_db}
    checkpoints = [c for c, _ in in_db]
    for cp in exported:
        if cp.tenant != tenant:
            continue
        if (cp.tree_size, cp.root, cp.signature) not in db_keys:
            report.problems.append(
                Break("", None, f"{cp.where} is missing from the database", "checkpoint mismatch")
            )
        checkpoints.append(cp)
    report.checkpoints = checkpoints
    for cp in checkpoints:
        if key is None:
            report.problems.append(
                Break(
                    "",
                    None,
                    f"{cp.where}: cannot check its signature: {KEY_SETTING} is not set",
                    "checkpoint mismatch",
                )
            )
        elif not cp.signature_ok(key):
            report.problems.append(
                Break(
                    "",
                    None,
                    f"{cp.where}: the signature does not verify with the configured key (forged or signed by another key)",
                    "checkpoint mismatch",
                )
            )
    by_size: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        by_size.setdefault(cp.tree_size, []).append(cp)

    def check_root(size: int, root: str) -> None:
        for cp in by_size.pop(size, ()):
            if cp.root != root:
                report.problems.append(
                    Break(
                        "",
                        None,
                        f"{cp.where}: the first {size} log entries no longer hash to its root "
                        "(sealed entries were changed, removed, inserted or reordered)",
                        "checkpoint mismatch",
                    )
                )

    frontier = Frontier()
    check_root(0, EMPTY_ROOT)
    gone: dict[str, list[tuple[int, int]]] = {}  # case number -> [(seq, idx)] of deleted events
    rechained: dict[str, list[tuple[int, int]]] = {}
    last = -1
    while True:
        rows = conn.execute(
            _ENTRIES.where(ENTRY.c.tenant == tenant, ENTRY.c.idx > last).limit(batch)
        ).all()
        if not rows:
            break
        for r in rows:
            if r.idx != frontier.size:
                what = (
                    f"log entries {frontier.size}–{r.idx - 1} are missing"
                    if r.idx > frontier.size
                    else f"log entry {r.idx} is out of order"
                )
                report.problems.append(Break("", None, what, "deleted"))
            if r.event_id is None:
                gone.setdefault(r.case_number, []).append((r.seq, r.idx))
            elif r.now_number != r.case_number or r.now_seq != r.seq:
                report.problems.append(
                    Break(
                        r.case_number,
                        r.seq,
                        f"sealed at log entry {r.idx} as {r.case_number} event {r.seq}, "
                        f"now {r.now_number} event {r.now_seq}",
                        "reordered",
                    )
                )
            elif r.now_hash != r.event_hash:
                rechained.setdefault(r.case_number, []).append((r.seq, r.idx))
            frontier.append(
                leaf_hash(leaf_data(tenant, r.case_number, r.seq, r.event_hash, bool(r.legacy)))
            )
            check_root(frontier.size, frontier.root())
        last = rows[-1].idx
    report.size = frontier.size
    for _size, cps in sorted(by_size.items()):
        for cp in cps:
            report.problems.append(
                Break(
                    "",
                    None,
                    f"{cp.where}: the log has only {frontier.size} entries (sealed entries were deleted)",
                    "checkpoint mismatch",
                )
            )
    report.problems.extend(_gone(conn, tenant, gone))
    for number, hits in sorted(rechained.items()):
        seq, idx = min(hits)
        more = f" (and {len(hits) - 1} later event(s))" if len(hits) > 1 else ""
        report.problems.append(
            Break(
                number,
                seq,
                f"its hash is not the one sealed at log entry {idx}{more}: "
                "the case was edited and its hashes recomputed",
                "re-chained",
            )
        )
    _unsealed(conn, tenant, report)
    return report


def _gone(conn: Connection, tenant: str, gone: dict[str, list[tuple[int, int]]]) -> list[Break]:
    if not gone:
        return []
    present = set(
        conn.execute(
            select(CASE.c.number).where(CASE.c.tenant == tenant, CASE.c.number.in_(list(gone)))
        ).scalars()
    )
    out = []
    for number, hits in sorted(gone.items()):
        hits.sort()
        if number not in present:
            seqs = ", ".join(str(s) for s, _ in hits)
            out.append(
                Break(
                    number,
                    None,
                    f"the whole case is gone: its events {seqs} were sealed at log entries "
                    f"{hits[0][1]}–{hits[-1][1]}",
                    "case missing",
                )
            )
        else:
            for seq, idx in hits:
                out.append(
                    Break(number, seq, f"the event sealed at log entry {idx} is gone", "deleted")
                )
    return out


def _unsealed(conn: Connection, tenant: str, report: LogReport) -> None:
    """Events in no log entry: waiting to be sealed, or inserted behind the log's back;
    and pending rows whose event is gone (deleted before it was sealed)."""
    rows = conn.execute(
        select(EVENT.c.id, EVENT.c.seq, CASE.c.number, PENDING.c.event_id.label("waiting"))
        .select_from(
            EVENT.join(CASE, CASE.c.id == EVENT.c.case_id)
            .outerjoin(ENTRY, ENTRY.c.event_id == EVENT.c.id)
            .outerjoin(PENDING, PENDING.c.event_id == EVENT.c.id)
        )
        .where(EVENT.c.tenant == tenant, ENTRY.c.id.is_(None))
        .order_by(EVENT.c.id)
    ).all()
    for r in rows:
        if r.waiting is not None:
            report.waiting += 1
        else:
            report.problems.append(
                Break(
                    r.number,
                    r.seq,
                    "the event is neither sealed in the audit log nor waiting to be sealed",
                    "inserted",
                )
            )
    orphans = conn.execute(
        select(PENDING.c.event_id)
        .select_from(PENDING.outerjoin(EVENT, EVENT.c.id == PENDING.c.event_id))
        .where(PENDING.c.tenant == tenant, EVENT.c.id.is_(None))
        .order_by(PENDING.c.event_id)
    ).scalars()
    for event_id in orphans:
        report.problems.append(
            Break("", None, f"event id {event_id} was deleted before it was sealed", "deleted")
        )
