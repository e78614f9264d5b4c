"""The act-time hook: called by ``runtime.acts.writing.write`` for every event, inside the
act's own transaction, after the case row and the event are written.

It keeps three things current so supervision never scans cases or events:

- the day's rollup counters (``supervision_rollup``) of the case's department, accepting
  hall and item: acceptance, completion (with working days used, promised and
  statutory, on time and early), not accepted, denial, correction, withdrawal, return;
- the case's watch row (``supervision_watch``): while the case is open, the first days
  of its possible warnings; deleted when it closes;
- findings (``supervision_finding``) for acts the rules forbid, each carded at once
  (red) in the same transaction: a refusal or denial without reasons (行政许可法
  第三十八条: a denial states its reasons), a fee line without legal basis (no basis,
  no fee).

``count_event`` is also what the brute-force recomputation in the tests folds, event by
event, from the log alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select

from db.prepared import Prepared
from runtime.calendar import WorkCalendar
from runtime.case_record import CaseRecord
from runtime.supervision import cards
from runtime.supervision.measure import clock_inputs, completion, nearing_on
from runtime.supervision.upsert import WATCH, add_counts, put_watch
from runtime.supervision_tables import SupervisionFinding

FINDING = cast(Table, SupervisionFinding.__table__)
FINDING_INSERT = Prepared(insert(FINDING))
WATCH_DELETE = Prepared(
    delete(WATCH).where(WATCH.c.tenant == bindparam("t"), WATCH.c.case_id == bindparam("c"))
)
WATCH_WAITING = Prepared(
    select(WATCH.c.waiting, WATCH.c.waiting_since).where(
        WATCH.c.tenant == bindparam("t"), WATCH.c.case_id == bindparam("c")
    )
)
#: States in which a case is watched (open; the window's pre-review is the clerk's queue).
WATCHED = frozenset({"correction_requested", "in_progress", "suspended", "decided"})
RULE_NAMES = {
    "refusal_without_reason": "不予受理或不予许可未说明理由",
    "fee_without_basis": "收费无法定依据",
}


def count_event(
    calendar: WorkCalendar,
    act: str,
    changes: Mapping[str, Any],
    case: Mapping[str, Any],
    day: date,
) -> dict[str, int]:
    """The rollup counters one event adds, from the act, its changes and the case after
    it (JSON values or typed: only ``clock`` and ``decision`` are read)."""
    out: dict[str, int] = {}
    if act == "accept":
        out["accepted"] = 1
    elif act == "refuse":
        out["not_accepted"] = 1
    elif act == "request_correction":
        out["corrections"] = 1
    elif act == "withdraw":
        out["withdrawn"] = 1
    elif act == "return":
        out["returned"] = 1
    if changes.get("decision") == "denied":
        out["denied"] = 1
    if changes.get("state") == "completed":
        done = completion(calendar, case.get("clock"), day)
        out["completed"] = 1
        out["on_time"] = int(done.on_time)
        if done.clocked:
            out.update(
                clocked=1,
                early=int(done.early),
                used_days=done.used,
                promised_days=done.promised,
                statutory_days=done.statutory,
            )
    return out


def watch_row(
    calendar: WorkCalendar,
    case: CaseRecord,
    today: date,
    waiting: tuple[str | None, date | None],
) -> dict[str, Any]:
    """The watch row of an open case: the first day each of its warnings can hold, and
    ``warn_on``, the earliest of them."""
    near: date | None = None
    inputs = clock_inputs(case.clock)
    # the clock stops at the decision (DESIGN §4): after it, only the step budget counts
    if inputs is not None and case.state in ("in_progress", "suspended"):
        near = nearing_on(calendar, inputs[0], today)
    starts = [d for d in (near, _after(case.step_due), _after(waiting[1])) if d is not None]
    return {
        "tenant": case.tenant,
        "case_id": case.id,
        "number": case.number,
        "owner_domain": case.owner_domain,
        "accepting_domain": case.accepting_domain,
        "current_domain": case.current_domain,
        "item_code": case.item_code,
        "state": case.state,
        "due": case.due_promised if case.state in ("in_progress", "suspended") else None,
        "provisional": bool(case.due_provisional),
        "nearing_on": near,
        "step_key": case.current_step,
        "step_due": case.step_due,
        "special": bool(case.special_running),
        "waiting": waiting[0],
        "waiting_since": waiting[1],
        "warn_on": min(starts) if starts else None,
    }


def _after(day: date | None) -> date | None:
    return None if day is None else day + timedelta(days=1)


def _waiting(
    conn: Connection, case: CaseRecord, changes: Mapping[str, Any], today: date
) -> tuple[str | None, date | None]:
    """What the case waits for from the applicant (correction, payment), and since when."""
    if case.state == "correction_requested":
        kind = "correction"
    elif not case.fee_paid and case.state in WATCHED:
        kind = "payment"
    else:
        return None, None
    stored = WATCH_WAITING.first(conn, {"t": case.tenant, "c": case.id})
    if stored is not None and stored["waiting"] == kind and stored["waiting_since"] is not None:
        return kind, stored["waiting_since"]
    return kind, today


def on_event(
    conn: Connection,
    calendar: WorkCalendar,
    *,
    act: str,
    changes: Mapping[str, Any],
    case: CaseRecord,
    event_id: int,
    seq: int,
    actor: str,
    reason: str | None,
    fees: Mapping[str, Mapping[str, Any]],
    today: date,
    now: datetime,
) -> None:
    """Keep rollups, the watch row and findings for one written event."""
    assert case.id is not None
    typed = {"clock": case.clock, "decision": case.decision}
    key: dict[str, Any] = {
        "tenant": case.tenant,
        "day": today,
        "owner_domain": case.owner_domain,
        "accepting_domain": case.accepting_domain,
        "item_code": case.item_code,
    }
    add_counts(conn, key, count_event(calendar, act, changes, typed, today))
    if case.open and case.state in WATCHED:
        put_watch(conn, watch_row(calendar, case, today, _waiting(conn, case, changes, today)))
    elif seq > 1:  # a case just filed has no watch row to remove: one statement saved
        WATCH_DELETE.defer(conn, {"t": case.tenant, "c": case.id})
    for rule, detail in _findings(act, changes, reason, fees):
        FINDING_INSERT.rowcount(
            conn,
            {
                **{k: key[k] for k in ("tenant", "owner_domain", "accepting_domain", "item_code")},
                "case_id": case.id,
                "number": case.number,
                "seq": seq,
                "rule": rule,
                "actor": actor,
                "detail": detail,
                "found_on": today,
            },
        )
        cards.issue(
            conn,
            calendar,
            case_id=case.id,
            number=case.number,
            color="red",
            rule=rule,
            reason=f"{RULE_NAMES[rule]}：{detail}",
            responsible=actor,
            responsible_domain=str(changes.get("current_domain") or case.accepting_domain),
            where={k: key[k] for k in ("tenant", "owner_domain", "accepting_domain", "item_code")},
            issued_by="system",
            now=now,
            today=today,
            event_id=event_id,
        )


def _findings(
    act: str,
    changes: Mapping[str, Any],
    reason: str | None,
    fees: Mapping[str, Mapping[str, Any]],
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    refusing = act == "refuse" or changes.get("decision") == "denied"
    if refusing and not (reason or "").strip():
        out.append(("refusal_without_reason", "不予受理" if act == "refuse" else "不予许可"))
    if act == "assess_fee":
        bare = [
            str(cols.get("name") or key)
            for key, cols in fees.items()
            if "basis" in cols and not str(cols.get("basis") or "").strip()
        ]
        if bare:
            out.append(("fee_without_basis", "、".join(bare)))
    return out
