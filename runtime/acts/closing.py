"""Closing a case: 办结 (complete) at the window, 送达 (deliver) of the result, and 撤件
(withdraw) from any open state — by the applicant online, or for a walk-in applicant at the
accepting window, where the clerk records the written request."""

from __future__ import annotations

from typing import Unpack

from definitions.models import Handling, StepKind
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import (
    advance,
    not_at_step,
    not_in_state,
    required_reason,
    resume,
    unpaid,
)
from runtime.messages import decision_text
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
    c.notify_extra["decision"] = decision_text(c.pub.definition.decision, decision)
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


def _by_window(s: Situation) -> bool:
    """Whether the permission that let the user withdraw is a window clerk's (a walk-in
    applicant's written request), not the applicant's own (``own_case``)."""
    return s.decision is not None and s.decision.code in ("grant", "delegation")


def _withdraw_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_in_state(s, OPEN_STATES, "撤件")
    if refusal is not None:
        return refusal
    applicant = s.decision is not None and s.decision.code == "own_case"
    if choice == WRITTEN and applicant:
        return "申请人本人撤件，无须窗口登记书面申请"
    if choice != WRITTEN and _by_window(s):
        return "窗口登记撤件须录入申请人的书面撤回申请"
    return None


#: The choice of a clerk recording a walk-in applicant's written request at the window.
WRITTEN = "written"


@act(
    "withdraw",
    rank=150,
    guard=_withdraw_guard,
    choices=[
        Choice("撤回申请", reason="撤回理由（可选）", danger=True),
        Choice(
            "登记书面撤件申请",
            value=WRITTEN,
            reason="申请人书面撤回申请（申请人姓名、日期及撤回理由，必填）",
            danger=True,
        ),
    ],
    text=lambda t: {"reason": t.one("reason"), "written": t.one("value") == WRITTEN},
    done=lambda a: "已登记书面撤件申请，案件已撤回" if a.get("written") else "已撤回申请",
    choice_of=lambda a: WRITTEN if a.get("written") else None,
)
def withdraw(c: Ctx, *, reason: str = "", written: bool = False, **_: Unpack[When]) -> None:
    """撤件, from any open state: by the applicant on their own case, or — for a walk-in
    applicant without an account — recorded at the accepting window by its clerk, who
    enters the applicant's written request (an abnormal end needs a reason)."""
    if written or _by_window(c):
        text = required_reason(reason, "窗口登记撤件须录入申请人的书面撤回申请")
        c.reason = f"申请人书面申请撤件（窗口登记）：{text}"
    else:
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
