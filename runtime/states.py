"""Case states (DESIGN §3) and which act moves a case on at each kind of step."""

from __future__ import annotations

from enum import StrEnum

from definitions.models import StepKind
from definitions.stepkinds import default_step_kinds


class State(StrEnum):
    SUBMITTED = "submitted"  # 已接件: awaiting the window's pre-review
    CORRECTION_REQUESTED = "correction_requested"  # 补正: one-time notice sent, clock not started
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    IN_PROGRESS = "in_progress"  # 已受理, steps running
    SUSPENDED = "suspended"  # special procedure that stops the clock
    DECIDED = "decided"  # 审批通过 / 不予许可, awaiting completion at the window
    COMPLETED = "completed"  # 办结
    DELIVERED = "delivered"  # 送达
    WITHDRAWN = "withdrawn"  # 撤件


STATE_NAMES: dict[str, str] = {
    "submitted": "已接件，待受理",
    "correction_requested": "待补正",
    "not_accepted": "不予受理",
    "in_progress": "办理中",
    "suspended": "特别程序中（暂停计时）",
    "decided": "已决定，待办结",
    "completed": "已办结",
    "delivered": "已送达",
    "withdrawn": "已撤件",
}

#: States from which the applicant may still withdraw.
OPEN_STATES = frozenset(
    {State.SUBMITTED, State.CORRECTION_REQUESTED, State.IN_PROGRESS, State.SUSPENDED, State.DECIDED}
)
#: Before acceptance.
PRE_ACCEPT = frozenset({State.SUBMITTED, State.CORRECTION_REQUESTED})
#: Nothing more can happen (completed may still be delivered when the item has a deliver step).
TERMINAL = frozenset({State.NOT_ACCEPTED, State.DELIVERED, State.WITHDRAWN})

#: The act that finishes the current step, by its kind (each step-kind plugin says).
STEP_ACT: dict[StepKind, str] = {
    StepKind(k.name): k.act for k in default_step_kinds() if k.name in set(StepKind)
}

#: The applicant message (definitions.models.NotifyEvent) each act triggers.
NOTIFY_ON: dict[str, str] = {
    "submit": "submitted",
    "accept": "accepted",
    "refuse": "not_accepted",
    "request_correction": "correction_requested",
    "start_special": "special_started",
    "finish_special": "special_finished",
    "forward": "forwarded",
    "extend": "extended",
    "assess_fee": "fee_assessed",
    "ask_applicant": "supplement_requested",
    "decide": "decided",
    "complete": "completed",
    "deliver": "delivered",
    "withdraw": "withdrawn",
}
