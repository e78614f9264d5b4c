"""A deadline in words (Chinese): accepted on X, N working days, holidays skipped,
suspended from Y to Z, hence due on D — for the case file, receipts and supervisors."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from runtime.calendar import weekday_zh

if TYPE_CHECKING:
    from runtime.clock import AppliedSuspension, Deadline, HolidaySpan


def full_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def short_date(day: date, home_year: int) -> str:
    """Month and day; the year too when it is not ``home_year``."""
    if day.year == home_year:
        return f"{day.month}月{day.day}日"
    return full_date(day)


def _span(first: date, last: date, home: int) -> str:
    if first == last:
        return short_date(first, home)
    return f"{short_date(first, home)}至{short_date(last, home)}"


def _holiday(h: HolidaySpan, home: int) -> str:
    if h.days == 1:
        return f"{h.name}（{short_date(h.first, home)}）"
    return f"{h.name}（{_span(h.first, h.last, home)}，共{h.days}天）"


def _suspension(s: AppliedSuspension, home: int) -> str:
    why = f"（{'、'.join(s.reasons)}）" if s.reasons else ""
    if s.end is None:
        return (
            f"自{short_date(s.start, home)}起中止计时{why}，尚未恢复，"
            f"截至{short_date(s.counted_until, home)}已中止{s.workdays}个工作日"
        )
    return f"{_span(s.start, s.end, home)}中止计时{why}，计{s.workdays}个工作日不计入时限"


def explain_deadline(d: Deadline) -> str:
    i = d.inputs
    home = i.start.year
    finish = "办结" if i.start_verb == "受理" else "完成"
    parts: list[str] = []

    limit = f"{i.limit_name}{i.days}个工作日"
    if i.extensions:
        ext = "、".join(f"延长{e.days}个工作日（理由：{e.reason}）" for e in i.extensions)
        limit += f"，{ext}，合计{i.total_days}个工作日"
    parts.append(
        f"{full_date(i.start)}（{weekday_zh(i.start)}）{i.start_verb}，{limit}"
        f"（{i.start_verb}当日不计入）"
    )

    if d.holidays:
        rest = "期间跳过" + "、".join(_holiday(h, home) for h in d.holidays)
    else:
        rest = "期间无法定节假日"
    if d.adjusted_workdays:
        days = "、".join(
            f"{short_date(a.day, home)}（{weekday_zh(a.day)}）" for a in d.adjusted_workdays
        )
        rest += f"，{days}调休上班，计为工作日"
    parts.append(rest)

    if d.suspensions:
        parts.append("；".join(_suspension(s, home) for s in d.suspensions) + "，期限相应顺延")
    else:
        parts.append("中止计时：无")

    due = f"{full_date(d.due)}（{weekday_zh(d.due)}）"
    if d.running:
        parts.append(f"故应于{due}前（含当日）{finish}")
    else:
        parts.append(
            f"目前仍在中止计时，如于{short_date(d.as_of or d.due, home)}恢复计时，应于{due}前（含当日）{finish}"
        )

    if i.stopped_on is not None:
        verdict = "在期限内" if i.stopped_on <= d.due else "已超过期限"
        parts.append(
            f"{full_date(i.stopped_on)}已作出决定，{verdict}，计时至此停止"
            "（《行政许可法》第四十二条：期限计至作出决定之日；决定后的制证、送达等另有时限）"
        )

    text = "；".join(parts) + "。"
    if d.provisional:
        years = "、".join(f"{y}年" for y in d.missing_years)
        text = (
            f"【暂定】{text}"
            f"注意：{years}的法定节假日及调休安排尚未录入，暂按周六、周日休息计算，"
            f"录入后将重新计算本期限。"
        )
    return text
