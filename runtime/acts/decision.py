"""决定 by the chief representative (or their dated delegate): approve, or deny with
reasons; a denial goes straight to the window to be handed over."""

from __future__ import annotations

from typing import Unpack

from definitions.models import StepKind
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import advance, not_at_step, required_reason, unpaid
from runtime.states import State


def _guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.DECIDE, "决定")
    return refusal or unpaid(s, "denied" if choice == "deny" else "approved")


@act(
    "decide",
    rank=60,
    guard=_guard,
    choices=[
        Choice("准予许可", value="approve", reason="决定意见（可选）"),
        Choice("不予许可", value="deny", reason="不予许可的理由", danger=True),
    ],
    text=lambda t: {"approve": t.one("value") != "deny", "reason": t.one("reason")},
    done=lambda a: "已作出准予许可的决定" if a["approve"] else "已作出不予许可的决定",
    choice_of=lambda a: "approve" if a["approve"] else "deny",
)
def decide(c: Ctx, *, approve: bool, reason: str = "", **_: Unpack[When]) -> None:
    """决定 by the chief representative: approve, or deny with reasons."""
    if approve:
        c.reason = reason.strip() or None
    else:
        c.reason = required_reason(reason, "不予许可必须说明理由")
    c.values.update(decision="approved" if approve else "denied", state=State.DECIDED.value)
    c.notify_extra["decision"] = "准予许可" if approve else f"不予许可（{c.reason}）"
    c.notify_extra["next"] = "请按通知到受理窗口领取结果"
    advance(c, skip_to_window=not approve)
