"""The one permission API: ``Authorizer.can(user, act, target) -> Decision`` and ``require``.

The rules (DESIGN §5; acts in rbac/acts.py, targets in rbac/targets.py). The domain that is
judged always comes from the stored target:

* applicant acts (submit, correct, withdraw, evaluate, complain): the case's own applicant
  only (code ``own_case``) — except that a walk-in applicant (a case with no applicant
  account) withdraws at the window: a window clerk of the accepting domain records the
  written request (code ``grant``/``delegation``). ``submit`` on an item (filing one's own
  new application) is open to every active user, also with code ``own_case``. Reading an
  item is public (``open_item``).
* window acts: a window clerk at the case's accepting domain, and only when the item lets
  that domain accept (``township.*`` / ``township.X`` for a township window).
* step acts (review, special procedures, return): a reviewer or chief representative of the
  domain where the current step sits.
* countersign: the chief representative of a listed countersigning department.
* decide, extend: the chief representative of the deciding domain (the owner, or the
  accepting township when the item devolves decisions to townships) or their dated
  delegate. With separation of duties on, whoever accepted the case cannot decide it.
* read: the applicant; window clerks, reviewers, chief representatives and department
  heads of the accepting, owning, current or countersigning domain; supervisors.
* supervision acts: supervisors; admin acts: admins — both over their domain's subtree
  (granted at ``county``: the whole county). Admins never act on cases.
* A grant at a parent never silently covers its children except for those two roles.
* Inactive and unknown users are denied everything; so is any target of another tenant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from definitions.errors import BanshiError
from rbac.acts import ACT_FAMILY, ACT_NAMES
from rbac.policy import (
    HERE,
    ROLE_NAMES,
    SUBTREE,
    GrantRec,
    PolicySnapshot,
    PolicyStore,
    UserRec,
    Via,
)
from rbac.targets import CaseTarget, DomainTarget, ItemTarget, Target, accepts_at, deciding_domain

CHINA = ZoneInfo("Asia/Shanghai")


class HasUsername(Protocol):
    @property
    def username(self) -> str: ...


UserRef = str | HasUsername


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one permission question, with its reason.

    ``code`` is a stable English-ish identifier (``grant``, ``delegation``, ``own_case``,
    ``no_role``, ``separation_of_duties`` …); ``reason`` is the Chinese sentence shown to
    people; ``via`` is the grant or delegation that allowed it; ``domain`` is the stored
    domain that was judged."""

    allowed: bool
    code: str
    reason: str
    user: str
    act: str
    domain: str | None = None
    via: Via | None = None

    def __bool__(self) -> bool:
        return self.allowed


class PermissionDenied(BanshiError):
    """The house's one not-allowed error (``runtime.errors.NotAllowed`` is this class):
    raised by :meth:`Authorizer.require` with the refusing :class:`Decision` (its
    ``reason`` is the message; its own ``code``, e.g. ``no_role``, stays on ``decision``),
    or by an act's own rule with a sentence of its own (``decision`` is then None)."""

    status = 403
    code = "forbidden"
    default_message = "您没有办理此项的权限"

    def __init__(self, decision: Decision | str) -> None:
        self.decision: Decision | None = None if isinstance(decision, str) else decision
        super().__init__(decision if isinstance(decision, str) else decision.reason)

    @property
    def reason(self) -> str:
        return self.message


Lookup = Callable[[str, str, str, str, date], Via | None]


_ANY_DAY = date(2000, 1, 1)


def _china_today() -> date:
    return datetime.now(CHINA).date()


