"""The annotated example of the reference documentation: one real catalogue item, shown
part by part, each key (and each enumeration value) explained where it first appears.

The notes are walked out of the models, so a key added to the language is explained here
as soon as it has a Chinese meaning (definitions/meanings.py).
"""

from __future__ import annotations

import json
from enum import Enum
from importlib.resources import files
from typing import Any, get_args

from pydantic import BaseModel

from definitions.conditions import AllOf, AnyOf, Atom, NotOf
from definitions.fieldtypes import FieldTypeRegistry
from definitions.meanings import CATEGORY_MEANINGS, ENUM_MEANINGS, KEY_MEANINGS
from definitions.models import ItemDefinition
from definitions.problems import pointer
from definitions.rules import RuleSettings, counting_days, item_rules, max_promised

#: The item shown: a joint licence with a form, conditional materials, a special
#: procedure, a countersign, fees per square metre and every disclosure key.
EXAMPLE_FILE = "422822-ZJJ-XK-0002.json"

_CONDITIONS: dict[str, type[BaseModel]] = {"all": AllOf, "any": AnyOf, "not": NotOf}


def example_text() -> str:
    return files("definitions").joinpath("catalog", EXAMPLE_FILE).read_text(encoding="utf-8")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _enum_in(annotation: Any) -> type[Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    for arg in get_args(annotation):
        found = _enum_in(arg)
        if found is not None:
            return found
    return None


def _model_for(raw: Any, candidates: list[type[BaseModel]]) -> type[BaseModel] | None:
    """The model that reads ``raw``: the only candidate, or a condition by its key."""
    if not isinstance(raw, dict) or not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    for key, model in _CONDITIONS.items():
        if key in raw and model in candidates:
            return model
    return Atom if Atom in candidates else None


def _short(value: Any) -> str:
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    ):
        return "（见下）"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 40:
        text = text[:37] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


class _Annotator:
    """Walks the raw JSON beside the models, noting each key once (and each enumeration
    value, field type and category once) as (pointer, value, meaning)."""

    def __init__(self, registry: FieldTypeRegistry) -> None:
        self.registry = registry
        self.seen: set[tuple[str, ...]] = set()
        self.notes: list[tuple[str, str, str]] = []

    def note(self, once: tuple[str, ...], ptr: str, value: Any, meaning: str) -> bool:
        if once in self.seen:
            return False
        self.seen.add(once)
        self.notes.append((ptr, _short(value), meaning))
        return True

    def value_meaning(self, model: str, key: str, value: Any, annotation: Any) -> str | None:
        """The meaning of a coded value (an enum member, a field type, a category)."""
        enum = _enum_in(annotation)
        if enum is not None and isinstance(value, str):
            return ENUM_MEANINGS[enum].get(value)
        if (model, key) == ("FormField", "type") and value in self.registry:
            return f"{self.registry[value].title}"
        if (model, key) == ("ItemDefinition", "category"):
            return CATEGORY_MEANINGS.get(value)
        return None

    def walk(
        self, raw: dict[str, Any], model: type[BaseModel], path: tuple[str | int, ...]
    ) -> None:
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        for key, value in raw.items():
            field = fields[key]
            here = (*path, key)
            meaning = KEY_MEANINGS[model.__name__][key]
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            codes = [self.value_meaning(model.__name__, key, v, field.annotation) for _, v in items]
            if len(items) == 1 and codes[0] is not None and (model.__name__, key) not in self.seen:
                # the key and its (one) coded value in one row
                self.seen.add((model.__name__, key, str(value)))
                meaning = f"{meaning}本例 `{items[0][1]}`：{codes[0]}"
            self.note((model.__name__, key), pointer(*here), value, meaning)
            for (i, item), coded in zip(items, codes, strict=True):
                at = here if i is None else (*here, i)
                if coded is not None:
                    self.note((model.__name__, key, str(item)), pointer(*at), item, coded)
                sub = _model_for(item, _models_in(field.annotation))
                if sub is not None:
                    self.walk(item, sub, at)


def _parts(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The item in parts: each object (or list of objects) alone, the plain keys between
    them together."""
    parts: list[dict[str, Any]] = []
    plain: dict[str, Any] = {}
    for key, value in raw.items():
        nested = isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict) for v in value)
        )
        if nested:
            if plain:
                parts.append(plain)
                plain = {}
            parts.append({key: value})
        else:
            plain[key] = value
    return [*parts, plain] if plain else parts


def _rules_note(item: ItemDefinition) -> list[str]:
    """How the example keeps the reform rules (generation fails if it does not)."""
    settings = RuleSettings()
    findings = [(r.id, f) for r in item_rules() for f in r.check(item, settings)]
    if findings:
        raise ValueError(f"the documented example breaks reform rules: {findings}")
    cap = max_promised(item.limits.statutory_days, settings)
    return [
        "### 本例如何满足改革规则",
        "",
        f"本例通过全部 {len(item_rules())} 条单事项改革规则（见下一节）。例如：承诺时限"
        f" {item.limits.promised_days} 个工作日，不超过法定时限 {item.limits.statutory_days}"
        f" 个工作日的 {settings.compression_ratio:.0%}（最多 {cap} 个工作日，`compression`）；"
        f"计入时限的环节共 {counting_days(item)} 个工作日，不超过承诺时限（`step-days`）；"
        "第一个环节在窗口受理、最后一个环节在窗口办结（`window-only`）；决定和会签由首席代表办理"
        "（`chief-decides`）；每项收费都写明了法定依据（`fee-basis`）。",
        "",
    ]


def example_section(registry: FieldTypeRegistry) -> list[str]:
    raw = json.loads(example_text())
    ItemDefinition.model_validate(raw)  # the example is a valid item (the catalogue test agrees)
    annotator = _Annotator(registry)
    out = [
        "## 完整示例（逐键说明）",
        "",
        f"下面是目录中的真实事项 `definitions/catalog/{EXAMPLE_FILE}`（{raw['name']}）：",
        "一个联办件，有条件材料、特别程序、会签和按面积计算的收费。逐部分列出原文，",
        "表格按出现顺序解释每个键（同一个键只在第一次出现时解释，枚举值在每个新值第一次出现时解释）。",
        "",
    ]
    fields = {f.alias or name: f for name, f in ItemDefinition.model_fields.items()}
    for part in _parts(raw):
        before = len(annotator.notes)
        annotator.walk(part, ItemDefinition, ())
        out += [
            "### " + " ".join(f"`{k}`" for k in part),
            "",
            "```json",
            json.dumps(part, ensure_ascii=False, indent=2),
            "```",
            "",
            "| 位置 | 值 | 说明 |",
            "|---|---|---|",
        ]
        out += [f"| `{p}` | {v} | {m} |" for p, v, m in annotator.notes[before:]]
        out.append("")
    out += _rules_note(ItemDefinition.model_validate(raw))
    absent = [k for k in fields if k not in raw]
    if absent:
        out += [
            "本例没有写的键取默认值：" + "、".join(f"`{k}`" for k in absent) + "（见“键”一节）。",
            "",
        ]
    return out
