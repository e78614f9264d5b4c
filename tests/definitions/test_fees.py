"""The law's fees, exactly: unit prices with four decimals, tiered rates, fees assessed at a
later step, 不收费 said explicitly — crafted boundary cases for each rule, priced to the
fen and checked with the JSON pointer and the check's id."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from definitions.check import check_definition
from definitions.compile import CompiledItem
from definitions.fees import as_quantity, measured, price, rate_text
from definitions.models import Fee, ItemDefinition
from definitions.problems import Problem, Severity
from tests.definitions.conftest import example_raw

CATALOG = Path(__file__).resolve().parents[2] / "definitions" / "catalog"
PAGES = "422822-ZRZY-QT-0001"  # disclosure reply: pages counted at review, tiered fee
LICENCE_58 = "《中华人民共和国行政许可法》第五十八条"
#: 国办函〔2020〕109号 第五条 (按量计收): ≤30 free, 31–100 at 10, 101–200 at 20, above at 40
PAGE_TIERS = [
    {"from": "0", "to": "30", "price": "0"},
    {"from": "30", "to": "100", "price": "10"},
    {"from": "100", "to": "200", "price": "20"},
    {"from": "200", "price": "40"},
]


def fee(**keys: Any) -> Fee:
    return Fee.model_validate({"key": "f", "name": "费", "basis": "《x》", **keys})


def problems(raw: dict[str, Any]) -> list[Problem]:
    return check_definition(ItemDefinition.model_validate(raw), "item.json")


def found(raw: dict[str, Any], rule: str) -> list[tuple[str, str, Severity]]:
    return [(p.pointer, p.message, p.severity) for p in problems(raw) if p.rule == rule]


def with_fees(*fees: dict[str, Any], fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"] += fields or [
        {"key": "kwh", "label": "用电量（千瓦时）", "type": "number", "minimum": 0},
        {"key": "pages", "label": "页数", "type": "integer", "minimum": 0},
    ]
    raw["fees"] = list(fees)
    return raw


def load(code: str) -> ItemDefinition:
    return ItemDefinition.model_validate_json((CATALOG / f"{code}.json").read_text("utf-8"))


# ------------------------------------------------------------------ unit prices, exactly


def test_a_unit_price_of_half_a_fen_is_accepted_and_rounded_only_at_the_line_total() -> None:
    f = fee(per={"field": "kwh", "amount": "0.005", "unit": "千瓦时"})
    assert f.per is not None and f.per.amount == Decimal("0.005")
    # 1 kWh: 0.005 元 rounds half up to 0.01; 3 kWh: 0.015 -> 0.02; 1001 kWh: 5.005 -> 5.01
    assert price(f, Decimal(1))[0] == Decimal("0.01")
    assert price(f, Decimal(3))[0] == Decimal("0.02")
    assert price(f, Decimal(1001)) == (Decimal("5.01"), "0.005元 × 1001千瓦时")
    # never rounded per unit: 999 × 0.005 = 4.995 -> 5.00 (per-unit rounding would say 9.99)
    assert price(f, Decimal(999))[0] == Decimal("5.00")


def test_four_decimals_is_the_most_a_unit_price_carries() -> None:
    assert fee(per={"field": "kwh", "amount": "0.0001"}).per is not None
    with pytest.raises(ValidationError):
        fee(per={"field": "kwh", "amount": "0.00005"})
    with pytest.raises(ValidationError):  # a fixed amount stays in fen
        fee(amount="1.005")


def test_the_largest_quantity_times_the_largest_price_is_exact() -> None:
    f = fee(per={"field": "kwh", "amount": "99999999.9999"})
    total, _ = price(f, Decimal(10**15))
    assert total == Decimal("99999999999900000000000.00")


def test_quantities_are_positive_numbers_and_a_later_count_of_zero_is_an_answer() -> None:
    assert as_quantity(2.5) == Decimal("2.5")
    assert [as_quantity(v) for v in (0, -1, True, "3", None, float("nan"))] == [None] * 6
    assert measured(0) == Decimal(0) and measured(None) is None


# ------------------------------------------------------------------------ tiered rates


@pytest.mark.parametrize(
    ("pages", "due"),
    [
        (1, "0.00"),
        (30, "0.00"),  # 30页以下（含30页）不收费
        (31, "10.00"),  # the first page of the second band
        (100, "700.00"),
        (101, "720.00"),
        (200, "2700.00"),
        (201, "2740.00"),
        (120, "1100.00"),  # the guide's example: 70 × 10 + 20 × 20
        (Decimal("30.5"), "5.00"),  # bands are on a continuous quantity: (30, 100]
    ],
)
def test_progressive_bands_price_each_part_at_its_own_rate(pages: Any, due: str) -> None:
    f = fee(tiered={"field": "pages", "unit": "页", "tiers": PAGE_TIERS})
    assert price(f, Decimal(str(pages)))[0] == Decimal(due)


def test_whole_mode_prices_everything_at_the_band_the_quantity_falls_in() -> None:
    f = fee(tiered={"field": "pages", "unit": "页", "mode": "whole", "tiers": PAGE_TIERS})
    assert price(f, Decimal(30))[0] == Decimal("0.00")
    assert price(f, Decimal(100))[0] == Decimal("1000.00")
    assert price(f, Decimal(101))[0] == Decimal("2020.00")
    assert price(f, Decimal(250))[0] == Decimal("10000.00")


def test_tiered_prices_carry_four_decimals_and_round_once() -> None:
    f = fee(
        tiered={
            "field": "kwh",
            "unit": "千瓦时",
            "tiers": [{"from": 0, "to": 1, "price": "0.0049"}, {"from": 1, "price": "0.0051"}],
        }
    )
    # 0.0049 + 0.0051 = 0.0100 -> 0.01 (each band alone would round to 0.00 and 0.01)
    assert price(f, Decimal(2)) == (
        Decimal("0.01"),
        "阶梯计费：1千瓦时 × 0.0049元 + 1千瓦时 × 0.0051元",
    )


def test_the_published_standard_reads_like_the_measures() -> None:
    f = fee(tiered={"field": "pages", "unit": "页", "tiers": PAGE_TIERS})
    assert rate_text(f) == (
        "阶梯收费（超额累进）：30页以下（含）的部分0元/页；超过30页至100页（含）的部分10元/页；"
        "超过100页至200页（含）的部分20元/页；超过200页的部分40元/页"
    )


def test_contiguous_ordered_bands_pass() -> None:
    raw = with_fees(
        {
            "key": "t",
            "name": "阶梯",
            "basis": "《x》",
            "tiered": {"field": "pages", "tiers": PAGE_TIERS},
        }
    )
    assert problems(raw) == []


@pytest.mark.parametrize(
    ("tiers", "pointer", "words"),
    [
        ([{"from": 1, "to": 30, "price": 0}], "/fees/0/tiered/tiers/0/from", "须从 0 开始"),
        (
            [{"from": 0, "to": 30, "price": 0}, {"from": 31, "price": 10}],
            "/fees/0/tiered/tiers/1/from",
            "有空档",
        ),
        (
            [{"from": 0, "to": 30, "price": 0}, {"from": 29, "price": 10}],
            "/fees/0/tiered/tiers/1/from",
            "重叠",
        ),
        (
            [{"from": 0, "to": 30, "price": 0}, {"from": 30, "to": 30, "price": 10}],
            "/fees/0/tiered/tiers/1/to",
            "须大于下限",
        ),
        (
            [{"from": 0, "price": 0}, {"from": 30, "price": 10}],
            "/fees/0/tiered/tiers/0/to",
            "只有最后一档可以不写 to",
        ),
        (  # out of order: the second band starts below the first one's end
            [{"from": 0, "to": 100, "price": 10}, {"from": 30, "to": 60, "price": 0}],
            "/fees/0/tiered/tiers/1/from",
            "重叠",
        ),
    ],
)
def test_gaps_overlaps_and_open_bands_are_refused_at_their_pointer(
    tiers: list[dict[str, Any]], pointer: str, words: str
) -> None:
    raw = with_fees(
        {"key": "t", "name": "阶梯", "basis": "《x》", "tiered": {"field": "pages", "tiers": tiers}}
    )
    got = found(raw, "fee-tiers")
    assert [p for p, _, _ in got] == [pointer]
    assert words in got[0][1] and got[0][2] is Severity.ERROR


def test_a_tiered_fee_reads_a_numeric_form_field() -> None:
    raw = with_fees(
        {
            "key": "t",
            "name": "阶梯",
            "basis": "《x》",
            "tiered": {"field": "nope", "tiers": PAGE_TIERS},
        }
    )
    assert [p for p, _, _ in found(raw, "fee-per-field")] == ["/fees/0/tiered/field"]


def test_a_fee_is_exactly_one_of_amount_per_and_tiered() -> None:
    with pytest.raises(ValidationError, match="恰好给出"):
        fee(amount="1", tiered={"field": "pages", "tiers": PAGE_TIERS})
    with pytest.raises(ValidationError, match="恰好给出"):
        fee()


def test_the_application_prices_tiered_lines_on_its_own_quantity() -> None:
    raw = with_fees(
        {
            "key": "t",
            "name": "复制费",
            "basis": "《x》",
            "tiered": {"field": "pages", "unit": "页", "tiers": PAGE_TIERS},
        }
    )
    item = CompiledItem(ItemDefinition.model_validate(raw))
    [line] = item.fees_for({"pages": 101})
    assert (line.amount, line.quantity, line.pending) == (Decimal("720.00"), Decimal(101), False)
    assert item.fees_for({"pages": 0}) == []  # nothing to charge on


# ------------------------------------------------------------- fees assessed later


def later(step: str = "review", field: str = "area") -> dict[str, Any]:
    return {
        "key": "dig",
        "name": "挖掘修复费",
        "basis": "《x》",
        "per": {"field": field, "amount": "420", "unit": "平方米"},
        "assessed_at": {"step": step, "label": "实际挖掘面积", "maximum": "5000"},
    }


def test_a_later_fee_is_listed_pending_until_its_quantity_is_recorded() -> None:
    item = CompiledItem(ItemDefinition.model_validate(with_fees(later())))
    [line] = item.fees_for({})
    assert line.pending and line.step == "review" and line.amount == Decimal("0.00")
    assert "按实际挖掘面积核定" in line.detail and "420元/平方米" in line.detail
    [priced] = item.fees_for({}, {"dig": Decimal("12.345")})
    assert not priced.pending and priced.amount == Decimal("5184.90")  # 5184.9 exactly


def test_a_later_fee_names_a_step_after_acceptance_and_a_quantity_of_its_own() -> None:
    assert problems(with_fees(later())) == []
    assert [p for p, _, _ in found(with_fees(later("nowhere")), "fee-assessed")] == [
        "/fees/0/assessed_at/step"
    ]
    assert [p for p, _, _ in found(with_fees(later("accept")), "fee-assessed")] == [
        "/fees/0/assessed_at/step"
    ]
    # the quantity is entered at the step: it may not shadow a form field
    assert [p for p, _, _ in found(with_fees(later(field="pages")), "fee-assessed")] == [
        "/fees/0/per/field"
    ]


def test_a_fixed_amount_cannot_be_assessed_later() -> None:
    with pytest.raises(ValidationError, match="后续核定"):
        fee(amount="10", assessed_at={"step": "review", "label": "数量"})


# ------------------------------------------------------------------- 不收费, explicitly


def test_an_item_that_says_nothing_about_fees_is_warned() -> None:
    raw = example_raw()
    del raw["fees"]
    assert found(raw, "fee-explicit") == [
        (
            "/fees",
            '没有写明是否收费：不收费的事项应写明 no_fee（可附依据）或 "fees": []',
            Severity.WARNING,
        )
    ]
    raw["no_fee"] = {"basis": LICENCE_58}
    assert found(raw, "fee-explicit") == []


def test_no_fee_and_fee_lines_contradict_each_other() -> None:
    raw = with_fees({"key": "f", "name": "工本费", "amount": "10", "basis": "《x》"})
    raw["no_fee"] = {}
    assert [(p, s) for p, _, s in found(raw, "fee-explicit")] == [("/no_fee", Severity.ERROR)]


def test_the_reason_for_charging_nothing_is_a_basis_too() -> None:
    raw = example_raw()
    raw["no_fee"] = {"basis": "no-such-ref"}
    assert [p.pointer for p in problems(raw) if p.rule == "fee-basis"] == ["/no_fee/basis"]


def test_every_shipped_item_says_whether_it_charges() -> None:
    for path in sorted(CATALOG.glob("*.json")):
        raw = json.loads(path.read_text("utf-8"))
        assert raw.get("fees") or "no_fee" in raw, f"{path.name}: 不收费 not said"


# --------------------------------------------------------- the shipped disclosure item


def test_the_disclosure_item_counts_pages_at_review_and_charges_by_the_measures() -> None:
    d = load(PAGES)
    assert check_definition(d, f"{PAGES}.json") == []
    [f] = d.fees
    assert f.assessed_at is not None and f.assessed_at.step == "review"
    assert f.basis == "ogi_fee_measures_5" and f.waivable
    item = CompiledItem(d)
    paper = {"carrier": ["paper"], "delivery": "pickup"}
    assert item.fees_for(paper)[0].pending
    assert item.fees_for(paper, {f.key: 120})[0].amount == Decimal("1100.00")
    assert item.fees_for(paper, {f.key: 30})[0].amount == Decimal("0.00")
    # looked up online: no copies made, no processing fee (第五条 applies to copies)
    assert item.fees_for({"carrier": ["electronic"], "delivery": "online"}) == []
    assert d.decision.grant == "予以公开" and d.decision.deny == "不予公开"
