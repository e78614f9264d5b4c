"""Township-hosted steps (the reform rule ``special-off-window``): the window rule concerns
what the applicant faces, not where a step runs. An item accepted only at townships may have
its review, special procedures and village publicity at the accepting township (上报件:
社会救助暂行办法第十一条 — the township surveys, reviews and publicises, then reports to the
county); an item the county hall accepts sends them to the department; a window clerk never
performs them."""

from __future__ import annotations

import copy
from typing import Any

from definitions.check import check_definition
from definitions.models import ItemDefinition
from definitions.rules import rule_by_id
from tests.definitions.conftest import CATALOG, example_raw

RULE = rule_by_id("special-off-window")


def findings(raw: dict[str, Any]) -> list[tuple[str, str]]:
    return list(RULE.check(ItemDefinition.model_validate(raw)))


def test_the_township_hosted_reported_item_passes_every_rule() -> None:
    path = CATALOG / "422822-MZJ-QR-0001.json"
    d = ItemDefinition.model_validate_json(path.read_text(encoding="utf-8"))
    errors = [p for p in check_definition(d, path.name) if p.severity == "error"]
    assert errors == []
    hosted = [s.key for s in d.steps if s.at == "window" and s.kind.value in ("review", "special")]
    assert hosted == ["household_survey", "township_review", "village_notice"]
    assert d.handling.value == "reported" and d.levels.accept == ["township.*"]
    assert any("第十一条" in b.title for b in d.basis)


def test_review_at_the_window_is_for_township_accepted_items_only() -> None:
    raw = example_raw()
    review = next(i for i, s in enumerate(raw["steps"]) if s["kind"] == "review")
    raw["steps"][review]["at"] = "window"
    assert [p for p, _ in findings(raw)] == [f"/steps/{review}/at"]  # the hall accepts it too
    township = copy.deepcopy(raw)
    township["levels"]["accept"] = ["township.*"]
    assert findings(township) == []
    one = copy.deepcopy(raw)
    one["levels"]["accept"] = ["township.yezhou", "county.hall"]
    assert [p for p, _ in findings(one)] == [f"/steps/{review}/at"]


def test_a_window_clerk_never_reviews_or_runs_a_special_procedure_wherever_it_runs() -> None:
    raw = example_raw()
    raw["levels"]["accept"] = ["township.*"]
    review = next(i for i, s in enumerate(raw["steps"]) if s["kind"] == "review")
    raw["steps"][review].update(at="window", role="window_clerk")
    (finding,) = findings(raw)
    assert finding[0] == f"/steps/{review}/role" and "reviewer" in finding[1]
