"""Properties of pricing, over drawn bands, prices and quantities: a progressive tiered fee
is the sum of its bands' parts, never falls as the quantity grows, and is rounded once —
to the fen, half up — from the exact sum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from definitions.fee_models import Fee
from definitions.fees import price, tier_problems

PRICES = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False)
QUANTITIES = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)


@st.composite
def tiered_fees(draw: st.DrawFn, mode: str = "progressive") -> Fee:
    ends = sorted(set(draw(st.lists(st.integers(1, 10**5), min_size=0, max_size=6))))
    starts = [0, *ends]
    tiers = [
        {"from": str(a), "to": str(b), "price": str(draw(PRICES))}
        for a, b in zip(starts, ends, strict=False)
    ]
    tiers.append({"from": str(starts[-1]), "price": str(draw(PRICES))})
    return Fee.model_validate(
        {
            "key": "f",
            "name": "费",
            "basis": "《x》",
            "tiered": {"field": "q", "mode": mode, "tiers": tiers},
        }
    )


@settings(max_examples=200, deadline=None)
@given(tiered_fees(), QUANTITIES)
def test_progressive_total_is_the_rounded_sum_of_the_band_parts(fee: Fee, qty: Decimal) -> None:
    assert fee.tiered is not None
    assert list(tier_problems(0, fee.tiered)) == []  # drawn bands are contiguous
    exact = Decimal(0)
    for t in fee.tiered.tiers:
        top = qty if t.to is None else min(qty, t.to)
        if top > t.start:
            exact += (top - t.start) * t.price
    total, _ = price(fee, qty)
    assert total == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert total.as_tuple().exponent == -2


@settings(max_examples=200, deadline=None)
@given(tiered_fees(), QUANTITIES, QUANTITIES)
def test_a_progressive_fee_never_falls_as_the_quantity_grows(
    fee: Fee, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    assert price(fee, low)[0] <= price(fee, high)[0]


@settings(max_examples=200, deadline=None)
@given(tiered_fees("whole"), QUANTITIES)
def test_whole_mode_prices_the_quantity_at_its_band(fee: Fee, qty: Decimal) -> None:
    assert fee.tiered is not None
    band = next(t for t in fee.tiered.tiers if t.to is None or qty <= t.to)
    total, _ = price(fee, qty)
    assert total == (qty * band.price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
