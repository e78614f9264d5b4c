"""Evaluation (好差评) of a completed case and the rectification a bad rating opens.

The rules (国办发〔2019〕51号; GB/T 39734-2020): one rating per matter (一事一评), five
levels 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意, indicators rated on the same
scale (overall, efficiency, guide accuracy, convenience, attitude) and a comment. A bad
rating (不满意 or 非常不满意) is the handling department's: it opens a rectification task
with a deadline in working days (``BANSHI_RECTIFY_DAYS``, default 5), the department calls
the citizen back (100% for named bad ratings) and records what it fixed. Results are
published per department (:func:`department_figures`).

Only the case's number and query code (from the completion SMS or the query page) or the
applicant's own account open the rating; a case is rated once, and only when completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.calendar import WorkCalendar
from runtime.case_tables import Case
from runtime.errors import Conflict, InvalidInput, NotFound, WrongState
from runtime.message_templates import own_texts
from runtime.messages import render
from runtime.public.messages import enqueue
from runtime.public_tables import Evaluation, Rectification

LEVELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
INDICATORS: dict[str, str] = {
    "overall": "总体评价",
    "efficiency": "办事效率",
    "guide_accuracy": "办事指南准确",
    "convenience": "办事便利",
    "attitude": "服务态度",
}
#: Ratings at or below this level are bad (差评) and open a rectification task.
BAD_AT_MOST = 2
RATED_STATES = frozenset({"completed", "delivered"})
COMMENT_MAX = 500


@dataclass(frozen=True)
class Rating:
    level: int
    indicators: dict[str, int]
    comment: str
    channel: str = "web"
    named: bool = True


def check_rating(level: Any, indicators: dict[str, Any], comment: Any) -> Rating:
    """A rating from posted values; InvalidInput naming each bad field."""
    from definitions.compile import FieldError

    errors = []
    lv = _level(level)
    if lv is None:
        errors.append(FieldError("/level", "请选择满意程度", "满意程度"))
    scores: dict[str, int] = {}
    for key, label in INDICATORS.items():
        v = _level(indicators.get(key)) if indicators.get(key) not in (None, "") else lv
        if v is None:
            errors.append(FieldError(f"/{key}", f"请为“{label}”选择一项", label))
        else:
            scores[key] = v
    text = comment.strip() if isinstance(comment, str) else ""
    if len(text) > COMMENT_MAX:
        errors.append(FieldError("/comment", f"意见建议最多 {COMMENT_MAX} 字", "意见建议"))
    if errors or lv is None:
        raise InvalidInput("评价有误，请修改后再提交", errors)
    return Rating(lv, scores, text)


def _level(raw: Any) -> int | None:
    try:
        v = int(str(raw))
    except ValueError:
        return None
    return v if v in LEVELS else None


def evaluation_of(session: Session, tenant: str, number: str) -> Evaluation | None:
    return session.execute(
        select(Evaluation).where(Evaluation.tenant == tenant, Evaluation.case_number == number)
    ).scalar_one_or_none()


def evaluate(
    session: Session,
    case: Case,
    rating: Rating,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    rectify_days: int,
) -> Evaluation:
    """Record the rating of ``case`` (in the caller's transaction); a bad one opens the
    department's rectification task and tells the citizen by SMS."""
    if case.state not in RATED_STATES:
        raise WrongState("办结后才能评价")
    if evaluation_of(session, case.tenant, case.number) is not None:
        raise Conflict("该办件已评价（一事一评）")
    ev = Evaluation(
        tenant=case.tenant,
        case_number=case.number,
        item_code=case.item_code,
        department=case.owner_domain,
        hall=case.accepting_domain,
        level=rating.level,
        comment=rating.comment or None,
        channel=rating.channel,
        named=rating.named,
        bad=rating.level <= BAD_AT_MOST,
        evaluated_at=now,
        **rating.indicators,
    )
    try:
        with session.begin_nested():
            session.add(ev)
            session.flush()
    except IntegrityError:
        raise Conflict("该办件已评价（一事一评）") from None
    if ev.bad:
        # a year the calendar does not know yet is counted provisionally (weekends only)
        due = calendar.add_workdays(today, rectify_days).value
        session.add(
            Rectification(
                tenant=case.tenant,
                evaluation_id=ev.id,
                case_number=case.number,
                department=case.owner_domain,
                state="open",
                opened_at=now,
                due=due,
            )
        )
        if case.applicant_mobile:
            enqueue(
                session,
                case.tenant,
                "rectification",
                case.applicant_mobile,
                render(
                    "rectification",
                    {
                        "number": case.number,
                        "level": LEVELS[rating.level],
                        "due": f"{due:%Y年%m月%d日}",
                    },
                    own_texts(session, case.tenant),
                ),
                ref=case.number,
                now=now,
            )
    return ev


def case_for_rating(
    session: Session, tenant: str, number: str, code: str | None, user_id: int | None
) -> Case:
    """The case a rating is for: opened by its query code or by its applicant's account;
    the same refusal for a wrong number and a wrong code."""
    row = session.execute(
        select(Case).where(Case.tenant == tenant, Case.number == number[:32])
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("案件编号或查询码不正确")
    own = user_id is not None and row.applicant_user_id == user_id
    if not own and (code or "").strip().upper() != row.query_code:
        raise NotFound("案件编号或查询码不正确")
    return row


# ----------------------------------------------------------------------------- tasks


def open_tasks(
    session: Session, tenant: str, departments: list[str]
) -> list[tuple[Rectification, Evaluation]]:
    """Rectification tasks of ``departments`` not yet closed, soonest due first."""
    if not departments:
        return []
    rows = session.execute(
        select(Rectification, Evaluation)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id)
        .where(
            Rectification.tenant == tenant,
            Rectification.department.in_(departments),
            Rectification.state != "rectified",
        )
        .order_by(Rectification.due, Rectification.id)
        .limit(200)
    ).all()
    return [(r, e) for r, e in rows]


def record_callback(
    session: Session, tenant: str, task_id: int, by: str, note: str, now: datetime
) -> Rectification:
    task = _task(session, tenant, task_id)
    if task.state != "open":
        raise WrongState("已回访")
    if not note.strip():
        raise InvalidInput("请填写回访记录")
    task.state, task.callback_at, task.callback_by, task.callback_note = (
        "called_back",
        now,
        by,
        note.strip()[:2000],
    )
    return task


def record_rectified(
    session: Session, tenant: str, task_id: int, by: str, note: str, now: datetime
) -> Rectification:
    task = _task(session, tenant, task_id)
    if task.state == "rectified":
        raise WrongState("已整改")
    if task.state != "called_back":
        raise WrongState("请先回访申请人（差评 100% 回访）")
    if not note.strip():
        raise InvalidInput("请填写整改情况")
    task.state, task.rectified_at, task.rectified_by = "rectified", now, by
    task.rectification_note = note.strip()[:2000]
    return task


def _task(session: Session, tenant: str, task_id: int) -> Rectification:
    task = session.execute(
        select(Rectification)
        .where(Rectification.tenant == tenant, Rectification.id == task_id)
        .with_for_update()
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("整改任务不存在")
    return task


# ----------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    ratings: int
    satisfied: int  # 基本满意 or better
    bad: int
    rectified: int
    average: float

    @property
    def satisfaction(self) -> str:
        return f"{self.satisfied / self.ratings:.1%}" if self.ratings else "—"


def department_figures(session: Session, tenant: str) -> list[DepartmentFigures]:
    """Ratings per department: count, satisfied, bad, rectified, average level."""
    rectified = (
        select(Rectification.evaluation_id)
        .where(Rectification.tenant == tenant, Rectification.state == "rectified")
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Evaluation.department,
            func.count(),
            func.sum(sql_case((Evaluation.level >= 3, 1), else_=0)),
            func.sum(sql_case((Evaluation.bad.is_(True), 1), else_=0)),
            func.sum(sql_case((Evaluation.id.in_(rectified), 1), else_=0)),
            func.avg(Evaluation.level),
        )
        .where(Evaluation.tenant == tenant)
        .group_by(Evaluation.department)
        .order_by(Evaluation.department)
    ).all()
    return [
        DepartmentFigures(d, int(n), int(ok or 0), int(bad or 0), int(fixed or 0), float(avg or 0))
        for d, n, ok, bad, fixed, avg in rows
    ]
