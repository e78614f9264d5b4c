"""What each reform rule says, exactly: for definitions crafted to break the rules in
every way each rule distinguishes, the findings an administrator reads — the rule, the
JSON pointer and the Chinese message — are pinned in ``fixtures/rule_findings.json``.

A change to a rule's wording, to where it points, or to which cases it catches shows up
here as a diff to read (regenerate the file with ``BANSHI_REWRITE_FINDINGS=1`` and review
it). The breaches also feed mutation testing of definitions/rules.py."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from definitions.check import check_loaded
from definitions.loading import load_definition
from tests.definitions.conftest import example_raw
from tests.definitions.test_properties import CRAFTED

GOLDEN = Path(__file__).parent / "fixtures" / "rule_findings.json"
Raw = dict[str, Any]


def _step(raw: Raw, i: int, **changes: Any) -> Raw:
    raw["steps"][i].update(changes)
    return raw


def _instant_breaks(raw: Raw) -> Raw:
    raw["handling"] = "instant"
    raw["limits"].update(extension_days=5, fallback_days=30)
    return raw


def _instant_clean_but_special(raw: Raw) -> Raw:
    raw["handling"] = "instant"
    raw["limits"].update(promised_days=0, fallback_days=20)
    raw["steps"] = [
        _zero(raw["steps"][0]),
        {**raw["steps"][1], "days": 0},
    ]
    return raw


def _zero(step: Raw) -> Raw:
    return {**step, "days": 0}


def _fallback_on_promised(raw: Raw) -> Raw:
    raw["limits"]["fallback_days"] = 3
    return raw


def _no_decide(raw: Raw) -> Raw:
    raw["steps"] = [s for s in raw["steps"] if s["kind"] != "decide"]
    return raw


def _decide_by_reviewer_elsewhere(raw: Raw) -> Raw:
    return _step(raw, 3, role="reviewer", at="county.zrzy")


def _township_decides_at_window(raw: Raw) -> Raw:
    raw["levels"] = {"accept": ["township.*"], "decide": "township"}
    return _step(raw, 3, at="window")


def _first_and_last_wrong(raw: Raw) -> Raw:
    _step(raw, 0, role="reviewer", when={"field": "cold_chain", "eq": True})
    return _step(raw, 4, kind="review", at="owner", role="reviewer")


def _last_by_reviewer(raw: Raw) -> Raw:
    return _step(raw, 4, role="reviewer")


def _review_by_clerk_at_township(raw: Raw) -> Raw:
    raw["levels"]["accept"] = ["township.*"]
    return _step(raw, 2, at="window", role="window_clerk")


def _fee_basis_unknown(raw: Raw) -> Raw:
    raw["fees"] = [{"key": "fee", "name": "工本费", "amount": "10", "basis": "no-such-ref"}]
    return raw


def _free_without_basis(raw: Raw) -> Raw:
    raw["no_fee"] = {"basis": "no-such-ref"}
    return raw


def _promised_over_statutory(raw: Raw) -> Raw:
    raw["limits"]["promised_days"] = 25
    return raw


def _promised_zero(raw: Raw) -> Raw:
    raw["limits"]["promised_days"] = 0
    for s in raw["steps"]:
        s["days"] = 0
    return raw


def _results_not_published(raw: Raw) -> Raw:
    raw["disclosure"]["publish_results"] = False
    return raw


def _results_without_fields(raw: Raw) -> Raw:
    raw["disclosure"]["result_fields"] = []
    return raw


def _personal_results(raw: Raw) -> Raw:
    raw["disclosure"]["result_fields"] = ["operator_name", "legal_person_id", "mobile"]
    return raw


def _township_decides_at_owner(raw: Raw) -> Raw:
    raw["levels"] = {"accept": ["township.*"], "decide": "township"}
    return raw


def _reported_at_county(raw: Raw) -> Raw:
    raw["handling"] = "reported"
    raw["levels"]["accept"] = ["county.hall"]
    raw["steps"].insert(1, _forward(to="owner", when={"field": "cold_chain", "eq": True}))
    return raw


def _reported_to_owner(raw: Raw) -> Raw:
    raw["handling"] = "reported"
    raw["steps"].insert(1, _forward(to="county.scjg"))
    return raw


def _forward(**extra: Any) -> Raw:
    step: Raw = {"key": "forward", "kind": "forward", "at": "window", "role": "window_clerk"}
    return {**step, "days": 0, **extra}


def _limits(**changes: Any) -> Callable[[Raw], Raw]:
    def apply(raw: Raw) -> Raw:
        raw["limits"].update(changes)
        return raw

    return apply


def _promised_equals_statutory(raw: Raw) -> Raw:
    return _limits(promised_days=20)(raw)


def _instant_three_steps(raw: Raw) -> Raw:
    raw["handling"] = "instant"
    raw["limits"].update(promised_days=0)
    raw["steps"] = [_zero(raw["steps"][0]), _zero(raw["steps"][2]), _zero(raw["steps"][4])]
    return raw


def _instant_two_steps(raw: Raw) -> Raw:
    raw["handling"] = "instant"
    raw["limits"].update(promised_days=0)
    raw["steps"] = [_zero(raw["steps"][0]), _zero(raw["steps"][4])]
    return raw


def _county_decides_at_window(raw: Raw) -> Raw:
    return _step(raw, 3, at="window")


def _accept_at_owner(raw: Raw) -> Raw:
    return _step(raw, 0, at="owner")


def _complete_at_owner(raw: Raw) -> Raw:
    return _step(raw, 4, at="owner")


def _free_by_law_name(raw: Raw) -> Raw:
    raw["no_fee"] = {"basis": "《中华人民共和国行政许可法》第五十八条"}
    return raw


def _second_fee_without_basis(raw: Raw) -> Raw:
    raw["fees"] = [
        {"key": "a", "name": "工本费", "amount": "10", "basis": "food-safety-law-35"},
        {"key": "b", "name": "证书费", "amount": "5"},
    ]
    return raw


def _statutory_one_without_basis(raw: Raw) -> Raw:
    raw["limits"].pop("basis", None)
    raw["limits"].update(statutory_days=1, promised_days=0)
    raw["handling"] = "instant"
    raw["steps"] = [_zero(raw["steps"][0]), _zero(raw["steps"][4])]
    return raw


def _statutory_zero_without_basis(raw: Raw) -> Raw:
    _statutory_one_without_basis(raw)
    raw["limits"]["statutory_days"] = 0
    return raw


def _unknown_result_field(raw: Raw) -> Raw:
    raw["disclosure"]["result_fields"] = ["operator_name", "no_such_field"]
    return raw


def _two_visits(raw: Raw) -> Raw:
    raw["service"]["max_visits"] = 2
    return raw


EXTRA: dict[str, Callable[[Raw], Raw]] = {
    "promised-equals-statutory": _promised_equals_statutory,
    "instant-three-steps": _instant_three_steps,
    "instant-two-steps": _instant_two_steps,
    "county-decides-at-window": _county_decides_at_window,
    "accept-at-owner": _accept_at_owner,
    "complete-at-owner": _complete_at_owner,
    "free-by-law-name": _free_by_law_name,
    "second-fee-without-basis": _second_fee_without_basis,
    "statutory-one-without-basis": _statutory_one_without_basis,
    "statutory-zero-without-basis": _statutory_zero_without_basis,
    "unknown-result-field": _unknown_result_field,
    "two-visits": _two_visits,
    "results-not-published": _results_not_published,
    "results-without-fields": _results_without_fields,
    "personal-results": _personal_results,
    "township-decides-at-owner": _township_decides_at_owner,
    "reported-at-county": _reported_at_county,
    "reported-to-owner": _reported_to_owner,
    "instant-breaks": _instant_breaks,
    "instant-special": _instant_clean_but_special,
    "fallback-on-promised": _fallback_on_promised,
    "no-decide": _no_decide,
    "decide-by-reviewer-elsewhere": _decide_by_reviewer_elsewhere,
    "township-decides-at-window": _township_decides_at_window,
    "first-and-last-wrong": _first_and_last_wrong,
    "last-by-reviewer": _last_by_reviewer,
    "review-by-clerk-at-township": _review_by_clerk_at_township,
    "fee-basis-unknown": _fee_basis_unknown,
    "free-without-basis": _free_without_basis,
    "promised-over-statutory": _promised_over_statutory,
    "promised-zero": _promised_zero,
}


def _findings(docs: list[Raw]) -> list[str]:
    loaded = [
        load_definition(json.dumps(doc, ensure_ascii=False), f"item{i}.json")
        for i, doc in enumerate(docs)
    ]
    problems = [p for item in loaded for p in item.problems] + check_loaded(loaded)
    return sorted(p.format() for p in problems)


def observed() -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    for rule_id, breaker in sorted(CRAFTED.items()):
        cases[f"rule:{rule_id}"] = _findings(breaker(example_raw()))
    for name, breaker in sorted(EXTRA.items()):
        cases[name] = _findings([breaker(copy.deepcopy(example_raw()))])
    return cases


def test_each_breach_gets_exactly_the_pinned_findings() -> None:
    found = observed()
    if os.environ.get("BANSHI_REWRITE_FINDINGS"):
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=2) + "\n", "utf-8")
    pinned = json.loads(GOLDEN.read_text("utf-8"))
    assert found.keys() == pinned.keys()
    for name, findings in found.items():
        assert findings == pinned[name], name


#: Variants the rules must let through (a finding here would be a false alarm).
ALLOWED = {
    "township-decides-at-window",
    "reported-to-owner",
    "instant-two-steps",
    "free-by-law-name",
    "statutory-zero-without-basis",
    "two-visits",
}


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_every_extra_breach_is_caught_and_every_allowed_variant_passes(name: str) -> None:
    findings = observed()[name]
    assert bool(findings) is (name not in ALLOWED), (name, findings)
