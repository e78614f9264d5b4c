"""Cards by rule: every warned case whose warning is not provisional gets the card of its
rule, once per rule and colour (red when overdue; yellow when nearing the limit, a step
or special procedure past its budget, or a case left waiting). Run by a supervisor's
"按规则发牌" and by ``banshi demo load``; idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Connection

from runtime.calendar import WorkCalendar
from runtime.supervision import cards
from runtime.supervision.rules import KIND_NAMES, Watched, all_warnings

#: Who answers for a warned case: (person or role@domain, their domain).
Responsible = Callable[[Watched], tuple[str, str]]


def by_step(watched: Watched) -> tuple[str, str]:
    """Without the item at hand: whoever holds the case's current domain."""
    domain = watched.current_domain or watched.accepting_domain
    return f"负责人@{domain}", domain


def issue_rule_cards(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    now: datetime,
    *,
    yellow_share: float,
    waiting_days: int,
    responsible: Responsible = by_step,
    answer_days: int = cards.ANSWER_DAYS,
) -> list[int]:
    """Issue the cards the rules call for today; the ids of the new cards."""
    issued: list[int] = []
    for watched in all_warnings(
        conn, calendar, tenant, today, yellow_share=yellow_share, waiting_days=waiting_days
    ):
        for w in watched.cardable:
            who, domain = responsible(watched)
            card_id = cards.issue(
                conn,
                calendar,
                case_id=watched.case_id,
                number=watched.number,
                color=w.severity,
                rule=w.kind,
                reason=f"{KIND_NAMES[w.kind]}：{w.text}",
                responsible=who,
                responsible_domain=domain,
                where={
                    "tenant": tenant,
                    "owner_domain": watched.owner_domain,
                    "accepting_domain": watched.accepting_domain,
                    "item_code": watched.item_code,
                },
                issued_by="system",
                now=now,
                today=today,
                answer_days=answer_days,
            )
            if card_id is not None:
                issued.append(card_id)
    return issued
