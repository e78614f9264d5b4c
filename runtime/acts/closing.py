"""Closing a case: 办结 (complete) at the window, 送达 (deliver) of the result, and the
applicant's 撤件 (withdraw) from any open state."""

from __future__ import annotations

from typing import Unpack

from definitions.models import Handling, StepKind
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import advance, not_at_step, not_in_state, resume, unpaid
from runtime.states import OPEN_STATES, State


def _complete_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.COMPLETE, "办结")
    if refusal is not None:
        return refusal
    decision = s.case.decision
    if decision is None:
        if s.pub.definition.handling is not Handling.INSTANT:
            return "尚未作出决定，不能办结"
        decision = "approved"  # the instant item's on-the-spot decision
    return unpaid(s, decision)


@act(
    "complete",
    rank=100,
    guard=_complete_guard,
    choices=[Choice("办结")],
    done="已办结",
)
def complete(c: Ctx, **_: Unpack[When]) -> None:
    """办结 at the window: the decision (or the instant item's on-the-spot one) is handed over."""
    decision = c.values.get("decision", c.case.decision)
    if decision is None:
        c.values["decision"] = decision = "approved"
    c.values.update(state=State.COMPLETED.value, open=False, closed_on=c.today)
    c.notify_extra["decision"] = "准予办理" if decision == "approved" else "不予许可"
    advance(c, terminal_state=State.COMPLETED)


def _deliver_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.DELIVER, "送达")
    if refusal is None and s.state != State.COMPLETED:
        return "尚未办结，不能送达"
    return refusal


@act("deliver", rank=110, guard=_deliver_guard, choices=[Choice("送达")], done="已送达")
def deliver(c: Ctx, **_: Unpack[When]) -> None:
    """送达 of the result."""
    c.values.update(
        state=State.DELIVERED.value,
        step_index=None,
        current_step=None,
        current_domain=None,
        step_due=None,
    )


@act(
    "withdraw",
    rank=150,
    guard=lambda s, _: not_in_state(s, OPEN_STATES, "撤件"),
    choices=[Choice("撤回申请", reason="撤回理由（可选）", danger=True)],
    text=lambda t: {"reason": t.one("reason")},
    done="已撤回申请",
)
def withdraw(c: Ctx, *, reason: str = "", **_: Unpack[When]) -> None:
    """撤件 by the applicant, from any open state."""
    c.reason = reason.strip() or "申请人撤回申请"
    if c.case.suspended:
        resume(c)
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
