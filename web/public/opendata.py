"""Open data under stable URLs: ``/open-data/items.json|.csv`` (the disclosed fields of
every published item) and ``/open-data/figures.json|.csv`` (the public figures per
department). JSON carries the licence as a key; CSV as its first line (``# 许可：…``)
and in a ``License`` header; both are UTF-8 (CSV with a byte-order mark, so spreadsheet
programs read the Chinese)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Response

from renderer.guide import guide_view
from runtime.messages import in_county
from runtime.public.opendata import FIGURE_COLUMNS, ITEM_COLUMNS, LICENCE, figure_rows
from runtime.publishing import Published
from web.deps import house_of
from web.public.common import catalogue, titles


def _json(kind: str, rows: list[dict[str, Any]], tenant: str) -> Response[dict[str, Any]]:
    body = {
        "licence": in_county(LICENCE, tenant),
        "dataset": kind,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "count": len(rows),
        "rows": rows,
    }
    return Response(
        body, media_type="application/json", headers={"Cache-Control": "public, max-age=300"}
    )


def _csv(
    kind: str, columns: tuple[str, ...], rows: list[dict[str, Any]], tenant: str
) -> Response[bytes]:
    out = io.StringIO()
    out.write(f"# 许可：{in_county(LICENCE, tenant)}\n")
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ("是" if v is True else "否" if v is False else v) for k, v in row.items()}
        )
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{kind}.csv"',
            "Cache-Control": "public, max-age=300",
        },
    )


def item_rows(pubs: list[Published], titles: Mapping[str, str], site: str) -> list[dict[str, Any]]:
    rows = []
    for pub in pubs:
        g = guide_view(pub.definition, pub.version, titles)
        fees = "；".join(f"{f.name}：{f.standard}" for f in g.fees) or (g.no_fee or "不收费")
        rows.append(
            {
                "code": g.code,
                "version": g.version,
                "name": g.name,
                "category": g.category,
                "handling": g.handling,
                "department": g.department,
                "statutory_days": g.statutory_days,
                "promised_days": g.promised_days,
                "compression": g.compression or "",
                "online": g.online,
                "max_visits": g.max_visits,
                "accept_at": "、".join(g.accept_at),
                "location": g.location,
                "hours": g.hours,
                "phone": g.phone,
                "complaint": g.complaint,
                "fees": fees,
                "materials": "、".join(m.name for m in g.materials),
                "basis": "；".join(b.title for b in g.basis),
                "guide_url": f"{site}/services/{g.code}",
            }
        )
    return rows


class OpenDataController(Controller):
    path = "/open-data"
    include_in_schema = False

    def _items(self, request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
        house = house_of(request)
        pubs = [e.pub for e in catalogue(request)]
        return item_rows(pubs, titles(house), house.settings.public_url.rstrip("/"))

    def _figures(self, request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
        house = house_of(request)
        with house.reading() as s:
            return figure_rows(s, house.settings.tenant, titles(house))

    @get("/items.json", sync_to_thread=True)
    def items_json(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return _json("items", self._items(request), house_of(request).settings.tenant)

    @get("/items.csv", sync_to_thread=True)
    def items_csv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _csv("items", ITEM_COLUMNS, self._items(request), house_of(request).settings.tenant)

    @get("/figures.json", sync_to_thread=True)
    def figures_json(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return _json("figures", self._figures(request), house_of(request).settings.tenant)

    @get("/figures.csv", sync_to_thread=True)
    def figures_csv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _csv(
            "figures", FIGURE_COLUMNS, self._figures(request), house_of(request).settings.tenant
        )
