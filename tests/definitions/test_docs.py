"""The reference documentation is generated from the models and must cover everything."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import definitions
from definitions.docs import ENUMS, _models, generate
from definitions.docs_example import EXAMPLE_FILE, example_text
from definitions.fieldtypes import default_registry
from definitions.meanings import (
    ENUM_MEANINGS,
    FIELD_TYPE_NOTES,
    KEY_MEANINGS,
    MODEL_MEANINGS,
    STRUCTURAL_CHECKS,
)
from definitions.models import Handling, MaterialSource, NotifyEvent, Role, StepKind
from definitions.procedures import default_procedures
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
    for enum in (StepKind, Handling, MaterialSource, Role, NotifyEvent):
        for member in enum:
            assert f"| `{member.value}` |" in text, f"{enum.__name__}.{member.value} undocumented"
    for kind in default_procedures():
        assert f"| `{kind.name}` | {kind.title} |" in text, f"procedure {kind.name} undocumented"
    for rule in RULES:
        assert f"| `{rule.id}` |" in text and rule.sentence in text, f"rule {rule.id} undocumented"


# ------------------------------------------------------------- the administrator's Chinese


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_model_and_key_has_a_chinese_meaning_and_no_meaning_is_stale() -> None:
    for model in _models():
        assert _has_chinese(MODEL_MEANINGS[model.__name__]), model.__name__
        keys = {field.alias or name for name, field in model.model_fields.items()}
        meanings = KEY_MEANINGS[model.__name__]
        assert set(meanings) == keys, f"{model.__name__}: meanings for {sorted(meanings)}"
        for key, meaning in meanings.items():
            assert _has_chinese(meaning), f"{model.__name__}.{key}"
    assert set(KEY_MEANINGS) == {m.__name__ for m in _models()}


def test_every_enum_value_is_explained_in_chinese_in_the_docs() -> None:
    text = generate()
    for enum in ENUMS:
        assert set(ENUM_MEANINGS[enum]) == {m.value for m in enum}, enum.__name__
        for member in enum:
            meaning = ENUM_MEANINGS[enum][member.value]
            assert _has_chinese(meaning), f"{enum.__name__}.{member.value}"
            assert f"| `{member.value}` | {meaning} |" in text, f"{enum.__name__}.{member.value}"
    for kind in default_procedures():  # plugins: each says what it is and why, in Chinese
        assert _has_chinese(kind.meaning) and _has_chinese(kind.basis), kind.name
        assert f"| {kind.meaning} |" in text, kind.name
    assert NotifyEvent in ENUMS and len(ENUM_MEANINGS[NotifyEvent]) == len(NotifyEvent)


def test_every_built_in_field_type_has_a_chinese_note() -> None:
    text = generate()
    for name in default_registry().names():
        assert _has_chinese(FIELD_TYPE_NOTES[name]), name
        assert FIELD_TYPE_NOTES[name] in text


def test_every_reform_rule_says_what_it_means_and_how_to_fix_a_finding() -> None:
    text = generate()
    for rule in RULES:
        assert _has_chinese(rule.meaning) and _has_chinese(rule.fix), rule.id
        section = text.split(f"#### `{rule.id}`\n", 1)[1].split("\n#### ", 1)[0]
        assert rule.sentence in section and rule.meaning in section and rule.fix in section


def _problem_ids_in_the_checker() -> set[str]:
    """Every rule id the checker's modules pass to a Problem, to ``add`` or as a default."""
    found: set[str] = set()
    for path in (Path(definitions.__file__).parent).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                position = {"Problem": 3, "add": 2}.get(name or "")
                if position is not None and len(node.args) > position:
                    arg = node.args[position]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
            if (
                isinstance(node, ast.AnnAssign)
                and getattr(node.target, "id", "") == "rule"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def test_every_problem_the_checker_prints_is_explained_with_a_fix() -> None:
    ids = _problem_ids_in_the_checker()
    assert {"schema", "json-syntax", "step-at", "field-type", "internal"} <= ids  # the scan works
    rule_ids = {r.id for r in RULES}
    text = generate()
    for rule_id in ids:
        assert rule_id in STRUCTURAL_CHECKS or rule_id in rule_ids, f"[{rule_id}] is unexplained"
    for rule_id, (meaning, fix) in STRUCTURAL_CHECKS.items():
        assert rule_id in ids, f"[{rule_id}] is explained but never printed"
        assert f"| `{rule_id}` | {meaning} | {fix} |" in text


def test_the_annotated_example_is_a_real_catalogue_item_explained_key_by_key() -> None:
    raw = json.loads(example_text())
    catalogue = Path(definitions.__file__).parent / "catalog" / EXAMPLE_FILE
    assert json.loads(catalogue.read_text(encoding="utf-8")) == raw
    text = generate()
    example = text.split("## 完整示例", 1)[1].split("\n## ", 1)[0]
    for key in raw:
        assert f"| `/{key}` |" in example, key
    for meaning in (
        KEY_MEANINGS["Step"]["kind"],
        KEY_MEANINGS["Fee"]["per"],
        KEY_MEANINGS["Atom"]["eq"],
    ):
        assert meaning in example
    for kind in {s["kind"] for s in raw["steps"]}:
        assert ENUM_MEANINGS[StepKind][kind] in example, kind
