"""Open data under stable URLs: ``/open-data/items.json|.csv`` (the disclosed fields of
every published item) and ``/open-data/figures.json|.csv`` (the public figures per
department). JSON carries the licence as a key; CSV as its first line (``# 许可：…``)
and in a ``License`` header; both are UTF-8 (CSV with a byte-order mark, so spreadsheet
programs read the Chinese)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Response

from runtime.public.opendata import FIGURE_COLUMNS, ITEM_COLUMNS, LICENCE, figure_rows, item_rows
from web.deps import house_of
from web.public.common import catalogue, titles


def _json(kind: str, rows: list[dict[str, Any]]) -> Response[dict[str, Any]]:
    body = {
        "licence": LICENCE,
        "dataset": kind,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "count": len(rows),
        "rows": rows,
    }
    return Response(
        body, media_type="application/json", headers={"Cache-Control": "public, max-age=300"}
    )


def _csv(kind: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Response[bytes]:
    out = io.StringIO()
    out.write(f"# 许可：{LICENCE}\n")
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
        return _json("items", self._items(request))

    @get("/items.csv", sync_to_thread=True)
    def items_csv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _csv("items", ITEM_COLUMNS, self._items(request))

    @get("/figures.json", sync_to_thread=True)
    def figures_json(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return _json("figures", self._figures(request))

    @get("/figures.csv", sync_to_thread=True)
    def figures_csv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _csv("figures", FIGURE_COLUMNS, self._figures(request))
