"""/admin/calendar: a year at a glance — holidays, adjusted working days (调休), which years
are unknown — and the changes an administrator makes: a day set or cleared, a year seeded
from the chinesecalendar package or declared complete. Each change is the runtime's own
function (runtime/calendar_store.py) followed by its recompute (runtime/calendar_recompute:
every provisional or touched deadline recomputed, one event per case that moved); the page
then says how many cases moved.

DESIGN §4: a year the calendar does not know never yields a silent answer."""

from __future__ import annotations

import calendar as monthly
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.access import require_act, root_domain
from admin.common import blocking, page, posted
from admin.items import ADMIN_GUARDS
from admin.log import record
from db.engine import transaction
from runtime import calendar_store
from runtime.calendar_recompute import recompute_pending
from runtime.calendar_source import supported_years
from runtime.errors import InvalidInput
from web.auth import CurrentUser
from web.deps import UserDep, house_of

CHINA = ZoneInfo("Asia/Shanghai")
WEEKDAYS = "一二三四五六日"


def _year(text: str) -> int:
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise InvalidInput("年份应为 2000 至 2100 之间的四位数")
    return int(text)


class CalendarController(Controller):
    path = "/admin/calendar"
    include_in_schema = False
    guards = ADMIN_GUARDS

    @get("/", sync_to_thread=True)
    def year_page(self, request: HTMXRequest, user: UserDep) -> Template:
        house = house_of(request)
        today = datetime.now(UTC).astimezone(CHINA).date()
        q = request.query_params
        year = _year(q.get("year", str(today.year)))
        cal = house.calendar()
        months = []
        for m in range(1, 13):
            weeks = []
            for week in monthly.Calendar().monthdatescalendar(year, m):
                cells: list[dict[str, Any] | None] = []
                for d in week:
                    if d.month != m:
                        cells.append(None)
                        continue
                    entry = cal.entry(d)
                    work = entry.is_workday if entry else d.weekday() < 5
                    kind = (
                        "adjusted"
                        if entry and entry.adjusted and work
                        else "holiday"
                        if entry and not work
                        else "work"
                        if work
                        else "weekend"
                    )
                    cells.append({"day": d, "kind": kind, "name": entry.name if entry else ""})
                weeks.append(cells)
            months.append({"month": m, "weeks": weeks})
        around = range(today.year - 1, today.year + 3)
        moved = q.get("moved", "")
        examined = q.get("examined", "")
        return page(
            request,
            "admin/calendar.html",
            {
                "section": "/admin/calendar",
                "year": year,
                "known": cal.knows(year),
                "months": months,
                "weekdays": WEEKDAYS,
                "known_years": sorted(cal.known_years),
                "unknown_years": [y for y in around if not cal.knows(y)],
                "seedable": year in set(supported_years()),
                "entries": cal.entries(year),
                "moved": int(moved) if moved.isdigit() else None,
                "examined": int(examined) if examined.isdigit() else None,
            },
        )

    @post("/days")
    async def set_day(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        try:
            day = date.fromisoformat(form.one("day"))
        except ValueError:
            raise InvalidInput("日期格式应为 2026-10-01") from None
        kind, name = form.one("kind"), form.one("name").strip() or None

        def change(s: Any, tenant: str, by: str) -> str:
            if kind == "clear":
                calendar_store.clear_day(s, tenant, day)
                return f"{day} 恢复为常规（周一至周五上班）"
            calendar_store.set_day(s, tenant, day, is_workday=kind == "workday", name=name, by=by)
            return f"{day} 设为{'调休上班' if kind == 'workday' else '休息日'}" + (
                f"（{name}）" if name else ""
            )

        return await blocking(request, lambda: self._change(request, user, day.year, change))

    @post("/years")
    async def year_action(self, request: HTMXRequest, user: UserDep) -> Redirect:
        form = await posted(request)
        year = _year(form.one("year"))
        action = form.one("action")

        def change(s: Any, tenant: str, by: str) -> str:
            if action == "seed":
                report = calendar_store.seed_from_chinesecalendar(s, tenant, [year], by=by)
                if not report.seeded:
                    raise InvalidInput(f"chinesecalendar 不含 {year} 年，请逐日录入后标记为完整")
                return f"{year} 年按国务院办公厅通知（chinesecalendar）导入"
            calendar_store.mark_year_complete(s, tenant, year, by=by)
            return f"{year} 年标记为完整（放假与调休已全部录入）"

        return await blocking(request, lambda: self._change(request, user, year, change))

    def _change(self, request: HTMXRequest, user: CurrentUser, year: int, change: Any) -> Redirect:
        house = house_of(request)
        tenant = house.settings.tenant
        require_act(house, user.username, "manage_calendar", root_domain(house))
        with transaction(house.sessions) as s:
            summary = change(s, tenant, user.username)
        house.calendar.invalidate()
        report = recompute_pending(house.cases)
        with transaction(house.sessions) as s:
            record(
                s,
                tenant,
                user.username,
                "calendar",
                "change",
                str(year),
                summary,
                diff=[
                    f"重新计算期限：检查在办案件 {report.examined} 件，期限变动 {len(report.changed)} 件",
                    *report.changed[:50],
                ],
                domain=root_domain(house),
            )
        return Redirect(
            f"/admin/calendar?year={year}&done=calendar_saved&moved={len(report.changed)}&examined={report.examined}",
            status_code=HTTP_303_SEE_OTHER,
        )
