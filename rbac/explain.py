"""Explanations of permission decisions, and how a textual target is resolved.

Targets on the command line (and later in the admin UI) are text: a domain name
(``county.scjg``), ``item:<code>`` or ``case:<number>``. Resolution is pluggable and explicit:
the caller hands :func:`resolve_target` its resolvers, a mapping from prefix to a function
``(session, tenant, ref) -> Target`` that reads the *stored* target, so the domain judged
always comes from storage. The house (``house.wiring``) holds them, both from runtime:
``item:`` from the published catalogue (what the county runs, not the files on disk) and
``case:`` from the stored case. There is no global registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from definitions.errors import BanshiError
from definitions.models import ItemDefinition
from definitions.shipped import catalog_dir
from rbac.acts import ACT_NAMES
from rbac.permissions import Decision
from rbac.policy import ROLE_NAMES, DelegationRec, PolicySnapshot
from rbac.targets import CaseTarget, DomainTarget, ItemTarget, Target

Resolver = Callable[[Session, str, str], Target]


class TargetError(BanshiError, LookupError):
    """A target text that names nothing stored."""

    status = 404
    code = "target_unknown"
    default_message = "找不到所说的对象"


def resolve_target(
    session: Session, tenant: str, text: str, resolvers: Mapping[str, Resolver]
) -> Target:
    """``county.scjg`` -> DomainTarget; ``item:CODE`` / ``case:NUMBER`` -> that prefix's
    resolver in ``resolvers``."""
    text = text.strip()
    if ":" not in text:
        return DomainTarget(tenant, text)
    prefix, ref = text.split(":", 1)
    resolver = resolvers.get(prefix)
    if resolver is None:
        known = "、".join(f"{p}:" for p in sorted(resolvers)) or "（无）"
        raise TargetError(f"无法识别的对象 {text!r}：未知前缀 {prefix}:（可用：域名、{known}）")
    return resolver(session, tenant, ref)


def load_catalog(directory: Path | None = None) -> dict[str, ItemDefinition]:
    """The item definitions in ``directory`` (the shipped catalogue when not given) by code;
    files that do not parse are skipped."""
    directory = catalog_dir() if directory is None else directory
    items: dict[str, ItemDefinition] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            item = ItemDefinition.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        items[item.code] = item
    return items


# ----------------------------------------------------------------------------- explanation


def describe_target(target: Target, snap: PolicySnapshot | None = None) -> str:
    def title(name: str | None) -> str:
        if name is None:
            return "—"
        rec = snap.domains.get(name) if snap else None
        return f"{name}（{rec.title}）" if rec else name

    if isinstance(target, DomainTarget):
        return f"域 {title(target.domain)}"
    if isinstance(target, ItemTarget):
        return (
            f"事项 {target.code}：主管 {title(target.owner)}，受理 {'、'.join(target.accept_patterns)}，"
            f"决定 {target.decide}"
        )
    assert isinstance(target, CaseTarget)
    return (
        f"案件 {target.case_id}：主管 {title(target.owner)}，受理于 {title(target.accepting_domain)}，"
        f"当前环节 {title(target.current_domain)}"
    )


def explain(decision: Decision, target: Target, snap: PolicySnapshot | None = None) -> list[str]:
    """Lines saying allow/deny and why: the rule, and the grant or delegation used."""
    lines = [("允许 ALLOW" if decision.allowed else "拒绝 DENY") + f"  [{decision.code}]"]
    user = snap.users.get(decision.user) if snap else None
    who = decision.user + (f"（{user.display_name}）" if user else "")
    if user is not None and not user.active:
        who += " [已停用 inactive]"
    lines.append(f"用户 user:   {who}")
    lines.append(f"操作 act:    {decision.act}（{ACT_NAMES.get(decision.act, '?')}）")
    lines.append(f"对象 target: {describe_target(target, snap)}")
    if decision.domain is not None:
        rec = snap.domains.get(decision.domain) if snap else None
        lines.append(f"判定域 judged in: {decision.domain}" + (f"（{rec.title}）" if rec else ""))
    lines.append(f"理由 reason: {decision.reason}")
    if decision.via is not None:
        lines.append(f"依据 via:    {decision.via.describe()}")
    if snap is not None and user is not None:
        held = [
            f"{ROLE_NAMES.get(g.role, g.role)}@{g.domain}" for g in snap.grants_of(user.username)
        ]
        lines.append("现有授权 grants: " + ("、".join(held) if held else "（无）"))
        live = snap.delegations.get(user.username, ())
        for d in snap.all_delegations:
            if d.to_username == user.username:
                idle = "" if d in live else f" [不生效：{_idle_reason(d, snap)}]"
                lines.append("代理 delegations: " + d.describe() + idle)
    return lines


def _idle_reason(d: DelegationRec, snap: PolicySnapshot) -> str:
    """Why a delegation gives nothing (rbac/policy.py keeps only those that can allow)."""
    delegator = snap.users.get(d.from_username)
    if d.ended:
        return "已结束"
    if delegator is None or not delegator.active:
        return "委托人已停用"
    if not any(g.role == d.role and g.domain == d.domain for g in snap.grants_of(d.from_username)):
        return "委托人已不再持有该角色"
    return "部门负责人不再直接审批（首席代表制）"
