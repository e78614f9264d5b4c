"""Figures per department and per township over a date range (DESIGN §7; the monthly
report's measures in DOMAIN-FACTS):

accepted, completed, on time, completed early (完成于承诺期限之前 ÷ 办结), average working
days used vs promised vs statutory, compression (1 − promised ÷ statutory), not
accepted, denied, corrections requested, withdrawals, returns; satisfaction from the
evaluations (好差评: 满意 = level 4 or 5 of five), complaints and their handling time;
cards.

Case figures are sums of the rollups kept in each act's own transaction: the whole
months of the range from ``supervision_rollup_month`` (a dozen rows per hall and year),
the days at either end from ``supervision_rollup``, each a range of one index. The
public side's evaluations and complaints, and the cards, are read through their own
(tenant, department, time) indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, case, func, select, union_all

from runtime.public_tables import Complaint, Evaluation
from runtime.supervision import cards
from runtime.supervision.upsert import MONTH, ROLLUP
from runtime.supervision_tables import COUNTERS

VIEWS = {"department": "owner_domain", "township": "accepting_domain"}
VIEW_NAMES = {"department": "部门", "township": "乡镇"}


@dataclass
class Figure:
    """The figures of one department or township."""

    domain: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    evaluations: int = 0
    satisfied: int = 0
    complaints: int = 0
    complaints_answered: int = 0
    complaint_days: float = 0.0  # summed calendar days from filing to answer
    yellow_cards: int = 0
    red_cards: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return None if whole == 0 else part / whole

    @property
    def on_time_rate(self) -> float | None:
        return self._share(self.counts["on_time"], self.counts["completed"])

    @property
    def early_rate(self) -> float | None:
        return self._share(self.counts["early"], self.counts["completed"])

    @property
    def avg_used(self) -> float | None:
        c = self.counts
        return None if c["clocked"] == 0 else c["used_days"] / c["clocked"]

    @property
    def avg_promised(self) -> float | None:
        c = self.counts
        return None if c["clocked"] == 0 else c["promised_days"] / c["clocked"]

    @property
    def avg_statutory(self) -> float | None:
        c = self.counts
        return None if c["clocked"] == 0 else c["statutory_days"] / c["clocked"]

    @property
    def compression(self) -> float | None:
        """1 − promised ÷ statutory over the completed cases (the pilot's 52%)."""
        c = self.counts
        if c["statutory_days"] == 0:
            return None
        return 1 - c["promised_days"] / c["statutory_days"]

    @property
    def speedup(self) -> float | None:
        """Real speed-up: 1 − days used ÷ statutory days."""
        c = self.counts
        if c["statutory_days"] == 0:
            return None
        return 1 - c["used_days"] / c["statutory_days"]

    @property
    def satisfaction(self) -> float | None:
        return self._share(self.satisfied, self.evaluations)

    @property
    def avg_complaint_days(self) -> float | None:
        if self.complaints_answered == 0:
            return None
        return self.complaint_days / self.complaints_answered


def split(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """``[start, end]`` as whole months (first days ``[a, b)``) and the days at either end."""
    first_full = (
        start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    stop = (end + timedelta(days=1)).replace(day=1)  # the first month not wholly inside
    if first_full >= stop:
        return None, [(start, end)]
    days = []
    if start < first_full:
        days.append((start, first_full - timedelta(days=1)))
    if stop <= end:
        days.append((stop, end))
    return (first_full, stop), days


def _rollups(
    conn: Connection,
    tenant: str,
    column: str,
    start: date,
    end: date,
    domain: str | None,
    prefix: str | None,
) -> dict[str, Figure]:
    months, days = split(start, end)
    parts: list[tuple[Table, Any]] = [
        (ROLLUP, (ROLLUP.c.day >= a) & (ROLLUP.c.day <= b)) for a, b in days
    ]
    if months is not None:
        parts.append((MONTH, (MONTH.c.month >= months[0]) & (MONTH.c.month < months[1])))
    out: dict[str, Figure] = {}
    selects = []
    for table, when in parts:
        col = table.c[column]
        q = select(col, *(func.sum(table.c[c]) for c in COUNTERS)).where(
            table.c.tenant == tenant, when
        )
        if domain is not None:
            q = q.where(col == domain)
        elif prefix is not None:
            q = q.where(col.like(f"{prefix}%"))
        selects.append(q.group_by(col))
    # one statement (one round trip): the month part and the day parts, summed here
    for row in conn.execute(union_all(*selects) if len(selects) > 1 else selects[0]):
        fig = out.setdefault(str(row[0]), Figure(str(row[0])))
        for c, v in zip(COUNTERS, row[1:], strict=True):
            fig.counts[c] += int(v or 0)
    return out


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=8)  # Beijing midnight


def _public(
    conn: Connection,
    tenant: str,
    view: str,
    start: date,
    end: date,
    figures: dict[str, Figure],
    domain: str | None,
) -> None:
    """Evaluations (by department or hall) and complaints (by department)."""
    ev = cast(Table, Evaluation.__table__)
    co = cast(Table, Complaint.__table__)
    lo, hi = _moment(start), _moment(end + timedelta(days=1))
    ecol = ev.c.department if view == "department" else ev.c.hall
    q = select(ecol, func.count(), func.sum(case((ev.c.level >= 4, 1), else_=0))).where(
        ev.c.tenant == tenant, ev.c.evaluated_at >= lo, ev.c.evaluated_at < hi
    )
    if domain is not None:
        q = q.where(ecol == domain)
    for dom, n, good in conn.execute(q.group_by(ecol)):
        fig = figures.setdefault(str(dom), Figure(str(dom)))
        fig.evaluations, fig.satisfied = int(n), int(good or 0)
    if view != "department":
        return
    q2 = select(co.c.department, co.c.filed_at, co.c.answered_at).where(
        co.c.tenant == tenant, co.c.filed_at >= lo, co.c.filed_at < hi, co.c.department.is_not(None)
    )
    if domain is not None:
        q2 = q2.where(co.c.department == domain)
    for dom, filed, answered in conn.execute(q2):
        fig = figures.setdefault(str(dom), Figure(str(dom)))
        fig.complaints += 1
        if answered is not None:
            fig.complaints_answered += 1
            fig.complaint_days += (_aware(answered) - _aware(filed)).total_seconds() / 86400


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def figures(
    conn: Connection,
    tenant: str,
    view: str,
    start: date,
    end: date,
    *,
    domain: str | None = None,
    public: bool = True,
) -> list[Figure]:
    """The figures of every department (``view="department"``) or township
    (``"township"``) with activity in ``[start, end]``; ``domain``: that one only."""
    column = VIEWS[view]
    prefix = "township." if view == "township" else None
    out = _rollups(conn, tenant, column, start, end, domain, prefix)
    if public:
        _public(conn, tenant, view, start, end, out, domain)
    for (dom, color), n in cards.counts_by(conn, tenant, column, start, end).items():
        if domain is not None and dom != domain:
            continue
        if prefix is not None and not dom.startswith(prefix):
            continue
        fig = out.setdefault(dom, Figure(dom))
        if color == "red":
            fig.red_cards += n
        else:
            fig.yellow_cards += n
    if prefix is not None:
        out = {k: v for k, v in out.items() if k.startswith(prefix)}
    return [out[k] for k in sorted(out)]


def total(rows: list[Figure], name: str = "合计") -> Figure:
    """The sum of several figures (the table's last row)."""
    out = Figure(name)
    for f in rows:
        for c in COUNTERS:
            out.counts[c] += f.counts[c]
        out.evaluations += f.evaluations
        out.satisfied += f.satisfied
        out.complaints += f.complaints
        out.complaints_answered += f.complaints_answered
        out.complaint_days += f.complaint_days
        out.yellow_cards += f.yellow_cards
        out.red_cards += f.red_cards
    return out
