"""Pricing a fee line, exactly, and checking fee lines.

Money is ``Decimal`` throughout. Unit prices carry up to four decimals (a charge per kWh or
per m³ such as 0.0050 元, see the water-resource and electricity rates of DOMAIN-FACTS);
only the line total is rounded, once, to the fen (0.01 元) with ROUND_HALF_UP — never the
price, never a band of a tiered rate.

Three ways to price a line (``definitions.fee_models.Fee``): a fixed ``amount``; ``per``: a
unit price × a quantity; ``tiered``: bands of a quantity, each at its own price — in
``progressive`` mode each band's part at its price (“……的部分”, as 国办函〔2020〕109号 prices
the pages of a disclosure reply: up to 30 free, 31–100 at 10 元, 101–200 at 20 元, above
200 at 40 元 a page), in ``whole`` mode the whole quantity at the price of its band.

The quantity is a numeric form field, or — for a fee with ``assessed_at`` — the actual
quantity recorded at a later step (an excavated area measured at the site inspection):
until then the line is *pending* (listed, not priced); ``runtime/acts/fees.py`` records the
quantity and prices it. A fee needs a basis (《行政许可法》第五十八条、第五十九条; the reform
rule ``fee-basis``); an item that charges nothing says so (``no_fee``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from definitions.fee_models import Fee, Tiered
from definitions.problems import pointer

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Enough digits for a quantity up to 10^15 times a price up to 10^12 with four decimals.
PRECISION = 60


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee line of an application: what is charged, its basis and how it was priced."""

    key: str
    name: str
    amount: Decimal
    basis: str | None
    waivable: bool
    detail: str = ""
    #: assessed at a later step on the actual quantity, not yet priced (amount 0.00)
    pending: bool = False
    #: the step at which a later-assessed line is assessed
    step: str | None = None
    #: the quantity the line was priced on (None for a fixed amount)
    quantity: Decimal | None = None


def as_quantity(value: Any) -> Decimal | None:
    """A positive quantity from application data or a posted number; None otherwise
    (booleans, text, zero, negative numbers and what is not finite)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            qty = Decimal(str(value))
        except InvalidOperation:
            return None
        if qty.is_finite() and qty > 0:
            return qty
    return None


def measured(value: Any) -> Decimal | None:
    """A quantity recorded at a later step: zero is an answer (nothing to copy, nothing
    to charge); None while nothing is recorded."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and value == 0:
        return Decimal(0)
    return as_quantity(value)


def plain(number: Decimal) -> str:
    """A quantity or price as a person writes it: no exponent, no trailing zeros."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(amount: Decimal) -> Decimal:
    """The line total, rounded once to the fen."""
    with localcontext(prec=PRECISION):
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _tier_parts(tiered: Tiered, qty: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(part of the quantity, price) of each band the quantity reaches."""
    parts = []
    for tier in tiered.tiers:
        if qty <= tier.start:
            break
        end = qty if tier.to is None else min(qty, tier.to)
        parts.append((end - tier.start, tier.price))
    return parts


def price(fee: Fee, qty: Decimal | None) -> tuple[Decimal, str]:
    """The line total of ``fee`` on ``qty`` (rounded to the fen) and how it was reached."""
    if fee.amount is not None:
        return money(fee.amount), ""
    assert qty is not None
    with localcontext(prec=PRECISION):
        if fee.per is not None:
            unit = fee.per.unit or ""
            exact = qty * fee.per.amount
            return money(exact), f"{plain(fee.per.amount)}元 × {plain(qty)}{unit}"
        assert fee.tiered is not None
        unit = fee.tiered.unit or ""
        if fee.tiered.mode == "whole":
            band = next(
                (t for t in fee.tiered.tiers if t.to is None or qty <= t.to), fee.tiered.tiers[-1]
            )
            exact = qty * band.price
            return money(exact), f"{plain(qty)}{unit}，全部按{plain(band.price)}元/{unit or '单位'}"
        parts = _tier_parts(fee.tiered, qty)
        exact = sum((part * p for part, p in parts), Decimal(0))
        detail = " + ".join(f"{plain(part)}{unit} × {plain(p)}元" for part, p in parts)
        detail = detail or f"{plain(qty)}{unit}"
        return money(exact), f"阶梯计费：{detail}"


def fee_lines(
    fees: Sequence[tuple[Fee, Any]],
    data: Mapping[str, Any],
    assessed: Mapping[str, Any] | None = None,
) -> list[FeeLine]:
    """The fee lines of an application: each fee whose condition holds, priced on the
    form's quantity; a later-assessed fee priced on the quantity recorded at its step
    (``assessed``: quantities by fee key), or pending until then."""
    lines = []
    for fee, pred in fees:
        if pred is not None and not pred.is_valid(data):
            continue
        if fee.assessed_at is not None:
            qty = measured((assessed or {}).get(fee.key))
            if qty is None:
                at = fee.assessed_at
                detail = f"按{at.label}核定：{rate_text(fee)}"
                lines.append(
                    FeeLine(fee.key, fee.name, ZERO, fee.basis, fee.waivable, detail, True, at.step)
                )
                continue
        elif fee.amount is not None:
            amount, detail = price(fee, None)
            lines.append(FeeLine(fee.key, fee.name, amount, fee.basis, fee.waivable, detail))
            continue
        else:
            qty = as_quantity(data.get(fee.quantity_field or ""))
            if qty is None:
                continue  # nothing to charge on: no quantity, or none
        amount, detail = price(fee, qty)
        step = fee.assessed_at.step if fee.assessed_at is not None else None
        lines.append(
            FeeLine(fee.key, fee.name, amount, fee.basis, fee.waivable, detail, False, step, qty)
        )
    return lines


