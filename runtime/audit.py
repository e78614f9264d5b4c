"""Process replay (过程回放) and verification of each case's chain and rows.

:func:`verify_case` walks one case's events: every link must hash to the next, the seqs
must run 1..n without gaps, the chain head stored on the case must be the last hash,
folding the events' changes must reproduce the case row exactly, and folding their
``records`` must reproduce the case's fee and material rows (an edited amount, payment
reference or scan hash, a deleted or an inserted row is named). :func:`verify_all` does it
for every case of a tenant, a batch of cases at a time. What a case's own chain cannot
show (a re-chained or deleted case) the tenant log shows: :mod:`runtime.audit_log`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.canonical import canonical_json
from runtime.case_tables import Case, CaseEvent, CaseFee, CaseMaterial
from runtime.chain import (
    FEE_COLUMNS,
    GENESIS,
    MATERIAL_COLUMNS,
    event_body,
    fold,
    link_hash,
    row_json,
    row_values,
)
from runtime.ledger_tables import AuditLogEntry, AuditPending


@dataclass(frozen=True)
class Break:
    """One problem found: where (case number, event seq or None for the case's rows), what
    kind (edited, deleted, inserted, reordered, re-chained, case missing, checkpoint
    mismatch, unreadable) and what exactly."""

    number: str
    seq: int | None
    problem: str
    kind: str = "edited"

    def format(self) -> str:
        if not self.number:
            return f"audit log: {self.kind}: {self.problem}"
        where = f"event {self.seq}" if self.seq is not None else "case row"
        return f"{self.number}: {where}: {self.kind}: {self.problem}"


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


def _chain(case: Case, events: Sequence[CaseEvent]) -> tuple[Break | None, list[dict[str, Any]]]:
    """The first broken link of the case's chain (or None), and the hashed bodies."""
    prev = GENESIS
    bodies: list[dict[str, Any]] = []
    n = case.number
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            what = "deleted" if ev.seq > expected_seq else "inserted"
            return Break(
                n,
                ev.seq,
                f"sequence gap: expected event {expected_seq}, found {ev.seq} (an event was deleted or inserted)",
                what,
            ), bodies
        if ev.prev_hash != prev:
            return Break(
                n,
                ev.seq,
                "prev_hash does not match the previous event's hash (an event was deleted, inserted or reordered)",
                "reordered",
            ), bodies
        try:
            body = event_body(ev, n)
        except (ValueError, TypeError) as exc:
            return Break(n, ev.seq, f"unreadable event: {exc}", "unreadable"), bodies
        if link_hash(prev, body) != ev.hash:
            return Break(
                n, ev.seq, "hash mismatch: the event was edited after it was written"
            ), bodies
        prev = ev.hash
        bodies.append(body)
    if not bodies:
        return Break(n, None, "case has no events", "deleted"), bodies
    if case.last_hash != prev:
        return Break(
            n,
            None,
            "the case's chain head is not its last event's hash (events were removed or added)",
            # the head names an earlier event: events were added after it; else some were removed
            "inserted" if case.last_hash in {e.hash for e in events} else "deleted",
        ), bodies
    return None, bodies


def _fee_problems(
    number: str,
    bodies: Sequence[dict[str, Any]],
    fees: Sequence[CaseFee],
    legacy: frozenset[int] = frozenset(),
) -> list[Break]:
    expected: dict[str, dict[str, Any]] = {}
    by: dict[str, int] = {}
    for body in bodies:
        for key, cols in body.get("records", {}).get("fees", {}).items():
            expected.setdefault(key, {}).update(cols)
            by[key] = body["seq"]
    out: list[Break] = []
    actual = {
        f.fee_key: row_json({k: getattr(f, k) for k in FEE_COLUMNS}, FEE_COLUMNS) for f in fees
    }
    for key in sorted(expected.keys() | actual.keys()):
        if key not in actual:
            out.append(
                Break(
                    number, by[key], f"case_fee “{key}” recorded by this event is gone", "deleted"
                )
            )
        elif key not in expected:
            if legacy:  # may have been assessed or paid by an event that carries no rows
                continue
            out.append(
                Break(number, None, f"case_fee “{key}” was not written by any event", "inserted")
            )
        else:
            wrong = [c for c in FEE_COLUMNS if expected[key].get(c) != actual[key][c]]
            if wrong:
                out.append(
                    Break(
                        number,
                        by[key],
                        f"case_fee “{key}” differs from its events in: {', '.join(wrong)}",
                    )
                )
    return out


def _material_problems(
    number: str,
    bodies: Sequence[dict[str, Any]],
    materials: Sequence[CaseMaterial],
    legacy: frozenset[int] = frozenset(),
) -> list[Break]:
    def grouped(rows: list[dict[str, Any]]) -> dict[tuple[int, str], Counter[str]]:
        out: dict[tuple[int, str], Counter[str]] = {}
        for r in rows:
            out.setdefault((int(r["event_seq"]), str(r["material_key"])), Counter())[
                canonical_json(r)
            ] += 1
        return out

    recorded: list[dict[str, Any]] = []
    for body in bodies:
        for m in body.get("records", {}).get("materials", ()):
            recorded.append({**m, "event_seq": body["seq"]})
    expected = grouped(recorded)
    actual = grouped(
        [
            row_json({k: getattr(m, k) for k in MATERIAL_COLUMNS}, MATERIAL_COLUMNS)
            for m in materials
        ]
    )
    out: list[Break] = []
    for seq, key in sorted(expected.keys() | actual.keys()):
        want, have = expected.get((seq, key), Counter()), actual.get((seq, key), Counter())
        if want == have or (not want and seq in legacy):
            continue
        label = f"case_material “{key}”"
        if not have:
            out.append(Break(number, seq, f"{label} received by this event is gone", "deleted"))
        elif not want:
            out.append(Break(number, seq, f"{label} was not received by this event", "inserted"))
        elif sum(have.values()) == sum(want.values()):
            w, h = (json.loads(next(iter(c - d))) for c, d in ((want, have), (have, want)))
            wrong = [c for c in MATERIAL_COLUMNS if w.get(c) != h.get(c)]
            out.append(Break(number, seq, f"{label} differs from its event in: {', '.join(wrong)}"))
        else:
            kind = "inserted" if sum(have.values()) > sum(want.values()) else "deleted"
            out.append(
                Break(number, seq, f"{label}: rows differ from those its event received", kind)
            )
    return out


def check_case(
    case: Case,
    events: Sequence[CaseEvent],
    fees: Sequence[CaseFee] = (),
    materials: Sequence[CaseMaterial] = (),
    legacy: frozenset[int] = frozenset(),
) -> list[Break]:
    """Every problem of one case: the first broken link of its chain (later links are not
    trusted past it), else its row against the fold of its events, and its fee and
    material rows against their events' records. ``legacy``: the seqs of events written
    before events carried their rows (sealed with that mark): rows they may have written
    are not expected in their records."""
    broken, bodies = _chain(case, events)
    if broken is not None:
        return [broken]
    out: list[Break] = []
    projected = fold(b["changes"] for b in bodies)
    row = row_values(case)
    wrong = sorted(k for k in row if projected.get(k) != row[k])
    if wrong:
        out.append(
            Break(
                case.number,
                None,
                f"case row differs from the fold of its events in: {', '.join(wrong)}",
            )
        )
    out.extend(_fee_problems(case.number, bodies, fees, legacy))
    out.extend(_material_problems(case.number, bodies, materials, legacy))
    return out


def _rows_of(session: Session, model: Any, tenant: str, ids: list[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {i: [] for i in ids}
    order = model.seq if model is CaseEvent else model.id
    for row in session.execute(
        select(model).where(model.tenant == tenant, model.case_id.in_(ids)).order_by(order)
    ).scalars():
        out[row.case_id].append(row)
    return out


def _legacy(session: Session, tenant: str, ids: list[int]) -> dict[int, frozenset[int]]:
    """Per case, the seqs of its events marked legacy (sealed, or waiting to be)."""
    found: dict[int, set[int]] = {}
    for marks in (AuditLogEntry, AuditPending):
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.seq)
            .join(marks, marks.event_id == CaseEvent.id)
            .where(CaseEvent.tenant == tenant, CaseEvent.case_id.in_(ids), marks.legacy.is_(True))
        ).all()
        for case_id, seq in rows:
            found.setdefault(case_id, set()).add(seq)
    return {i: frozenset(found.get(i, ())) for i in ids}


def verify_case(session: Session, case: Case) -> Break | None:
    """The first problem of one case, or None."""
    ids = [case.id]
    problems = check_case(
        case,
        _events(session, case),
        _rows_of(session, CaseFee, case.tenant, ids)[case.id],
        _rows_of(session, CaseMaterial, case.tenant, ids)[case.id],
        _legacy(session, case.tenant, ids)[case.id],
    )
    return problems[0] if problems else None


def verify_cases(
    session: Session, tenant: str, batch: int = 500
) -> Iterator[tuple[str, list[Break]]]:
    """Every case of ``tenant`` with its problems (none: an empty list), ``batch`` cases
    (their events, fees and materials) read at a time."""
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
        ids = [c.id for c in cases]
        events = _rows_of(session, CaseEvent, tenant, ids)
        fees = _rows_of(session, CaseFee, tenant, ids)
        materials = _rows_of(session, CaseMaterial, tenant, ids)
        legacy = _legacy(session, tenant, ids)
        for case in cases:
            yield (
                case.number,
                check_case(
                    case, events[case.id], fees[case.id], materials[case.id], legacy[case.id]
                ),
            )
        last_id = cases[-1].id
        session.expunge_all()


def verify_all(
    session: Session, tenant: str, batch: int = 500
) -> Iterator[tuple[str, Break | None]]:
    """Verify every case of ``tenant``; yields (number, its first problem or None)."""
    for number, problems in verify_cases(session, tenant, batch):
        yield number, problems[0] if problems else None


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
