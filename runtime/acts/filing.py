"""Filing at the window: 受理 (accept), 一次性告知补正 (request a correction), 不予受理
(refuse), and the applicant's 补正 (correct). The filing itself (submit) is
``CaseService.submit``: it creates the case these acts work on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from definitions.canonical import canonical_json
from definitions.models import Handling, ItemDefinition
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, Texts, When, act
from runtime.acts.rules import (
    advance,
    deadlines,
    missing_materials,
    not_in_state,
    receive_materials,
    required_reason,
    unpaid,
)
from runtime.clock import DeadlineInputs
from runtime.errors import InvalidInput, WrongState
from runtime.states import PRE_ACCEPT, State


def _needed(s: Situation) -> tuple[tuple[str, str], ...]:
    return tuple(
        (n.material.key, n.material.name)
        for n in s.pub.compiled.materials_for(s.data)
        if n.required and not n.exempt
    )


def _accept_guard(s: Situation, choice: str | None) -> str | None:
    if choice == "fallback" and not _falls_back(s.pub.definition):
        return "本事项不是可转为承诺件的即办件"
    return not_in_state(s, PRE_ACCEPT, "受理") or unpaid(s, s.case.decision)


def _falls_back(item: ItemDefinition) -> bool:
    return item.handling is Handling.INSTANT and item.limits.fallback_days is not None


def _accept_text(t: Texts) -> dict[str, Any]:
    args: dict[str, Any] = {"received": [{"key": k} for k in t.many("received")]}
    if t.one("value") == "fallback":
        args.update(fallback=True, reason=t.one("reason"))
    return args


@act(
    "accept",
    rank=10,
    guard=_accept_guard,
    choices=[
        Choice("受理（材料已齐全）", materials=_needed),
        Choice(
            "受理（不能当场办结，转为承诺件）",
            value="fallback",
            reason="不能当场办结的原因",
            materials=_needed,
        ),
    ],
    text=_accept_text,
    done=lambda a: "已受理，转为承诺件" if a.get("fallback") else "已受理",
    choice_of=lambda a: "fallback" if a.get("fallback") else None,
)
def accept(
    c: Ctx,
    *,
    received: Sequence[Mapping[str, Any]] = (),
    fallback: bool = False,
    reason: str = "",
    **_: Unpack[When],
) -> None:
    """受理: every required material is in; the clock starts (none for instant items).

    An instant item (即办件) the window cannot finish on the spot becomes a promised item
    with its ``limits.fallback_days`` (the clerk says why); its deadlines are computed
    now, from today (e.g. 《市场主体登记管理条例》第十九条: 不能当场登记的，应当在3个
    工作日内予以登记)."""
    item = c.pub.definition
    if fallback and not _falls_back(item):
        raise WrongState("本事项不是可转为承诺件的即办件")
    why = required_reason(reason, "请说明不能当场办结的原因") if fallback else ""
    receive_materials(c, received, seq=c.record.version + 1)
    absent = missing_materials(c)
    if absent:
        names = "、".join(m["name"] for m in absent)
        raise WrongState(f"材料不齐，不能受理；请一次性告知申请人补正：{names}")
    c.values.update(accepted_by_user_id=c.actor_id, accepted_on=c.today, missing_materials="[]")
    promised, statutory = item.limits.promised_days, item.limits.statutory_days
    if fallback:
        assert item.limits.fallback_days is not None
        promised = item.limits.fallback_days
        c.reason = f"不能当场办结，转为承诺件，承诺{promised}个工作日内办结。原因：{why}"
    if item.handling is not Handling.INSTANT or fallback:
        clock = {
            "promised": DeadlineInputs(c.today, promised, limit_name="承诺时限").to_json(),
            "statutory": DeadlineInputs(c.today, statutory, limit_name="法定时限").to_json(),
        }
        c.values["clock"] = canonical_json(clock)
        deadlines(c)
    c.values["state"] = State.IN_PROGRESS.value
    advance(c)
    if fallback:  # an instant item's steps have no budgets: the rest is due by the promise
        c.values["step_due"] = c.values.get("due_promised")


def _correction_text(t: Texts) -> dict[str, Any]:
    return {"missing": t.many("missing"), "note": t.one("reason")}


@act(
    "request_correction",
    rank=20,
    guard=lambda s, _: not_in_state(s, PRE_ACCEPT, "要求补正"),
    choices=[Choice("一次性告知补正", reason="补充说明（可选）")],
    text=_correction_text,
    done="已一次性告知补正",
)
def request_correction(
    c: Ctx, *, missing: Sequence[str] = (), note: str = "", **_: Unpack[When]
) -> None:
    """一次性告知: one notice listing every missing material (computed, plus any the clerk names)."""
    by_key = {m.key: m for m in c.pub.definition.materials}
    unknown = [k for k in missing if k not in by_key]
    if unknown:
        raise InvalidInput(f"事项没有这些材料：{'、'.join(unknown)}")
    listed = {m["key"]: m["name"] for m in missing_materials(c)}
    for k in missing:
        listed.setdefault(k, by_key[k].name)
    if not listed:
        raise InvalidInput("没有缺少的材料：材料齐全时应当受理")
    notice = "；".join(listed.values())
    c.reason = f"请补正以下材料：{notice}" + (f"。{note.strip()}" if note.strip() else "")
    c.values.update(
        state=State.CORRECTION_REQUESTED.value,
        missing_materials=canonical_json([{"key": k, "name": n} for k, n in listed.items()]),
    )


@act(
    "refuse",
    rank=30,
    guard=lambda s, _: not_in_state(s, PRE_ACCEPT, "不予受理"),
    choices=[Choice("不予受理", reason="不予受理的理由", danger=True)],
    text=lambda t: {"reason": t.one("reason")},
    done="已决定不予受理",
)
def refuse(c: Ctx, *, reason: str, **_: Unpack[When]) -> None:
    """不予受理, with the reason the law demands."""
    c.reason = required_reason(reason, "不予受理必须说明理由")
    c.values.update(
        state=State.NOT_ACCEPTED.value, open=False, closed_on=c.today, current_domain=None
    )


@act(
    "correct",
    rank=160,
    guard=lambda s, _: not_in_state(s, {State.CORRECTION_REQUESTED}, "补正"),
    text=None,  # performed with the application form and its scans, not a button
    done="已补正",
)
def correct(
    c: Ctx,
    *,
    data: Mapping[str, Any] | None = None,
    materials: Sequence[Mapping[str, Any]] = (),
    **_: Unpack[When],
) -> None:
    """补正 by the applicant: completed data and materials; back to the window."""
    if data is not None:
        evaluation = c.pub.compiled.evaluate(data)
        if evaluation.errors:
            raise InvalidInput("申请表有错误，请修改后再提交", evaluation.errors)
        c.values["data"] = canonical_json(evaluation.data)
    receive_materials(c, materials, seq=c.record.version + 1)
    c.values.update(state=State.SUBMITTED.value, missing_materials="[]")
