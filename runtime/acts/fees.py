"""The fee acts: 核定收费 (assess) and 登记缴费 (record a payment).

Each writes ``case_fee`` rows and records what it wrote on the act's context
(``c.fees``), so the event carries the rows' content in its hashed ``records``
(:func:`runtime.chain.records_of`): an edited amount, quantity or payment reference, a
deleted or an inserted fee line is named by verify.

Two moments of assessment. The lines priced from the application (fixed amounts, unit
prices and tiered rates on form quantities) are assessed once, at the window. A line
whose quantity is known only later (``assessed_at``: an area measured at the site
inspection, the pages of a disclosure reply) is assessed when the case stands at that
step, on the actual quantity entered with the act; the step cannot be left before
(``fee_rows.unassessed_refusal``). The window assesses both — it is the applicant's only
counterpart and issues the fee notice (收费通知) on what the department found.

Waiting for the applicant to pay is not the office's time (《政府信息公开信息处理费管理
办法》; DESIGN §4): when an assessment leaves money unpaid at a step that requires payment,
the clock waits on the applicant (:func:`runtime.acts.clock.await_applicant`) until the
payment is recorded (:func:`runtime.acts.clock.applicant_back`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Unpack

from sqlalchemy import bindparam, insert, update

from definitions.compile import FieldError
from definitions.fees import FeeLine, money, plain
from definitions.limits import MAX_NUMBER_TEXT
from definitions.models import Fee
from definitions.values import number_problem
from runtime.acts.clock import applicant_back, await_applicant
from runtime.acts.context import FEE_TABLE as FEE
from runtime.acts.context import Ctx, Situation
from runtime.acts.fee_rows import assessed_keys, pending_here
from runtime.acts.registry import Choice, Texts, When, act
from runtime.acts.rules import required_reason
from runtime.chain import FEE_COLUMNS
from runtime.errors import InvalidInput
from runtime.states import OPEN_STATES, PRE_ACCEPT, STATE_NAMES, State

FEE_INSERT = insert(FEE)
FEES_PAID = (
    update(FEE)
    .where(
        FEE.c.tenant == bindparam("t"),
        FEE.c.case_id == bindparam("c"),
        FEE.c.paid_at.is_(None),
        FEE.c.waived.is_(False),
    )
    .values(paid_at=bindparam("paid_at"), payment_ref=bindparam("payment_ref"))
    .returning(FEE.c.fee_key)
)


def _upfront(lines: Sequence[FeeLine]) -> list[FeeLine]:
    return [ln for ln in lines if ln.step is None]


def _assess_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in OPEN_STATES:
        return f"案件{STATE_NAMES[s.state]}，不能核定收费"
    if not s.pub.definition.fees:
        return "本申请没有应收费用"  # (asked first: it needs no reading of the fee table)
    lines = s.pub.compiled.fees_for(s.data)
    here = pending_here(s) if s.state not in PRE_ACCEPT else []
    if here:
        return None
    if not _upfront(lines):
        return "本申请没有应收费用" if not lines else "本环节没有需要核定的收费"
    if s.fees_assessed() and not _upfront_unassessed(s, lines):
        return "已经核定过收费"
    return None


def _upfront_unassessed(s: Situation, lines: Sequence[FeeLine]) -> bool:
    keys = assessed_keys(s)
    return not any(ln.key in keys for ln in _upfront(lines))


def _quantities(s: Situation) -> tuple[tuple[str, str], ...]:
    """(input name, label with unit) of each quantity to enter at this step."""
    out = []
    for line in pending_here(s) if s.state not in PRE_ACCEPT else []:
        fee = next(f for f in s.pub.definition.fees if f.key == line.key)
        assert fee.assessed_at is not None
        unit = (fee.per.unit if fee.per else fee.tiered.unit if fee.tiered else None) or ""
        label = f"{fee.assessed_at.label}（{unit}）" if unit else fee.assessed_at.label
        out.append((f"qty_{fee.key}", f"{line.name}：{label}"))
    return tuple(out)


def _assess_text(t: Texts) -> dict[str, Any]:
    quantities = {k[4:]: t.one(k) for k in t.values if k.startswith("qty_")}
    return {"waive": t.many("waive"), "quantities": quantities}


def _quantity(fee: Fee, raw: Any) -> Decimal:
    """The quantity entered for a later-assessed fee: a number from 0 up to its maximum."""
    assert fee.assessed_at is not None
    label = fee.assessed_at.label
    path = f"/quantities/{fee.key}"
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise InvalidInput(f"请填写{label}", [FieldError(path, f"请填写{label}", label)])
    qty: Decimal | None = None
    if len(text) <= MAX_NUMBER_TEXT:
        try:
            qty = Decimal(text)
        except InvalidOperation:
            qty = None
    if qty is None or not qty.is_finite() or qty < 0 or number_problem(qty) is not None:
        message = f"{label}须为不小于 0 的数字"
        raise InvalidInput(message, [FieldError(path, message, label)])
    top = fee.assessed_at.maximum
    if top is not None and qty > top:
        message = f"{label}不能超过 {plain(top)}"
        raise InvalidInput(message, [FieldError(path, message, label)])
    return qty


@act(
    "assess_fee",
    rank=130,
    guard=_assess_guard,
    choices=[Choice("核定收费", quantities=_quantities)],
    text=_assess_text,
    done="已核定收费",
)
def assess_fee(
    c: Ctx,
    *,
    waive: Sequence[str] = (),
    quantities: Mapping[str, Any] | None = None,
    **_: Unpack[When],
) -> None:
    """核定收费: the application's lines once at the window; a later-assessed line at its
    step, on the actual quantity entered (waivable lines may be waived)."""
    here = pending_here(c) if c.state not in PRE_ACCEPT else []
    fees = {f.key: f for f in c.pub.definition.fees}
    if here:
        given = dict(quantities or {})
        measured = {ln.key: _quantity(fees[ln.key], given.get(ln.key)) for ln in here}
        lines = [ln for ln in c.pub.compiled.fees_for(c.data, measured) if ln.key in measured]
    else:
        lines = _upfront(c.pub.compiled.fees_for(c.data))
    by_key = {f.key: f for f in lines}
    bad = [k for k in waive if k not in by_key or not by_key[k].waivable]
    if bad:
        raise InvalidInput(f"这些收费项不能减免：{'、'.join(bad)}")
    due = Decimal("0.00")
    rows: list[dict[str, Any]] = []
    for line in lines:
        waived = line.key in waive
        rows.append(
            {
                "tenant": c.case.tenant,
                "case_id": c.case.id,
                "fee_key": line.key,
                "name": line.name,
                "amount": str(line.amount),
                "basis": line.basis,
                "waived": waived,
                "paid_at": None,
                "payment_ref": None,
                "quantity": None if line.quantity is None else plain(line.quantity),
            }
        )
        if not waived:
            due += line.amount
    c.connection.execute(FEE_INSERT, rows)
    c.fees.update({r["fee_key"]: {k: r[k] for k in FEE_COLUMNS} for r in rows})
    before = Decimal(str(c.values.get("fee_total", c.case.fee_total) or "0"))
    paid = bool(c.values.get("fee_paid", c.case.fee_paid))
    c.values.update(fee_total=str(money(before + due)), fee_paid=paid and due == 0)
    c.notify_extra["fee"] = str(money(due))
    c.reason = "；".join(
        f"{ln.name} {ln.amount}元"
        + (f"（{ln.detail}）" if ln.detail else "")
        + ("（减免）" if ln.key in waive else "")
        for ln in lines
    )
    step = c.step
    if due > 0 and step is not None and step.requires_payment:
        await_applicant(c)


def _pay_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in OPEN_STATES and s.state != State.COMPLETED:
        return f"案件{STATE_NAMES.get(s.state, s.state)}，不能登记缴费"
    if s.case.fee_paid:
        return "没有待缴的费用"
    return None


@act(
    "record_payment",
    rank=140,
    guard=_pay_guard,
    choices=[Choice("登记缴费", payment=True)],
    text=lambda t: {"payment_ref": t.one("payment_ref")},
    done="已登记缴费",
)
def record_payment(c: Ctx, *, payment_ref: str, **_: Unpack[When]) -> None:
    """Every unpaid, unwaived fee line is paid with one payment reference."""
    ref = required_reason(payment_ref, "请填写缴费凭证号")
    paid = c.connection.execute(
        FEES_PAID, {"t": c.case.tenant, "c": c.case.id, "paid_at": c.now, "payment_ref": ref}
    ).scalars()
    c.fees.update({key: {"paid_at": c.now, "payment_ref": ref} for key in paid})
    c.reason = f"缴费凭证 {ref}"
    c.values["fee_paid"] = True
    applicant_back(c)
