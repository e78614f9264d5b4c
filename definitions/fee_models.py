"""The fee lines of an item definition (收费): fixed amounts, unit prices with up to four
decimals, tiered rates, fees assessed at a later step on the actual quantity, and the
explicit statement that nothing is charged (不收费).

The law: a fee needs a basis (《行政许可法》第五十八条: licensing itself is free unless a
law or administrative regulation provides otherwise; 第五十九条: fees are charged at the
published standard and paid in full to the treasury). Pricing is in definitions/fees.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from definitions.conditions import Condition
from definitions.scalars import FreeText, Key, Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=False)


#: Unit prices carry up to four decimals (0.0050 元/kWh); amounts are rounded to the fen
#: only at the line total (definitions/fees.py).
PRICE_PLACES = 4


class PerField(_Model):
    """A fee proportional to a quantity: unit price × a numeric form field (or the quantity
    recorded at a later step, see `assessed_at`)."""

    field: Key = Field(
        description="The numeric form field multiplied (or the later-assessed quantity).",
        examples=["area_m2"],
    )
    amount: Decimal = Field(
        ge=0,
        max_digits=16,
        decimal_places=PRICE_PLACES,
        description="Price per unit, in yuan, up to four decimals.",
        examples=["0.0050"],
    )
    unit: FreeText | None = Field(
        default=None, max_length=20, description="Unit shown in the guide.", examples=["平方米"]
    )


class Tier(_Model):
    """One band of a tiered rate: the quantity above `from` up to and including `to`."""

    start: Decimal = Field(
        alias="from",
        ge=0,
        max_digits=16,
        decimal_places=PRICE_PLACES,
        description="The band starts above this quantity (the first band starts at 0).",
    )
    to: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=16,
        decimal_places=PRICE_PLACES,
        description="The band ends at this quantity, inclusive; absent on the last, open band.",
    )
    price: Decimal = Field(
        ge=0,
        max_digits=16,
        decimal_places=PRICE_PLACES,
        description="Price per unit in this band, in yuan, up to four decimals.",
    )


class Tiered(_Model):
    """A tiered rate (阶梯收费) on a quantity; bands contiguous from 0, ordered, not overlapping."""

    field: Key = Field(
        description="The numeric form field (or the later-assessed quantity) the bands apply to.",
        examples=["pages"],
    )
    unit: FreeText | None = Field(
        default=None, max_length=20, description="Unit shown in the guide.", examples=["页"]
    )
    mode: Literal["progressive", "whole"] = Field(
        default="progressive",
        description="`progressive`: each band's part at its own price (超额累进, "
        "“……的部分”); `whole`: the whole quantity at the price of the band it falls in.",
    )
    tiers: list[Tier] = Field(min_length=1, max_length=50, description="The bands, in order.")


class AssessedAt(_Model):
    """A fee assessed at a later step on the actual quantity (e.g. after the site inspection)."""

    step: Key = Field(
        description="`key` of the step at which the quantity is recorded and the fee assessed.",
        examples=["inspect"],
    )
    label: Text = Field(
        description="What the quantity is, as the reviewer enters it.", examples=["实际占用面积"]
    )
    maximum: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=16,
        decimal_places=PRICE_PLACES,
        description="Largest quantity the reviewer may enter.",
    )


class Fee(_Model):
    """A fee line (收费); no legal basis, no fee."""

    key: Key = Field(description="Identifier, unique in the item.")
    name: Text = Field(description="Name of the fee.", examples=["不动产登记费"])
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, description="Fixed amount in yuan."
    )
    per: PerField | None = Field(default=None, description="Amount per unit of a quantity.")
    tiered: Tiered | None = Field(default=None, description="A tiered rate on a quantity.")
    assessed_at: AssessedAt | None = Field(
        default=None,
        description="The quantity is known only at a later step: the fee is assessed there "
        "(`per` or `tiered` then name the quantity, not a form field).",
    )
    when: Condition | None = Field(
        default=None, description="Charged only when this condition holds."
    )
    basis: FreeText | None = Field(
        default=None,
        max_length=500,
        description="The legal basis (`ref` of a basis entry or the document's title).",
    )
    waivable: bool = Field(
        default=False, description="May be waived (减免) for eligible applicants."
    )

    @model_validator(mode="after")
    def _amount_or_per(self) -> Fee:
        given = [k for k in ("amount", "per", "tiered") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("收费项必须恰好给出 amount 或 per（或 tiered）之一")
        if self.assessed_at is not None and self.amount is not None:
            raise ValueError("后续核定的收费（assessed_at）须按量（per）或阶梯（tiered）计算")
        return self

    @property
    def quantity_field(self) -> str | None:
        """The quantity the fee is computed on (a form field, or the later-assessed one)."""
        if self.per is not None:
            return self.per.field
        if self.tiered is not None:
            return self.tiered.field
        return None


class NoFee(_Model):
    """An explicit statement that the item is free of charge (不收费)."""

    basis: FreeText | None = Field(
        default=None,
        max_length=500,
        description="Why nothing is charged (`ref` of a basis entry or a document's title), "
        "e.g. Art. 58 of the Licensing Law.",
        examples=["licensing-law-58"],
    )
    note: FreeText | None = Field(
        default=None, max_length=200, description="A remark shown in the guide after 不收费."
    )
