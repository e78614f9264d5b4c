"""Working through the steps: 审查 (review), 上报 (forward), 退回 (return) and 会签
(countersign)."""

from __future__ import annotations

import json
from typing import Any, Unpack

from definitions.canonical import canonical_json
from definitions.models import StepKind
from runtime.acts.context import Ctx, Situation, case_target
from runtime.acts.registry import Choice, Texts, When, act
from runtime.acts.rules import advance, go_back, not_at_step, required_reason, unpaid
from runtime.errors import NotAllowed
from runtime.states import State


@act(
    "review",
    rank=40,
    guard=lambda s, _: not_at_step(s, StepKind.REVIEW, "审查") or unpaid(s, s.case.decision),
    choices=[Choice("审查通过，转下一环节", reason="审查意见")],
    text=lambda t: {"opinion": t.one("reason")},
    done="审查完成，已转下一环节",
)
def review(c: Ctx, *, opinion: str = "", **_: Unpack[When]) -> None:
    """审查: the reviewer finishes the review step with an opinion."""
    c.reason = opinion.strip() or None
    advance(c)


@act(
    "forward",
    rank=90,
    guard=lambda s, _: not_at_step(s, StepKind.FORWARD, "上报") or unpaid(s, s.case.decision),
    choices=[Choice("上报县级主管部门")],
    done="已上报县级主管部门",
)
def forward(c: Ctx, **_: Unpack[When]) -> None:
    """上报: the township window sends a reported item up to the county department."""
    advance(c)


#: Steps a case may be sent back from (a special procedure is finished, not sent back).
_RETURNABLE = (StepKind.REVIEW, StepKind.DECIDE)


def _return_guard(s: Situation, choice: str | None) -> str | None:
    step = s.step
    if step is None or s.state != State.IN_PROGRESS or step.kind not in _RETURNABLE:
        return "当前环节不能退回（会签部门不同意时请在会签中说明理由）"
    if s.case.special_running:
        return "特别程序进行中，不能退回"
    if not _earlier_steps(s):
        return "没有可以退回的上一环节：本环节之前只有窗口受理"
    return None


def _earlier_steps(s: Situation) -> list[int]:
    """The steps before the current one (after acceptance) that run for this case's data:
    where a return can go. The first step after acceptance has none, so ``return`` is not
    offered there (DESIGN §3: a step may be returned to the previous one)."""
    current = (
        s.case.step_index
        if not isinstance(s, Ctx)
        else s.values.get("step_index", s.case.step_index)
    )
    if current is None:
        return []
    running = {step.key for step in s.pub.compiled.steps_for(s.data)}
    return [i for i, step in enumerate(s.steps) if 0 < i < current and step.key in running]


def _return_needs(s: Situation) -> str | None:
    """Only who may decide may send a decision back (not a reviewer of the department)."""
    step = s.step
    return "decide" if step is not None and step.kind is StepKind.DECIDE else None


@act(
    "return",
    rank=70,
    guard=_return_guard,
    choices=[Choice("退回上一环节", reason="退回理由", danger=True)],
    text=lambda t: {"reason": t.one("reason")},
    done="已退回上一环节",
    also_needs=_return_needs,
)
def return_step(c: Ctx, *, reason: str, **_: Unpack[When]) -> None:
    """退回 to the previous step, with a reason."""
    needs = _return_needs(c)
    if needs is not None:
        assert c.authorizer is not None
        refused = NotAllowed("决定环节只能由有权作出决定的首席代表退回")
        c.authorizer.require(c.actor.username, needs, case_target(c.case, c.pub), otherwise=refused)
    c.reason = required_reason(reason, "退回必须说明理由")
    go_back(c)


def _signer(s: Situation) -> str | None:
    via = s.decision.via if s.decision is not None else None
    return via.domain if via is not None else None


def _countersign_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.COUNTERSIGN, "会签")
    if refusal is not None or s.decision is None:
        return refusal  # whose turn it is is known once the user is
    domain = _signer(s)
    signed: list[str] = json.loads(s.case.countersigned)
    if domain in signed:
        return f"{domain} 已经会签"
    step = s.step
    assert step is not None
    if choice != "disagree" and set(step.departments or ()) <= {*signed, str(domain)}:
        return unpaid(s, s.case.decision)  # the last signature leaves the step
    return None


def _countersign_text(t: Texts) -> dict[str, Any]:
    return {"agree": t.one("value") != "disagree", "opinion": t.one("reason")}


@act(
    "countersign",
    rank=80,
    guard=_countersign_guard,
    choices=[
        Choice("同意（会签）", value="agree", reason="会签意见（可选）"),
        Choice("不同意", value="disagree", reason="不同意的理由", danger=True),
    ],
    text=_countersign_text,
    done=lambda a: "已会签" if a["agree"] else "已提出不同意见，退回上一环节",
    choice_of=lambda a: "agree" if a["agree"] else "disagree",
)
def countersign(c: Ctx, *, agree: bool, opinion: str = "", **_: Unpack[When]) -> None:
    """会签: each listed department's chief representative agrees (or disagrees, with reasons:
    the case returns to the previous step)."""
    step = c.step
    assert step is not None
    domain = _signer(c)
    signed: list[str] = json.loads(c.case.countersigned)
    if not agree:
        c.reason = required_reason(opinion, "不同意会签必须说明理由")
        c.values["countersigned"] = "[]"
        go_back(c)
        return
    c.reason = opinion.strip() or "同意"
    signed.append(str(domain))
    c.values["countersigned"] = canonical_json(signed)
    if set(step.departments or ()) <= set(signed):
        c.values["countersigned"] = "[]"
        advance(c)
    else:
        remaining = [d for d in step.departments or () if d not in signed]
        c.values["current_domain"] = remaining[0]
