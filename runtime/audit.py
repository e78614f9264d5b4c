"""Process replay (过程回放) and chain verification.

:func:`verify_case` walks one case's events: every link must hash to the next, the seqs
must run 1..n without gaps, the chain head stored on the case must be the last hash, and
folding the events' changes must reproduce the case row exactly. :func:`verify_all` does
it for every case of a tenant and names the first broken link of each broken chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.case_tables import Case, CaseEvent
from runtime.chain import GENESIS, event_body, fold, link_hash, row_values


@dataclass(frozen=True)
class Break:
    """The first broken link of one case's chain."""

    number: str
    seq: int | None
    problem: str

    def format(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "case row"
        return f"{self.number}: {where}: {self.problem}"


@dataclass(frozen=True)
class ReplayStep:
    seq: int
    act: str
    actor: str
    role: str | None
    domain: str | None
    reason: str | None
    at: str
    changes: dict[str, Any]
    state: dict[str, Any]


def _events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.execute(
            select(CaseEvent)
            .where(CaseEvent.tenant == case.tenant, CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq)
        ).scalars()
    )


def verify_case(session: Session, case: Case) -> Break | None:
    prev = GENESIS
    changes: list[dict[str, Any]] = []
    for expected_seq, ev in enumerate(_events(session, case), start=1):
        if ev.seq != expected_seq:
            return Break(
                case.number,
                ev.seq,
                f"sequence gap: expected event {expected_seq}, found {ev.seq} (an event was deleted or inserted)",
            )
        if ev.prev_hash != prev:
            return Break(
                case.number,
                ev.seq,
                "prev_hash does not match the previous event's hash (an event was deleted, inserted or reordered)",
            )
        try:
            body = event_body(ev, case.number)
        except (ValueError, TypeError) as exc:
            return Break(case.number, ev.seq, f"unreadable event: {exc}")
        if link_hash(prev, body) != ev.hash:
            return Break(
                case.number, ev.seq, "hash mismatch: the event was edited after it was written"
            )
        prev = ev.hash
        changes.append(body["changes"])
    if not changes:
        return Break(case.number, None, "case has no events")
    if case.last_hash != prev:
        return Break(
            case.number,
            None,
            "the case's chain head is not its last event's hash (events were removed or added)",
        )
    projected = fold(changes)
    row = row_values(case)
    wrong = sorted(k for k in row if projected.get(k) != row[k])
    if wrong:
        return Break(
            case.number,
            None,
            f"case row differs from the fold of its events in: {', '.join(wrong)}",
        )
    return None


def verify_all(
    session: Session, tenant: str, batch: int = 500
) -> Iterator[tuple[str, Break | None]]:
    """Verify every case of ``tenant``; yields (number, break or None)."""
    last_id = 0
    while True:
        cases = list(
            session.execute(
                select(Case)
                .where(Case.tenant == tenant, Case.id > last_id)
                .order_by(Case.id)
                .limit(batch)
            ).scalars()
        )
        if not cases:
            return
        for case in cases:
            yield case.number, verify_case(session, case)
        last_id = cases[-1].id
        session.expunge_all()


def replay(session: Session, tenant: str, number: str) -> list[ReplayStep]:
    """The case after each of its events."""
    case = session.execute(
        select(Case).where(Case.tenant == tenant, Case.number == number)
    ).scalar_one_or_none()
    if case is None:
        raise LookupError(f"案件 {number} 不存在")
    state: dict[str, Any] = {}
    out = []
    for ev in _events(session, case):
        changes = json.loads(ev.changes)
        state = {**state, **changes}
        out.append(
            ReplayStep(
                ev.seq,
                ev.act,
                ev.actor,
                ev.role,
                ev.domain,
                ev.reason,
                ev.at.isoformat(),
                changes,
                dict(state),
            )
        )
    return out
