"""The clock's upkeep: 延期 (extend, by the chief representative with reasons and basis,
bounded by the law) and the system's recomputed deadlines after a calendar year is
entered (``CaseService.recompute_deadlines`` runs it case by case)."""

from __future__ import annotations

import json
from typing import Any, Unpack

from definitions.canonical import canonical_json
from definitions.compile import FieldError
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, Texts, When, act
from runtime.acts.rules import deadlines, required_reason
from runtime.clock import DeadlineInputs, Extension
from runtime.errors import InvalidInput, WrongState
from runtime.states import State


def _extend_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in (State.IN_PROGRESS, State.SUSPENDED) or s.case.clock is None:
        return "只有计时中的案件可以延期"
    return None


def _extended(s: Situation) -> int:
    assert s.case.clock is not None
    inputs = DeadlineInputs.from_json(json.loads(s.case.clock)["statutory"])
    return sum(e.days for e in inputs.extensions)


def _room_left(s: Situation) -> bool:
    """Days are left to extend by (otherwise every extension is refused for its days)."""
    return s.case.clock is not None and _extended(s) < s.pub.definition.limits.extension_days


def _extend_text(t: Texts) -> dict[str, Any]:
    days = t.one("days")
    if not (0 < len(days) <= 4 and days.isascii() and days.isdigit()):
        raise InvalidInput(
            "请填写延长的工作日数（整数）", [FieldError("/days", "请填写延长的工作日数（整数）")]
        )
    return {"days": int(days), "reason": t.one("reason")}


@act(
    "extend",
    rank=120,
    guard=_extend_guard,
    choices=[Choice("延长办理期限", reason="延期理由和依据", days=True)],
    text=_extend_text,
    done="已延长办理期限",
    offer_if=_room_left,
)
def extend(c: Ctx, *, days: int, reason: str, **_: Unpack[When]) -> None:
    """延期 by the chief representative, with reasons and basis, bounded by the law."""
    text = required_reason(reason, "延期必须说明理由和依据")
    assert c.case.clock is not None
    clock = json.loads(c.case.clock)
    used = _extended(c)
    allowed = c.pub.definition.limits.extension_days
    if days < 1 or used + days > allowed:
        raise InvalidInput(f"最多可延长 {allowed} 个工作日，已延长 {used} 个工作日")
    for key in ("promised", "statutory"):
        d = DeadlineInputs.from_json(clock[key])
        clock[key] = DeadlineInputs(
            d.start,
            d.days,
            d.suspensions,
            (*d.extensions, Extension(days, text)),
            d.limit_name,
            d.start_verb,
        ).to_json()
    c.values["clock"] = canonical_json(clock)
    c.reason = f"延长{days}个工作日：{text}"
    deadlines(c)


@act("recompute_deadline", rank=900, text=None, system=True)
def recompute_deadline(c: Ctx, **_: Unpack[When]) -> None:
    """Recompute a provisional deadline the calendar can now make firmer (or refuse: no
    change, nothing is written)."""
    before = (c.case.due_promised, c.case.due_statutory, c.case.due_provisional)
    deadlines(c)
    after = (
        c.values.get("due_promised"),
        c.values.get("due_statutory"),
        c.values.get("due_provisional"),
    )
    if before == after:
        raise WrongState("期限没有变化")
    c.reason = f"工作日历更新，重新计算期限：{before[0]} → {after[0]}"
