"""Complaints (网上诉求) to electronic supervision.

A citizen complains named or anonymously, about a case (opened by its number and query
code, so nobody attaches a complaint to a stranger's case) or about a department or hall;
the complaint gets a tracking code. Supervision decides whether to accept it within
``BANSHI_COMPLAINT_ACCEPT_DAYS`` working days (local rules: 5) and answers an accepted one
within ``BANSHI_COMPLAINT_ANSWER_DAYS``; a complaint not accepted says why. The
complainant follows it by code on the web and, when they left a mobile, by SMS.

Each act appends one event chained like a case's (hash = sha256(previous hash +
canonical event)); the complaint row is their projection, written by compare-and-set on
its version, so two supervisors acting at once cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.canonical import canonical_json
from runtime.calendar import WorkCalendar
from runtime.case_tables import Case
from runtime.chain import GENESIS
from runtime.errors import Conflict, InvalidInput, NotFound, ReasonRequired, WrongState
from runtime.message_templates import own_texts
from runtime.messages import render
from runtime.numbers import QUERY_ALPHABET
from runtime.public.messages import enqueue
from runtime.public_tables import Complaint, ComplaintEvent

STATE_NAMES = {
    "filed": "已登记，待受理",
    "accepted": "已受理，办理中",
    "not_accepted": "不予受理",
    "answered": "已答复",
}
ACT_NAMES = {"file": "提交投诉", "accept": "受理", "not_accept": "不予受理", "answer": "答复"}
CODE_LENGTH = 10
SUBJECT_MAX, BODY_MAX = 100, 2000


@dataclass(frozen=True)
class NewComplaint:
    subject: str
    body: str
    anonymous: bool
    name: str | None = None
    mobile: str | None = None
    case_number: str | None = None
    query_code: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Deadlines:
    accept_days: int
    answer_days: int
    site: str = ""  # the public address the SMS links to


def _code() -> str:
    return "TS" + "".join(secrets.choice(QUERY_ALPHABET) for _ in range(CODE_LENGTH - 2))


def _chain(
    session: Session,
    c: Complaint,
    act: str,
    actor: str,
    reason: str | None,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    seq = c.version
    body = {
        "complaint": c.code,
        "seq": seq,
        "act": act,
        "actor": actor,
        "reason": reason,
        "changes": changes,
        "at": now.isoformat(),
    }
    digest = hashlib.sha256((c.last_hash + canonical_json(body)).encode()).hexdigest()
    session.add(
        ComplaintEvent(
            tenant=c.tenant,
            complaint_id=c.id,
            seq=seq,
            act=act,
            actor=actor,
            reason=reason,
            changes=canonical_json(changes),
            at=now,
            prev_hash=c.last_hash,
            hash=digest,
        )
    )
    c.last_hash = digest


def file_complaint(
    session: Session,
    tenant: str,
    new: NewComplaint,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    deadlines: Deadlines,
    departments: set[str],
) -> Complaint:
    """Register a complaint (in the caller's transaction); InvalidInput names bad fields."""
    from definitions.compile import FieldError

    errors = []
    subject, body = new.subject.strip(), new.body.strip()
    if not subject or len(subject) > SUBJECT_MAX:
        errors.append(FieldError("/subject", f"请填写投诉事由（{SUBJECT_MAX} 字以内）", "投诉事由"))
    if not body or len(body) > BODY_MAX:
        errors.append(FieldError("/body", f"请填写具体情况（{BODY_MAX} 字以内）", "具体情况"))
    if not new.anonymous and not (new.name or "").strip():
        errors.append(FieldError("/name", "实名投诉请填写姓名，或选择匿名投诉", "姓名"))
    case: Case | None = None
    if new.case_number:
        case = session.execute(
            select(Case).where(Case.tenant == tenant, Case.number == new.case_number[:32])
        ).scalar_one_or_none()
        if case is None or (new.query_code or "").strip().upper() != case.query_code:
            errors.append(
                FieldError(
                    "/case_number", "案件编号或查询码不正确（不涉及具体案件可不填）", "案件编号"
                )
            )
            case = None
    department = new.department or None
    if department is not None and department not in departments:
        errors.append(FieldError("/department", "请从列表中选择被投诉的部门或大厅", "被投诉单位"))
    if errors:
        raise InvalidInput("投诉信息有误，请修改后再提交", errors)
    if case is not None:
        department = department or case.owner_domain
    for _ in range(5):
        code = _code()
        taken = session.execute(
            select(Complaint.id).where(Complaint.tenant == tenant, Complaint.code == code)
        ).first()
        if taken is None:
            break
    complaint = Complaint(
        tenant=tenant,
        code=code,
        case_number=case.number if case else None,
        item_code=case.item_code if case else None,
        department=department,
        anonymous=new.anonymous,
        name=None if new.anonymous else (new.name or "").strip()[:100],
        mobile=new.mobile,
        subject=subject,
        body=body,
        state="filed",
        filed_at=now,
        accept_due=calendar.add_workdays(today, deadlines.accept_days).value,
        version=1,
        last_hash=GENESIS,
    )
    session.add(complaint)
    session.flush()
    _chain(
        session,
        complaint,
        "file",
        "anonymous" if new.anonymous else "complainant",
        None,
        {"state": "filed", "accept_due": complaint.accept_due.isoformat()},
        now,
    )
    if new.mobile:
        enqueue(
            session,
            tenant,
            "complaint_filed",
            new.mobile,
            render(
                "complaint_filed",
                {
                    "code": code,
                    "due": f"{complaint.accept_due:%Y年%m月%d日}",
                    "link": f"{deadlines.site}/complaints/{code}",
                },
                own_texts(session, tenant),
            ),
            ref=code,
            now=now,
        )
    return complaint


def by_code(session: Session, tenant: str, code: str) -> Complaint | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    return session.execute(
        select(Complaint).where(Complaint.tenant == tenant, Complaint.code == code)
    ).scalar_one_or_none()


def events(session: Session, complaint: Complaint) -> list[ComplaintEvent]:
    return list(
        session.execute(
            select(ComplaintEvent)
            .where(
                ComplaintEvent.tenant == complaint.tenant,
                ComplaintEvent.complaint_id == complaint.id,
            )
            .order_by(ComplaintEvent.seq)
        ).scalars()
    )


#: act -> (states it may follow, the state it leads to)
ACTS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"filed"}), "accepted"),
    "not_accept": (frozenset({"filed"}), "not_accepted"),
    "answer": (frozenset({"accepted"}), "answered"),
}


