"""The admin log: every administrative change, who, when, what, the change in words, why.

Rows are only ever added (``record``); the pages list and filter them. Nothing updates or
deletes one — there is no function here that could."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.tables import AdminLogEntry

AREAS: dict[str, str] = {
    "items": "事项",
    "org": "组织机构",
    "people": "人员",
    "calendar": "工作日历",
    "templates": "短信模板",
}


def record(
    session: Session,
    tenant: str,
    actor: str,
    area: str,
    action: str,
    target: str,
    summary: str,
    *,
    diff: Sequence[str] = (),
    reason: str = "",
    version: int | None = None,
    at: dt.datetime | None = None,
    domain: str = "",
) -> AdminLogEntry:
    entry = AdminLogEntry(
        tenant=tenant,
        at=at or dt.datetime.now(dt.UTC),
        actor=actor,
        area=area,
        action=action,
        target=target[:100],
        domain=domain[:64],
        version=version,
        summary=summary,
        diff="\n".join(diff),
        reason=reason,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class LogFilter:
    area: str = ""
    actor: str = ""
    target: str = ""
    limit: int = 200


def entries(session: Session, tenant: str, f: LogFilter) -> list[AdminLogEntry]:
    q = select(AdminLogEntry).where(AdminLogEntry.tenant == tenant)
    if f.area:
        q = q.where(AdminLogEntry.area == f.area)
    if f.actor:
        q = q.where(AdminLogEntry.actor == f.actor)
    if f.target:
        q = q.where(AdminLogEntry.target == f.target)
    q = q.order_by(AdminLogEntry.at.desc(), AdminLogEntry.id.desc()).limit(f.limit)
    return list(session.execute(q).scalars())
