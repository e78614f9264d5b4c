"""The administrator's reference of the definition language, in Chinese, generated from
the models, the field type registry, the enums, the rule registry (each rule's meaning and
advice) and the Chinese meanings beside them (definitions/meanings.py), with one real
catalogue item annotated key by key (definitions/docs_example.py).

``python -m definitions.docs > docs/definition-language.md`` (``make docs``); a test fails
when the committed file differs or anything is unexplained.
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
from definitions.docs_example import example_section
from definitions.fieldtypes import COMMON_KEYS, FieldTypeRegistry, default_registry
from definitions.meanings import (
    CATEGORY_MEANINGS,
    ENUM_MEANINGS,
    FIELD_TYPE_NOTES,
    KEY_MEANINGS,
    MODEL_MEANINGS,
    STRUCTURAL_CHECKS,
    VALUE_KIND_MEANINGS,
)
from definitions.models import (
    Handling,
    ItemDefinition,
    MaterialSource,
    NotifyEvent,
    Role,
    StepKind,
)
from definitions.problems import Severity
from definitions.procedures import ProcedureRegistry, default_procedures
from definitions.rules import RULES, Rule

#: The enumerations explained value by value, in the order the reference shows them.
ENUMS: tuple[type[Enum], ...] = (Handling, StepKind, MaterialSource, Role, NotifyEvent, Severity)


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


_JSON_TYPES = {"str": "文本", "int": "整数", "float": "数值", "bool": "是/否", "Decimal": "数值"}


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is None:
        if isinstance(tp, type):
            if issubclass(tp, Enum):
                return f"[{tp.__name__}](#{tp.__name__.lower()})"
            if issubclass(tp, BaseModel):
                return f"[{tp.__name__}](#{tp.__name__.lower()})"
            return _JSON_TYPES.get(tp.__name__, tp.__name__)
        if tp is None or tp is type(None):
            return "null"
        return str(tp).replace("typing.", "")
    args = [a for a in get_args(tp) if a is not type(None)]
    name = getattr(origin, "__name__", str(origin))
    if name == "list":
        inner = _type_name(args[0])
        if " 或 " in inner:
            return f"（{inner}）列表"
        return f"{inner} 列表" if inner.startswith(("[", "`")) else f"{inner}列表"
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
            return "[条件](#条件)"
        return " 或 ".join(dict.fromkeys(parts))
    return name


def _default(f: FieldInfo) -> str:
    if f.is_required():
        return "必填"
    if f.default_factory is not None:
        value: Any = f.default_factory()  # type: ignore[call-arg]
    elif f.default is PydanticUndefined:
        return "—"
    else:
        value = f.default
    if isinstance(value, BaseModel):
        return "（各键取默认）"
    if isinstance(value, Enum):
        value = value.value
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def model_section(model: type[BaseModel]) -> list[str]:
    lines = [f"### {model.__name__}", "", MODEL_MEANINGS[model.__name__], ""]
    lines += ["| 键 | 类型 | 默认值 | 含义 | 示例 |", "|---|---|---|---|---|"]
    meanings = KEY_MEANINGS[model.__name__]
    for name, f in model.model_fields.items():
        key = f.alias or name
        example = ""
        if f.examples:
            example = f"`{_cell(json.dumps(f.examples[0], ensure_ascii=False))}`"
        lines.append(
            f"| `{key}` | {_type_name(f.annotation)} | {_default(f)} | {_cell(meanings[key])} | {example} |"
        )
    return [*lines, ""]


def enum_section(enum: type[Enum]) -> list[str]:
    lines = [f"### {enum.__name__}", "", "| 取值 | 含义 |", "|---|---|"]
    for member in enum:
        lines.append(f"| `{member.value}` | {_cell(ENUM_MEANINGS[enum][member.value])} |")
    return [*lines, ""]


def procedure_section(procedures: ProcedureRegistry | None = None) -> list[str]:
    lines = [
        "### Procedure",
        "",
        "特别程序（`kind: special` 的环节用 `procedure` 指明）是插件：下表是已注册的种类，县里可以",
        "注册自己的种类。是否计入法定时限可在环节上用 `counts_toward_limit` 改写；不计入的，其时间",
        "另行告知申请人（行政许可法第四十五条）。`days` 默认按工作日计，公示等以自然日计的写",
        "`unit: calendar`（节假日照常计算）。申请人收到的短信与告知书写作“因…需要，暂停计算办理",
        "时限 N 个工作日/自然日”。",
        "",
        "| 取值 | 名称 | 默认计入法定时限 | 常见时限 | 含义 | 依据 |",
        "|---|---|---|---|---|---|",
    ]
    for p in (procedures or default_procedures()).all():
        counts = "是" if p.counts else "否"
        lines.append(
            f"| `{p.name}` | {_cell(p.title)} | {counts} | {p.days} 个{p.unit.text} "
            f"| {_cell(p.meaning)} | {_cell(p.basis)} |"
        )
    return [*lines, ""]


def categories_section() -> list[str]:
    lines = [
        "### 事项类型（category）",
        "",
        "`category` 取事项类型字典中的代码（小写字母和下划线）；字典是数据，可按本省规定增补。常用代码：",
        "",
        "| 代码 | 事项类型 |",
        "|---|---|",
    ]
    lines += [f"| `{code}` | {name} |" for code, name in CATEGORY_MEANINGS.items()]
    return [*lines, ""]


def field_types_section(reg: FieldTypeRegistry) -> list[str]:
    lines = [
        "## 字段类型",
        "",
        "每种字段类型是一个插件：它决定申请表中的控件、存储的值和校验方式。",
        "",
        "| 类型 | 名称 | 控件 | 存储的值 | 可用的选项键 | 说明 |",
        "|---|---|---|---|---|---|",
    ]
    for t in reg.all():
        opts = ", ".join(f"`{o}`" for o in sorted(t.options)) or "—"
        kind = VALUE_KIND_MEANINGS.get(t.value_kind, t.value_kind)
        note = FIELD_TYPE_NOTES.get(t.name, t.title)
        lines.append(f"| `{t.name}` | {t.title} | {t.widget} | {kind} | {opts} | {note} |")
    common = "、".join(f"`{k}`" for k in sorted(COMMON_KEYS))
    return [*lines, "", f"所有字段都可以写通用键 {common}。", ""]


def limits_section() -> list[str]:
    """The bounds of the language (definitions/limits.py), quoted from the constants."""
    return [
        "## 限制",
        "",
        "每个上限都是 `definitions/limits.py` 中的常量；标为“可设置”的两项可通过环境变量",
        "为 `banshi definitions check` 调整。",
        "",
        "| 限制 | 上限 |",
        "|---|---|",
        f"| 一个定义文件（`BANSHI_DEFINITION_MAX_BYTES`，可设置） | {limits.MAX_DEFINITION_BYTES} 字节 |",
        f"| 定义文件的嵌套层数（`BANSHI_DEFINITION_MAX_DEPTH`，可设置） | {limits.MAX_DEFINITION_DEPTH} 层 |",
        f"| 定义中一个数字的写法 | {limits.MAX_NUMBER_LITERAL} 个字符 |",
        f"| 定义或申请中的任何数字 | 绝对值不超过 {limits.MAX_ABS_NUMBER}；不接受 NaN 和 Infinity |",
        f"| 一张申请表的字段数（含分组内字段） | {limits.MAX_FORM_FIELDS} |",
        f"| 表单提交的一个数字（读取之前） | {limits.MAX_NUMBER_TEXT} 个字符 |",
        f"| 未写 `max_length` 的文本、地址字段 | {limits.DEFAULT_TEXT_MAX_LENGTH} 个字符 |",
        f"| 未写 `max_length` 的多行文本字段 | {limits.DEFAULT_TEXTAREA_MAX_LENGTH} 个字符 |",
        f"| 未写 `repeat.max` 的分组行数 | {limits.MAX_GROUP_ROWS} |",
        f"| 申请数据的嵌套层数 | {limits.MAX_DATA_DEPTH} 层 |",
        f"| 申请数据中任一列表的元素数 / 任一对象的键数 | {limits.MAX_DATA_ITEMS} / {limits.MAX_DATA_KEYS} |",
        f"| 一项收费 | {limits.MAX_FEE_AMOUNT} 元 |",
        "",
        "申请中的文本不能含 NUL 或不成对的代理字符（无法存储）；定义中的文本还不能含其他控制字符",
        "（制表符、换行、回车除外）和 DEL。定义 JSON 的同一对象中键不能重复。正则表达式采用 RE2",
        "语法（线性时间）：`$` 只匹配值的末尾，`\\d`、`\\w`、`\\s` 只匹配 ASCII 字符，RE2 无法编译的",
        "表达式（反向引用、环视）会被检查程序拒绝。",
        "",
    ]


def conditions_section() -> list[str]:
    out = [
        "## 条件",
        "",
        "`visible_when`（何时显示）、`required_when`（何时必填）、环节的 `when`（何时办理）、材料的",
        "`required_when` 和收费的 `when`（何时收取）使用同一种条件语言。基本条件比较同一层级的一个",
        "字段（表单顶层字段；分组内为本行字段），只有该字段有值且比较成立时才为真：",
        '`{"field": "cold_chain", "eq": true}`。用 `{"all": [...]}`（全部成立）、`{"any": [...]}`',
        '（任一成立）、`{"not": 条件}`（不成立）组合。对多选字段，`eq`/`ne` 判断是否包含某选项，`in`',
        "判断是否与所列选项有交集。`gt`/`gte`/`lt`/`lte` 只用于数值字段。条件编译为 JSON Schema，由同",
        "一个校验器决定显示、必填、流程和收费；隐藏的字段不必填，其值在提交时丢弃。",
        "",
    ]
    for model in (Atom, AllOf, AnyOf, NotOf):
        out += model_section(model)
    return out


def _rule_scope(rule: Rule) -> str:
    return "目录（跨事项）" if rule.scope == "catalog" else "单个事项"


def checks_section() -> list[str]:
    out = [
        "## 检查与改革规则",
        "",
        "`banshi definitions check 文件或目录...` 逐个检查定义文件，每个问题一行：",
        "",
        "```",
        "文件:/JSON指针: 说明 [规则编号]",
        "definitions/catalog/422822-SCJG-XK-0001.json:/limits/promised_days: 承诺时限 6 个工作日超过法定时限 10 个工作日的 48%（最多 4 个工作日） [compression]",
        "```",
        "",
        "JSON 指针指出出错的位置（`/steps/2/role` 是第三个环节的 role；编号从 0 开始）。方括号中是规则",
        "编号；警告写作 `[规则编号, warning]`。有错误（error）的事项不能发布；警告（warning）应当复核。",
        "",
        "### 结构检查",
        "",
        "先检查文件能否读取、是否符合定义语言、条件和流程是否自洽：",
        "",
        "| 编号 | 含义 | 如何修改 |",
        "|---|---|---|",
    ]
    out += [
        f"| `{rid}` | {_cell(m)} | {_cell(fix)} |" for rid, (m, fix) in STRUCTURAL_CHECKS.items()
    ]
    out += [
        "",
        "### 改革规则一览",
        "",
        "每条改革规则对应试点改革的一句要求。承诺时限压缩比例默认 48%，可设置。",
        "",
        "| 编号 | 范围 | 级别 | 对应的改革要求 |",
        "|---|---|---|---|",
    ]
    out += [
        f"| `{r.id}` | {_rule_scope(r)} | {r.severity.value} | {_cell(r.sentence)} |" for r in RULES
    ]
    out.append("")
    for r in RULES:
        out += [
            f"#### `{r.id}`",
            "",
            f"- **改革要求**：{r.sentence}",
            f"- **范围与级别**：{_rule_scope(r)}；{ENUM_MEANINGS[Severity][r.severity.value]}",
            f"- **含义**：{r.meaning}",
            f"- **如何修改**：{r.fix}",
            "",
        ]
    return out


def generate(registry: FieldTypeRegistry | None = None) -> str:
    reg = registry or default_registry()
    out = [
        "# 事项定义语言（管理员参考）",
        "",
        "<!-- generated by `make docs` (python -m definitions.docs); do not edit by hand -->",
        "",
        "每个政务服务事项是一个 JSON 文件，由本文所列的键组成；未知的键是错误。机器可读的格式见",
        "`definitions/schema/item.schema.json`。修改事项后运行 `banshi definitions check 文件...`",
        "检查；每个问题的含义和改法见“检查与改革规则”。",
        "",
        "目录：[键](#键) · [条件](#条件) · [字段类型](#字段类型) · [限制](#限制) · [枚举](#枚举) ·",
        "[完整示例](#完整示例逐键说明) · [检查与改革规则](#检查与改革规则)",
        "",
        "## 键",
        "",
    ]
    for model in _models():
        if model not in (Atom, AllOf, AnyOf, NotOf):
            out += model_section(model)
    out += conditions_section()
    out += field_types_section(reg)
    out += limits_section()
    out += ["## 枚举", ""]
    for enum in ENUMS:
        out += enum_section(enum)
    out += procedure_section()
    out += categories_section()
    out += example_section(reg)
    out += checks_section()
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(generate())
