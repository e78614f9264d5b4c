"""The public answer about one case (办件查询), for the web page, the kiosk and SMS.

Only the case number and its query code open it; a wrong number and a wrong code get the
same answer (``None``), so the query cannot tell whether a number exists. The answer holds
what the applicant may read: the state, the current step, both deadlines with their
explanation (accepted on X, N working days, holidays skipped, suspended … hence due on D),
the public part of the timeline (which act, when, where — never who, never internal
notes) and what the applicant must do now. The applicant's name, data and materials stay
off it: a query code may be read over a shoulder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from rbac.acts import ACT_NAMES
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case, CaseEvent
from runtime.clock import DeadlineInputs, compute_deadline
from runtime.public_tables import Evaluation
from runtime.publishing import Catalog, Published
from runtime.states import STATE_NAMES

CHINA = ZoneInfo("Asia/Shanghai")
_CASE = Case.__table__
_EVENT = CaseEvent.__table__
_EVAL = Evaluation.__table__
assert isinstance(_CASE, Table) and isinstance(_EVENT, Table) and isinstance(_EVAL, Table)
# Statements built once (the query page is the public's busiest): values travel as
# parameters, Core rows come back (no ORM identity map for a read-only answer).
CASE_BY_NUMBER = select(_CASE).where(
    _CASE.c.tenant == bindparam("t"), _CASE.c.number == bindparam("n")
)
EVENTS = (
    select(_EVENT.c.act, _EVENT.c.at, _EVENT.c.domain, _EVENT.c.reason)
    .where(_EVENT.c.tenant == bindparam("t"), _EVENT.c.case_id == bindparam("c"))
    .order_by(_EVENT.c.seq)
)
RATED = (
    select(_EVAL.c.id)
    .where(_EVAL.c.tenant == bindparam("t"), _EVAL.c.case_number == bindparam("n"))
    .limit(1)
)

#: Acts whose reason the applicant is told anyway (by notice and SMS): shown on the query.
REASON_PUBLIC = frozenset(
    {
        "refuse",
        "request_correction",
        "extend",
        "start_special",
        "ask_applicant",
        "decide",
        "withdraw",
    }
)
STEP_KIND_NAMES = {
    "accept": "受理",
    "review": "审查",
    "special": "特别程序",
    "decide": "决定",
    "countersign": "会签",
    "forward": "上报",
    "complete": "办结",
    "deliver": "送达",
}


@dataclass(frozen=True)
class PublicEvent:
    act: str
    at: str
    where: str
    reason: str | None


@dataclass
class QueryAnswer:
    number: str
    item_code: str
    item_name: str
    item_version: int
    state: str
    state_name: str
    step_name: str | None
    where: str | None
    due_promised: date | None
    due_statutory: date | None
    promised_text: str | None
    statutory_text: str | None
    provisional: bool
    todo: list[str]
    phone: str
    complaint: str
    decision: str | None
    can_evaluate: bool
    evaluated: bool
    events: list[PublicEvent] = field(default_factory=list)


def _step_name(pub: Published, key: str | None) -> str | None:
    if key is None:
        return None
    step = next((s for s in pub.definition.steps if s.key == key), None)
    if step is None:
        return None
    if step.name:
        return step.name
    kind = getattr(step, "procedure_kind", None)
    if getattr(kind, "title", None):
        return str(kind.title)  # type: ignore[union-attr]
    return STEP_KIND_NAMES.get(str(step.kind.value), str(step.kind.value))


def _texts(case: Any, calendar: WorkCalendar, today: date) -> tuple[str | None, str | None]:
    if not case.clock:
        return None, None
    clock = json.loads(case.clock)
    out: list[str | None] = []
    for key in ("promised", "statutory"):
        raw = clock.get(key)
        if raw is None:
            out.append(None)
            continue
        out.append(compute_deadline(calendar, DeadlineInputs.from_json(raw), as_of=today).explain())
    return out[0], out[1]


def _todo(case: Any, pub: Published, evaluated: bool) -> list[str]:
    """What the applicant must do now, in plain words."""
    state = case.state
    visits = pub.definition.service
    if state == "submitted":
        return ["无需操作：窗口正在审核您的申请材料，受理或需要补正都会短信通知您。"]
    if state == "correction_requested":
        missing = [m.get("name", "") for m in json.loads(case.missing_materials or "[]")]
        todo = ["请一次性补齐以下材料后到受理窗口提交（一次性告知）："]
        todo += [f"· {name}" for name in missing if name]
        todo.append(f"地点：{visits.location}；咨询电话 {visits.phone}")
        return todo
    if not case.fee_paid and case.fee_total not in ("0", "0.00"):
        return [f"请按窗口告知缴纳费用 {case.fee_total} 元，缴费后继续办理。"]
    if state in ("in_progress", "suspended"):
        return ["无需操作：您的申请正在办理，办理结果会短信通知您。"]
    if state == "decided":
        return ["已作出决定，窗口将办结并通知您领取结果，请留意短信。"]
    if state in ("completed", "delivered"):
        if evaluated:
            return ["已办结。感谢您的评价。"]
        return ["已办结。欢迎对本次服务作出评价。"]
    if state == "not_accepted":
        return [f"不予受理。如有疑问请咨询 {visits.phone}。"]
    return []


def public_answer(
    session: Session,
    catalog: Catalog,
    calendar: WorkCalendar,
    tenant: str,
    number: str,
    code: str,
    today: date,
    titles: dict[str, str] | None = None,
) -> QueryAnswer | None:
    """The answer for ``number`` + ``code``; None for a wrong number or a wrong code."""
    number, code = number.strip(), code.strip()
    if not number or not code or len(number) > 32 or len(code) > 12:
        return None
    conn = session.connection()
    case = conn.execute(CASE_BY_NUMBER, {"t": tenant, "n": number}).first()
    if case is None or case.query_code != code.upper():
        return None
    return answer_for(session, catalog, calendar, case, today, titles or {})


def answer_for(
    session: Session,
    catalog: Catalog,
    calendar: WorkCalendar,
    case: Any,
    today: date,
    titles: dict[str, str],
) -> QueryAnswer:
    """The public answer about a case already opened by its number and code (or its
    applicant's account)."""
    pub = catalog.by_id(session, case.item_version_id)
    promised, statutory = _texts(case, calendar, today)
    conn = session.connection()
    evaluated = conn.execute(RATED, {"t": case.tenant, "n": case.number}).first() is not None
    item = pub.definition
    words = getattr(item, "decision", None)
    decision = None
    if case.decision:
        decision = (
            words.words(case.decision)
            if words is not None
            else {"approved": "准予", "denied": "不予"}.get(case.decision, case.decision)
        )
    answer = QueryAnswer(
        number=case.number,
        item_code=case.item_code,
        item_name=item.name,
        item_version=pub.version,
        state=case.state,
        state_name=STATE_NAMES.get(case.state, case.state),
        step_name=_step_name(pub, case.current_step) if case.open else None,
        where=titles.get(case.current_domain or "", case.current_domain) if case.open else None,
        due_promised=case.due_promised,
        due_statutory=case.due_statutory,
        promised_text=promised,
        statutory_text=statutory,
        provisional=case.due_provisional,
        todo=_todo(case, pub, evaluated),
        phone=item.service.phone,
        complaint=item.service.complaint,
        decision=decision,
        can_evaluate=case.state in ("completed", "delivered") and not evaluated,
        evaluated=evaluated,
    )
    for ev in conn.execute(EVENTS, {"t": case.tenant, "c": case.id}):
        answer.events.append(
            PublicEvent(
                ACT_NAMES.get(ev.act, "重新计算期限" if ev.act == "recompute_deadline" else ev.act),
                _local(ev.at),
                titles.get(ev.domain or "", "") if ev.domain else "",
                ev.reason if ev.act in REASON_PUBLIC else None,
            )
        )
    return answer


def _local(moment: Any) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}"


def sms_reply(answer: QueryAnswer | None) -> str:
    """The SMS reply to ``CX <number> <code>`` (plain text, one message)."""
    if answer is None:
        return (
            "【建始县政务服务】未查到该办件：请核对案件编号和查询码（格式：CX 案件编号 查询码）。"
        )
    parts = [f"【建始县政务服务】{answer.item_name}（编号{answer.number}）：{answer.state_name}"]
    if answer.step_name:
        parts.append(f"，当前环节{answer.step_name}")
    if answer.due_promised and answer.state not in ("completed", "delivered"):
        parts.append(f"，承诺{answer.due_promised:%Y年%m月%d日}前办结")
    if answer.decision:
        parts.append(f"，结果：{answer.decision}")
    parts.append("。")
    if answer.todo:
        parts.append(answer.todo[0].replace("：", "，", 1) if len(answer.todo) == 1 else "")
        if len(answer.todo) > 1:
            parts.append("需补正：" + "、".join(t.lstrip("· ") for t in answer.todo[1:-1]))
    parts.append(f" 咨询{answer.phone}")
    return "".join(parts)
