"""Cards (黄牌 / 红牌) and their ledger: issued by the warning rules or by a supervisor
with a reason; the person responsible is told through the outbox; they explain, and a
supervisor resolves the card (explanation accepted, rectified, upheld).

Append-only: a card row is written once, and everything after it is an entry appended to
its ledger with the next sequence number (``UNIQUE (tenant, card_id, seq)``: two
supervisors resolving at once, one wins). A card's status is the fold of its entries.
The same rule cards a case at most once per colour.

The message goes through the case outbox (``runtime.outbox``), written in the same
transaction as the card, attached to the case's latest event on the channel
``card<id>`` (the outbox sends once per event and channel: once per card).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select

from db.prepared import Prepared
from definitions.formats import county_name
from runtime.calendar import WorkCalendar
from runtime.case_tables import CaseEvent, OutboxMessage
from runtime.clock import DeadlineInputs, compute_deadline
from runtime.errors import Conflict, InvalidInput, NotFound, ReasonRequired
from runtime.supervision_tables import SupervisionCard, SupervisionCardEntry

CARD = cast(Table, SupervisionCard.__table__)
ENTRY = cast(Table, SupervisionCardEntry.__table__)
EVENT = cast(Table, CaseEvent.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
CARD_INSERT = Prepared(insert(CARD).returning(CARD.c.id))
CARD_EXISTS = Prepared(
    select(CARD.c.id).where(
        CARD.c.tenant == bindparam("t"),
        CARD.c.case_id == bindparam("c"),
        CARD.c.rule == bindparam("r"),
        CARD.c.color == bindparam("k"),
    )
)
LAST_EVENT = Prepared(
    select(func.max(EVENT.c.id)).where(
        EVENT.c.tenant == bindparam("t"), EVENT.c.case_id == bindparam("c")
    )
)
OUTBOX_INSERT = Prepared(insert(OUTBOX))
#: Working days the responsible person has to explain a card.
ANSWER_DAYS = 3
COLORS = {"yellow": "黄牌", "red": "红牌"}
RESOLUTIONS = {"accepted": "说明理由成立", "rectified": "已整改", "upheld": "维持处分"}
STATUS_NAMES = {"open": "待说明", "explained": "已说明，待处理", "resolved": "已办结"}


def answer_due(calendar: WorkCalendar, today: date, days: int = ANSWER_DAYS) -> date:
    return compute_deadline(calendar, DeadlineInputs(today, days, limit_name="说明时限")).due


def issue(
    conn: Connection,
    calendar: WorkCalendar,
    *,
    case_id: int,
    number: str,
    color: str,
    rule: str,
    reason: str,
    responsible: str,
    responsible_domain: str,
    where: Mapping[str, str],
    issued_by: str,
    now: datetime,
    today: date,
    event_id: int | None = None,
    answer_days: int = ANSWER_DAYS,
) -> int | None:
    """Issue a card (None: this rule already carded the case in this colour) and tell the
    responsible person through the outbox."""
    if color not in COLORS:
        raise InvalidInput(f"没有这种牌：{color}")
    if not reason.strip():
        raise ReasonRequired("发牌必须说明理由")
    tenant = where["tenant"]
    if rule != "manual" and CARD_EXISTS.first(
        conn, {"t": tenant, "c": case_id, "r": rule, "k": color}
    ):
        return None
    due = answer_due(calendar, today, answer_days)
    card_id = int(
        CARD_INSERT.scalar(
            conn,
            {
                **where,
                "case_id": case_id,
                "number": number,
                "color": color,
                "rule": rule,
                "reason": reason.strip(),
                "responsible": responsible,
                "responsible_domain": responsible_domain,
                "issued_by": issued_by,
                "issued_at": now,
                "issued_on": today,
                "answer_due": due,
            },
        )
    )
    if event_id is None:
        event_id = LAST_EVENT.scalar(conn, {"t": tenant, "c": case_id})
    if event_id is not None:
        body = (
            f"【{county_name(tenant) or ''}电子监察】案件{number}被出示{COLORS[color]}：{reason.strip()}。"
            f"请于{due:%Y年%m月%d日}前登录系统作出说明。"
        )
        OUTBOX_INSERT.rowcount(
            conn,
            {
                "tenant": tenant,
                "event_id": event_id,
                "case_id": case_id,
                "channel": f"card{card_id}",
                "recipient": responsible,
                "template": "card_issued",
                "body": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            },
        )
    return card_id


@dataclass(frozen=True)
class Entry:
    seq: int
    kind: str
    resolution: str | None
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class CardView:
    id: int
    number: str
    color: str
    rule: str
    reason: str
    responsible: str
    responsible_domain: str
    owner_domain: str
    accepting_domain: str
    issued_by: str
    issued_at: datetime
    issued_on: date
    answer_due: date
    entries: tuple[Entry, ...]

    @property
    def status(self) -> str:
        kinds = {e.kind for e in self.entries}
        if "resolved" in kinds:
            return "resolved"
        return "explained" if "explained" in kinds else "open"

    @property
    def resolution(self) -> str | None:
        return next((e.resolution for e in self.entries if e.kind == "resolved"), None)


def _entries(conn: Connection, tenant: str, ids: list[int]) -> dict[int, list[Entry]]:
    out: dict[int, list[Entry]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(ENTRY)
        .where(ENTRY.c.tenant == tenant, ENTRY.c.card_id.in_(ids))
        .order_by(ENTRY.c.card_id, ENTRY.c.seq)
    )
    for r in rows:
        out[r.card_id].append(Entry(r.seq, r.kind, r.resolution, r.text, r.by, r.at))
    return out


def _view(row: Any, entries: list[Entry]) -> CardView:
    return CardView(
        row.id,
        row.number,
        row.color,
        row.rule,
        row.reason,
        row.responsible,
        row.responsible_domain,
        row.owner_domain,
        row.accepting_domain,
        row.issued_by,
        row.issued_at,
        row.issued_on,
        row.answer_due,
        tuple(entries),
    )


def list_cards(
    conn: Connection,
    tenant: str,
    *,
    domains: list[str] | None = None,
    case_id: int | None = None,
    limit: int = 200,
) -> list[CardView]:
    """Cards newest first; ``domains``: only cards of cases owned or accepted there."""
    q = select(CARD).where(CARD.c.tenant == tenant)
    if case_id is not None:
        q = q.where(CARD.c.case_id == case_id)
    if domains is not None:
        q = q.where(CARD.c.owner_domain.in_(domains) | CARD.c.accepting_domain.in_(domains))
    rows = list(conn.execute(q.order_by(CARD.c.issued_at.desc(), CARD.c.id.desc()).limit(limit)))
    entries = _entries(conn, tenant, [r.id for r in rows])
    return [_view(r, entries[r.id]) for r in rows]


def card_by_id(conn: Connection, tenant: str, card_id: int) -> CardView:
    row = conn.execute(select(CARD).where(CARD.c.tenant == tenant, CARD.c.id == card_id)).first()
    if row is None:
        raise NotFound(f"牌 {card_id} 不存在")
    return _view(row, _entries(conn, tenant, [card_id])[card_id])


def append(
    conn: Connection,
    tenant: str,
    card_id: int,
    *,
    kind: str,
    text: str,
    by: str,
    now: datetime,
    resolution: str | None = None,
) -> CardView:
    """Append an explanation or the resolution to a card's ledger."""
    card = card_by_id(conn, tenant, card_id)
    if card.status == "resolved":
        raise Conflict("该牌已办结，不能再追加")
    if kind == "resolved" and resolution not in RESOLUTIONS:
        raise InvalidInput("请选择处理结果")
    if kind not in ("explained", "resolved"):
        raise InvalidInput(f"不能追加“{kind}”")
    if not text.strip():
        raise ReasonRequired("请填写说明" if kind == "explained" else "请填写处理意见")
    seq = (card.entries[-1].seq if card.entries else 0) + 1
    conn.execute(
        insert(ENTRY),
        {
            "tenant": tenant,
            "card_id": card_id,
            "seq": seq,
            "kind": kind,
            "resolution": resolution if kind == "resolved" else None,
            "text": text.strip(),
            "by": by,
            "at": now,
        },
    )
    return card_by_id(conn, tenant, card_id)


def counts_by(
    conn: Connection, tenant: str, column: str, start: date, end: date
) -> dict[tuple[str, str], int]:
    """Cards issued in ``[start, end]`` by (domain in ``column``, colour)."""
    col = CARD.c[column]
    rows = conn.execute(
        select(col, CARD.c.color, func.count())
        .where(CARD.c.tenant == tenant, CARD.c.issued_on >= start, CARD.c.issued_on <= end)
        .group_by(col, CARD.c.color)
    )
    return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}
