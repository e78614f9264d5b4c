"""The end of every act: the case row by compare-and-set on its version, one chained
event, the pending-ledger row, the materials received and the applicant's message."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update

from db.prepared import Prepared
from definitions.canonical import canonical_json
from rbac.policy import DelegationRec, GrantRec
from runtime.acts.context import Actor, Ctx, ServiceConfig
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent, CaseMaterial, OutboxMessage
from runtime.chain import PROJECTED, diff, event_body_of, from_json_value, link_hash, records_of
from runtime.chain import to_json_value as _jv
from runtime.errors import Conflict
from runtime.ledger import PENDING_INSERT
from runtime.messages import render
from runtime.states import NOTIFY_ON, STATE_NAMES
from runtime.supervision import hook as supervision_hook

CASE = cast(Table, Case.__table__)
EVENT = cast(Table, CaseEvent.__table__)
MATERIAL = cast(Table, CaseMaterial.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
# Statements built once; values travel as parameters (no per-call expression building).
# The acts use Core only: the case is read into a CaseRecord, never an ORM instance.
# The statements every act runs are Prepared (db/prepared.py): compiled once per dialect.
EVENT_INSERT = Prepared(insert(EVENT).returning(EVENT.c.id))
CASE_INSERT = Prepared(insert(CASE).returning(CASE.c.id))
MATERIAL_INSERT = Prepared(insert(MATERIAL))
CASE_CAS = Prepared(
    update(CASE).where(CASE.c.id == bindparam("b_id"), CASE.c.version == bindparam("b_version"))
)
OUTBOX_INSERT = Prepared(insert(OUTBOX))
#: The columns a new case row is inserted with (all but the surrogate key).
INSERTED = tuple(c.key for c in CASE.columns if c.key != "id")


def write(c: Ctx, act: str, actor: Actor, config: ServiceConfig, new: bool = False) -> CaseRecord:
    conn, case = c.connection, c.record
    tenant = config.tenant
    old_version = case.version or 0
    changes = diff(case, c.values) if not new else {k: _jv(c.values[k]) for k in PROJECTED}
    changes["version"] = old_version + 1
    assert c.decision is not None
    via = c.decision.via
    role = (
        via.role
        if isinstance(via, GrantRec | DelegationRec)
        else ("applicant" if c.decision.code in ("own_case", "open_item") else None)
    )
    ev: dict[str, Any] = {
        "tenant": tenant,
        "case_id": case.id,
        "seq": old_version + 1,
        "act": act,
        "actor": actor.username,
        "actor_user_id": c.actor_id,
        "role": role,
        "domain": via.domain if via is not None else None,
        "acting_for": via.from_username if isinstance(via, DelegationRec) else None,
        "reason": c.reason,
        "changes": canonical_json(changes),
        "records": records_of(c.materials, c.fees),
        "item_sha256": c.pub.sha256,
        "at": c.now,
        "prev_hash": case.last_hash,
    }
    number = str(c.values.get("number", case.number))
    ev["hash"] = link_hash(case.last_hash, event_body_of(number, ev, changes))
    typed = {k: from_json_value(k, v) for k, v in changes.items()}
    typed["last_hash"] = ev["hash"]
    if new:
        case.update(typed)
        row = {k: getattr(case, k) for k in INSERTED}
        case.id = ev["case_id"] = CASE_INSERT.scalar(conn, row)
    else:
        written = CASE_CAS.rowcount(conn, {**typed, "b_id": case.id, "b_version": old_version})
        if written != 1:
            raise Conflict(f"案件 {number} 已被他人处理，请刷新后再试")
        # the row was written by the compare-and-set above: mirror it on the record
        case.update(typed)
    event_id = EVENT_INSERT.scalar(conn, ev)
    # writes nobody reads back are deferred: on PostgreSQL they travel with the act's next
    # statement or its COMMIT (db/prepared.py)
    PENDING_INSERT.defer(conn, {"event_id": event_id, "tenant": tenant, "legacy": False})
    if c.materials:
        for m in c.materials:
            m["case_id"] = case.id
        MATERIAL_INSERT.defer_many(conn, c.materials)
    notify(c, act, event_id, config)
    # electronic supervision: rollups, the watch list and findings, in this transaction
    supervision_hook.on_event(
        conn,
        c.work_calendar,
        act=act,
        changes=changes,
        case=case,
        event_id=event_id,
        seq=old_version + 1,
        actor=actor.username,
        reason=c.reason,
        fees=c.fees,
        today=c.today,
        now=c.now,
    )
    return case


def notify(c: Ctx, act: str, event_id: int, config: ServiceConfig) -> None:
    event = NOTIFY_ON.get(act)
    item = c.pub.definition
    mobile = c.values.get("applicant_mobile", c.case.applicant_mobile)
    if event is None or event not in {e.value for e in item.notify} or not mobile:
        return
    due = c.values.get("due_promised", c.case.due_promised)
    state = str(c.values.get("state", c.case.state))
    values = {
        "item": item.name,
        "number": str(c.values.get("number", c.case.number)),
        "query_code": str(c.values.get("query_code", c.case.query_code)),
        "status": STATE_NAMES.get(state, state),
        "reason": c.reason or "",
        "due": f"{due:%Y年%m月%d日}" if isinstance(due, date) else "",
        "query_url": config.query_url,
        "phone": item.service.phone,
        "complaint": item.service.complaint,
        "next": "请留意短信通知",
        "decision": "",
        **c.notify_extra,
    }
    OUTBOX_INSERT.defer(
        c.connection,
        {
            "tenant": config.tenant,
            "event_id": event_id,
            "case_id": c.case.id,
            "channel": config.sms_channel,
            "recipient": str(mobile),
            "template": event,
            "body": render(event, values, config.templates.of(c.connection, config.tenant)),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": c.now,
        },
    )
