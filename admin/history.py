"""An item's version history: who published each version, when, why, and what changed
(the admin log's entry for the version; versions published before the log existed show
who and when only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.tables import AdminLogEntry
from runtime.case_tables import ItemVersion


@dataclass
class VersionInfo:
    version: int
    sha256: str
    by: str
    at: dt.datetime
    reason: str = ""
    changes: list[str] = field(default_factory=list)


def versions_of(session: Session, tenant: str, code: str) -> list[VersionInfo]:
    """Newest first."""
    logged = {
        e.version: e
        for e in session.execute(
            select(AdminLogEntry).where(
                AdminLogEntry.tenant == tenant,
                AdminLogEntry.target == code,
                AdminLogEntry.action == "publish",
            )
        ).scalars()
    }
    out = []
    for v in session.execute(
        select(
            ItemVersion.version,
            ItemVersion.sha256,
            ItemVersion.published_by,
            ItemVersion.published_at,
        )
        .where(ItemVersion.tenant == tenant, ItemVersion.code == code)
        .order_by(ItemVersion.version.desc())
    ):
        entry = logged.get(v.version)
        out.append(
            VersionInfo(
                v.version,
                v.sha256,
                v.published_by,
                v.published_at,
                entry.reason if entry else "",
                entry.diff.splitlines() if entry and entry.diff else [],
            )
        )
    return out
