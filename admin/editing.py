"""Applying a posted editor form to a draft: each widget's value written back at its JSON
pointer, typed by its schema (admin/editor.py builds the widgets), then the row buttons
(add, remove, move up, move down, clear).

What the administrator typed is kept as typed: a number that does not parse is stored as
the text it was, and the check reports it at its pointer — the form never loses input.
A JSON box that does not parse is the one exception: it keeps the previous value and the
error is returned to be shown beside the box."""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from admin.editor import OPERATORS, Node, _resolve, _unwrap, build_editor, item_schema
from definitions.problems import escape_token

Getter = Callable[[str], list[str]]


@dataclass(frozen=True)
class InputError:
    pointer: str
    message: str


def tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _step(container: Any, token: str) -> Any:
    if isinstance(container, list):
        return container[int(token)]
    return container[token]


def get_at(doc: Any, pointer: str) -> Any:
    cur = doc
    for t in tokens(pointer):
        try:
            cur = _step(cur, t)
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return cur


def set_at(doc: Any, pointer: str, value: Any) -> None:
    parts = tokens(pointer)
    cur = doc
    for t in parts[:-1]:
        nxt = _step(cur, t) if not isinstance(cur, dict) else cur.get(t)
        if nxt is None and isinstance(cur, dict):
            nxt = cur[t] = {}
        cur = nxt
    last = parts[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    elif isinstance(cur, dict):
        cur[last] = value


def delete_at(doc: Any, pointer: str) -> None:
    parts = tokens(pointer)
    parent = get_at(doc, pointer.rsplit("/", 1)[0])
    if isinstance(parent, dict):
        parent.pop(parts[-1], None)
    elif isinstance(parent, list):
        with contextlib.suppress(ValueError, IndexError):
            parent.pop(int(parts[-1]))


def _number(raw: str, kind: str) -> Any:
    text = raw.strip()
    try:
        if kind == "integer" and re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if kind == "number":
            value = float(text)
            return (
                int(value)
                if value.is_integer() and "." not in text and "e" not in text.lower()
                else value
            )
    except ValueError:
        pass
    return raw  # kept as typed; the check says it is not a number


def scalar(text: str) -> Any:
    """A condition's value as typed: true/false, a number, else the text."""
    t = text.strip()
    if t in ("true", "是"):
        return True
    if t in ("false", "否"):
        return False
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if re.fullmatch(r"[+-]?\d+\.\d+", t):
        return float(t)
    return text


def apply_form(doc: Any, get: Getter, has: Callable[[str], bool]) -> tuple[Any, list[InputError]]:
    """``doc`` with the posted widget values written in (a new object)."""
    out = copy.deepcopy(doc)
    errors: list[InputError] = []
    tree = build_editor(doc)
    for node in _leaves(tree):
        _apply(out, node, get, has, errors)
    return out, errors


def _leaves(node: Node) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.widget in ("object", "rows"):
            stack.extend(reversed(n.children))
        else:
            found.append(n)
    return found


def _apply(
    doc: Any, n: Node, get: Getter, has: Callable[[str], bool], errors: list[InputError]
) -> None:
    name = n.name
    optional = n.nullable or not n.required
    if n.widget == "check":
        if has("b:" + n.pointer):
            set_at(doc, n.pointer, bool(get(name)))
        return
    if n.widget == "multiselect":
        if has("b:" + n.pointer):
            values = get(name)
            if values or not optional:
                set_at(doc, n.pointer, values)
            else:
                delete_at(doc, n.pointer)
        return
    if n.widget == "condition":
        _apply_condition(doc, n, get, has, errors)
        return
    if not has(name):
        return
    raw = get(name)[-1]
    if n.widget == "tristate":
        if raw in ("true", "false"):
            set_at(doc, n.pointer, raw == "true")
        else:
            delete_at(doc, n.pointer)
        return
    if raw == "" and optional:
        delete_at(doc, n.pointer)
        return
    if n.widget in ("integer", "number"):
        set_at(doc, n.pointer, _number(raw, n.widget))
    elif n.widget == "lines":
        set_at(doc, n.pointer, [ln.strip() for ln in raw.splitlines() if ln.strip()])
    elif n.widget == "json":
        try:
            set_at(doc, n.pointer, json.loads(raw))
        except ValueError as exc:
            errors.append(InputError(n.pointer, f"JSON 格式不正确：{exc}"))
    else:
        set_at(doc, n.pointer, raw)


def _apply_condition(
    doc: Any, n: Node, get: Getter, has: Callable[[str], bool], errors: list[InputError]
) -> None:
    p = n.pointer
    if has("cj:" + p):  # the compound condition's JSON box
        raw = get("cj:" + p)[-1].strip()
        if not raw:
            delete_at(doc, p)
            return
        try:
            set_at(doc, p, json.loads(raw))
        except ValueError as exc:
            errors.append(InputError(p, f"条件的 JSON 格式不正确：{exc}"))
        return
    if not has("cf:" + p):
        return
    field = get("cf:" + p)[-1]
    op = (get("co:" + p) or ["eq"])[-1]
    raw = (get("cx:" + p) or [""])[-1]
    if not field:
        delete_at(doc, p)
        return
    if op not in OPERATORS:
        op = "eq"
    value: Any = [scalar(v) for v in raw.split(",") if v.strip()] if op == "in" else scalar(raw)
    set_at(doc, p, {"field": field, op: value})


# -- the row buttons -----------------------------------------------------------------------


def default_for(s: dict[str, Any], taken: set[str]) -> Any:
    s, _ = _unwrap(s)
    s, _name = _resolve(s)
    if "enum" in s:
        return s["enum"][0]
    if "default" in s and s["default"] is not None:
        return copy.deepcopy(s["default"])
    kind = s.get("type")
    if kind == "object":
        out: dict[str, Any] = {}
        for k in s.get("required", []):
            sub = s["properties"][k]
            if k == "key":
                i = 1
                while f"new_{i}" in taken:
                    i += 1
                out[k] = f"new_{i}"
            elif k == "type":
                out[k] = "text"
            else:
                out[k] = default_for(sub, taken)
        return out
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return 0
    if kind == "boolean":
        return False
    return ""


def schema_at(pointer: str) -> dict[str, Any]:
    """The schema of the value at ``pointer`` (array indices step into ``items``)."""
    s: dict[str, Any] = item_schema()
    for t in tokens(pointer):
        s, _ = _unwrap(s)
        s, _ = _resolve(s)
        s = s.get("items", {}) if s.get("type") == "array" else s.get("properties", {}).get(t, {})
    return s


def apply_op(doc: Any, op: str) -> Any:
    """``add:/ptr``, ``remove:/ptr/i``, ``up:/ptr/i``, ``down:/ptr/i``, ``clear:/ptr``."""
    verb, _, pointer = op.partition(":")
    out = copy.deepcopy(doc)
    if verb == "add":
        current = get_at(out, pointer)
        s = schema_at(pointer)
        keys = set(_all_keys(out))
        if isinstance(current, list):
            inner, _ = _unwrap(s)
            inner, _ = _resolve(inner)
            current.append(default_for(inner.get("items", {}), keys))
        elif current is None:
            value = default_for(s, keys)
            set_at(
                out,
                pointer,
                [default_for(_resolve(_unwrap(s)[0])[0].get("items", {}), keys)]
                if value == []
                else value,
            )
    elif verb == "remove" or verb == "clear":
        delete_at(out, pointer)
    elif verb in ("up", "down"):
        parts = tokens(pointer)
        parent = get_at(out, "".join("/" + escape_token(t) for t in parts[:-1]))
        if isinstance(parent, list) and parts and parts[-1].isdigit():
            i = int(parts[-1])
            j = i - 1 if verb == "up" else i + 1
            if 0 <= i < len(parent) and 0 <= j < len(parent):
                parent[i], parent[j] = parent[j], parent[i]
    return out


def _all_keys(doc: Any) -> list[str]:
    found: list[str] = []
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if isinstance(v.get("key"), str):
                found.append(v["key"])
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found
