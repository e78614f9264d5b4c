"""Service guides generated from every catalogue item: every part the definition
discloses is on the page, escaped; nothing it does not disclose leaks (form internals,
routing conditions, roles, keys)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from definitions.loading import load_path
from definitions.models import ItemDefinition
from definitions.shipped import catalog_dir, package_path
from renderer.guide import guide_view

CATALOG = sorted(Path(catalog_dir()).glob("*.json"))


def _render(item: ItemDefinition) -> str:
    env = Environment(
        loader=FileSystemLoader(str(package_path("renderer", "templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    view = guide_view(item, 3, {item.owner: "县某局"})
    return env.get_template("guide.html").render(guide=view)


def _load(path: Path) -> ItemDefinition:
    loaded = load_path(path)
    assert loaded.definition is not None, loaded.problems
    return loaded.definition


def _has(page: str, text: str) -> bool:
    return html.escape(text, quote=True) in page or html.escape(text, quote=False) in page


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: p.stem)
def test_every_disclosed_part_of_the_item_is_in_its_guide(path: Path) -> None:
    item = _load(path)
    page = _render(item)
    assert _has(page, item.name) and item.code in page
    for c in item.conditions:
        assert _has(page, c)
    for m in item.materials:
        assert _has(page, m.name)
    shared = [m for m in item.materials if str(m.source) in ("shared", "MaterialSource.SHARED")]
    assert ("免交" in page) == bool(shared)
    for b in item.basis:
        assert _has(page, b.title)
        if b.text:
            assert _has(page, b.text)
    for f in item.fees:
        assert _has(page, f.name)
    if not item.fees:
        assert "不收费" in page
    svc = item.service
    for text in (svc.location, svc.phone, svc.complaint, svc.hours):
        assert _has(page, text)
    if str(item.handling.value) != "instant":
        assert f"{item.limits.statutory_days} 个工作日" in page
        assert f"{item.limits.promised_days} 个工作日" in page
    for q in item.disclosure.faq:
        assert _has(page, q.question)
    assert page.count('class="guide-step') >= len(item.steps)


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: p.stem)
def test_nothing_undisclosed_leaks_into_the_guide(path: Path) -> None:
    item = _load(path)
    page = _render(item)
    # keys are the definition's internals: no material, field or step key is shown
    keys = {m.key for m in item.materials} | {s.key for s in item.steps}
    keys |= {f.key for f in item.form.all_fields()}
    shown = {k for k in keys if f">{k}<" in page or f" {k} " in page}
    assert not shown
    for role in ("window_clerk", "chief_representative", "reviewer"):
        assert role not in page


def test_compression_and_a_special_procedure_that_stops_the_clock() -> None:
    item = next(
        d
        for d in map(_load, CATALOG)
        if any(s.kind.value == "special" and not s.counts for s in d.steps)
    )
    view = guide_view(item, 1)
    assert view.specials and any(p.counts == "不计入法定办结时限" for p in view.specials)
    share = 1 - item.limits.promised_days / item.limits.statutory_days
    assert view.compression == f"{share:.0%}"


def test_definition_text_is_escaped() -> None:
    item = _load(CATALOG[0])
    evil = item.model_copy(update={"conditions": ["<script>alert(1)</script>"]})
    page = _render(evil)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