def rate_text(fee: Fee) -> str:
    """The published standard of a fee line, for the guide and the form (收费标准)."""
    if fee.amount is not None:
        return f"{money(fee.amount)}元"
    if fee.per is not None:
        return f"{plain(fee.per.amount)}元" + (f"/{fee.per.unit}" if fee.per.unit else "")
    assert fee.tiered is not None
    unit = fee.tiered.unit or ""
    part = "的部分" if fee.tiered.mode == "progressive" else ""
    bands = []
    for t in fee.tiered.tiers:
        if t.to is None:
            span = f"超过{plain(t.start)}{unit}{part}"
        elif t.start == 0:
            span = f"{plain(t.to)}{unit}以下（含）{part}"
        else:
            span = f"超过{plain(t.start)}{unit}至{plain(t.to)}{unit}（含）{part}"
        bands.append(f"{span}{plain(t.price)}元/{unit or '单位'}")
    mode = "超额累进" if fee.tiered.mode == "progressive" else "全额"
    return f"阶梯收费（{mode}）：" + "；".join(bands)


# -- checks ----------------------------------------------------------------------------


Finding = tuple[str, str, str]  # (JSON pointer, Chinese message, check id)


def tier_problems(i: int, tiered: Tiered) -> Iterator[Finding]:
    """Bands contiguous from 0, ordered, not overlapping; only the last may stay open."""
    rule: str = "fee-tiers"
    base = ("fees", i, "tiered", "tiers")
    end: Decimal | None = Decimal(0)  # where the next band must start
    for j, tier in enumerate(tiered.tiers):
        n = j + 1
        if end is None:
            yield (
                pointer(*base, j - 1, "to"),
                f"阶梯第 {j} 档没有上限（不封顶），只有最后一档可以不写 to；其后还有第 {n} 档",
                rule,
            )
            return
        if j == 0 and tier.start != 0:
            yield (
                pointer(*base, j, "from"),
                f"阶梯第 1 档须从 0 开始，现为 {plain(tier.start)}",
                rule,
            )
        elif tier.start > end:
            yield (
                pointer(*base, j, "from"),
                f"阶梯第 {n} 档与上一档之间有空档：上一档止于 {plain(end)}，本档从 "
                f"{plain(tier.start)} 开始（from 应为 {plain(end)}）",
                rule,
            )
        elif tier.start < end:
            yield (
                pointer(*base, j, "from"),
                f"阶梯第 {n} 档与上一档重叠：上一档止于 {plain(end)}，本档从 "
                f"{plain(tier.start)} 开始（from 应为 {plain(end)}）",
                rule,
            )
        if tier.to is not None and tier.to <= tier.start:
            yield (
                pointer(*base, j, "to"),
                f"阶梯第 {n} 档的上限 {plain(tier.to)} 须大于下限 {plain(tier.start)}",
                rule,
            )
        end = tier.to


def assessed_problems(
    i: int, fee: Fee, form_fields: frozenset[str], steps: Sequence[tuple[str, str]]
) -> Iterator[Finding]:
    """A later-assessed fee names a step after acceptance and a quantity of its own."""
    rule: str = "fee-assessed"
    assert fee.assessed_at is not None
    kinds = dict(steps)
    step = fee.assessed_at.step
    if step not in kinds:
        yield (
            pointer("fees", i, "assessed_at", "step"),
            f"后续核定收费引用的环节“{step}”不在 steps 中",
            rule,
        )
    elif kinds[step] == "accept":
        yield (
            pointer("fees", i, "assessed_at", "step"),
            f"“{step}”是受理环节：受理时已知的数量应写在申请表中，后续核定须在之后的环节",
            rule,
        )
    qty_field = fee.quantity_field
    if qty_field in form_fields:
        yield (
            pointer("fees", i, "per" if fee.per is not None else "tiered", "field"),
            f"后续核定的数量“{qty_field}”在环节中录入，不能与申请表字段同名",
            rule,
        )


def fee_problems(
    i: int,
    fee: Fee,
    numeric_fields: frozenset[str],
    form_fields: frozenset[str],
    steps: Sequence[tuple[str, str]],
) -> Iterator[Finding]:
    """The problems of fee line ``i``: its quantity, its bands and its later step.

    ``numeric_fields``/``form_fields``: the top-level (numeric) form fields; ``steps``:
    (key, kind) of the item's steps, in order."""
    rule: str = "fee-per-field"
    if fee.tiered is not None:
        yield from tier_problems(i, fee.tiered)
    if fee.assessed_at is not None:
        yield from assessed_problems(i, fee, form_fields, steps)
        return
    qty_field = fee.quantity_field
    if qty_field is not None and qty_field not in numeric_fields:
        yield (
            pointer("fees", i, "per" if fee.per is not None else "tiered", "field"),
            f"按量收费须引用表单中的数值字段，“{qty_field}”不是",
            rule,
        )


def explicit_problems(
    fees: int, no_fee: bool, listed: bool
) -> Iterator[tuple[str, str, str, bool]]:
    """Whether charging is said explicitly: (pointer, message, check id, is an error).

    ``listed``: the definition wrote its ``fees`` key (``"fees": []`` says “no fee lines”
    in so many words); an item that leaves both ``fees`` and ``no_fee`` out is warned."""
    rule: str = "fee-explicit"
    if fees and no_fee:
        yield pointer("no_fee"), "已列出收费项，不能同时声明不收费（no_fee）", rule, True
    if not fees and not no_fee and not listed:
        yield (
            pointer("fees"),
            '没有写明是否收费：不收费的事项应写明 no_fee（可附依据）或 "fees": []',
            rule,
            False,
        )
