"""The fee acts: 核定收费 (assess) and 登记缴费 (record a payment).

Each writes ``case_fee`` rows and records what it wrote on the act's context
(``c.fees``), so the event carries the rows' content in its hashed ``records``
(:func:`runtime.chain.records_of`): an edited amount or payment reference, a deleted or an
inserted fee line is named by verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Unpack

from sqlalchemy import bindparam, insert, update

from runtime.acts.context import FEE_TABLE as FEE
from runtime.acts.context import Ctx, Situation
from runtime.acts.registry import Choice, When, act
from runtime.acts.rules import required_reason
from runtime.chain import FEE_COLUMNS
from runtime.errors import InvalidInput
from runtime.states import OPEN_STATES, STATE_NAMES, State

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


def _assess_guard(s: Situation, choice: str | None) -> str | None:
    if s.state not in OPEN_STATES:
        return f"案件{STATE_NAMES[s.state]}，不能核定收费"
    if not s.pub.definition.fees or not s.pub.compiled.fees_for(s.data):
        return "本申请没有应收费用"  # (asked first: it needs no reading of the fee table)
    if s.fees_assessed():
        return "已经核定过收费"
    return None


@act(
    "assess_fee",
    rank=130,
    guard=_assess_guard,
    choices=[Choice("核定收费")],
    text=lambda t: {"waive": t.many("waive")},
    done="已核定收费",
)
def assess_fee(c: Ctx, *, waive: Sequence[str] = (), **_: Unpack[When]) -> None:
    """核定收费 from the definition's fee lines for this application (waivable lines may
    be waived)."""
    lines = c.pub.compiled.fees_for(c.data)
    by_key = {f.key: f for f in lines}
    bad = [k for k in waive if k not in by_key or not by_key[k].waivable]
    if bad:
        raise InvalidInput(f"这些收费项不能减免：{'、'.join(bad)}")
    total = Decimal("0.00")
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
            }
        )
        if not waived:
            total += line.amount
    c.connection.execute(FEE_INSERT, rows)
    c.fees.update({r["fee_key"]: {k: r[k] for k in FEE_COLUMNS} for r in rows})
    c.values.update(fee_total=str(total.quantize(Decimal("0.01"))), fee_paid=total == 0)
    c.notify_extra["fee"] = str(total)
    c.reason = "；".join(
        f"{ln.name} {ln.amount}元" + ("（减免）" if ln.key in waive else "") for ln in lines
    )


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
