"""The portal (``/``), the catalogue (``/services``) and the service guides
(``/services/{code}``), for citizens and businesses; nobody need be logged in.

The catalogue browses the newest published version of every item whose guide is
disclosed: by department, by life or business event, by level (county hall or a township's
hall — the items that hall may accept), and by search (name, code or pinyin initials,
web/search.py). A guide is generated from the published definition only
(renderer/guide.py); the guide of an older version — the one a case is pinned to — stays
reachable at ``/services/{code}/versions/{version}``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy import select

from house.wiring import House
from renderer.guide import guide_view
from runtime.case_tables import ItemVersion
from runtime.errors import NotFound
from runtime.publishing import Published
from web.blocking import run_blocking
from web.deps import house_of
from web.public.common import (
    Entry,
    accepted_at,
    catalogue,
    events,
    halls,
    page,
    public_url,
    qr_of,
    titles,
)
from web.search import matches

#: The most items a catalogue page lists (the county catalogue is a few hundred items).
PAGE = 200


class CatalogueController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any]) -> Template:
        house = house_of(request)
        entries = catalogue(request)
        names = titles(house)
        departments = sorted({e.pub.definition.owner for e in entries})
        online = sum(1 for e in entries if e.pub.definition.service.online)
        return page(
            request,
            "public/home.html",
            {
                "count": len(entries),
                "online": online,
                "events": _events_present(entries),
                "departments": [(d, names.get(d, d)) for d in departments],
                "halls": halls(house),
            },
        )

    @get("/services", sync_to_thread=True)
    def services(
        self,
        request: Request[Any, Any, Any],
        q: FromQuery[str | None] = None,
        department: FromQuery[str | None] = None,
        event: FromQuery[str | None] = None,
        level: FromQuery[str | None] = None,
        hall: FromQuery[str | None] = None,
    ) -> Template:
        house = house_of(request)
        entries = catalogue(request)
        names = titles(house)
        chosen = entries
        if q and q.strip():
            chosen = [e for e in chosen if matches(e.index, q)]
        if department:
            chosen = [e for e in chosen if e.pub.definition.owner == department]
        if event:
            wanted = next((ev.items for ev in events() if ev.name == event), ())
            chosen = [e for e in chosen if e.code in wanted]
        if level == "county":
            chosen = [e for e in chosen if accepted_at(e.pub, "county.hall")]
        elif level == "township":
            chosen = [
                e
                for e in chosen
                if any(accepted_at(e.pub, h) for h, _ in halls(house) if h != "county.hall")
            ]
        if hall:
            chosen = [e for e in chosen if accepted_at(e.pub, hall)]
        rows = [_row(e, names) for e in chosen[:PAGE]]
        return page(
            request,
            "public/services.html",
            {
                "rows": rows,
                "total": len(chosen),
                "q": q or "",
                "department": department or "",
                "event": event or "",
                "level": level or "",
                "hall": hall or "",
                "departments": sorted(
                    {
                        (e.pub.definition.owner, names.get(e.pub.definition.owner, ""))
                        for e in entries
                    },
                    key=lambda d: d[0],
                ),
                "events": _events_present(entries),
                "halls": halls(house),
            },
            block="results",
        )

    @get("/services/{code:str}")
    async def guide(self, request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
        # the public's most read page: from cached parts, on the loop where that is cheaper
        return await run_blocking(request, partial(self._latest_guide, request, code))

    def _latest_guide(self, request: Request[Any, Any, Any], code: str) -> Template:
        house = house_of(request)
        # the catalogue's cache while it is fresh (no session, no calendar to take)
        pub = house.cases.latest_published(code) if len(code) <= 40 else None
        return self._guide(request, house, pub, code, pinned=False)

    @get("/services/{code:str}/versions/{version:int}", sync_to_thread=True)
    def guide_version(
        self, request: Request[Any, Any, Any], code: FromPath[str], version: FromPath[int]
    ) -> Template:
        house = house_of(request)
        with house.reading() as s:
            vid = s.execute(
                select(ItemVersion.id).where(
                    ItemVersion.tenant == house.settings.tenant,
                    ItemVersion.code == code,
                    ItemVersion.version == version,
                )
            ).scalar_one_or_none()
            pub = house.catalog.by_id(s, vid) if vid is not None else None
            latest = house.catalog.latest(s, house.settings.tenant, code)
        pinned = latest is not None and pub is not None and latest.version != pub.version
        return self._guide(request, house, pub, code, pinned=pinned)

    def _guide(
        self,
        request: Request[Any, Any, Any],
        house: House,
        pub: Published | None,
        code: str,
        *,
        pinned: bool,
    ) -> Template:
        if pub is None or not pub.definition.disclosure.guide:
            raise NotFound(f"没有找到事项 {code} 的办事指南")
        path = f"/services/{pub.code}" + (f"/versions/{pub.version}" if pinned else "")
        url = public_url(house, path)
        return page(
            request,
            "public/guide.html",
            {
                "guide_html": _guide_html(request, house, pub),
                "guide": pub.definition,
                "version": pub.version,
                "url": url,
                "qr": qr_of(url),
                "pinned": pinned,
            },
        )


#: Rendered guides by (version sha256, organisation snapshot): a published version never
#: changes, and the organisation's titles change only with a new policy snapshot.
GUIDE_CACHE = "guide_html"
GUIDE_CACHE_MAX = 1024


def _guide_html(request: Request[Any, Any, Any], house: House, pub: Published) -> Markup:
    snap = house.policy.snapshot(house.settings.tenant)
    cache: dict[tuple[str, object], Markup] = request.app.state.setdefault(GUIDE_CACHE, {})
    key = (pub.sha256, snap)
    html = cache.get(key)
    if html is None:
        view = guide_view(pub.definition, pub.version, titles(house))
        engine = request.app.template_engine
        assert engine is not None  # create_app configures Jinja
        html = Markup(engine.engine.get_template("guide.html").render(guide=view))
        if len(cache) >= GUIDE_CACHE_MAX:
            cache.clear()
        cache[key] = html
    return html


def _row(e: Entry, names: dict[str, str]) -> dict[str, Any]:
    item = e.pub.definition
    return {
        "code": e.code,
        "name": e.name,
        "department": names.get(item.owner, item.owner),
        "promised_days": item.limits.promised_days,
        "statutory_days": item.limits.statutory_days,
        "instant": str(getattr(item.handling, "value", item.handling)) == "instant",
        "online": item.service.online,
        "visits": item.service.max_visits,
    }


def _events_present(entries: list[Entry]) -> list[dict[str, Any]]:
    codes = {e.code for e in entries}
    return [
        {"name": ev.name, "audience": ev.audience, "count": sum(1 for c in ev.items if c in codes)}
        for ev in events()
        if any(c in codes for c in ev.items)
    ]
