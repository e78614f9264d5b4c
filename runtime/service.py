"""The case engine's service API: every legal act, guarded by state, permission and reason.

``CaseService`` is the one entry point callers use (``cases.accept(actor, number, …)``);
the acts themselves live by family in ``runtime/acts/`` and register in one registry
(``runtime/acts/registry.py``), which also answers which acts are possible now.

Each act runs in one transaction: read the case, ask rbac (the domain comes from the stored
case), run the act's guard (the state machine) and its body (the law's demands and the new
projected values), write them with compare-and-set on the version column, append one
chained event and the outbox rows. On any refusal or failure nothing is written. No HTTP,
no HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, Generic, ParamSpec, cast, overload

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import write_transaction
from db.prepared import Prepared
from definitions.canonical import canonical_json
from definitions.compile import Evaluation
from rbac.permissions import Authorizer, Decision
from rbac.targets import CaseTarget, ItemTarget, accepts_at
from runtime.acts import clock, closing, decision, fees, filing, special, steps, supplement
from runtime.acts.context import (
    SYSTEM,
    Actor,
    Ctx,
    ServiceConfig,
    Situation,
    case_target,
    china_day,
    window_target,
)
from runtime.acts.registry import ACTS, ActSpec, Offer, possible
from runtime.acts.rules import check_material_keys, need, receive_materials
from runtime.acts.writing import CASE
from runtime.acts.writing import write as write_act
from runtime.applicant import checked_applicant
from runtime.calendar import WorkCalendar
from runtime.case_record import CaseRecord
from runtime.case_tables import Case
from runtime.chain import GENESIS, PROJECTED
from runtime.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongState
from runtime.numbers import case_number, query_code
from runtime.publishing import Catalog, Published
from runtime.states import State

__all__ = [
    "Actor",
    "Applicant",
    "CaseService",
    "ServiceConfig",
    "case_target",
    "window_target",
]

P = ParamSpec("P")
CASE_BY_NUMBER = Prepared(
    select(CASE).where(CASE.c.tenant == bindparam("t"), CASE.c.number == bindparam("n"))
)


@dataclass(frozen=True)
class Applicant:
    name: str
    mobile: str | None = None
    user_id: int | None = None


class ActMethod(Generic[P]):
    """``CaseService.<act>(actor, number, **arguments, expected_version=…, at=…)``: one
    registered act as a method (the arguments are the act body's)."""

    def __init__(self, spec: ActSpec[P]) -> None:
        self.spec = spec

    @overload
    def __get__(self, service: None, owner: type) -> ActMethod[P]: ...
    @overload
    def __get__(
        self, service: CaseService, owner: type
    ) -> Callable[Concatenate[Actor, str, P], CaseRecord]: ...
    def __get__(
        self, service: CaseService | None, owner: type
    ) -> ActMethod[P] | Callable[Concatenate[Actor, str, P], CaseRecord]:
        if service is None:
            return self
        spec = self.spec

        def perform(actor: Actor, number: str, /, *args: P.args, **kwargs: P.kwargs) -> CaseRecord:
            if args:
                raise TypeError(f"{spec.name}: the act's arguments are passed by keyword")
            return service.perform(actor, number, spec.name, **cast("dict[str, Any]", kwargs))

        return perform


class CaseService:
    """Plain Python acts for web/ and admin/; each takes the acting user."""

    accept = ActMethod(filing.accept)
    request_correction = ActMethod(filing.request_correction)
    refuse = ActMethod(filing.refuse)
    correct = ActMethod(filing.correct)
    review = ActMethod(steps.review)
    forward = ActMethod(steps.forward)
    return_step = ActMethod(steps.return_step)
    countersign = ActMethod(steps.countersign)
    start_special = ActMethod(special.start_special)
    finish_special = ActMethod(special.finish_special)
    ask_applicant = ActMethod(supplement.ask_applicant)
    applicant_replied = ActMethod(supplement.applicant_replied)
    decide = ActMethod(decision.decide)
    complete = ActMethod(closing.complete)
    deliver = ActMethod(closing.deliver)
    withdraw = ActMethod(closing.withdraw)
    assess_fee = ActMethod(fees.assess_fee)
    record_payment = ActMethod(fees.record_payment)
    extend = ActMethod(clock.extend)

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
            self.refuse_retired(pub)
            decision = self.authorizer.require(
                actor.username, "submit", ItemTarget.from_definition(self.tenant, item)
            )
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
            check_material_keys(item, materials)
            number = self._number_outside(now)
            with write_transaction(self.engine) as s:
                if number is None:
                    number = case_number(s, self.tenant, china_day(now))
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
                ctx = self._ctx(s, case, pub, decision, now, calendar, actor)
                ctx.values = values
                receive_materials(ctx, materials, seq=1)
                case = write_act(ctx, "submit", actor, self.config, new=True)
                if not accept:
                    return case
                decision = self.authorizer.require(actor.username, "accept", case_target(case, pub))
                then = self._ctx(s, case, pub, decision, now, calendar, actor)
                then.materials_seen = {m["material_key"] for m in ctx.materials}
                return self._apply(then, filing.accept, {})

    def refuse_retired(self, pub: Published) -> None:
        """An item the reform office retired takes no new application (runtime/retirement)."""
        retired = self.catalog.retired.cached(self.tenant)
        if retired is None:
            with self.engine.connect() as conn:
                retired = self.catalog.retired.of(conn, self.tenant)
        if pub.code in retired:
            raise WrongState(
                f"事项“{pub.definition.name}”已停止办理，不再受理新的申请（已受理的案件照常办理）"
            )

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
            return case_number(conn, self.tenant, china_day(now), upsert=True)

    # ------------------------------------------------------------------ acts on a case

    def perform(
        self,
        actor: Actor,
        number: str,
        act: str,
        *,
        expected_version: int | None = None,
        at: datetime | None = None,
        **arguments: Any,
    ) -> CaseRecord:
        """Perform the registered act ``act`` on case ``number`` with the body's arguments."""
        spec = ACTS.get(act)
        if spec is None or spec.system:
            raise NotFound(f"没有这种操作：{act}")
        return self._act(actor, number, spec, arguments, expected_version, at)

    def possible(
        self, username: str, case: Case | CaseRecord, pub: Published, conn: Any
    ) -> list[Offer]:
        """The acts ``username`` may perform on ``case`` now (state machine and permission),
        with their labels, in the order they are shown; ``conn`` reads what the guards need
        beyond the case row (whether fees were assessed)."""
        return possible(
            self.authorizer,
            username,
            Situation(conn, case, pub, today=china_day(self.now())),
            case_target(case, pub),
        )

    def recompute_deadlines(
        self, at: datetime | None = None, *, years: Sequence[int] = ()
    ) -> list[str]:
        """Recompute every open case whose deadlines are provisional or touch ``years``,
        each as an event (before → after for both dates); returns the numbers changed.
        After a calendar change prefer :func:`runtime.calendar_recompute.recompute_pending`
        (which also marks the change done); every calendar command runs it."""
        from runtime.calendar_recompute import recompute_cases

        return recompute_cases(self, years, at=at)[1]

    def recompute_case(self, number: str, years: str = "", *, at: datetime | None = None) -> bool:
        """The system act ``recompute_deadline`` on one case; False when nothing moved."""
        try:
            self._act(Actor(SYSTEM), number, clock.recompute_deadline, {"years": years}, None, at)
        except (WrongState, Conflict):
            return False  # unchanged (nothing written), or another act got there first
        return True

    # ------------------------------------------------------------------ internals

    def _act(
        self,
        actor: Actor,
        number: str,
        spec: ActSpec[Any],
        arguments: Mapping[str, Any],
        expected_version: int | None,
        at: datetime | None,
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
            if spec.system:
                decision = Decision(True, "system", "系统操作", SYSTEM, spec.name)
            else:  # permission first: a refused caller learns nothing of the case's version
                decision = self.authorizer.require(
                    actor.username, spec.name, case_target(case, pub)
                )
            if expected_version is not None and case.version != expected_version:
                raise Conflict(
                    f"案件 {number} 已被他人处理（当前第 {case.version} 版，您看到的是第 {expected_version} 版），请刷新后再试"
                )
            ctx = self._ctx(s, case, pub, decision, now, calendar, actor)
            return self._apply(ctx, spec, arguments)

    def _ctx(
        self,
        conn: Any,
        case: CaseRecord,
        pub: Published,
        decision: Decision,
        now: datetime,
        calendar: WorkCalendar,
        actor: Actor,
    ) -> Ctx:
        return Ctx(
            conn,
            case,
            pub,
            decision,
            now=now,
            calendar=calendar,
            actor=actor,
            authorizer=self.authorizer,
            actor_id=self._user_id(actor),
        )

    def _apply(self, ctx: Ctx, spec: ActSpec[Any], arguments: Mapping[str, Any]) -> CaseRecord:
        """The act's guard (the registry's state machine), its body, then the write."""
        need(spec.refusal(ctx, spec.choice_of(arguments)))
        spec.body(ctx, **arguments)
        return write_act(ctx, spec.name, ctx.actor, self.config)

    def _user_id(self, actor: Actor) -> int | None:
        """The acting user's id as the organisation knows it (never taken from the caller)."""
        if actor.username == SYSTEM:
            return None
        user = self.authorizer.store.snapshot(self.tenant).users.get(actor.username)
        return None if user is None else user.id

    def target(self, case: CaseRecord, pub: Published) -> CaseTarget:
        return case_target(case, pub)
