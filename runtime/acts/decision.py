"""决定 by the chief representative (or their dated delegate): approve, or deny with
reasons; a denial goes straight to the window to be handed over.

The decision stops the statutory clock (行政许可法第四十二条: the limit runs from
acceptance to the decision); steps after it (issuing and delivering the certificate,
第四十四条: 10 days of their own; an acceptance inspection after construction) keep their
own step budgets and never make the case late, and the case stays 已决定 through them.

Every item can be refused after acceptance (第三十八条第二款: a refusal, with reasons and
the applicant's remedies). An item without a decide step (an instant item, 即办件, decided
on the spot at the window) is refused at its completing step: the only choice offered
there is 不予许可, by whoever may decide the item.
"""

from __future__ import annotations

from typing import Unpack

from definitions.models import StepKind
from runtime.acts.clock import stop_clock
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import advance, not_at_step, required_reason, unpaid
from runtime.messages import decision_text
from runtime.states import State


def _refused_at_completion(s: Situation) -> bool:
    """The current step completes an item that has no decide step, nothing decided yet."""
    step = s.step
    return (
        step is not None
        and step.kind is StepKind.COMPLETE
        and s.case.decision is None
        and not any(x.kind is StepKind.DECIDE for x in s.steps)
    )


def _grant(s: Situation) -> str:
    return s.pub.definition.decision.grant


def _deny(s: Situation) -> str:
    return s.pub.definition.decision.deny


def _guard(s: Situation, choice: str | None) -> str | None:
    if _refused_at_completion(s):
        refusal = not_at_step(s, StepKind.COMPLETE, "决定")
        if refusal is None and choice != "deny":
            return "本事项当场办结即为准予，无须另行决定"
        return refusal
    refusal = not_at_step(s, StepKind.DECIDE, "决定")
    return refusal or unpaid(s, "denied" if choice == "deny" else "approved")


@act(
    "decide",
    rank=60,
    guard=_guard,
    choices=[
        Choice(_grant, value="approve", reason="决定意见（可选）"),
        Choice(_deny, value="deny", reason="不予的理由", danger=True),
    ],
    text=lambda t: {"approve": t.one("value") != "deny", "reason": t.one("reason")},
    done=lambda a: "已作出准予许可的决定" if a["approve"] else "已作出不予许可的决定",
    choice_of=lambda a: "approve" if a["approve"] else "deny",
)
def decide(c: Ctx, *, approve: bool, reason: str = "", **_: Unpack[When]) -> None:
    """决定 by the chief representative: approve, or deny with reasons. The clock stops."""
    at_completion = _refused_at_completion(c)
    if approve:
        c.reason = reason.strip() or None
    else:
        c.reason = required_reason(reason, "不予许可必须说明理由")
    c.values.update(decision="approved" if approve else "denied", state=State.DECIDED.value)
    stop_clock(c)
    c.notify_extra["decision"] = decision_text(  # the item's wording (decision.grant / deny)
        c.pub.definition.decision, "approved" if approve else "denied", c.reason
    )
    c.notify_extra["next"] = "请按通知到受理窗口领取结果"
    if not at_completion:  # a refusal at the completing step stays there, at the window
        advance(c, skip_to_window=not approve)
