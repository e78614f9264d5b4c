"""The structured editor, generated from the definition format's JSON Schema.

No part of a definition has a hand-written form: the editor walks the JSON Schema that
pydantic generates from ``ItemDefinition`` and gives each value the widget of its schema
type (text, number, checkbox, a choice for an enum, a list of rows for an array of
objects, lines for a list of strings, a JSON box for anything else). A key the models
gain tomorrow appears in the editor without a change here. Hand-tuned widgets only where
they matter:

* a condition (``visible_when``, ``required_when``, a step's ``when``, a fee's ``when``) is
  built by picking a field, an operator and a value; compound conditions fall back to a
  small JSON box;
* a value named by a plugin registry (a field's ``type``, a special procedure, a step
  kind when it is a registry name) is picked from the registry's entries.

Every widget is a plain form control named by the JSON pointer of its value
(``v:/limits/promised_days``), so the editor works without JavaScript: the whole form is
posted, :func:`apply_form` writes each value back at its pointer, typed by its schema.
Rows are added, removed and moved by submit buttons (``op=add:/steps``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from admin.wording import LABELS
from definitions.meanings import CATEGORY_MEANINGS, ENUM_MEANINGS, KEY_MEANINGS
from definitions.models import ItemDefinition
from definitions.plugins import default_plugins
from definitions.problems import escape_token

JSON = Any
#: Operators of the condition builder, with their Chinese names.
OPERATORS: dict[str, str] = {
    "eq": "等于",
    "ne": "不等于",
    "in": "属于（逗号分隔）",
    "gt": "大于",
    "gte": "大于等于",
    "lt": "小于",
    "lte": "小于等于",
}


@lru_cache(maxsize=1)
def item_schema() -> dict[str, Any]:
    return ItemDefinition.model_json_schema()


def _enum_names() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for enum_type, meanings in ENUM_MEANINGS.items():
        if isinstance(enum_type, type) and issubclass(enum_type, Enum):
            out[enum_type.__name__] = {k: v.split("：")[0] for k, v in meanings.items()}
    return out


def pickers() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Values picked from a plugin registry: (model, key) -> [(name, title)]."""
    plugins = default_plugins()
    out: dict[tuple[str, str], list[tuple[str, str]]] = {
        ("FormField", "type"): [(t.name, t.title or t.name) for t in plugins.field_types.all()],
        ("Step", "procedure"): [(p.name, p.title) for p in plugins.procedures.all()],
    }
    kinds = [(k.name, getattr(k, "title", "") or k.name) for k in plugins.step_kinds.all()]
    if kinds:
        out[("Step", "kind")] = kinds
    out[("ItemDefinition", "category")] = list(CATEGORY_MEANINGS.items())
    return out


@dataclass
class Node:
    """One widget of the editor."""

    widget: str  # object, rows, text, textarea, number, integer, check, tristate, select,
    #              multiselect, lines, condition, json
    pointer: str
    key: str
    label: str
    hint: str = ""
    value: Any = None
    required: bool = False
    nullable: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    #: condition: field, op, value as strings (or the compound JSON); rows: the thing
    extra: dict[str, Any] = field(default_factory=dict)
    #: The findings at this node's pointer, and how many are at or below it.
    own: list[Any] = field(default_factory=list)
    below: int = 0

    @property
    def name(self) -> str:
        return "v:" + self.pointer

    @property
    def html_id(self) -> str:
        return "e" + "".join(c if c.isalnum() else "-" for c in self.pointer)


def _label(model: str, key: str) -> tuple[str, str]:
    meaning = KEY_MEANINGS.get(model, {}).get(key, "")
    short = LABELS.get(key) or meaning.split("：")[0].split("，")[0].rstrip("。") or key
    return short, meaning


def _resolve(s: dict[str, Any]) -> tuple[dict[str, Any], str]:
    ref = s.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return item_schema()["$defs"][name], name
    return s, ""


def _is_condition(s: dict[str, Any]) -> bool:
    one = s.get("oneOf")
    return isinstance(one, list) and any(
        isinstance(o, dict) and str(o.get("$ref", "")).endswith("/Atom") for o in one
    )


#: _unwrap's answers by the schema's id: the schema is built once (item_schema) and never
#: changes, and the live check walks it on every edit.
_UNWRAPPED: dict[int, tuple[dict[str, Any], bool]] = {}


