"""A case row as a plain value: what the acts read, compute with and hand back.

The acts read the row with one prebuilt Core statement and work on this slotted record
instead of an ORM instance (no identity map, no attribute instrumentation, no flush):
the row is written back by compare-and-set on ``version`` and the record mirrors what was
written. Reading pages still use the ORM ``Case``; both carry the same attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(slots=True)
class CaseRecord:
    """The columns of ``case`` (runtime/case_tables.py ``Case``), by the same names."""

    id: int | None = None
    tenant: str = ""
    number: str = ""
    query_code: str = ""
    item_version_id: int = 0
    item_code: str = ""
    item_sha256: str = ""
    applicant_user_id: int | None = None
    applicant_name: str = ""
    applicant_mobile: str | None = None
    data: str = "{}"
    state: str = ""
    open: bool = True
    decision: str | None = None
    step_index: int | None = None
    current_step: str | None = None
    current_domain: str | None = None
    step_started_on: dt.date | None = None
    step_due: dt.date | None = None
    countersigned: str = "[]"
    accepting_domain: str = ""
    owner_domain: str = ""
    submitted_at: dt.datetime | None = None
    accepted_by_user_id: int | None = None
    accepted_on: dt.date | None = None
    clock: str | None = None
    due_promised: dt.date | None = None
    due_statutory: dt.date | None = None
    due_provisional: bool = False
    suspended: bool = False
    special_running: bool = False
    fee_total: str = "0.00"
    fee_paid: bool = True
    missing_materials: str = "[]"
    closed_on: dt.date | None = None
    decided_on: dt.date | None = None
    version: int = 0
    last_hash: str = ""

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> CaseRecord:
        return cls(**row)

    def update(self, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            setattr(self, key, value)


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(CaseRecord))
