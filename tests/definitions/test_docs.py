"""The reference documentation is generated from the models and must cover everything."""

from __future__ import annotations

from pathlib import Path

from definitions.docs import _models, generate
from definitions.fieldtypes import default_registry
from definitions.models import Handling, MaterialSource, NotifyEvent, Procedure, Role, StepKind
from definitions.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "definition-language.md"


def test_committed_docs_are_current() -> None:
    assert DOC.read_text(encoding="utf-8") == generate(), "docs are stale: run `make docs`"


def test_every_key_has_a_description_and_appears() -> None:
    text = generate()
    for model in _models():
        for name, field in model.model_fields.items():
            key = field.alias or name
            assert field.description, f"{model.__name__}.{key} has no description"
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is not documented"


def test_every_field_type_step_kind_and_rule_is_documented() -> None:
    text = generate()
    for name in default_registry().names():
        assert f"| `{name}` |" in text, f"field type {name} undocumented"
    for enum in (StepKind, Procedure, Handling, MaterialSource, Role, NotifyEvent):
        for member in enum:
            assert f"| `{member.value}` |" in text, f"{enum.__name__}.{member.value} undocumented"
    for rule in RULES:
        assert f"| `{rule.id}` |" in text and rule.sentence in text, f"rule {rule.id} undocumented"