def _unwrap(s: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A schema without its ``null`` alternative, and whether null was allowed; a choice of
    scalar types reads as the widest of them (numbers, or text)."""
    hit = _UNWRAPPED.get(id(s))
    if hit is None:
        hit = _UNWRAPPED[id(s)] = (*_unwrap_now(s),)
        _KEEP.append(s)  # the id stays this schema's while the answer is kept
    return hit


_KEEP: list[dict[str, Any]] = []


def _unwrap_now(s: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    any_of = s.get("anyOf")
    if isinstance(any_of, list):
        rest = [a for a in any_of if a.get("type") != "null"]
        nullable = len(rest) < len(any_of)
        outer = {k: v for k, v in s.items() if k not in ("anyOf", "default")}
        if len(rest) == 1:
            return {**rest[0], **outer}, nullable
        kinds = {a.get("type") for a in rest if "$ref" not in a}
        if len(kinds) == len(rest) and kinds <= {"integer", "number"}:
            return {"type": "number", **outer}, nullable
        if (
            len(kinds) == 1
            and kinds == {"string"}
            and len(kinds) == len({a.get("type") for a in rest})
        ):
            return {"type": "string", **outer}, nullable
    return s, False


class Builder:
    """Builds the widget tree of one document."""

    def __init__(self, field_keys: list[str]) -> None:
        self.field_keys = field_keys
        self.key_options = [(k, k) for k in field_keys]
        self.pick = pickers()
        self.enums = _enum_names()

    def node(
        self, s: dict[str, Any], value: JSON, ptr: str, key: str, model: str, required: bool
    ) -> Node:
        s, nullable = _unwrap(s)
        label, hint = _label(model, key)
        base: dict[str, Any] = {
            "pointer": ptr,
            "key": key,
            "label": label,
            "hint": hint,
            "required": required,
        }
        if _is_condition(s):
            return self.condition(value, base)
        picked = self.pick.get((model, key))
        s, def_name = _resolve(s)
        def_name = def_name or model
        if "enum" in s:
            names = self.enums.get(def_name, {})
            options = [(str(e), names.get(str(e), str(e))) for e in s["enum"]]
            return Node("select", value=value, options=options, nullable=nullable, **base)
        kind = s.get("type")
        if picked is not None and kind in ("string", None):
            options = list(picked)
            if isinstance(value, str) and value and value not in dict(options):
                options.append((value, value))
            return Node("select", value=value, options=options, nullable=nullable, **base)
        if kind == "object" and isinstance(s.get("properties"), dict):
            node = Node("object", value=value, nullable=nullable, **base)
            if value is None and nullable:
                return node  # absent: an "add" button creates it
            data = value if isinstance(value, dict) else {}
            needed = set(s.get("required", []))
            for k, sub in s["properties"].items():
                node.children.append(
                    self.node(
                        sub, data.get(k), f"{ptr}/{escape_token(k)}", k, def_name, k in needed
                    )
                )
            return node
        if kind == "array":
            items, item_def = _resolve(s.get("items", {}))
            if items.get("type") == "object" and isinstance(items.get("properties"), dict):
                node = Node("rows", value=value, nullable=nullable, **base)
                rows = value if isinstance(value, list) else []
                for i, row in enumerate(rows):
                    child = self.node(
                        {"$ref": f"#/$defs/{item_def}"} if item_def else items,
                        row,
                        f"{ptr}/{i}",
                        str(i),
                        model,
                        True,
                    )
                    child.label = _row_title(row, i)
                    node.children.append(child)
                node.extra["thing"] = item_def
                return node
            if "enum" in items:
                names = self.enums.get(item_def, {})
                options = [(str(e), names.get(str(e), str(e))) for e in items["enum"]]
                return Node(
                    "multiselect", value=value or [], options=options, nullable=nullable, **base
                )
            if items.get("type") == "string":
                lines = "\n".join(str(v) for v in value) if isinstance(value, list) else ""
                return Node("lines", value=lines, nullable=nullable, **base)
        if kind == "boolean":
            return Node("tristate" if nullable else "check", value=value, nullable=nullable, **base)
        if kind in ("integer", "number"):
            return Node(kind, value=value, nullable=nullable, **base)
        if kind == "string":
            long = int(s.get("maxLength") or 0) > 500 or key in ("summary", "text", "answer")
            return Node("textarea" if long else "text", value=value, nullable=nullable, **base)
        text = "" if value is None else json.dumps(value, ensure_ascii=False, indent=1)
        return Node("json", value=text, nullable=nullable, **base)

    def condition(self, value: JSON, base: dict[str, Any]) -> Node:
        node = Node("condition", value=value, nullable=True, **base)
        node.options = self.key_options  # one list shared by every condition
        simple = isinstance(value, dict) and isinstance(value.get("field"), str)
        ops = [k for k in OPERATORS if isinstance(value, dict) and value.get(k) is not None]
        if value is None or (simple and len(ops) == 1 and len(value) == 2):
            op = ops[0] if ops else "eq"
            raw = value.get(op) if isinstance(value, dict) else None
            node.extra = {
                "field": value.get("field", "") if isinstance(value, dict) else "",
                "op": op,
                "value": _show_scalar(raw),
                "compound": False,
            }
        else:
            node.extra = {"compound": True, "json": json.dumps(value, ensure_ascii=False)}
        return node


def _row_title(row: JSON, i: int) -> str:
    if isinstance(row, dict):
        for k in ("label", "name", "title", "key", "question"):
            if isinstance(row.get(k), str) and row[k]:
                return f"{i + 1}. {row[k]}"
    return f"第 {i + 1} 项"


def _show_scalar(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ",".join(_show_scalar(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def field_keys(doc: JSON) -> list[str]:
    """Every form field key (top level and in groups), for the condition builder."""
    out: list[str] = []

    def walk(fields: Any) -> None:
        for f in fields if isinstance(fields, list) else []:
            if isinstance(f, dict):
                if isinstance(f.get("key"), str):
                    out.append(f["key"])
                walk(f.get("fields"))

    form = doc.get("form") if isinstance(doc, dict) else None
    for s in (form or {}).get("sections", []) if isinstance(form, dict) else []:
        if isinstance(s, dict):
            walk(s.get("fields"))
    return out


def build_editor(doc: JSON) -> Node:
    builder = Builder(field_keys(doc))
    return builder.node(item_schema(), doc, "", "", "ItemDefinition", True)


def annotate(tree: Node, problems: list[Any]) -> list[Any]:
    """Hang each finding on the node of its pointer (or the nearest node above it); the
    findings that belong to no node (the document itself) are returned."""
    by_pointer = {n.pointer: n for n in walk(tree)}
    orphans: list[Any] = []
    for p in problems:
        ptr = p.pointer
        while ptr and ptr not in by_pointer:
            ptr = ptr.rsplit("/", 1)[0]
        node = by_pointer.get(ptr)
        if node is None or not ptr:
            orphans.append(p)
            continue
        node.own.append(p)
        while True:
            by_pointer[ptr].below += 1
            if not ptr:
                break
            ptr = ptr.rsplit("/", 1)[0]
            while ptr and ptr not in by_pointer:
                ptr = ptr.rsplit("/", 1)[0]
    return orphans


def walk(node: Node) -> Iterator[Node]:
    yield node
    for c in node.children:
        yield from walk(c)


def anchor(pointer: str) -> str:
    """The id of the editor element of ``pointer`` (as :attr:`Node.html_id`)."""
    return "e" + "".join(c if c.isalnum() else "-" for c in pointer)


def finding_rows(problems: list[Any]) -> list[dict[str, str]]:
    return [
        {
            "pointer": p.pointer or "/",
            "anchor": anchor(p.pointer),
            "message": p.message,
            "rule": p.rule,
            "severity": str(p.severity),
        }
        for p in problems
    ]


def open_along(tree: Node, pointer: str) -> None:
    """Open the rows on the way to ``pointer`` (the part just changed)."""
    if not pointer:
        return
    for n in walk(tree):
        if pointer == n.pointer or pointer.startswith(n.pointer + "/"):
            n.extra["open"] = True


def first_change(old: Any, new: Any, pointer: str = "") -> str:
    """The pointer of the first value that differs between ``old`` and ``new``."""
    if old == new:
        return ""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in [*old, *(k for k in new if k not in old)]:
            found = first_change(old.get(k), new.get(k), f"{pointer}/{escape_token(k)}")
            if found:
                return found
        return pointer
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found = first_change(a, b, f"{pointer}/{i}")
            if found:
                return found
    return pointer
