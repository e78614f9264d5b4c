"""Special procedures (特别程序: hearing, inspection, expert review …) of a special step:
started, then finished; one that does not count toward the legal limit stops the clock.

What a procedure is called and how the applicant is told about it (SMS, notices, the case's
replay) is its kind's (:mod:`definitions.procedures`, a plugin): "因公示需要，暂停计算办理时限
7 个自然日". A procedure measured in calendar days (自然日) has its own limit in calendar
days: weekends and holidays count (:func:`runtime.clock.calendar_due`).
"""

from __future__ import annotations

from typing import Unpack

from definitions.models import Step, StepKind
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import advance, not_at_step, resume, step_due, suspend, unpaid
from runtime.states import State


def procedure_name(step: Step) -> str:
    kind = step.procedure_kind
    return kind.title if kind is not None else step.name or step.key


def _label(s: Situation) -> str:
    step = s.step
    assert step is not None
    if step.name:
        return step.name
    return procedure_name(step) if step.procedure is not None else "特别程序"


def _start_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.SPECIAL, "启动特别程序")
    if refusal is None and s.case.special_running:
        return "特别程序已经开始"
    return refusal


def _finish_guard(s: Situation, choice: str | None) -> str | None:
    refusal = not_at_step(s, StepKind.SPECIAL, "结束特别程序")
    if refusal is None and not s.case.special_running:
        return "特别程序尚未开始"
    return refusal or unpaid(s, s.case.decision)


@act(
    "start_special",
    rank=50,
    guard=_start_guard,
    choices=[Choice(lambda s: f"启动{_label(s)}", reason="说明（可选）")],
    text=lambda t: {"note": t.one("reason")},
    done="特别程序已启动",
)
def start_special(c: Ctx, *, note: str = "", **_: Unpack[When]) -> None:
    """Start the special procedure of the current step; when it does not count toward the
    legal limit the clock stops (state suspended)."""
    step = c.step
    assert step is not None
    name = procedure_name(step)
    wording = step.wording  # the kind's: 因公示需要，暂停计算办理时限 7 个自然日
    if c.case.decision is not None:  # the clock stopped at the decision: nothing to suspend
        wording = (
            f"因{name}需要，需 {step.days} 个{step.day_unit.text}（已作出决定，不影响办理时限）"
        )
    c.reason = f"{name}：{wording}" + (f"（{note.strip()}）" if note.strip() else "")
    c.notify_extra["wording"] = wording
    c.values["special_running"] = True
    c.values["step_started_on"] = c.today
    c.values["step_due"] = step_due(c, step)  # working or calendar days (step.unit)
    c.notify_extra["counts"] = "计入办理时限" if step.counts else "不计入法定办理时限"
    if c.case.decision is not None:  # after the decision the clock has stopped (第四十二条):
        c.notify_extra["counts"] = "不计入法定办理时限（已作出决定）"  # the step's own budget only
    elif not step.counts:
        suspend(c, name)
        c.values.update(state=State.SUSPENDED.value, suspended=True)


@act(
    "finish_special",
    rank=55,
    guard=_finish_guard,
    choices=[Choice(lambda s: f"结束{_label(s)}", reason="结论")],
    text=lambda t: {"result": t.one("reason")},
    done="特别程序已结束",
)
def finish_special(c: Ctx, *, result: str = "", **_: Unpack[When]) -> None:
    step = c.step
    assert step is not None
    c.reason = procedure_name(step) + (f"：{result.strip()}" if result.strip() else "")
    if c.case.suspended:
        resume(c)
    # a decided case stays decided through a post-decision step (it never returns to 办理中)
    back = State.DECIDED if c.case.decision is not None else State.IN_PROGRESS
    c.values.update(special_running=False, state=back.value, suspended=False)
    advance(c)
