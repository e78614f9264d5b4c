"""The case engine's service API: every legal act, guarded by state, permission and reason.

Each act runs in one transaction: read the case, ask rbac (the domain comes from the stored
case), check the state and the law's demands, compute the new projected values, write
them with compare-and-set on the version column, append one chained event and the
outbox rows. On any refusal or failure nothing is written. No HTTP, no HTML.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import write_transaction
from db.prepared import Prepared
from definitions.canonical import canonical_json
from definitions.compile import Evaluation
from definitions.models import Handling, ItemDefinition, Step, StepKind
from rbac.permissions import Authorizer, Decision
from rbac.policy import DelegationRec, GrantRec
from rbac.targets import CaseTarget, ItemTarget, accepts_at, deciding_domain
from runtime.applicant import checked_applicant
from runtime.calendar import WorkCalendar
from runtime.case_record import CaseRecord
from runtime.case_tables import Case, CaseEvent, CaseMaterial, OutboxMessage
from runtime.chain import (
    GENESIS,
    PROJECTED,
    diff,
    event_body_of,
    from_json_value,
    link_hash,
    records_of,
    to_json_value,
)
from runtime.clock import DeadlineInputs, Extension, Suspension, compute_deadline, step_deadline
from runtime.errors import Conflict, InvalidInput, NotAllowed, NotFound, ReasonRequired, WrongState
from runtime.fees import FEES_OF_CASE, assess, pay
from runtime.ledger import PENDING_INSERT
from runtime.messages import render
from runtime.numbers import case_number, query_code
from runtime.publishing import Catalog, Published
from runtime.states import NOTIFY_ON, OPEN_STATES, PRE_ACCEPT, STATE_NAMES, State

CHINA = ZoneInfo("Asia/Shanghai")
SYSTEM = "system"
CASE = cast(Table, Case.__table__)
EVENT = cast(Table, CaseEvent.__table__)
MATERIAL = cast(Table, CaseMaterial.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
# Statements built once; values travel as parameters (no per-call expression building).
# The acts use Core only: the case is read into a CaseRecord, never an ORM instance.
# The statements every act runs are Prepared (db/prepared.py): compiled once per dialect.
EVENT_INSERT = Prepared(insert(EVENT).returning(EVENT.c.id))
CASE_INSERT = Prepared(insert(CASE).returning(CASE.c.id))
CASE_BY_NUMBER = Prepared(
    select(CASE).where(CASE.c.tenant == bindparam("t"), CASE.c.number == bindparam("n"))
)
MATERIAL_INSERT = Prepared(insert(MATERIAL))
MATERIAL_KEYS = Prepared(
    select(MATERIAL.c.material_key).where(
        MATERIAL.c.tenant == bindparam("t"), MATERIAL.c.case_id == bindparam("c")
    )
)
CASE_CAS = Prepared(
    update(CASE).where(CASE.c.id == bindparam("b_id"), CASE.c.version == bindparam("b_version"))
)
OUTBOX_INSERT = Prepared(insert(OUTBOX))


@dataclass(frozen=True)
class Actor:
    """The person acting, by user name; their id and roles come from the organisation."""

    username: str


@dataclass(frozen=True)
class Applicant:
    name: str
    mobile: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class ServiceConfig:
    tenant: str = "422822"
    query_url: str = "http://127.0.0.1:8000/query"
    sms_channel: str = "sms"


@dataclass
class _Ctx:
    conn: Connection
    case: CaseRecord
    pub: Published
    decision: Decision
    now: datetime
    today: date
    values: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    reason: str | None = None
    materials: list[dict[str, Any]] = field(default_factory=list)  # case_material rows
    fees: dict[str, dict[str, Any]] = field(default_factory=dict)  # fee columns set, by key
    # materials recorded earlier in this transaction; None: read them from the table
    materials_seen: set[str] | None = None
    calendar: WorkCalendar | None = None  # taken before the transaction began
    notify_extra: dict[str, str] = field(default_factory=dict)

    @property
    def steps(self) -> list[Step]:
        return self.pub.definition.steps

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


def _china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


class CaseService:
    """Plain Python acts for web/ and admin/; each takes the acting user."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        authorizer: Authorizer,
        catalog: Catalog,
        calendar: Callable[[], WorkCalendar],
        config: ServiceConfig | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.engine: Engine = sessions.kw["bind"]
        self.authorizer = authorizer
        self.catalog = catalog
        self.calendar = calendar
        self.config = config or ServiceConfig()
        self.now = now

    @property
    def tenant(self) -> str:
        return self.config.tenant

    # ------------------------------------------------------------------ submission

    def submit(
        self,
        actor: Actor,
        item_code: str,
        data: Mapping[str, Any] | Evaluation,
        *,
        accepting_domain: str,
        applicant: Applicant,
        materials: Sequence[Mapping[str, Any]] = (),
        accept: bool = False,
        at: datetime | None = None,
    ) -> CaseRecord:
        """File an application (已接件) at a hall that may accept the item. With ``accept``
        the window accepts it in the same transaction (two events, one commit): the desk's
        usual case of an applicant at the counter with every material in hand.

        ``data``: the application, or the desk's ``Evaluation`` of it; an evaluation made
        by the item version being filed is used as it is (not computed twice), any other
        is evaluated afresh."""
        applicant = checked_applicant(applicant)  # validated like any field, at every door
        now = at or self.now()
        calendar = self.calendar()
        with self.authorizer.store.pinned(self.tenant):
            # Everything that may refuse the filing is checked before a number is taken
            # and before the write transaction begins.
            pub = self.latest_published(item_code)
            if pub is None:
                raise NotFound(f"事项 {item_code} 不存在或尚未发布")
            item = pub.definition
            decision = self.authorizer.can(
                actor.username, "submit", ItemTarget.from_definition(self.tenant, item)
            )
            if not decision.allowed:
                raise NotAllowed(decision.reason)
            if not accepts_at(tuple(item.levels.accept), accepting_domain):
                raise InvalidInput(
                    f"事项“{item.name}”不能在 {accepting_domain} 受理（可受理：{'、'.join(item.levels.accept)}）"
                )
            if isinstance(data, Evaluation) and data.sha256 == pub.sha256:
                evaluation = data  # already evaluated against this very version
            else:
                evaluation = pub.compiled.evaluate(
                    data.data if isinstance(data, Evaluation) else data
                )
            if evaluation.errors:
                raise InvalidInput("申请表有错误，请修改后再提交", evaluation.errors)
            if not applicant.name.strip():
                raise InvalidInput("请填写申请人姓名或名称")
            # A clerk filing at the desk acts as the window (recorded with role and hall);
            # anyone else files online, as the applicant, for themselves only.
            as_window = self.authorizer.can(
                actor.username,
                "accept",
                window_target(self.tenant, item, accepting_domain, "(new)", applicant.user_id),
            )
            actor_id = self._user_id(actor)
            if as_window.allowed:
                decision = as_window
            elif applicant.user_id is None or applicant.user_id != actor_id:
                raise NotAllowed("只有受理窗口的工作人员或申请人本人可以提交申请")
            _check_material_keys(item, materials)
            number = self._number_outside(now)
            with write_transaction(self.engine) as s:
                if number is None:
                    number = case_number(s, self.tenant, _china_day(now))
                case = CaseRecord(
                    tenant=self.tenant, item_version_id=pub.id, version=0, last_hash=GENESIS
                )
                # a new case: the record's defaults (no decision, no clock, nothing
                # suspended, no fees…) and what this filing says
                values: dict[str, Any] = {k: getattr(case, k) for k in PROJECTED}
                values.update(
                    number=number,
                    query_code=query_code(),
                    item_code=item.code,
                    item_sha256=pub.sha256,
                    applicant_user_id=applicant.user_id,
                    applicant_name=applicant.name.strip(),
                    applicant_mobile=applicant.mobile,
                    data=canonical_json(evaluation.data),
                    state=State.SUBMITTED.value,
                    step_index=0,
                    current_step=item.steps[0].key,
                    current_domain=accepting_domain,
                    accepting_domain=accepting_domain,
                    owner_domain=item.owner,
                    submitted_at=now,
                )
                ctx = _Ctx(
                    s,
                    case,
                    pub,
                    decision,
                    now,
                    _china_day(now),
                    values,
                    actor_id=actor_id,
                    calendar=calendar,
                )
                self._receive_materials(ctx, materials, seq=1)
                case = self._write(ctx, "submit", actor, new=True)
                if not accept:
                    return case
                decision = self.authorizer.can(actor.username, "accept", case_target(case, pub))
                if not decision.allowed:
                    raise NotAllowed(decision.reason)
                then = _Ctx(
                    s,
                    case,
                    pub,
                    decision,
                    now,
                    _china_day(now),
                    actor_id=actor_id,
                    calendar=calendar,
                )
                then.materials_seen = {m["material_key"] for m in ctx.materials}
                self._accept(then, ())
                return self._write(then, "accept", actor)

    def latest_published(self, item_code: str) -> Published | None:
        """The newest published version of an item (from the catalogue's cache when it is
        fresh; otherwise read on a connection of its own)."""
        pub = self.catalog.cached_latest(self.tenant, item_code)
        if pub is not None:
            return pub
        with self.engine.connect() as conn:
            return self.catalog.latest(conn, self.tenant, item_code)

    def _number_outside(self, now: datetime) -> str | None:
        """On PostgreSQL the case number is taken by one statement in a transaction of its
        own (an upsert in autocommit: one round trip), so the counter row is locked for
        that instant only and concurrent filings do not queue behind each other's whole
        act; a number whose filing then fails is skipped (numbers are unique and
        increasing, not gap-free). SQLite has one writer at a time anyway, so there the
        number is taken inside the act's own transaction (None here)."""
        if self.engine.dialect.name != "postgresql":
            return None
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            return case_number(conn, self.tenant, _china_day(now), upsert=True)

    # ------------------------------------------------------------------ window acts

    def accept(
        self,
        actor: Actor,
        number: str,
        *,
        received: Sequence[Mapping[str, Any]] = (),
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """受理: every required material is in; the clock starts (none for instant items)."""

        return self._act(
            actor,
            number,
            "accept",
            lambda c: self._accept(c, received),
            expected_version=expected_version,
            at=at,
        )

    def _accept(self, c: _Ctx, received: Sequence[Mapping[str, Any]]) -> None:
        self._need_state(c, PRE_ACCEPT, "受理")
        self._receive_materials(c, received, seq=c.case.version + 1)
        missing = self._missing(c)
        if missing:
            names = "、".join(m["name"] for m in missing)
            raise WrongState(f"材料不齐，不能受理；请一次性告知申请人补正：{names}")
        item = c.pub.definition
        c.values.update(accepted_by_user_id=c.actor_id, accepted_on=c.today, missing_materials="[]")
        if item.handling is not Handling.INSTANT:
            clock = {
                "promised": DeadlineInputs(
                    c.today, item.limits.promised_days, limit_name="承诺时限"
                ).to_json(),
                "statutory": DeadlineInputs(
                    c.today, item.limits.statutory_days, limit_name="法定时限"
                ).to_json(),
            }
            c.values["clock"] = canonical_json(clock)
            self._deadlines(c)
        c.values["state"] = State.IN_PROGRESS.value
        self._advance(c)

    def request_correction(
        self,
        actor: Actor,
        number: str,
        *,
        missing: Sequence[str] = (),
        note: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """一次性告知: one notice listing every missing material (computed, plus any the clerk names)."""

        def act(c: _Ctx) -> None:
            self._need_state(c, PRE_ACCEPT, "要求补正")
            by_key = {m.key: m for m in c.pub.definition.materials}
            unknown = [k for k in missing if k not in by_key]
            if unknown:
                raise InvalidInput(f"事项没有这些材料：{'、'.join(unknown)}")
            listed = {m["key"]: m["name"] for m in self._missing(c)}
            for k in missing:
                listed.setdefault(k, by_key[k].name)
            if not listed:
                raise InvalidInput("没有缺少的材料：材料齐全时应当受理")
            notice = "；".join(listed.values())
            c.reason = f"请补正以下材料：{notice}" + (f"。{note.strip()}" if note.strip() else "")
            c.values.update(
                state=State.CORRECTION_REQUESTED.value,
                missing_materials=canonical_json(
                    [{"key": k, "name": n} for k, n in listed.items()]
                ),
            )

        return self._act(
            actor, number, "request_correction", act, expected_version=expected_version, at=at
        )

    def refuse(
        self,
        actor: Actor,
        number: str,
        *,
        reason: str,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """不予受理, with the reason the law demands."""

        def act(c: _Ctx) -> None:
            self._need_state(c, PRE_ACCEPT, "不予受理")
            c.reason = self._reason(reason, "不予受理必须说明理由")
            c.values.update(
                state=State.NOT_ACCEPTED.value, open=False, closed_on=c.today, current_domain=None
            )

        return self._act(actor, number, "refuse", act, expected_version=expected_version, at=at)

    def forward(
        self,
        actor: Actor,
        number: str,
        *,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """上报: the township window sends a reported item up to the county department."""

        def act(c: _Ctx) -> None:
            self._need_step(c, StepKind.FORWARD, "上报")
            self._advance(c)

        return self._act(actor, number, "forward", act, expected_version=expected_version, at=at)

    def complete(
        self,
        actor: Actor,
        number: str,
        *,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """办结 at the window: the decision (or the instant item's on-the-spot one) is handed over."""

        def act(c: _Ctx) -> None:
            self._need_step(c, StepKind.COMPLETE, "办结")
            decision = c.values.get("decision", c.case.decision)
            if decision is None:
                if c.pub.definition.handling is not Handling.INSTANT:
                    raise WrongState("尚未作出决定，不能办结")
                c.values["decision"] = "approved"
                decision = "approved"
            c.values.update(state=State.COMPLETED.value, open=False, closed_on=c.today)
            c.notify_extra["decision"] = "准予办理" if decision == "approved" else "不予许可"
            self._advance(c, terminal_state=State.COMPLETED)

        return self._act(actor, number, "complete", act, expected_version=expected_version, at=at)

    def deliver(
        self,
        actor: Actor,
        number: str,
        *,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """送达 of the result."""

        def act(c: _Ctx) -> None:
            self._need_step(c, StepKind.DELIVER, "送达")
            if c.state != State.COMPLETED:
                raise WrongState("尚未办结，不能送达")
            c.values.update(
                state=State.DELIVERED.value,
                step_index=None,
                current_step=None,
                current_domain=None,
                step_due=None,
            )

        return self._act(actor, number, "deliver", act, expected_version=expected_version, at=at)

    def assess_fee(
        self,
        actor: Actor,
        number: str,
        *,
        waive: Sequence[str] = (),
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """核定收费 from the definition's fee lines for this application (waivable lines may be waived)."""
        return self._act(
            actor,
            number,
            "assess_fee",
            lambda c: assess(c, waive),
            expected_version=expected_version,
            at=at,
        )

    def record_payment(
        self,
        actor: Actor,
        number: str,
        *,
        payment_ref: str,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        return self._act(
            actor,
            number,
            "record_payment",
            lambda c: pay(c, payment_ref),
            expected_version=expected_version,
            at=at,
        )

    # ------------------------------------------------------------------ department acts

    def review(
        self,
        actor: Actor,
        number: str,
        *,
        opinion: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """审查: the reviewer finishes the review step with an opinion."""

        def act(c: _Ctx) -> None:
            self._need_step(c, StepKind.REVIEW, "审查")
            c.reason = opinion.strip() or None
            self._advance(c)

        return self._act(actor, number, "review", act, expected_version=expected_version, at=at)

    def start_special(
        self,
        actor: Actor,
        number: str,
        *,
        note: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """Start the special procedure of the current step; when it does not count toward the
        legal limit the clock stops (state suspended)."""

        def act(c: _Ctx) -> None:
            step = self._need_step(c, StepKind.SPECIAL, "启动特别程序")
            if c.case.special_running:
                raise WrongState("特别程序已经开始")
            from definitions.models import PROCEDURE_NAMES

            assert step.procedure is not None
            name = PROCEDURE_NAMES[step.procedure]
            c.reason = f"{name}（{step.days}个工作日）" + (
                f"：{note.strip()}" if note.strip() else ""
            )
            c.values["special_running"] = True
            c.values["step_started_on"] = c.today
            c.values["step_due"] = self._step_due(c, step)
            c.notify_extra["counts"] = "计入办理时限" if step.counts else "不计入法定办理时限"
            if not step.counts:
                self._suspend(c, name)
                c.values.update(state=State.SUSPENDED.value, suspended=True)

        return self._act(
            actor, number, "start_special", act, expected_version=expected_version, at=at
        )

    def finish_special(
        self,
        actor: Actor,
        number: str,
        *,
        result: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        def act(c: _Ctx) -> None:
            step = self._need_step(c, StepKind.SPECIAL, "结束特别程序")
            if not c.case.special_running:
                raise WrongState("特别程序尚未开始")
            from definitions.models import PROCEDURE_NAMES

            assert step.procedure is not None
            c.reason = PROCEDURE_NAMES[step.procedure] + (
                f"：{result.strip()}" if result.strip() else ""
            )
            if c.case.suspended:
                self._resume(c)
            c.values.update(special_running=False, state=State.IN_PROGRESS.value, suspended=False)
            self._advance(c)

        return self._act(
            actor, number, "finish_special", act, expected_version=expected_version, at=at
        )

    def return_step(
        self,
        actor: Actor,
        number: str,
        *,
        reason: str,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """退回 to the previous step, with a reason."""

        def act(c: _Ctx) -> None:
            step = c.step
            if (
                step is None
                or c.state not in (State.IN_PROGRESS,)
                or step.kind not in (StepKind.REVIEW, StepKind.SPECIAL, StepKind.DECIDE)
            ):
                raise WrongState("当前环节不能退回（会签部门不同意时请在会签中说明理由）")
            if c.case.special_running:
                raise WrongState("特别程序进行中，不能退回")
            if step.kind is StepKind.DECIDE:
                # only who may decide may send a decision back (not a reviewer of the department)
                target = case_target(c.case, c.pub)
                if not self.authorizer.can(actor.username, "decide", target).allowed:
                    raise NotAllowed("决定环节只能由有权作出决定的首席代表退回")
            c.reason = self._reason(reason, "退回必须说明理由")
            self._go_back(c)

        return self._act(actor, number, "return", act, expected_version=expected_version, at=at)

    def countersign(
        self,
        actor: Actor,
        number: str,
        *,
        agree: bool,
        opinion: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """会签: each listed department's chief representative agrees (or disagrees, with reasons:
        the case returns to the previous step)."""

        def act(c: _Ctx) -> None:
            step = self._need_step(c, StepKind.COUNTERSIGN, "会签")
            via = c.decision.via
            domain = via.domain if via is not None else None
            signed: list[str] = json.loads(c.case.countersigned)
            if domain in signed:
                raise WrongState(f"{domain} 已经会签")
            if not agree:
                c.reason = self._reason(opinion, "不同意会签必须说明理由")
                c.values["countersigned"] = "[]"
                self._go_back(c)
                return
            c.reason = opinion.strip() or "同意"
            signed.append(str(domain))
            c.values["countersigned"] = canonical_json(signed)
            if set(step.departments or ()) <= set(signed):
                c.values["countersigned"] = "[]"
                self._advance(c)
            else:
                remaining = [d for d in step.departments or () if d not in signed]
                c.values["current_domain"] = remaining[0]

        return self._act(
            actor, number, "countersign", act, expected_version=expected_version, at=at
        )

    def decide(
        self,
        actor: Actor,
        number: str,
        *,
        approve: bool,
        reason: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """决定 by the chief representative: approve, or deny with reasons."""

        def act(c: _Ctx) -> None:
            self._need_step(c, StepKind.DECIDE, "决定")
            if approve:
                c.reason = reason.strip() or None
            else:
                c.reason = self._reason(reason, "不予许可必须说明理由")
            c.values.update(decision="approved" if approve else "denied", state=State.DECIDED.value)
            c.notify_extra["decision"] = "准予许可" if approve else f"不予许可（{c.reason}）"
            c.notify_extra["next"] = "请按通知到受理窗口领取结果"
            self._advance(c, skip_to_window=not approve)

        return self._act(actor, number, "decide", act, expected_version=expected_version, at=at)

    def extend(
        self,
        actor: Actor,
        number: str,
        *,
        days: int,
        reason: str,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """延期 by the chief representative, with reasons and basis, bounded by the law."""

        def act(c: _Ctx) -> None:
            if c.state not in (State.IN_PROGRESS, State.SUSPENDED) or c.case.clock is None:
                raise WrongState("只有计时中的案件可以延期")
            text = self._reason(reason, "延期必须说明理由和依据")
            clock = json.loads(c.case.clock)
            inputs = DeadlineInputs.from_json(clock["statutory"])
            used = sum(e.days for e in inputs.extensions)
            allowed = c.pub.definition.limits.extension_days
            if days < 1 or used + days > allowed:
                raise InvalidInput(f"最多可延长 {allowed} 个工作日，已延长 {used} 个工作日")
            for key in ("promised", "statutory"):
                d = DeadlineInputs.from_json(clock[key])
                clock[key] = DeadlineInputs(
                    d.start,
                    d.days,
                    d.suspensions,
                    (*d.extensions, Extension(days, text)),
                    d.limit_name,
                    d.start_verb,
                ).to_json()
            c.values["clock"] = canonical_json(clock)
            c.reason = f"延长{days}个工作日：{text}"
            self._deadlines(c)

        return self._act(actor, number, "extend", act, expected_version=expected_version, at=at)

    # ------------------------------------------------------------------ applicant acts

    def correct(
        self,
        actor: Actor,
        number: str,
        *,
        data: Mapping[str, Any] | None = None,
        materials: Sequence[Mapping[str, Any]] = (),
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """补正 by the applicant: completed data and materials; back to the window."""

        def act(c: _Ctx) -> None:
            self._need_state(c, {State.CORRECTION_REQUESTED}, "补正")
            if data is not None:
                evaluation = c.pub.compiled.evaluate(data)
                if evaluation.errors:
                    raise InvalidInput("申请表有错误，请修改后再提交", evaluation.errors)
                c.values["data"] = canonical_json(evaluation.data)
            self._receive_materials(c, materials, seq=c.case.version + 1)
            c.values.update(state=State.SUBMITTED.value, missing_materials="[]")

        return self._act(actor, number, "correct", act, expected_version=expected_version, at=at)

    def withdraw(
        self,
        actor: Actor,
        number: str,
        *,
        reason: str = "",
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> CaseRecord:
        """撤件 by the applicant, from any open state."""

        def act(c: _Ctx) -> None:
            self._need_state(c, OPEN_STATES, "撤件")
            c.reason = reason.strip() or "申请人撤回申请"
            if c.case.suspended:
                self._resume(c)
            c.values.update(
                state=State.WITHDRAWN.value,
                open=False,
                closed_on=c.today,
                step_index=None,
                current_step=None,
                current_domain=None,
                step_due=None,
                suspended=False,
                special_running=False,
            )

        return self._act(actor, number, "withdraw", act, expected_version=expected_version, at=at)

    # ------------------------------------------------------------------ the clock

    def recompute_deadlines(self, at: datetime | None = None) -> list[str]:
        """After an administrator enters a year: recompute every provisional deadline that
        the calendar can now make firmer, each as an event. Returns the case numbers."""
        with self.sessions() as s:
            numbers = list(
                s.execute(
                    select(Case.number).where(
                        Case.tenant == self.tenant,
                        Case.open.is_(True),
                        Case.due_provisional.is_(True),
                    )
                ).scalars()
            )
        changed = []
        for number in numbers:
            try:
                case = self._act(
                    Actor(SYSTEM), number, "recompute_deadline", self._recompute, at=at, system=True
                )
            except WrongState:
                continue
            changed.append(case.number)
        return changed

    def _recompute(self, c: _Ctx) -> None:
        before = (c.case.due_promised, c.case.due_statutory, c.case.due_provisional)
        self._deadlines(c)
        after = (
            c.values.get("due_promised"),
            c.values.get("due_statutory"),
            c.values.get("due_provisional"),
        )
        if before == after:
            raise WrongState("期限没有变化")
        c.reason = f"工作日历更新，重新计算期限：{before[0]} → {after[0]}"

    # ------------------------------------------------------------------ internals

    def _act(
        self,
        actor: Actor,
        number: str,
        act: str,
        body: Callable[[_Ctx], None],
        *,
        expected_version: int | None = None,
        at: datetime | None = None,
        system: bool = False,
    ) -> CaseRecord:
        now = at or self.now()
        # Take the policy snapshot and the calendar before the transaction: refreshing either
        # needs a connection of its own, which must not wait behind this act's connection.
        calendar = self.calendar()
        with self.authorizer.store.pinned(self.tenant), write_transaction(self.engine) as s:
            row = CASE_BY_NUMBER.first(s, {"t": self.tenant, "n": number})
            if row is None:
                raise NotFound(f"案件 {number} 不存在")
            case = CaseRecord.from_row(row)
            pub = self.catalog.by_id(s, case.item_version_id)
            if system:
                decision = Decision(True, "system", "系统操作", SYSTEM, act)
            else:  # permission first: a refused caller learns nothing of the case's version
                decision = self.authorizer.can(actor.username, act, self.target(case, pub))
                if not decision.allowed:
                    raise NotAllowed(decision.reason)
            if expected_version is not None and case.version != expected_version:
                raise Conflict(
                    f"案件 {number} 已被他人处理（当前第 {case.version} 版，您看到的是第 {expected_version} 版），请刷新后再试"
                )
            ctx = _Ctx(
                s,
                case,
                pub,
                decision,
                now,
                _china_day(now),
                actor_id=self._user_id(actor),
                calendar=calendar,
            )
            body(ctx)
            return self._write(ctx, act, actor)

    def _user_id(self, actor: Actor) -> int | None:
        """The acting user's id as the organisation knows it (never taken from the caller)."""
        if actor.username == SYSTEM:
            return None
        user = self.authorizer.store.snapshot(self.tenant).users.get(actor.username)
        return None if user is None else user.id

    def target(self, case: CaseRecord, pub: Published) -> CaseTarget:
        return case_target(case, pub)

    def _write(self, c: _Ctx, act: str, actor: Actor, new: bool = False) -> CaseRecord:
        conn, case = c.conn, c.case
        old_version = case.version or 0
        changes = diff(case, c.values) if not new else {k: _jv(c.values[k]) for k in PROJECTED}
        changes["version"] = old_version + 1
        via = c.decision.via
        role = (
            via.role
            if isinstance(via, GrantRec | DelegationRec)
            else ("applicant" if c.decision.code in ("own_case", "open_item") else None)
        )
        ev: dict[str, Any] = {
            "tenant": self.tenant,
            "case_id": case.id,
            "seq": old_version + 1,
            "act": act,
            "actor": actor.username,
            "actor_user_id": c.actor_id,
            "role": role,
            "domain": via.domain if via is not None else None,
            "acting_for": via.from_username if isinstance(via, DelegationRec) else None,
            "reason": c.reason,
            "changes": canonical_json(changes),
            "records": records_of(c.materials, c.fees),
            "item_sha256": c.pub.sha256,
            "at": c.now,
            "prev_hash": case.last_hash,
        }
        number = str(c.values.get("number", case.number))
        ev["hash"] = link_hash(case.last_hash, event_body_of(number, ev, changes))
        typed = {k: from_json_value(k, v) for k, v in changes.items()}
        typed["last_hash"] = ev["hash"]
        if new:
            case.update(typed)
            row = {k: getattr(case, k) for k in _INSERTED}
            case.id = ev["case_id"] = CASE_INSERT.scalar(conn, row)
        else:
            written = CASE_CAS.rowcount(conn, {**typed, "b_id": case.id, "b_version": old_version})
            if written != 1:
                raise Conflict(f"案件 {number} 已被他人处理，请刷新后再试")
            # the row was written by the compare-and-set above: mirror it on the record
            case.update(typed)
        event_id = EVENT_INSERT.scalar(conn, ev)
        PENDING_INSERT.rowcount(
            conn, {"event_id": event_id, "tenant": self.tenant, "legacy": False}
        )
        if c.materials:
            for m in c.materials:
                m["case_id"] = case.id
            MATERIAL_INSERT.execute_many(conn, c.materials)
        self._notify(c, act, event_id)
        return case

    def _notify(self, c: _Ctx, act: str, event_id: int) -> None:
        event = NOTIFY_ON.get(act)
        item = c.pub.definition
        mobile = c.values.get("applicant_mobile", c.case.applicant_mobile)
        if event is None or event not in {e.value for e in item.notify} or not mobile:
            return
        due = c.values.get("due_promised", c.case.due_promised)
        state = str(c.values.get("state", c.case.state))
        values = {
            "item": item.name,
            "number": str(c.values.get("number", c.case.number)),
            "query_code": str(c.values.get("query_code", c.case.query_code)),
            "status": STATE_NAMES.get(state, state),
            "reason": c.reason or "",
            "due": f"{due:%Y年%m月%d日}" if isinstance(due, date) else "",
            "query_url": self.config.query_url,
            "phone": item.service.phone,
            "complaint": item.service.complaint,
            "next": "请留意短信通知",
            "decision": "",
            **c.notify_extra,
        }
        OUTBOX_INSERT.rowcount(
            c.conn,
            {
                "tenant": self.tenant,
                "event_id": event_id,
                "case_id": c.case.id,
                "channel": self.config.sms_channel,
                "recipient": str(mobile),
                "template": event,
                "body": render(event, values),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": c.now,
            },
        )

    # -- guards -------------------------------------------------------------------

    @staticmethod
    def _reason(text: str | None, message: str) -> str:
        if text is None or not text.strip():
            raise ReasonRequired(message)
        return text.strip()

    @staticmethod
    def _need_state(c: _Ctx, states: frozenset[State] | set[State], what: str) -> None:
        if c.state not in {s.value for s in states}:
            raise WrongState(f"案件当前状态为“{STATE_NAMES.get(c.state, c.state)}”，不能{what}")

    @staticmethod
    def _need_step(c: _Ctx, kind: StepKind, what: str) -> Step:
        step = c.step
        if c.state in (State.NOT_ACCEPTED, State.WITHDRAWN, State.DELIVERED) or step is None:
            raise WrongState(f"案件当前状态为“{STATE_NAMES.get(c.state, c.state)}”，不能{what}")
        if step.kind is not kind:
            raise WrongState(
                f"当前环节是“{step.name or step.key}”（{step.kind.value}），不能{what}"
            )
        if c.state in PRE_ACCEPT and kind is not StepKind.ACCEPT:
            raise WrongState("案件尚未受理")
        if c.state == State.SUSPENDED and kind is not StepKind.SPECIAL:
            raise WrongState("特别程序进行中，暂停办理")
        return step

    # -- materials ------------------------------------------------------------------

    def _receive_materials(self, c: _Ctx, materials: Sequence[Mapping[str, Any]], seq: int) -> None:
        _check_material_keys(c.pub.definition, materials)
        for m in materials:
            key = str(m["key"])
            c.materials.append(
                {
                    "tenant": self.tenant,
                    "case_id": c.case.id,
                    "material_key": key,
                    "sha256": m.get("sha256"),
                    "name": str(m.get("name") or key),
                    "content_type": m.get("content_type"),
                    "size": m.get("size"),
                    "received_at": c.now,
                    "event_seq": seq,
                }
            )

    def _missing(self, c: _Ctx) -> list[dict[str, str]]:
        """Required materials (for this application) that are not exempt and not yet received."""
        if c.materials_seen is None:
            have = set(MATERIAL_KEYS.scalars(c.conn, {"t": self.tenant, "c": c.case.id}))
        else:  # the case was filed in this very transaction: its materials are all known
            have = set(c.materials_seen)
        have |= {m["material_key"] for m in c.materials}
        return [
            {"key": n.material.key, "name": n.material.name}
            for n in c.pub.compiled.materials_for(c.data)
            if n.required and not n.exempt and n.material.key not in have
        ]

    # -- routing --------------------------------------------------------------------

    def _domain_of(self, c: _Ctx, step: Step) -> str:
        case = c.case
        accepting = str(c.values.get("accepting_domain", case.accepting_domain))
        owner = str(c.values.get("owner_domain", case.owner_domain))
        if step.kind is StepKind.DECIDE and step.at == "window":
            return deciding_domain(owner, accepting, c.pub.definition.levels.decide)
        if step.at == "window":
            return accepting
        if step.at == "owner":
            return owner
        if step.kind is StepKind.COUNTERSIGN and step.departments:
            return step.departments[0]
        return step.at

    def _active(self, c: _Ctx) -> list[int]:
        active = {s.key for s in c.pub.compiled.steps_for(c.data)}
        return [i for i, s in enumerate(c.steps) if s.key in active]

    def _enter(self, c: _Ctx, index: int) -> None:
        step = c.steps[index]
        domain = (
            step.departments[0]
            if step.kind is StepKind.COUNTERSIGN and step.departments
            else self._domain_of(c, step)
        )
        c.values.update(
            step_index=index, current_step=step.key, current_domain=domain, step_started_on=c.today
        )
        c.values["step_due"] = self._step_due(c, step)

    def _step_due(self, c: _Ctx, step: Step) -> date | None:
        if c.pub.definition.handling is Handling.INSTANT:
            return None
        return step_deadline(
            c.calendar or self.calendar(), c.today, step.days, step_name=step.name or step.key
        ).due

    def _advance(
        self, c: _Ctx, *, terminal_state: State | None = None, skip_to_window: bool = False
    ) -> None:
        """Move to the next active step (the case's data decides which steps run)."""
        current = c.values.get("step_index", c.case.step_index)
        assert current is not None
        self._check_payment(c, c.steps[current])
        for i in self._active(c):
            if i <= current:
                continue
            step = c.steps[i]
            if skip_to_window and step.kind not in (StepKind.COMPLETE, StepKind.DELIVER):
                continue
            self._enter(c, i)
            return
        c.values.update(step_index=None, current_step=None, current_domain=None, step_due=None)
        if terminal_state is None:
            c.values.update(state=State.COMPLETED.value, open=False, closed_on=c.today)

    def _go_back(self, c: _Ctx) -> None:
        current = c.values.get("step_index", c.case.step_index)
        assert current is not None
        previous = [i for i in self._active(c) if 0 < i < current]
        step = c.steps[current]
        if not previous and step.kind is StepKind.COUNTERSIGN:
            # A department disagrees right after acceptance: the owner's chief representative
            # decides with that opinion on record (or, without a decide step, signing restarts).
            later = [
                i for i in self._active(c) if i > current and c.steps[i].kind is StepKind.DECIDE
            ]
            if later:
                self._enter(c, later[0])
            else:
                self._enter(c, current)
            c.values["special_running"] = False
            return
        if not previous:
            raise WrongState("没有可以退回的上一环节")
        self._enter(c, previous[-1])
        c.values["special_running"] = False

    def _check_payment(self, c: _Ctx, step: Step) -> None:
        if not step.requires_payment:
            return
        if c.values.get("decision", c.case.decision) == "denied":
            return  # a denial is handed over without payment: the fee is for a grant
        lines = c.pub.compiled.fees_for(c.data)
        if not lines:
            return
        assessed = c.conn.execute(FEES_OF_CASE, {"t": self.tenant, "c": c.case.id}).first()
        if assessed is None:
            raise WrongState("本环节须先核定收费")
        if not bool(c.values.get("fee_paid", c.case.fee_paid)):
            raise WrongState("费用尚未缴纳，本环节须缴费后才能继续")

    # -- clock ----------------------------------------------------------------------

    def _deadlines(self, c: _Ctx) -> None:
        raw = c.values.get("clock", c.case.clock)
        if raw is None:
            return
        clock = json.loads(raw)
        cal = c.calendar or self.calendar()
        promised = compute_deadline(cal, DeadlineInputs.from_json(clock["promised"]), as_of=c.today)
        statutory = compute_deadline(
            cal, DeadlineInputs.from_json(clock["statutory"]), as_of=c.today
        )
        c.values.update(
            due_promised=promised.due,
            due_statutory=statutory.due,
            due_provisional=promised.provisional or statutory.provisional,
        )

    def _suspend(self, c: _Ctx, reason: str) -> None:
        self._edit_clock(
            c,
            lambda d: DeadlineInputs(
                d.start,
                d.days,
                (*d.suspensions, Suspension(c.today, None, reason)),
                d.extensions,
                d.limit_name,
                d.start_verb,
            ),
        )

    def _resume(self, c: _Ctx) -> None:
        def close(d: DeadlineInputs) -> DeadlineInputs:
            closed = tuple(
                Suspension(s.start, c.today, s.reason) if s.end is None else s
                for s in d.suspensions
            )
            return DeadlineInputs(d.start, d.days, closed, d.extensions, d.limit_name, d.start_verb)

        self._edit_clock(c, close)

    def _edit_clock(self, c: _Ctx, change: Callable[[DeadlineInputs], DeadlineInputs]) -> None:
        raw = c.values.get("clock", c.case.clock)
        if raw is None:
            return
        clock = json.loads(raw)
        for key in ("promised", "statutory"):
            clock[key] = change(DeadlineInputs.from_json(clock[key])).to_json()
        c.values["clock"] = canonical_json(clock)
        self._deadlines(c)


def _check_material_keys(item: ItemDefinition, materials: Sequence[Mapping[str, Any]]) -> None:
    keys = {m.key for m in item.materials}
    for m in materials:
        key = str(m.get("key", ""))
        if key not in keys:
            raise InvalidInput(f"事项没有材料“{key}”")


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
    )


#: The columns a new case row is inserted with (all but the surrogate key).
_INSERTED = tuple(c.key for c in CASE.columns if c.key != "id")


def _jv(value: Any) -> Any:
    return to_json_value(value)
