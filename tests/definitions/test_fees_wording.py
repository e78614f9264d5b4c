"""Decision wording per item and instant items' fallback limits, as the checker and the
reform rules see them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from definitions.check import check_definition
from definitions.models import DecisionWording, ItemDefinition
from tests.definitions.conftest import example_raw

CATALOG = Path(__file__).resolve().parents[2] / "definitions" / "catalog"


def findings(raw: dict[str, Any], rule: str) -> list[tuple[str, str]]:
    d = ItemDefinition.model_validate(raw)
    return [(p.pointer, p.message) for p in check_definition(d, "i.json") if p.rule == rule]


def instant(**limits: Any) -> dict[str, Any]:
    raw = example_raw()
    raw["handling"] = "instant"
    raw["limits"] = {"statutory_days": 3, "promised_days": 0, **limits}
    raw["steps"] = [
        {"key": "accept", "kind": "accept", "at": "window", "role": "window_clerk", "days": 0},
        {"key": "complete", "kind": "complete", "at": "window", "role": "window_clerk", "days": 0},
    ]
    raw["notify"] = ["accepted", "completed"]
    return raw


def test_licences_are_worded_as_licences_by_default() -> None:
    d = ItemDefinition.model_validate(example_raw())
    assert (d.decision.grant, d.decision.deny) == ("准予许可", "不予许可")
    assert d.decision.words("approved") == "准予许可"
    assert d.decision.words("denied") == "不予许可"
    assert d.decision.words(None) == ""


def test_an_item_words_its_own_decision() -> None:
    raw = example_raw() | {
        "decision": {"grant": "给予最低生活保障", "deny": "不予给予最低生活保障"}
    }
    words = ItemDefinition.model_validate(raw).decision
    assert words == DecisionWording(grant="给予最低生活保障", deny="不予给予最低生活保障")
    assert words.words("denied") == "不予给予最低生活保障"


def test_the_catalogue_words_benefits_and_disclosure_as_such() -> None:
    wording = {
        p.stem: json.loads(p.read_text("utf-8")).get("decision", {}) for p in CATALOG.glob("*.json")
    }
    assert wording["422822-MZJ-GF-0001"]["grant"] == "给予最低生活保障"
    assert wording["422822-MZJ-GF-0002"]["deny"] == "不予给予临时救助"
    assert wording["422822-ZFB-QT-0001"] == {"grant": "予以公开", "deny": "不予公开"}
    assert wording["422822-ZRZY-QR-0003"]["grant"] == "予以登记"
    for path in CATALOG.glob("*.json"):
        raw = json.loads(path.read_text("utf-8"))
        if raw["category"] != "administrative_license":  # benefits, registrations, replies
            assert "decision" in raw, f"{path.name}: a {raw['category']} is not a licence"
            assert "准予许可" not in raw["decision"].values(), path.name


def test_an_instant_item_may_fall_back_to_a_limit_within_the_statutory_one() -> None:
    assert findings(instant(fallback_days=3), "instant") == []
    assert findings(instant(fallback_days=4), "instant") == [
        ("/limits/fallback_days", "不能当场办结时的承诺时限 4 个工作日超过法定时限 3 个工作日")
    ]


def test_an_instant_item_has_nothing_to_extend() -> None:
    [(pointer, message)] = findings(instant(extension_days=3), "instant")
    assert pointer == "/limits/extension_days"
    assert "即办件当场办结" in message and "fallback_days" in message


def test_only_instant_items_fall_back() -> None:
    raw = example_raw()
    raw["limits"]["fallback_days"] = 2
    assert findings(raw, "instant") == [
        ("/limits/fallback_days", "只有即办件可以设置 fallback_days")
    ]


def test_the_shipped_registration_item_falls_back_to_the_three_days_of_its_regulation() -> None:
    d = ItemDefinition.model_validate_json(
        (CATALOG / "422822-SCJG-XK-0002.json").read_text("utf-8")
    )
    assert d.handling.value == "instant"
    assert d.limits.fallback_days == 3 and d.limits.extension_days == 0
    assert "不能当场登记的，应当在3个工作日内予以登记" in (d.basis[0].text or "")
