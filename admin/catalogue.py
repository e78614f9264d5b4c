"""The items list: published items, drafts and retirements side by side, with search and
filters, limited to what the admin may see (a department's admin: its own items)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.access import AdminScope
from admin.checking import check_document
from admin.drafts import OPEN, document_of
from admin.tables import ItemDraft, ItemRetirement
from house.wiring import House

STATUS_NAMES = {
    "draft": "草稿",
    "in_review": "待审核",
    "published": "已发布",
    "retired": "已停用",
}
#: Findings of published versions, by sha256 (they never change).
_FINDINGS: dict[str, tuple[int, int]] = {}


@dataclass
class Row:
    code: str
    name: str
    owner: str
    category: str
    handling: str
    devolved: bool
    status: str
    version: int | None
    draft_state: str | None
    errors: int
    warnings: int
    initials: str

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


def initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()


def _get(doc: Any, *keys: str) -> Any:
    for k in keys:
        doc = doc.get(k) if isinstance(doc, dict) else None
    return doc


def rows(session: Session, house: House, scope: AdminScope) -> list[Row]:
    tenant = house.settings.tenant
    out: dict[str, Row] = {}
    retired = {
        r.code
        for r in session.execute(
            select(ItemRetirement).where(ItemRetirement.tenant == tenant)
        ).scalars()
    }
    for pub in house.catalog.all_latest(session, tenant, include_retired=True):
        d = pub.definition
        if not scope.owns(house, d.owner):
            continue
        counts = _FINDINGS.get(pub.sha256)
        if counts is None:
            f = check_document(d.canonical(), house.catalog, pub.code)
            counts = _FINDINGS[pub.sha256] = (len(f.errors), len(f.warnings))
        out[pub.code] = Row(
            pub.code,
            d.name,
            d.owner,
            d.category,
            str(d.handling),
            any(p.startswith("township.") for p in d.levels.accept),
            "retired" if pub.code in retired else "published",
            pub.version,
            None,
            counts[0],
            counts[1],
            initials(d.name),
        )
    drafts = session.execute(
        select(ItemDraft).where(ItemDraft.tenant == tenant, ItemDraft.state.in_(OPEN))
    ).scalars()
    for draft in drafts:
        if not scope.owns(house, draft.owner):
            continue
        doc = document_of(draft)
        f = check_document(doc, house.catalog, draft.code)
        row = out.get(draft.code)
        if row is None:
            accept = _get(doc, "levels", "accept")
            out[draft.code] = Row(
                draft.code,
                draft.name,
                draft.owner,
                str(_get(doc, "category") or ""),
                str(_get(doc, "handling") or ""),
                isinstance(accept, list) and any(str(a).startswith("township.") for a in accept),
                draft.state,
                None,
                draft.state,
                len(f.errors),
                len(f.warnings),
                initials(draft.name),
            )
        else:
            row.draft_state = draft.state
    return sorted(out.values(), key=lambda r: r.code)


def matches(row: Row, q: str) -> bool:
    q = q.strip().lower()
    return not q or q in row.name.lower() or q in row.code.lower() or q in row.initials


def filtered(all_rows: Iterable[Row], f: dict[str, str]) -> list[Row]:
    found = []
    for r in all_rows:
        if not matches(r, f.get("q", "")):
            continue
        if f.get("owner") and r.owner != f["owner"]:
            continue
        if f.get("category") and r.category != f["category"]:
            continue
        if f.get("handling") and r.handling != f["handling"]:
            continue
        if f.get("level") == "township" and not r.devolved:
            continue
        if f.get("level") == "county" and r.devolved:
            continue
        status = f.get("status")
        if status and r.status != status and r.draft_state != status:
            continue
        finding = f.get("finding")
        if finding == "error" and not r.errors:
            continue
        if finding == "warning" and not r.warnings:
            continue
        if finding == "clean" and (r.errors or r.warnings):
            continue
        found.append(r)
    return found
