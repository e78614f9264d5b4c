"""What the public pages share: the published catalogue with its search index (cached by
each version's sha256, so a new version is indexed the first time it is seen), the
organisation's titles, life and business events (data: web/templates/public/events.toml),
and the page renderer with the public navigation."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from definitions.shipped import package_path
from house.wiring import House
from rbac.targets import accepts_at
from runtime.publishing import Published
from web.deps import house_of
from web.pages import render_page
from web.search import IndexedItem, index_item


@dataclass(frozen=True)
class Entry:
    """One published item in the catalogue, with its search keys."""

    pub: Published
    index: IndexedItem

    @property
    def code(self) -> str:
        return self.pub.code

    @property
    def name(self) -> str:
        return self.pub.definition.name


@dataclass(frozen=True)
class Event:
    name: str
    audience: str  # person | business | both
    items: tuple[str, ...]


@cache
def events() -> tuple[Event, ...]:
    """The life and business events, read once from the shipped data file."""
    path = package_path("web", "templates", "public", "events.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Event(str(e["name"]), str(e.get("audience", "both")), tuple(e.get("items", [])))
        for e in data.get("events", [])
    )


def catalogue(request: Request[Any, Any, Any]) -> list[Entry]:
    """Every published item's newest version whose guide is disclosed, by code."""
    house = house_of(request)
    with house.reading() as s:
        published = house.catalog.all_latest(s, house.settings.tenant)
    index: dict[str, IndexedItem] = request.app.state.item_index
    entries = []
    for pub in published:
        if not pub.definition.disclosure.guide:
            continue
        entry = index.get(pub.sha256)
        if entry is None:
            entry = index[pub.sha256] = index_item(pub)
        entries.append(Entry(pub, entry))
    return entries


def titles(house: House) -> dict[str, str]:
    """Domain name -> its Chinese title, from the organisation's current snapshot."""
    snap = house.policy.snapshot(house.settings.tenant)
    return {name: rec.title or name for name, rec in snap.domains.items()}


def halls(house: House) -> list[tuple[str, str]]:
    """The halls citizens apply at: the county hall and the township halls."""
    snap = house.policy.snapshot(house.settings.tenant)
    return sorted(
        (name, rec.title or name)
        for name, rec in snap.domains.items()
        if name == "county.hall" or name.startswith("township.")
    )


def accepted_at(pub: Published, hall: str) -> bool:
    return accepts_at(tuple(pub.definition.levels.accept), hall)


def public_url(house: House, path: str) -> str:
    """An absolute URL of a public page (QR codes, SMS links)."""
    base = house.settings.public_url.rstrip("/")
    return f"{base}{path}"


@lru_cache(maxsize=4096)
def qr_of(url: str) -> str:
    """The QR code of a public URL (renderer/qr.py), made once per URL: drawing one takes
    milliseconds, and a guide's address never changes."""
    from renderer.qr import qr_svg

    return qr_svg(url)


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    """A public page: the house's page renderer plus what the public layout reads."""
    house = house_of(request)
    context = {
        "tenant": house.settings.tenant,
        **context,
    }
    return render_page(request, template, block, context, status)
