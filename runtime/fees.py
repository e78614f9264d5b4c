"""The fee acts' work: 核定收费 (assess) and 登记缴费 (record a payment).

Each writes ``case_fee`` rows and records what it wrote on the act's context
(``c.fees``), so the event carries the rows' content in its hashed ``records``
(:func:`runtime.chain.records_of`): an edited amount or payment reference, a deleted or an
inserted fee line is named by verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from runtime.case_tables import CaseFee
from runtime.chain import FEE_COLUMNS
from runtime.errors import InvalidInput, ReasonRequired, WrongState
from runtime.states import OPEN_STATES, STATE_NAMES, State

if TYPE_CHECKING:
    from runtime.service import _Ctx

FEE = cast(Table, CaseFee.__table__)
FEES_OF_CASE = select(FEE).where(FEE.c.tenant == bindparam("t"), FEE.c.case_id == bindparam("c"))
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


def assess(c: _Ctx, waive: Sequence[str]) -> None:
    """The definition's fee lines for this application (waivable lines may be waived)."""
    if c.state not in OPEN_STATES:
        raise WrongState(f"案件{STATE_NAMES[c.state]}，不能核定收费")
    existing = c.conn.execute(FEES_OF_CASE, {"t": c.case.tenant, "c": c.case.id}).first()
    if existing is not None:
        raise WrongState("已经核定过收费")
    lines = c.pub.compiled.fees_for(c.data)
    if not lines:
        raise WrongState("本申请没有应收费用")
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
    c.conn.execute(FEE_INSERT, rows)
    c.fees.update({r["fee_key"]: {k: r[k] for k in FEE_COLUMNS} for r in rows})
    c.values.update(fee_total=str(total.quantize(Decimal("0.01"))), fee_paid=total == 0)
    c.notify_extra["fee"] = str(total)
    c.reason = "；".join(
        f"{ln.name} {ln.amount}元" + ("（减免）" if ln.key in waive else "") for ln in lines
    )


def pay(c: _Ctx, payment_ref: str | None) -> None:
    """Every unpaid, unwaived fee line is paid with one payment reference."""
    if c.state not in OPEN_STATES and c.state != State.COMPLETED:
        raise WrongState(f"案件{STATE_NAMES.get(c.state, c.state)}，不能登记缴费")
    if c.case.fee_paid:
        raise WrongState("没有待缴的费用")
    if payment_ref is None or not payment_ref.strip():
        raise ReasonRequired("请填写缴费凭证号")
    ref = payment_ref.strip()
    paid = c.conn.execute(
        FEES_PAID, {"t": c.case.tenant, "c": c.case.id, "paid_at": c.now, "payment_ref": ref}
    ).scalars()
    c.fees.update({key: {"paid_at": c.now, "payment_ref": ref} for key in paid})
    c.reason = f"缴费凭证 {ref}"
    c.values["fee_paid"] = True