def act_on(
    session: Session,
    tenant: str,
    code: str,
    act: str,
    actor: str,
    text: str,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    deadlines: Deadlines,
    expected_version: int | None = None,
) -> Complaint:
    """Supervision's act on a complaint (the caller checked the permission)."""
    if act not in ACTS:
        raise NotFound(f"没有这种操作：{act}")
    complaint = by_code(session, tenant, code)
    if complaint is None:
        raise NotFound("投诉不存在")
    allowed, to = ACTS[act]
    if complaint.state not in allowed:
        raise WrongState(f"投诉当前为“{STATE_NAMES[complaint.state]}”，不能{ACT_NAMES[act]}")
    text = text.strip()
    if act in ("not_accept", "answer") and not text:
        raise ReasonRequired("不予受理须说明理由" if act == "not_accept" else "请填写答复内容")
    if expected_version is not None and expected_version != complaint.version:
        raise Conflict("该投诉已被他人处理，请刷新后再试")
    values: dict[str, Any] = {"state": to, "handled_by": actor}
    if act == "accept":
        values["accepted_at"] = now
        values["answer_due"] = calendar.add_workdays(today, deadlines.answer_days).value
    elif act == "answer":
        values["answered_at"] = now
        values["answer"] = text[:BODY_MAX]
    elif act == "not_accept":
        values["answer"] = text[:BODY_MAX]
    old = complaint.version
    written = session.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.version == old)
        .values(version=old + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if written != 1:
        raise Conflict("该投诉已被他人处理，请刷新后再试")
    session.refresh(complaint)
    changes = {
        k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in values.items()
    }
    _chain(session, complaint, act, actor, text or None, changes, now)
    if complaint.mobile:
        due = complaint.answer_due
        enqueue(
            session,
            tenant,
            f"complaint_{to}",
            complaint.mobile,
            render(
                f"complaint_{to}",
                {
                    "code": complaint.code,
                    "due": f"{due:%Y年%m月%d日}" if due else "",
                    "reason": text[:60],
                    "link": f"{deadlines.site}/complaints/{complaint.code}",
                },
                own_texts(session, tenant),
            ),
            ref=complaint.code,
            now=now,
        )
    return complaint


def verify_chain(session: Session, complaint: Complaint) -> str | None:
    """The first broken link of a complaint's chain, or None."""
    prev = GENESIS
    for ev in events(session, complaint):
        if ev.prev_hash != prev:
            return f"第 {ev.seq} 条记录的前一哈希不符"
        prev = ev.hash
    return None if prev == complaint.last_hash else "投诉的最后哈希与记录不符"
