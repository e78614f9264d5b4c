"""The pydantic models: unknown keys refused, kind-specific keys, defaults, canonical form."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from definitions.canonical import canonical_json
from definitions.models import ItemDefinition, Step
from tests.definitions.conftest import example_raw


def invalid(raw: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as exc:
        ItemDefinition.model_validate(raw)
    return list(exc.value.errors())


def test_unknown_keys_are_errors_at_every_level() -> None:
    raw = example_raw()
    raw["steps"][0]["colour"] = "red"
    raw["service"]["fax"] = "1"
    locs = {e["loc"] for e in invalid(raw) if e["type"] == "extra_forbidden"}
    assert ("steps", 0, "colour") in locs and ("service", "fax") in locs


def test_step_kind_keys() -> None:
    base = {"key": "s", "at": "owner", "role": "reviewer", "days": 1}
    with pytest.raises(ValidationError, match="procedure"):
        Step.model_validate({**base, "kind": "special"})
    with pytest.raises(ValidationError, match="不能给出 procedure"):
        Step.model_validate({**base, "kind": "review", "procedure": "hearing"})
    with pytest.raises(ValidationError, match="departments"):
        Step.model_validate({**base, "kind": "countersign"})
    with pytest.raises(ValidationError, match="to"):
        Step.model_validate({**base, "kind": "forward"})


def test_special_procedures_count_by_default_as_the_law_says() -> None:
    def special(proc: str, **kw: Any) -> Step:
        return Step.model_validate(
            {
                "key": "s",
                "kind": "special",
                "procedure": proc,
                "at": "owner",
                "role": "reviewer",
                "days": 5,
                **kw,
            }
        )

    assert special("site_inspection").counts is True
    assert special("hearing").counts is False
    assert special("expert_review").counts is False
    assert special("hearing", counts_toward_limit=True).counts is True


def test_fee_needs_amount_or_per_but_not_both() -> None:
    raw = example_raw()
    raw["fees"] = [{"key": "f", "name": "费", "basis": "《x》"}]
    assert any("恰好给出 amount 或 per" in str(e["msg"]) for e in invalid(raw))
    raw["fees"] = [
        {
            "key": "f",
            "name": "费",
            "basis": "《x》",
            "amount": "1",
            "per": {"field": "a", "amount": "1"},
        }
    ]
    invalid(raw)


def test_amount_has_at_most_two_decimals() -> None:
    raw = example_raw()
    raw["fees"] = [{"key": "f", "name": "费", "basis": "《x》", "amount": "1.005"}]
    assert any(e["type"] == "decimal_max_places" for e in invalid(raw))


def test_codes_and_domains_follow_their_patterns() -> None:
    raw = example_raw()
    raw["code"] = "SCJG-0001"
    raw["owner"] = "County.SCJG"
    raw["levels"]["accept"] = ["township.*", "city.hall"]
    locs = {e["loc"] for e in invalid(raw)}
    assert {("code",), ("owner",), ("levels", "accept", 1)} <= locs


def test_condition_atoms_are_strict() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"][5]["required_when"] = {"field": "cold_chain", "gt": "5"}
    invalid(raw)


def test_canonical_form_fills_defaults_and_omits_absent_keys() -> None:
    d = ItemDefinition.model_validate(example_raw())
    canon = d.canonical()
    assert canon["levels"]["decide"] == "owner"
    assert canon["materials"][0]["paper"] is True
    assert "hint" not in canon["form"]["sections"][0]["fields"][0]
    assert canon["fees"] == []
    again = ItemDefinition.model_validate(canon)
    assert canonical_json(again.canonical()) == canonical_json(canon)


def test_text_is_stripped_and_must_not_be_blank() -> None:
    raw = example_raw()
    raw["name"] = "  食品经营许可  "
    assert ItemDefinition.model_validate(raw).name == "食品经营许可"
    raw["name"] = "   "
    invalid(raw)
