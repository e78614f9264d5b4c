"""The acts on a case, from a desk form post or an API call: one place turns the posted
values into the case service's arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar.exceptions import NotFoundException

from definitions.compile import FieldError
from runtime.errors import InvalidInput, NotAllowed, NotFound
from runtime.queries import case_by_number
from runtime.service import Actor, case_target
from web.auth import CurrentUser
from web.ops import Metrics


def perform(
    house: Any,
    user: CurrentUser,
    number: str,
    act: str,
    values: Mapping[str, Sequence[str]],
    metrics: Metrics | None = None,
) -> str:
    """Run one act from a form post or an API call; returns the message shown.

    Who may not even read the case learns nothing about it: its refusal is the same 404 as
    for a case that does not exist (the case service checks permission before the version,
    so a stale ``expected_version`` tells an outsider nothing either)."""
    try:
        if metrics is None:
            return _perform(house, user, number, act, values)
        with metrics.counting(act, number):
            return _perform(house, user, number, act, values)
    except NotAllowed:
        if not may_read(house, user, number):
            raise NotFound(f"案件 {number} 不存在") from None
        raise


def may_read(house: Any, user: CurrentUser, number: str) -> bool:
    """Whether ``user`` may see case ``number`` (False when there is no such case)."""
    with house.reading() as s:
        case = case_by_number(s, house.settings.tenant, number)
        if case is None:
            return False
        pub = house.catalog.by_id(s, case.item_version_id)
        return bool(house.authorizer.can(user.username, "read", case_target(case, pub)).allowed)


def _small_number(text: str, digits: int = 9) -> bool:
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


def _perform(
    house: Any, user: CurrentUser, number: str, act: str, values: Mapping[str, Sequence[str]]
) -> str:

    def one(name: str) -> str:
        got = values.get(name) or [""]
        return str(got[-1]).strip()

    version_text = one("expected_version")
    expected = int(version_text) if _small_number(version_text) else None
    actor = Actor(user.username)
    cases = house.cases
    reason = one("reason")
    kw: dict[str, Any] = {"expected_version": expected}
    if act == "accept":
        received = [{"key": k} for k in values.get("received") or []]
        cases.accept(actor, number, received=received, **kw)
        return "已受理"
    if act == "request_correction":
        cases.request_correction(
            actor, number, missing=list(values.get("missing") or []), note=reason, **kw
        )
        return "已一次性告知补正"
    if act == "refuse":
        cases.refuse(actor, number, reason=reason, **kw)
        return "已决定不予受理"
    if act == "review":
        cases.review(actor, number, opinion=reason, **kw)
        return "审查完成，已转下一环节"
    if act == "start_special":
        cases.start_special(actor, number, note=reason, **kw)
        return "特别程序已启动"
    if act == "finish_special":
        cases.finish_special(actor, number, result=reason, **kw)
        return "特别程序已结束"
    if act == "return":
        cases.return_step(actor, number, reason=reason, **kw)
        return "已退回上一环节"
    if act == "decide":
        approve = one("value") != "deny"
        cases.decide(actor, number, approve=approve, reason=reason, **kw)
        return "已作出准予许可的决定" if approve else "已作出不予许可的决定"
    if act == "countersign":
        agree = one("value") != "disagree"
        cases.countersign(actor, number, agree=agree, opinion=reason, **kw)
        return "已会签" if agree else "已提出不同意见，退回上一环节"
    if act == "forward":
        cases.forward(actor, number, **kw)
        return "已上报县级主管部门"
    if act == "complete":
        cases.complete(actor, number, **kw)
        return "已办结"
    if act == "deliver":
        cases.deliver(actor, number, **kw)
        return "已送达"
    if act == "extend":
        days_text = one("days")
        if not _small_number(days_text, 4):
            raise InvalidInput(
                "请填写延长的工作日数（整数）",
                [FieldError("/days", "请填写延长的工作日数（整数）")],
            )
        cases.extend(actor, number, days=int(days_text), reason=reason, **kw)
        return "已延长办理期限"
    if act == "assess_fee":
        cases.assess_fee(actor, number, waive=list(values.get("waive") or []), **kw)
        return "已核定收费"
    if act == "record_payment":
        cases.record_payment(actor, number, payment_ref=one("payment_ref"), **kw)
        return "已登记缴费"
    if act == "withdraw":
        cases.withdraw(actor, number, reason=reason, **kw)
        return "已撤回申请"
    raise NotFoundException(f"没有这种操作：{act}")
