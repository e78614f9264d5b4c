"""/supervision/figures — figures per department and per township over a date range,
with SVG charts — and their exports: /supervision/figures.xlsx (openpyxl, one sheet per
view, numbers as numbers) and /supervision/figures.csv (one view)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Response, Template
from openpyxl import Workbook
from openpyxl.styles import Font

from house.wiring import House
from runtime.supervision.figures import VIEW_NAMES, Figure, figures, total
from web.deps import HouseDep, UserDep
from web.pages import render_page
from web.supervision.charts import Chart, bar_chart
from web.supervision.columns import COLUMNS
from web.supervision.common import GUARDS
from web.supervision.scope import Scope, china_today, scope_of, titles

MAX_SPAN = timedelta(days=366 * 5)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Period:
    start: date
    end: date
    errors: list[tuple[str, str]]  # (field, message)


def period(start: str | None, end: str | None, today: date) -> Period:
    errors: list[tuple[str, str]] = []

    def parse(name: str, raw: str | None, default: date) -> date:
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors.append((name, "请按“年-月-日”填写日期，例如 2026-01-01"))
            return default

    a = parse("start", start, date(today.year, 1, 1))
    b = parse("end", end, today)
    if not errors and a > b:
        errors.append(("end", "结束日期不能早于开始日期"))
    if not errors and b - a > MAX_SPAN:
        errors.append(("start", "统计区间最长五年"))
    return Period(a, b, errors)


def view_rows(house: House, scope: Scope, view: str, p: Period) -> list[Figure]:
    """The figures of one view that the scope sees (departments: county departments)."""
    with house.reading() as s:
        rows = figures(s.connection(), house.settings.tenant, view, p.start, p.end)
    if view == "department":
        rows = [r for r in rows if r.domain in scope.departments]
    else:
        rows = [r for r in rows if r.domain in scope.townships]
    return rows


def charts(rows: list[Figure], names: dict[str, str], view: str) -> list[Chart]:
    groups = [names.get(r.domain, r.domain) for r in rows]
    what = VIEW_NAMES[view]
    return [
        bar_chart(
            f"各{what}受理与办结（件）",
            groups,
            [
                ("受理", [float(r.counts["accepted"]) for r in rows]),
                ("办结", [float(r.counts["completed"]) for r in rows]),
                ("按时办结", [float(r.counts["on_time"]) for r in rows]),
            ],
        ),
        bar_chart(
            f"各{what}平均用时与时限（工作日）",
            groups,
            [
                ("平均用时", [r.avg_used for r in rows]),
                ("承诺时限", [r.avg_promised for r in rows]),
                ("法定时限", [r.avg_statutory for r in rows]),
            ],
        ),
        bar_chart(
            f"各{what}按时办结率与满意率",
            groups,
            [
                ("按时办结率", [r.on_time_rate for r in rows]),
                ("提前办结率", [r.early_rate for r in rows]),
                ("满意率", [r.satisfaction for r in rows]),
            ],
            percent=True,
        ),
    ]


class FiguresController(Controller):
    path = "/supervision"
    include_in_schema = False
    guards = GUARDS

    @get("/figures", sync_to_thread=True)
    def figures_page(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Template:
        scope = scope_of(request, user)
        p = period(start, end, china_today())
        names = titles(request)
        views = []
        if not p.errors:
            for view in ("department", "township"):
                rows = view_rows(house, scope, view, p)
                if view == "township" and not scope.townships:
                    continue
                if view == "department" and not scope.departments:
                    continue
                views.append(
                    {
                        "key": view,
                        "name": VIEW_NAMES[view],
                        "rows": rows,
                        "total": total(rows),
                        "charts": charts(rows, names, view),
                    }
                )
        return render_page(
            request,
            "supervision/figures.html",
            None,
            {
                "period": p,
                "raw": {"start": start or "", "end": end or ""},
                "views": views,
                "columns": COLUMNS,
                "titles": names,
                "scope": scope,
            },
            422 if p.errors else 200,
        )

    @get("/figures.xlsx", sync_to_thread=True)
    def figures_xlsx(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        scope = scope_of(request, user)
        p = period(start, end, china_today())
        if p.errors:
            return _refused(p)
        names = titles(request)
        book = Workbook()
        first = book.active
        assert first is not None
        book.remove(first)
        for view in ("department", "township"):
            rows = view_rows(house, scope, view, p)
            sheet = book.create_sheet(f"{VIEW_NAMES[view]}（{p.start}至{p.end}）"[:31])
            sheet.append([VIEW_NAMES[view], *(c.header for c in COLUMNS)])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for fig in [*rows, total(rows)]:
                sheet.append([names.get(fig.domain, fig.domain), *(c.number(fig) for c in COLUMNS)])
            for i, c in enumerate(COLUMNS, start=2):
                if c.kind == "pct":
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                        cell.number_format = "0.0%"
            sheet.column_dimensions["A"].width = 28
            sheet.freeze_panes = "B2"
        buf = io.BytesIO()
        book.save(buf)
        return Response(
            buf.getvalue(),
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="figures-{p.start}-{p.end}.xlsx"'
            },
        )

    @get("/figures.csv", sync_to_thread=True)
    def figures_csv(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
        view: FromQuery[str] = "department",
    ) -> Response[bytes]:
        scope = scope_of(request, user)
        p = period(start, end, china_today())
        if view not in VIEW_NAMES:
            p.errors.append(("view", "统计口径只能是 department 或 township"))
        if p.errors:
            return _refused(p)
        names = titles(request)
        rows = view_rows(house, scope, view, p)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["domain", VIEW_NAMES[view], *(c.header for c in COLUMNS)])
        for fig in [*rows, total(rows)]:
            values = [c.number(fig) for c in COLUMNS]
            writer.writerow(
                [
                    fig.domain,
                    names.get(fig.domain, fig.domain),
                    *("" if v is None else v for v in values),
                ]
            )
        # UTF-8 with a byte-order mark: Excel on a county office PC opens it in Chinese
        return Response(
            ("\ufeff" + out.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="figures-{view}-{p.start}-{p.end}.csv"'
            },
        )


def _refused(p: Period) -> Response[bytes]:
    body = {"status": 422, "errors": [{"field": f"/{k}", "message": m} for k, m in p.errors]}
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=422,
        media_type="application/json",
    )
