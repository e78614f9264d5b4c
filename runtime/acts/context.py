"""What an act works on: the case as read, its item version, the permission decision, and
the values the act is about to write.

``Situation`` is the case as it stands (a stored ``Case`` on a reading page, the
``CaseRecord`` an act read): the registry's guards judge it. ``Ctx`` is a situation inside
an act's transaction, with the time, the acting user and the pending changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.orm import Session

from definitions.models import ItemDefinition, Step
from rbac.permissions import Authorizer, Decision
from rbac.targets import CaseTarget, ItemTarget
from runtime.calendar import WorkCalendar
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseFee
from runtime.message_templates import TemplateOverrides
from runtime.publishing import Published

CHINA = ZoneInfo("Asia/Shanghai")
SYSTEM = "system"
FEE_TABLE = cast(Table, CaseFee.__table__)
FEES_OF_CASE = select(FEE_TABLE).where(
    FEE_TABLE.c.tenant == bindparam("t"), FEE_TABLE.c.case_id == bindparam("c")
)


@dataclass(frozen=True)
class ServiceConfig:
    tenant: str = "422822"
    query_url: str = "http://127.0.0.1:8000/query"
    sms_channel: str = "sms"
    #: the county's own SMS texts (/admin/templates), cached
    templates: TemplateOverrides = field(default_factory=TemplateOverrides, compare=False)


@dataclass(frozen=True)
class Actor:
    """The person acting, by user name; their id and roles come from the organisation."""

    username: str


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


@dataclass
class Situation:
    """A case as it stands, for the guards: read on a page (``Case``) or in an act."""

    conn: Connection | Session
    case: CaseRecord | Case
    pub: Published
    #: the permission decision of the user in question (None: not asked yet)
    decision: Decision | None = None
    _assessed: bool | None = field(default=None, init=False, repr=False)
    #: the county's day the page is read on, for guards that depend on it (an extension
    #: is possible only within the statutory limit); None: not known, not judged
    today: date | None = None

    @property
    def steps(self) -> list[Step]:
        return self.pub.definition.steps

    @property
    def state(self) -> str:
        return str(self.case.state)

    @property
    def step(self) -> Step | None:
        idx = self.case.step_index
        return None if idx is None else self.steps[idx]

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.case.data))

    def fees_assessed(self) -> bool:
        """Whether fee lines were assessed for the case (read once)."""
        if self._assessed is None:
            row = self.conn.execute(
                FEES_OF_CASE, {"t": self.case.tenant, "c": self.case.id}
            ).first()
            self._assessed = row is not None
        return self._assessed


@dataclass
class Ctx(Situation):
    """A situation inside an act's transaction, with the changes the act is making."""

    now: datetime = field(default=datetime.min)
    calendar: WorkCalendar | None = None  # taken before the transaction began
    actor: Actor = field(default=Actor(SYSTEM))
    authorizer: Authorizer | None = None
    values: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    reason: str | None = None
    materials: list[dict[str, Any]] = field(default_factory=list)  # case_material rows
    fees: dict[str, dict[str, Any]] = field(default_factory=dict)  # fee columns set, by key
    # materials recorded earlier in this transaction; None: read them from the table
    materials_seen: set[str] | None = None
    notify_extra: dict[str, str] = field(default_factory=dict)
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = china_day(self.now)

    @property
    def record(self) -> CaseRecord:
        assert isinstance(self.case, CaseRecord)
        return self.case

    @property
    def connection(self) -> Connection:
        assert isinstance(self.conn, Connection)
        return self.conn

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.values.get("data", self.case.data)))

    @property
    def step(self) -> Step | None:
        idx = self.values.get("step_index", self.case.step_index)
        return None if idx is None else self.steps[idx]

    @property
    def state(self) -> str:
        return str(self.values.get("state", self.case.state))

    @property
    def work_calendar(self) -> WorkCalendar:
        assert self.calendar is not None
        return self.calendar


def window_target(
    tenant: str,
    item: ItemDefinition,
    hall: str,
    case_id: str = "(new)",
    applicant_user_id: int | None = None,
) -> CaseTarget:
    """The target of an application about to be filed at ``hall`` (no stored case yet):
    who may accept it there is who may file it at the desk."""
    return CaseTarget(
        tenant=tenant,
        case_id=case_id,
        owner=item.owner,
        accepting_domain=hall,
        current_domain=hall,
        applicant_user_id=applicant_user_id,
        accepted_by_user_id=None,
        accept_patterns=tuple(item.levels.accept),
        decide=item.levels.decide,
    )


def case_target(case: Case | CaseRecord, pub: Published) -> CaseTarget:
    """The permission target, built from the stored case only (never from the request)."""
    item = ItemTarget.from_definition(case.tenant, pub.definition)
    return CaseTarget(
        tenant=case.tenant,
        case_id=case.number,
        owner=case.owner_domain,
        accepting_domain=case.accepting_domain,
        current_domain=case.current_domain,
        applicant_user_id=case.applicant_user_id,
        accepted_by_user_id=case.accepted_by_user_id,
        accept_patterns=item.accept_patterns,
        decide=item.decide,
        countersign_departments=item.countersign_departments,
        extend_by=pub.definition.limits.extension_by.value,
        extend_at=pub.definition.limits.extension_at,
    )
