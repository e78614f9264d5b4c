"""The warning rules (预警, DESIGN §7; DOMAIN-FACTS "Electronic supervision"), judged on
the watch list's candidates with the clock's own functions:

- **promised limit**: yellow once ``yellow_share`` of the promised working days is used
  (default 80%), red once the promised deadline has passed (overdue). The clock stops at
  the decision: a decided case is judged on its step budget only.
- **step budget**: a step past its own due date, even when the case is on time.
- **special procedure**: a special procedure (现场勘查, 专家论证 …) past its own limit
  (行政许可法第四十五条: its time is not counted, so it has a limit of its own).
- **waiting**: a case waiting for the applicant's correction or payment for longer than
  ``waiting_days`` working days (第三十二条: the correction notice is given within 5 days).

A warning computed on a provisional deadline (a year the calendar does not know yet) is
shown as provisional and never cards on its own (DESIGN §4).

The page reads the index range ``warn_on <= today`` of ``supervision_watch`` (every case
that can have a warning today), sorted by the promised due date, which orders by working
days left; the rules then decide exactly, a chunk at a time, until the page is full.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Table, select, tuple_

from runtime.calendar import WorkCalendar
from runtime.case_tables import Case
from runtime.clock import DeadlineInputs, compute_deadline, progress
from runtime.supervision.measure import clock_inputs
from runtime.supervision.upsert import WATCH

CASE = cast(Table, Case.__table__)
SEVERITY_NAMES = {"red": "红色预警", "yellow": "黄色预警"}
KIND_NAMES = {
    "overdue": "超过承诺时限",
    "nearing": "临近承诺时限",
    "step": "环节超时",
    "special": "特别程序超时",
    "waiting": "等待申请人超时",
}


@dataclass(frozen=True)
class Warning:
    kind: str  # overdue | nearing | step | special | waiting
    severity: str  # yellow | red
    text: str
    provisional: bool = False

    @property
    def rule(self) -> str:
        return self.kind


@dataclass
class Watched:
    """One case on the warnings page."""

    case_id: int
    number: str
    item_code: str
    owner_domain: str
    accepting_domain: str
    current_domain: str | None
    state: str
    due: date | None
    left: int | None  # working days left of the promised limit (negative: overdue)
    share: float | None
    provisional: bool
    step_key: str | None
    warnings: list[Warning] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return "red" if any(w.severity == "red" for w in self.warnings) else "yellow"

    @property
    def cardable(self) -> list[Warning]:
        """Warnings a rule may card on its own (not provisional)."""
        return [w for w in self.warnings if not w.provisional]


@dataclass(frozen=True)
class Filters:
    domains: tuple[str, ...] | None = None  # the viewer's scope (None: the whole county)
    department: str | None = None
    township: str | None = None
    item: str | None = None
    severity: str | None = None  # red | yellow


def judge(
    calendar: WorkCalendar,
    watch: Any,
    case: Any,
    today: date,
    *,
    yellow_share: float,
    waiting_days: int,
) -> Watched:
    """The warnings of one watched case today."""
    out = Watched(
        case_id=watch.case_id,
        number=watch.number,
        item_code=watch.item_code,
        owner_domain=watch.owner_domain,
        accepting_domain=watch.accepting_domain,
        current_domain=watch.current_domain,
        state=watch.state,
        due=watch.due,
        left=None,
        share=None,
        provisional=bool(watch.provisional),
        step_key=watch.step_key,
    )
    inputs = clock_inputs(case.clock)
    if inputs is not None and watch.state in ("in_progress", "suspended"):
        prog = progress(calendar, inputs[0], as_of=today, yellow_share=yellow_share)
        out.left, out.share = prog.left, prog.share_used
        provisional = prog.provisional or bool(watch.provisional)
        if prog.overdue:
            out.warnings.append(
                Warning(
                    "overdue",
                    "red",
                    f"已超过承诺时限 {-prog.left} 个工作日（应于 {watch.due} 前办结）",
                    provisional,
                )
            )
        elif prog.share_used >= yellow_share:
            out.warnings.append(
                Warning(
                    "nearing",
                    "yellow",
                    f"已用承诺时限的 {prog.share_used:.0%}，剩余 {prog.left} 个工作日",
                    provisional,
                )
            )
    if watch.step_due is not None and today > watch.step_due:
        started = case.step_started_on or watch.step_due
        provisional = bool(calendar.missing_years(started, watch.step_due))
        late = (today - watch.step_due).days
        if watch.special:
            text = f"特别程序超过其时限（应于 {watch.step_due} 前结束，已超 {late} 天）"
            out.warnings.append(Warning("special", "yellow", text, provisional))
        else:
            text = f"当前环节超过环节时限（应于 {watch.step_due} 前完成，已超 {late} 天）"
            out.warnings.append(Warning("step", "yellow", text, provisional))
    if watch.waiting is not None and watch.waiting_since is not None:
        limit = compute_deadline(
            calendar, DeadlineInputs(watch.waiting_since, waiting_days, limit_name="等待时限")
        )
        if today > limit.due:
            what = "补正材料" if watch.waiting == "correction" else "缴费"
            out.warnings.append(
                Warning(
                    "waiting",
                    "yellow",
                    f"等待申请人{what}已超过 {waiting_days} 个工作日（自 {watch.waiting_since} 起）",
                    limit.provisional,
                )
            )
    return out


def _candidates(tenant: str, today: date, f: Filters) -> Any:
    w = WATCH.c
    q = select(WATCH).where(w.tenant == tenant, w.warn_on <= today)
    if f.domains is not None:
        q = q.where(w.owner_domain.in_(f.domains) | w.accepting_domain.in_(f.domains))
    if f.department:
        q = q.where(w.owner_domain == f.department)
    if f.township:
        q = q.where(w.accepting_domain == f.township)
    if f.item:
        q = q.where(w.item_code == f.item)
    if f.severity == "red":
        q = q.where(w.due < today)
    return q


def warnings(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    filters: Filters = Filters(),
    *,
    yellow_share: float,
    waiting_days: int,
    limit: int = 50,
    offset: int = 0,
    chunk: int = 100,
) -> tuple[list[Watched], bool]:
    """A page of warned cases (most urgent first) and whether more follow."""
    found: list[Watched] = []
    skipped = 0
    chunk = min(chunk, offset + limit + 1)  # one more than the page: whether more follow
    for watched in _judged(
        conn, calendar, tenant, today, filters, yellow_share, waiting_days, chunk
    ):
        if filters.severity and watched.severity != filters.severity:
            continue
        if skipped < offset:
            skipped += 1
            continue
        if len(found) == limit:
            return found, True
        found.append(watched)
    return found, False


def _judged(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    filters: Filters,
    yellow_share: float,
    waiting_days: int,
    chunk: int,
) -> Iterator[Watched]:
    """Candidates in order of working days left: the dated ones by (due, number) — an
    ordered range of ``ix_sup_watch_due`` (or of the filter's own index), read a chunk at
    a time by keyset — then the undated ones (decided, waiting) by number."""
    w = WATCH.c
    base = _candidates(tenant, today, filters)
    dated = base.where(w.due.is_not(None)).order_by(w.due, w.number)
    last: tuple[Any, Any] | None = None
    while True:
        q = dated if last is None else dated.where(tuple_(w.due, w.number) > tuple_(*last))
        rows = list(conn.execute(q.limit(chunk)))
        yield from _judge_rows(conn, calendar, tenant, today, rows, yellow_share, waiting_days)
        if len(rows) < chunk:
            break
        last = (rows[-1].due, rows[-1].number)
    if filters.severity == "red":
        return
    undated = base.where(w.due.is_(None)).order_by(w.number)
    after: str | None = None
    while True:
        q = undated if after is None else undated.where(w.number > after)
        rows = list(conn.execute(q.limit(chunk)))
        yield from _judge_rows(conn, calendar, tenant, today, rows, yellow_share, waiting_days)
        if len(rows) < chunk:
            return
        after = rows[-1].number


def _judge_rows(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    rows: list[Any],
    yellow_share: float,
    waiting_days: int,
) -> Iterator[Watched]:
    if not rows:
        return
    cases = _cases(conn, tenant, [r.case_id for r in rows])
    for r in rows:
        case = cases.get(r.case_id)
        if case is None:
            continue
        watched = judge(
            calendar, r, case, today, yellow_share=yellow_share, waiting_days=waiting_days
        )
        if watched.warnings:
            yield watched


def _cases(conn: Connection, tenant: str, ids: Sequence[int]) -> dict[int, Any]:
    rows = conn.execute(
        select(CASE.c.id, CASE.c.clock, CASE.c.step_started_on).where(
            CASE.c.tenant == tenant, CASE.c.id.in_(list(ids))
        )
    )
    return {r.id: r for r in rows}


def all_warnings(
    conn: Connection,
    calendar: WorkCalendar,
    tenant: str,
    today: date,
    *,
    yellow_share: float,
    waiting_days: int,
) -> Iterator[Watched]:
    """Every warned case of the tenant (for the rule cards)."""
    yield from _judged(conn, calendar, tenant, today, Filters(), yellow_share, waiting_days, 500)
