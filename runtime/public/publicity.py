"""Results publicity (结果公示): decided cases of items whose definition publishes results
(``disclosure.publish_results``), showing only the fields it discloses
(``disclosure.result_fields``) of the version the case is pinned to, with personal names,
ID numbers and mobiles masked (a personal field type's own mask, the surname of a name); a result stays public for ``BANSHI_PUBLICITY_DAYS``
calendar days after the decision, then leaves the list (《政府信息公开条例》第二十条:
licences' results are disclosed proactively; personal data only as far as needed).

The list reads decide events by time (``ix_case_event_tenant_at``), newest first, a page
at a time: never a scan of every case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.case_tables import Case, CaseEvent
from runtime.publishing import Catalog, Published

#: Labels that name a natural person: their values are masked (张* / 欧阳**).
PERSON_LABEL = re.compile(r"姓名|法定代表人|负责人|申请人|户主|联系人")
PUBLISHED_STATES = ("decided", "completed", "delivered")


@dataclass
class PublicResult:
    number: str
    item_code: str
    item_name: str
    decision: str
    decided_on: str
    until: str
    fields: list[tuple[str, str]] = field(default_factory=list)


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳**: the surname stays, the given name goes."""
    value = value.strip()
    if not value:
        return value
    keep = 2 if len(value) >= 4 else 1
    return value[:keep] + "*" * (len(value) - keep)


def _shown(f: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if f.options:
        labels = {o.value: o.label for o in f.options}
        if isinstance(value, list):
            return "、".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, list):
        return f"{len(value)} 项"
    if isinstance(value, dict):
        return ""
    return str(value)


def disclosed_fields(pub: Published, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The disclosed (label, value) pairs of one case, masked."""
    by_key = {f.key: f for f in pub.definition.form.all_fields()}
    registry = pub.compiled.registry
    out = []
    for key in pub.definition.disclosure.result_fields:
        f = by_key.get(key)
        if f is None or key not in data:
            continue
        text = _shown(f, data[key])
        plugin = registry.get(f.type)
        if plugin is not None and plugin.personal:  # an ID number, a phone, an address
            text = plugin.masked(text)
        elif PERSON_LABEL.search(f.label):  # a name in a text field: the surname stays
            text = mask_name(text)
        out.append((f.label, text))
    return out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public_results(
    session: Session,
    catalog: Catalog,
    tenant: str,
    now: datetime,
    days: int,
    *,
    item_code: str | None = None,
    limit: int = 100,
) -> list[PublicResult]:
    """Decided results still within their publicity period, newest decision first."""
    cutoff = now - timedelta(days=days)
    query = (
        select(Case, CaseEvent.at)
        .join(CaseEvent, (CaseEvent.case_id == Case.id) & (CaseEvent.tenant == Case.tenant))
        .where(
            CaseEvent.tenant == tenant,
            CaseEvent.at >= cutoff,
            CaseEvent.act == "decide",
            Case.decision.is_not(None),
            Case.state.in_(PUBLISHED_STATES),
        )
        .order_by(CaseEvent.at.desc(), Case.number)
        .limit(limit * 4)
    )
    if item_code:
        query = query.where(Case.item_code == item_code)
    results: list[PublicResult] = []
    seen: set[str] = set()
    for case, decided_at in session.execute(query).all():
        if case.number in seen:
            continue
        seen.add(case.number)
        pub = catalog.by_id(session, case.item_version_id)
        item = pub.definition
        if not item.disclosure.publish_results:
            continue
        words = getattr(item, "decision", None)
        decision = (
            words.words(case.decision)
            if words is not None
            else {"approved": "准予", "denied": "不予"}.get(case.decision or "", "")
        )
        at = _aware(decided_at)
        results.append(
            PublicResult(
                number=case.number,
                item_code=case.item_code,
                item_name=item.name,
                decision=decision,
                decided_on=f"{at:%Y-%m-%d}",
                until=f"{at + timedelta(days=days):%Y-%m-%d}",
                fields=disclosed_fields(pub, json.loads(case.data)),
            )
        )
        if len(results) >= limit:
            break
    return results
