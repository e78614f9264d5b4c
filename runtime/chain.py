"""The hash-chained event log and the projection of a case from its events.

Each event stores ``changes``: the case columns the act set, as JSON values. The case row
is the fold of those changes in order (process replay, 过程回放); ``hash`` is
``sha256(previous hash + canonical event)``, so editing, deleting or inserting an event
breaks the chain at that point.

An act that writes fee or material rows carries their content in the event's
``records`` (hashed with it): ``{"fees": {fee_key: {column: value}}, "materials": [row…]}``.
A fee's later payment is a partial record (``paid_at``, ``payment_ref``) on the payment
event. Folding the records of a case's events gives exactly its ``case_fee`` and
``case_material`` rows, so verify names an edited, deleted or inserted fee or scan.

A case's chain alone cannot tell a re-chained case (every hash recomputed after an edit)
or a deleted case from an honest one: the tenant log (:mod:`runtime.ledger`) does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from definitions.canonical import canonical_json
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent

GENESIS = "0" * 64

#: Case columns that are projected from events (everything but the surrogate key, the
#: foreign key to the version row and the chain head, which are checked separately).
PROJECTED: tuple[str, ...] = tuple(
    c.key for c in Case.__table__.columns if c.key not in ("id", "item_version_id", "last_hash")
)
_DATE_COLUMNS = frozenset(c.key for c in Case.__table__.columns if c.type.python_type is date)
_DATETIME_COLUMNS = frozenset(
    c.key for c in Case.__table__.columns if c.type.python_type is datetime
)


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_json_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _DATETIME_COLUMNS:
        return datetime.fromisoformat(value)
    if column in _DATE_COLUMNS:
        return date.fromisoformat(value)
    return value


def row_values(case: Case | CaseRecord) -> dict[str, Any]:
    """The projected columns of a case row, as JSON values."""
    return {k: to_json_value(_normal_dt(getattr(case, k))) for k in PROJECTED}


def _normal_dt(value: Any) -> Any:
    # SQLite returns naive datetimes for timezone-aware columns; we store UTC everywhere
    # (and PostgreSQL may answer in the session's zone: the same instant, shown in UTC).
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    return value


#: The event columns covered by the hash, besides the case number and the changes.
HASHED = (
    "seq",
    "act",
    "actor",
    "actor_user_id",
    "role",
    "domain",
    "acting_for",
    "reason",
    "item_sha256",
    "at",
)


def event_body(ev: CaseEvent, number: str) -> dict[str, Any]:
    """The part of a stored event that is hashed."""
    values = {k: getattr(ev, k) for k in HASHED}
    values["records"] = ev.records
    return event_body_of(number, values, json.loads(ev.changes))


def event_body_of(number: str, ev: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed body from an event's values and its changes (as JSON values). The
    ``records`` key is present only for an act that wrote fee or material rows, so events
    written before records existed keep their hashes."""
    body: dict[str, Any] = {k: ev[k] for k in HASHED}
    body.update(case=number, changes=changes, at=to_json_value(_normal_dt(ev["at"])))
    records = ev.get("records")
    if records is not None:
        body["records"] = json.loads(records)
    return body


def link_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def fold(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Apply each event's changes in order: the projected case, as JSON values."""
    state: dict[str, Any] = {}
    for changes in events:
        state.update(changes)
    return state


def apply_changes(case: Case | CaseRecord, changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        setattr(case, key, from_json_value(key, value))


def diff(case: Case | CaseRecord, new_values: Mapping[str, Any]) -> dict[str, Any]:
    """The changes (as JSON values) that turn the row into ``new_values``."""
    out: dict[str, Any] = {}
    if case.id is None:
        return {key: to_json_value(value) for key, value in new_values.items()}
    for key, value in new_values.items():
        jv = to_json_value(value)
        if to_json_value(_normal_dt(getattr(case, key))) != jv:
            out[key] = jv
    return out


# ----------------------------------------------------------------- fee and material rows

#: The columns of a fee row carried in its events (the row's identity is its fee_key).
FEE_COLUMNS = ("name", "amount", "basis", "waived", "paid_at", "payment_ref", "quantity")
#: The columns of a material row carried in the event that received it.
MATERIAL_COLUMNS = (
    "material_key",
    "sha256",
    "name",
    "content_type",
    "size",
    "received_at",
    "event_seq",
)


def row_json(row: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """A fee or material row's carried columns as JSON values (datetimes in UTC)."""
    return {k: to_json_value(_normal_dt(row[k])) for k in columns}


def records_of(
    materials: Iterable[Mapping[str, Any]], fees: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """The ``records`` of an event: the material rows it inserted (all their carried
    columns) and the fee columns it set, by fee key; None when it wrote neither."""
    out: dict[str, Any] = {}
    rows = [row_json(m, MATERIAL_COLUMNS) for m in materials]
    if rows:
        out["materials"] = rows
    if fees:
        out["fees"] = {
            key: {k: to_json_value(_normal_dt(v)) for k, v in cols.items()}
            for key, cols in fees.items()
        }
    return canonical_json(out) if out else None


def fold_records(
    records: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Fold events' records in order: the fee rows by key and the material rows."""
    fees: dict[str, dict[str, Any]] = {}
    materials: list[dict[str, Any]] = []
    for rec in records:
        for key, cols in rec.get("fees", {}).items():
            fees.setdefault(key, {}).update(cols)
        materials.extend(rec.get("materials", ()))
    return fees, materials