class Authorizer:
    """Answers permission questions from the current policy snapshot of the target's tenant.

    ``separation_of_duties`` comes from settings (passed in explicitly); ``today`` (the
    county's calendar day, for delegations) is injectable; ``use_casbin`` routes every
    role lookup through ``casbin.Enforcer.enforce`` instead of the compiled fast path
    (the two agree — a property test checks it; the fast path is the default)."""

    def __init__(
        self,
        store: PolicyStore,
        *,
        separation_of_duties: bool = True,
        today: Callable[[], date] = _china_today,
        use_casbin: bool = False,
    ) -> None:
        self.store = store
        self.separation_of_duties = separation_of_duties
        self._today_fn = today
        self._today_cache: tuple[float, date] | None = None
        self.use_casbin = use_casbin

    def _today(self) -> date:
        cached = self._today_cache
        now = time.monotonic()
        if cached is not None and now < cached[0]:
            return cached[1]
        today = self._today_fn()
        self._today_cache = (now + 1.0, today)
        return today

    # -- the API --------------------------------------------------------------------

    def can(
        self, user: UserRef, act: str, target: Target, *, today: date | None = None
    ) -> Decision:
        username = user if isinstance(user, str) else user.username
        snap = self.store.snapshot(target.tenant)
        u = snap.users.get(username)
        if u is None:
            return Decision(
                False, "unknown_user", f"用户 {username} 不存在（{target.tenant}）", username, act
            )
        if not u.active:
            return Decision(
                False, "inactive", f"用户 {username} 已停用，不能进行任何操作", username, act
            )
        family = ACT_FAMILY.get(act)
        if family is None:
            return Decision(False, "unknown_act", f"未知的操作 {act!r}", username, act)
        # The day only matters for delegations: skip the clock for users without any.
        day = (
            today
            if today is not None
            else (self._today() if username in snap.delegations else _ANY_DAY)
        )
        lookup: Lookup = snap.lookup_casbin if self.use_casbin else snap.lookup
        if type(target) is CaseTarget:
            return self._case(snap, lookup, u, act, family, target, day)
        if type(target) is DomainTarget:
            return self._domain(snap, lookup, u, act, family, target, day)
        if type(target) is ItemTarget:
            return self._item(snap, lookup, u, act, family, target, day)
        return Decision(False, "unknown_target", f"无法识别的对象 {target!r}", username, act)

    def require(
        self,
        user: UserRef,
        act: str,
        target: Target,
        *,
        today: date | None = None,
        otherwise: Exception | None = None,
    ) -> Decision:
        """Like :meth:`can`, but raise :class:`PermissionDenied` with the reason on a
        refusal — or ``otherwise`` when given: a refused reader is told the case does not
        exist, an act's own rule gives its own sentence."""
        decision = self.can(user, act, target, today=today)
        if not decision.allowed:
            raise otherwise if otherwise is not None else PermissionDenied(decision)
        return decision

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    def _allow(u: UserRec, act: str, domain: str, via: Via) -> Decision:
        code = "grant" if isinstance(via, GrantRec) else "delegation"
        return Decision(
            True, code, f"允许{ACT_NAMES[act]}：{via.text}", u.username, act, domain, via
        )

    @staticmethod
    def _no_role(u: UserRec, act: str, domains: tuple[str, ...] | list[str], what: str) -> Decision:
        where = "、".join(domains) if domains else "（无）"
        return Decision(
            False,
            "no_role",
            f"拒绝{ACT_NAMES[act]}：{u.username} 不是 {where} 的{what}",
            u.username,
            act,
            domains[0] if domains else None,
        )

    @staticmethod
    def _over_subtree(
        snap: PolicySnapshot,
        lookup: Lookup,
        username: str,
        domains: tuple[str, ...],
        family: str,
        day: date,
    ) -> tuple[str, Via] | None:
        for d in domains:
            for ancestor in snap.ancestors.get(d, (d,)):
                via = lookup(username, ancestor, family, SUBTREE, day)
                if via is not None:
                    return d, via
        return None

    # -- cases ------------------------------------------------------------------------

    def _case(
        self,
        snap: PolicySnapshot,
        lookup: Lookup,
        u: UserRec,
        act: str,
        family: str,
        t: CaseTarget,
        day: date,
    ) -> Decision:
        name = u.username
        if family == "applicant":
            if t.applicant_user_id is not None and t.applicant_user_id == u.id:
                return Decision(
                    True,
                    "own_case",
                    f"允许{ACT_NAMES[act]}：{name} 是案件 {t.case_id} 的申请人",
                    name,
                    act,
                )
            if act == "withdraw" and t.applicant_user_id is None:
                # 撤件 of a walk-in applicant (no account): recorded at the accepting window
                # by its clerk, with the applicant's written request (DOMAIN-FACTS: abnormal
                # ends such as 撤件 need a reason; the window is where the applicant deals).
                d = t.accepting_domain
                via = lookup(name, d, "window", HERE, day)
                if via is not None:
                    return self._allow(u, act, d, via)
                return self._no_role(
                    u, act, (d,), "受理窗口人员（现场申请人的书面撤件由受理窗口登记）"
                )
            return Decision(
                False,
                "not_own_case",
                f"拒绝{ACT_NAMES[act]}：申请人只能办理本人的案件，案件 {t.case_id} 不属于 {name}",
                name,
                act,
            )
        if family == "window":
            d = t.accepting_domain
            if not accepts_at(t.accept_patterns, d):
                return Decision(
                    False,
                    "not_acceptable_here",
                    f"拒绝{ACT_NAMES[act]}：事项不允许在 {d} 受理（可受理：{'、'.join(t.accept_patterns)}）",
                    name,
                    act,
                    d,
                )
            via = lookup(name, d, family, HERE, day)
            return (
                self._allow(u, act, d, via)
                if via
                else self._no_role(u, act, (d,), "受理窗口人员（window_clerk）")
            )
        if family == "step":
            if t.current_domain is None:
                return Decision(
                    False,
                    "no_current_step",
                    f"拒绝{ACT_NAMES[act]}：案件 {t.case_id} 当前没有待办环节",
                    name,
                    act,
                )
            d = t.current_domain
            via = lookup(name, d, family, HERE, day)
            return (
                self._allow(u, act, d, via)
                if via
                else self._no_role(u, act, (d,), "审查员或首席代表")
            )
        if family == "countersign":
            for d in t.countersign_departments:
                via = lookup(name, d, family, HERE, day)
                if via:
                    return self._allow(u, act, d, via)
            return self._no_role(u, act, t.countersign_departments, "会签部门首席代表")
        if family == "extension":
            return self._extension(snap, lookup, u, act, t, day)
        if family == "decision":
            d = deciding_domain(t.owner, t.accepting_domain, t.decide)
            via = lookup(name, d, family, HERE, day)
            if via is None:
                return self._no_role(u, act, (d,), "首席代表（或其代理人）")
            if act == "decide" and self.separation_of_duties and t.accepted_by_user_id == u.id:
                return Decision(
                    False,
                    "separation_of_duties",
                    f"拒绝决定：{name} 受理了案件 {t.case_id}，受理人不能决定同一案件（职责分离）",
                    name,
                    act,
                    d,
                    via,
                )
            return self._allow(u, act, d, via)
        domains = _case_domains(t)
        if family == "read":
            if t.applicant_user_id is not None and t.applicant_user_id == u.id:
                return Decision(
                    True, "own_case", f"允许查阅：{name} 是案件 {t.case_id} 的申请人", name, act
                )
            for d in domains:
                via = lookup(name, d, family, HERE, day)
                if via:
                    return self._allow(u, act, d, via)
            found = self._over_subtree(snap, lookup, name, domains, family, day)
            if found:
                return self._allow(u, act, found[0], found[1])
            return self._no_role(u, act, domains, "相关工作人员或监察员")
        if family == "supervision":
            found = self._over_subtree(snap, lookup, name, domains, family, day)
            if found:
                return self._allow(u, act, found[0], found[1])
            return self._no_role(u, act, domains, "（或上级的）电子监察员")
        return Decision(
            False,
            "admin_not_on_cases",
            f"拒绝{ACT_NAMES[act]}：管理操作不作用于案件（管理员不办理案件）",
            name,
            act,
        )

    def _extension(
        self,
        snap: PolicySnapshot,
        lookup: Lookup,
        u: UserRec,
        act: str,
        t: CaseTarget,
        day: date,
    ) -> Decision:
        """延期: the role the item's definition names, in the deciding domain or the domain
        it names (行政许可法第四十二条: 本行政机关负责人; a joint item's extension is the
        county government head's; 政府信息公开条例第三十三条: the head of the disclosure
        office), held by a grant or a dated delegation."""
        d = (
            deciding_domain(t.owner, t.accepting_domain, t.decide)
            if t.extend_at == "decider"
            else t.extend_at
        )
        via = lookup(u.username, d, "extension", HERE, day)
        if via is not None and via.role != t.extend_by:
            # the user holds several roles there: a standing grant of the one the item names
            via = next(
                (g for g in snap.grants_of(u.username) if g.role == t.extend_by and g.domain == d),
                None,
            )
        if via is None:
            role = ROLE_NAMES.get(t.extend_by, t.extend_by)
            return self._no_role(u, act, (d,), f"{role}（{t.extend_by}，本事项规定的延期审批人）")
        return self._allow(u, act, d, via)

    # -- domains ----------------------------------------------------------------------

    def _domain(
        self,
        snap: PolicySnapshot,
        lookup: Lookup,
        u: UserRec,
        act: str,
        family: str,
        t: DomainTarget,
        day: date,
    ) -> Decision:
        name, d = u.username, t.domain
        if d not in snap.domains:
            return Decision(
                False, "unknown_domain", f"拒绝{ACT_NAMES[act]}：组织机构中没有 {d}", name, act, d
            )
        if family == "applicant":
            return Decision(
                False,
                "not_a_case",
                f"拒绝{ACT_NAMES[act]}：申请人只能对本人的案件{ACT_NAMES[act]}",
                name,
                act,
                d,
            )
        if family in ("supervision", "admin", "read"):
            if family == "read":
                via = lookup(name, d, family, HERE, day)
                if via:
                    return self._allow(u, act, d, via)
            found = self._over_subtree(snap, lookup, name, (d,), family, day)
            if found:
                return self._allow(u, act, d, found[1])
            what = {"read": "工作人员或监察员", "supervision": "（或上级的）电子监察员"}.get(
                family, "（或上级的）系统管理员"
            )
            return self._no_role(u, act, (d,), what)
        if family == "extension":  # no item named: the default, the chief representative
            family = "decision"
        via = lookup(name, d, family, HERE, day)
        return (
            self._allow(u, act, d, via)
            if via
            else self._no_role(u, act, (d,), _FAMILY_ROLES[family])
        )

    # -- items ------------------------------------------------------------------------

    def _item(
        self,
        snap: PolicySnapshot,
        lookup: Lookup,
        u: UserRec,
        act: str,
        family: str,
        t: ItemTarget,
        day: date,
    ) -> Decision:
        name = u.username
        if family == "applicant":
            if act == "submit":
                return Decision(
                    True,
                    "own_case",
                    f"允许提交申请：任何用户都可以为本人申请事项 {t.code}（申请人本人的新案件）",
                    name,
                    act,
                    t.owner,
                )
            return Decision(
                False,
                "not_a_case",
                f"拒绝{ACT_NAMES[act]}：申请人只能对本人的案件{ACT_NAMES[act]}",
                name,
                act,
                t.owner,
            )
        if family == "read":
            return Decision(
                True, "open_item", f"允许查阅：事项 {t.code} 的办事指南公开", name, act, t.owner
            )
        if family == "window":
            for d, held in snap.holdings(name, family, HERE, day):
                if accepts_at(t.accept_patterns, d):
                    return self._allow(u, act, d, held)
            return self._no_role(u, act, t.accept_patterns, "受理窗口人员（window_clerk）")
        if family == "step":
            via = lookup(name, t.owner, family, HERE, day)
            return (
                self._allow(u, act, t.owner, via)
                if via
                else self._no_role(u, act, (t.owner,), "审查员或首席代表")
            )
        if family == "countersign":
            for d in t.countersign_departments:
                via = lookup(name, d, family, HERE, day)
                if via:
                    return self._allow(u, act, d, via)
            return self._no_role(u, act, t.countersign_departments, "会签部门首席代表")
        if family in ("decision", "extension"):
            family = "decision"  # no case: the default extender, the chief representative
            via = lookup(name, t.owner, family, HERE, day)
            if via:
                return self._allow(u, act, t.owner, via)
            if t.decide == "township":
                for d, held in snap.holdings(name, family, HERE, day):
                    if d.startswith("township."):
                        return self._allow(u, act, d, held)
                return self._no_role(u, act, (t.owner, "township.*"), "首席代表（或其代理人）")
            return self._no_role(u, act, (t.owner,), "首席代表（或其代理人）")
        found = self._over_subtree(snap, lookup, name, (t.owner,), family, day)
        if found:
            return self._allow(u, act, t.owner, found[1])
        what = "（或上级的）电子监察员" if family == "supervision" else "（或上级的）系统管理员"
        return self._no_role(u, act, (t.owner,), what)


_FAMILY_ROLES: dict[str, str] = {
    "window": "受理窗口人员（window_clerk）",
    "step": "审查员或首席代表",
    "countersign": "首席代表",
    "decision": "首席代表（或其代理人）",
    "extension": "有权延期的负责人（或其代理人）",
}


def _case_domains(t: CaseTarget) -> tuple[str, ...]:
    """The domains a case concerns: accepting, owning, current, countersigning (in order)."""
    out = [t.accepting_domain]
    for d in (t.owner, t.current_domain, *t.countersign_departments):
        if d is not None and d not in out:
            out.append(d)
    return tuple(out)
