"""Asking the applicant, after acceptance, to supplement or clarify the request — only where
the law allows it and the item's definition names that law (``limits.supplement_basis``).

《政府信息公开条例》第三十条: a disclosure request whose content is unclear — the organ
guides and explains, and tells the applicant once what to supplement and in what reasonable
time; the answer period is counted from the day the supplemented request is received. The
time the applicant takes is therefore not the office's: 要求申请人补充 (``ask_applicant``)
stops the clock (:func:`runtime.acts.clock.await_applicant`, reason ``WAIT_SUPPLEMENT``) and
申请人已补充 (``applicant_replied``) lets it run again from that day
(:func:`runtime.acts.clock.applicant_back`); both deadlines move by the working days waited.

A licence has no such correction after acceptance (行政许可法第三十二条 is before it: the
window's 一次性告知补正), so an item without the basis is never offered the act.
"""

from __future__ import annotations

from typing import Unpack

from definitions.models import StepKind
from runtime.acts.clock import applicant_back, await_applicant, open_waits
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import not_at_step, required_reason
from runtime.clock import WAIT_SUPPLEMENT
from runtime.states import OPEN_STATES


def basis_title(s: Situation) -> str | None:
    """The title of the definition's supplement basis (its ``ref`` when it has no title)."""
    ref = s.pub.definition.limits.supplement_basis
    if ref is None:
        return None
    entry = next((b for b in s.pub.definition.basis if b.ref == ref), None)
    return entry.title if entry is not None else ref


def _ask_guard(s: Situation, choice: str | None) -> str | None:
    if s.pub.definition.limits.supplement_basis is None:
        return "本事项没有受理后要求申请人补充的法定依据，不能要求补充（受理前请一次性告知补正）"
    if s.case.decision is not None or s.case.decided_on is not None:
        return "案件已作出决定，不能再要求申请人补充"
    refusal = not_at_step(s, StepKind.REVIEW, "要求申请人补充")
    if refusal is not None:
        return refusal
    if s.case.clock is None:
        return "案件没有计时，不能要求申请人补充"
    waits = open_waits(s)
    if WAIT_SUPPLEMENT in waits:
        return "已要求申请人补充，正在等待申请人补充"
    if waits:
        return f"案件正在{waits[0]}，暂不能要求申请人补充"
    return None


def _replied_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in OPEN_STATES or s.case.clock is None:
        return "案件没有在等待申请人补充"
    if WAIT_SUPPLEMENT not in open_waits(s):
        return "案件没有在等待申请人补充"
    return None


@act(
    "ask_applicant",
    rank=45,
    guard=_ask_guard,
    choices=[Choice("要求申请人补充", reason="需补充或说明的内容")],
    text=lambda t: {"reason": t.one("reason")},
    done="已告知申请人补充，补充期间暂停计时",
)
def ask_applicant(c: Ctx, *, reason: str = "", **_: Unpack[When]) -> None:
    """要求申请人补充: the applicant is told what to supplement and on what basis; the
    clock waits on the applicant until the reply."""
    what = required_reason(reason, "请说明需要申请人补充或说明的内容")
    basis = basis_title(c)
    c.reason = f"{what}（依据：{basis}）" if basis else what
    await_applicant(c, WAIT_SUPPLEMENT)


@act(
    "applicant_replied",
    rank=46,
    guard=_replied_guard,
    choices=[Choice("申请人已补充", reason="补充情况（可选）")],
    text=lambda t: {"note": t.one("reason")},
    done="已登记申请人补充，恢复计时",
)
def applicant_replied(c: Ctx, *, note: str = "", **_: Unpack[When]) -> None:
    """申请人已补充: the supplemented request is received today; the clock runs again."""
    c.reason = "申请人已补充" + (f"：{note.strip()}" if note.strip() else "")
    applicant_back(c, WAIT_SUPPLEMENT)
