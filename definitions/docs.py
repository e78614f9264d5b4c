"""Reference documentation of the definition language, generated from the models' own
field descriptions, the field type registry, the enums and the rule registry.

``python -m definitions.docs > docs/definition-language.md`` (``make docs``); a test fails
when the committed file differs or anything is undocumented.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from definitions import limits
from definitions.conditions import AllOf, AnyOf, Atom, NotOf
from definitions.fieldtypes import COMMON_KEYS, FieldTypeRegistry, default_registry
from definitions.models import (
    PROCEDURE_COUNTS_BY_DEFAULT,
    PROCEDURE_NAMES,
    Handling,
    ItemDefinition,
    MaterialSource,
    NotifyEvent,
    Procedure,
    Role,
    StepKind,
)
from definitions.rules import RULES

ENUM_NOTES: dict[type[Enum], dict[str, str]] = {
    Handling: {
        "instant": "即办件：当场办结，不计时",
        "promised": "承诺件",
        "reported": "上报件：下级受理、上级决定",
        "joint": "联办件：多部门会签",
    },
    StepKind: {
        "accept": "受理（窗口）",
        "review": "审查（部门审批股）",
        "special": "特别程序（见 procedure）",
        "decide": "决定（首席代表）",
        "countersign": "会签（所列部门均须同意）",
        "forward": "上报（乡镇报县级部门）",
        "complete": "办结（窗口）",
        "deliver": "送达（窗口）",
    },
    MaterialSource: {
        "applicant": "申请人提供",
        "shared": "政府已掌握（共享），申请人免交",
        "issued": "本机关核发",
        "promise": "申请人书面承诺",
    },
    Role: {
        "window_clerk": "窗口工作人员",
        "reviewer": "审查人员",
        "chief_representative": "首席代表",
        "department_head": "部门负责人（只读，不审批）",
        "supervisor": "电子监察人员",
        "admin": "系统管理员",
    },
}


def _models() -> list[type[BaseModel]]:
    """Every model reachable from ItemDefinition, in first-seen order."""
    seen: list[type[BaseModel]] = []

    def walk(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in seen:
                return
            seen.append(tp)
            for f in tp.model_fields.values():
                walk(f.annotation)
            return
        for arg in get_args(tp):
            walk(arg)

    walk(ItemDefinition)
    for m in (Atom, AllOf, AnyOf, NotOf):
        if m not in seen:
            seen.append(m)
    return seen


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is None:
        if isinstance(tp, type):
            if issubclass(tp, Enum):
                return f"`{tp.__name__}`"
            if issubclass(tp, BaseModel):
                return f"[{tp.__name__}](#{tp.__name__.lower()})"
            return {
                "str": "string",
                "int": "integer",
                "float": "number",
                "bool": "boolean",
                "Decimal": "number",
            }.get(tp.__name__, tp.__name__)
        if tp is None or tp is type(None):
            return "null"
        return str(tp).replace("typing.", "")
    args = [a for a in get_args(tp) if a is not type(None)]
    name = getattr(origin, "__name__", str(origin))
    if name == "list":
        return f"list of {_type_name(args[0])}"
    if name == "Annotated":
        return _type_name(args[0])
    if name == "Literal":
        return " \\| ".join(f"`{json.dumps(a, ensure_ascii=False)}`" for a in get_args(tp))
    if name in ("Union", "UnionType"):
        parts = []
        for a in args:
            if get_origin(a) is not None and getattr(get_origin(a), "__name__", "") == "Annotated":
                parts.append(_type_name(get_args(a)[0]))
            else:
                parts.append(_type_name(a))
        if {"Atom", "AllOf", "AnyOf", "NotOf"} <= {p.split("]")[0].strip("[") for p in parts}:
            return "[Condition](#conditions)"
        return " or ".join(dict.fromkeys(parts))
    return name


def _default(f: FieldInfo) -> str:
    if f.is_required():
        return "required"
    if f.default_factory is not None:
        value: Any = f.default_factory()  # type: ignore[call-arg]
    elif f.default is PydanticUndefined:
        return "—"
    else:
        value = f.default
    if isinstance(value, BaseModel):
        return "(defaults)"
    if isinstance(value, Enum):
        value = value.value
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def model_section(model: type[BaseModel]) -> list[str]:
    lines = [f"### {model.__name__}", "", _cell((model.__doc__ or "").strip().split("\n\n")[0]), ""]
    lines += ["| key | type | default | meaning | example |", "|---|---|---|---|---|"]
    for name, f in model.model_fields.items():
        key = f.alias or name
        example = ""
        if f.examples:
            example = f"`{json.dumps(f.examples[0], ensure_ascii=False)}`"
        lines.append(
            f"| `{key}` | {_type_name(f.annotation)} | {_default(f)} | {_cell(f.description or '')} | {example} |"
        )
    return [*lines, ""]


def enum_section(enum: type[Enum], notes: dict[str, str] | None = None) -> list[str]:
    lines = [
        f"### {enum.__name__}",
        "",
        _cell((enum.__doc__ or "").strip().split("\n")[0]),
        "",
        "| value | meaning |",
        "|---|---|",
    ]
    for member in enum:
        lines.append(f"| `{member.value}` | {(notes or {}).get(member.value, '')} |")
    return [*lines, ""]


def limits_section() -> list[str]:
    """The bounds of the language (definitions/limits.py), quoted from the constants."""
    return [
        "## Limits",
        "",
        "Every bound is a named constant of `definitions/limits.py`; the two marked *setting*",
        "may be changed for `banshi definitions check` through the environment.",
        "",
        "| bound | value |",
        "|---|---|",
        f"| a definition file (`BANSHI_DEFINITION_MAX_BYTES`, setting) | {limits.MAX_DEFINITION_BYTES} bytes |",
        f"| nesting of a definition file (`BANSHI_DEFINITION_MAX_DEPTH`, setting) | {limits.MAX_DEFINITION_DEPTH} levels |",
        f"| a number literal in a definition | {limits.MAX_NUMBER_LITERAL} characters |",
        f"| any number, in a definition or an application | absolute value at most {limits.MAX_ABS_NUMBER}; NaN and Infinity refused |",
        f"| fields of one form, group sub-fields included | {limits.MAX_FORM_FIELDS} |",
        f"| a typed number (form posts), before it is read | {limits.MAX_NUMBER_TEXT} characters |",
        f"| text and address fields without `max_length` | {limits.DEFAULT_TEXT_MAX_LENGTH} characters |",
        f"| textarea fields without `max_length` | {limits.DEFAULT_TEXTAREA_MAX_LENGTH} characters |",
        f"| rows of a group without `repeat.max` | {limits.MAX_GROUP_ROWS} |",
        f"| nesting of application data | {limits.MAX_DATA_DEPTH} levels |",
        f"| items of any array / keys of any object in application data | {limits.MAX_DATA_ITEMS} / {limits.MAX_DATA_KEYS} |",
        f"| one fee line | {limits.MAX_FEE_AMOUNT} yuan |",
        "",
        "No text of an application may hold NUL or lone surrogates (they cannot be stored); no text",
        "of a definition may hold those nor other control characters (tab, line feed and carriage",
        "return excepted) or DEL. Duplicate keys in a definition's JSON objects are errors. Patterns are RE2's (linear time): `$` matches at the",
        "very end of the value only, `\\d`, `\\w` and `\\s` are ASCII, and a pattern RE2 cannot",
        "compile (backreferences, lookaround) is refused by the checker.",
        "",
    ]


def generate(registry: FieldTypeRegistry | None = None) -> str:
    reg = registry or default_registry()
    out = [
        "# The item definition language",
        "",
        "<!-- generated by `make docs` (python -m definitions.docs); do not edit by hand -->",
        "",
        "Every item (事项) is one JSON document validated by these models; unknown keys are errors.",
        "The machine-readable form is `definitions/schema/item.schema.json`. Check files with",
        "`banshi definitions check PATH...`: each problem prints as `file:/json/pointer: message [rule-id]`.",
        "",
        "## Keys",
        "",
    ]
    for model in _models():
        if model in (Atom, AllOf, AnyOf, NotOf):
            continue
        out += model_section(model)
    out += [
        "## Conditions",
        "",
        "`visible_when`, `required_when`, a step's `when`, a material's `required_when` and a fee's `when`",
        "share one language. An atom compares one field of the same form level (top-level fields; inside a",
        "group, the row's fields) and is true only when that field is present and the comparison holds:",
        '`{"field": "cold_chain", "eq": true}`. Combine with `{"all": [...]}`, `{"any": [...]}`, `{"not": C}`.',
        "On a multiple choice field `eq`/`ne` test membership and `in` tests any overlap. `gt`/`gte`/`lt`/`lte`",
        "apply to numeric fields only. Conditions compile into JSON Schema, so one validator decides",
        "visibility, requirement, routing and fees. A hidden field is never required and is dropped.",
        "",
    ]
    for model in (Atom, AllOf, AnyOf, NotOf):
        out += model_section(model)
    out += [
        "## Field types",
        "",
        "| type | title | widget | value | options it accepts |",
        "|---|---|---|---|---|",
    ]
    for t in reg.all():
        opts = ", ".join(f"`{o}`" for o in sorted(t.options)) or "—"
        out.append(f"| `{t.name}` | {t.title} | {t.widget} | {t.value_kind} | {opts} |")
    out += [
        "",
        f"Every field accepts the common keys {', '.join(f'`{k}`' for k in sorted(COMMON_KEYS))}.",
        "",
    ]
    out += limits_section()
    out += ["## Enumerations", ""]
    for enum in (Handling, StepKind, MaterialSource, Role, NotifyEvent):
        out += enum_section(enum, ENUM_NOTES.get(enum))
    out += [
        "### Procedure",
        "",
        "Special procedures (特别程序).",
        "",
        "| value | name | counts toward the limit by default |",
        "|---|---|---|",
    ]
    for p in Procedure:
        out.append(
            f"| `{p.value}` | {PROCEDURE_NAMES[p]} | {'yes' if PROCEDURE_COUNTS_BY_DEFAULT[p] else 'no'} |"
        )
    out += [
        "",
        "## Reform rules",
        "",
        "| id | scope | severity | the reform sentence it enforces |",
        "|---|---|---|---|",
    ]
    for r in RULES:
        out.append(f"| `{r.id}` | {r.scope} | {r.severity.value} | {r.sentence} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(generate())
