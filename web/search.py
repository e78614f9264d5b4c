"""Finding an item at the desk: by name, pinyin initials (spjy = 食品经营) or code."""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from runtime.publishing import Published


@dataclass(frozen=True)
class IndexedItem:
    code: str
    name: str
    owner: str
    initials: str
    full_pinyin: str


def index_item(pub: Published) -> IndexedItem:
    name = pub.definition.name
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    return IndexedItem(pub.code, name, pub.definition.owner, initials, full)


def matches(item: IndexedItem, query: str) -> bool:
    q = query.strip().lower()
    if not q:
        return False
    return (
        q in item.name.lower()
        or q in item.code.lower()
        or q in item.initials
        or q in item.full_pinyin
    )
