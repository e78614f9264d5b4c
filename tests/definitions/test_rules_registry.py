"""The reform rules' own machinery: a rule checks with the default settings when given
none, an item rule has nothing to say about a catalogue and a catalogue rule nothing about
one item, rules are found by id, and the compression cap is exact where floating point is
not (100 × 0.29 is 28.999… in binary)."""

from __future__ import annotations

import pytest

from definitions.models import ItemDefinition
from definitions.rules import (
    RuleSettings,
    catalog_rules,
    item_rules,
    max_promised,
    rule_by_id,
)


def test_rules_are_found_by_id_and_an_unknown_id_is_a_key_error() -> None:
    for rule in item_rules() + catalog_rules():
        assert rule_by_id(rule.id) is rule
    with pytest.raises(KeyError, match="no-such-rule"):
        rule_by_id("no-such-rule")


def test_a_rule_checks_with_the_default_settings_when_given_none(
    example: ItemDefinition,
) -> None:
    slow = example.model_copy(
        update={"limits": example.limits.model_copy(update={"promised_days": 19})}
    )
    compression = rule_by_id("compression")
    found = list(compression.check(slow))
    assert found and found == list(compression.check(slow, RuleSettings()))
    assert list(compression.check(slow, RuleSettings(compression_ratio=1.0))) == []


def test_item_and_catalogue_rules_keep_to_their_scope(example: ItemDefinition) -> None:
    for rule in catalog_rules():
        assert rule.scope == "catalog" and list(rule.check(example)) == []
    for rule in item_rules():
        assert rule.scope == "item" and list(rule.check_catalog([("a.json", example)])) == []
    twice = [("a.json", example), ("b.json", example)]
    assert any(list(r.check_catalog(twice)) for r in catalog_rules())  # the same code twice


@pytest.mark.parametrize(
    ("statutory", "ratio", "cap"),
    [(100, 0.29, 29), (20, 0.48, 9), (25, 0.48, 12), (10, 0.5, 5), (1, 0.48, 0)],
)
def test_the_compression_cap_is_exact(statutory: int, ratio: float, cap: int) -> None:
    assert max_promised(statutory, RuleSettings(compression_ratio=ratio)) == cap
