"""Form posts -> typed application data: the field plugins parse.

Field names: ``key`` for a top-level field, ``key[3][sub]`` for a group row's field;
a multiple choice field repeats its name. Empty inputs are absent. Parse errors are
FieldErrors at the field's JSON pointer, in Chinese.

Rows are bounded: a group has at most its definition's ``repeat.max`` rows and never more
than the caller's ``max_rows`` (the setting). A row index at or above the bound is an error
naming the group, found before anything proportional to the index is allocated; the JSON
door checks arrays of rows with the same bound (``check_rows``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from definitions.compile import CompiledItem, FieldError
from definitions.fieldtypes import ParseError
from definitions.models import FormField

ROW_NAME = re.compile(r"^(?P<group>[a-z][a-z0-9_]*)\[(?P<row>\d+)\]\[(?P<key>[a-z][a-z0-9_]*)\]$")
#: The global cap when a caller names none (``Settings.max_group_rows``).
MAX_ROWS = 500

FormValues = Mapping[str, Sequence[str]]


def input_name(path: str) -> str:
    """/staff/0/name -> staff[0][name]; /mobile -> mobile."""
    parts = path.strip("/").split("/")
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def _parse_fields(
    item: CompiledItem, fields: Sequence[FormField], get: Any, base: str, errors: list[FieldError]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reg = item.registry
    for f in fields:
        path = f"{base}/{f.key}"
        if f.type == "group":
            rows = []
            for i in range(_row_count(get, path)):
                row = _parse_fields(item, f.fields or [], get, f"{path}/{i}", errors)
                if row:
                    rows.append(row)
            if rows:
                out[f.key] = rows
            continue
        raws = [r for r in get(path) if r is not None and str(r).strip() != ""]
        if not raws:
            continue
        plugin = reg[f.type]
        try:
            if f.type == "choice" and f.multiple:
                out[f.key] = [plugin.parse(f, r) for r in raws]
            else:
                out[f.key] = plugin.parse(f, raws[-1])
        except ParseError as exc:
            errors.append(
                FieldError(
                    path, f"“{item.label(path) or f.label}”：{exc}", item.label(path) or f.label
                )
            )
            out[f.key] = raws[-1]  # keep what was typed so the form shows it back
    return out


def _row_count(get: Any, path: str) -> int:
    return int(get.rows(path))


def row_limits(item: CompiledItem, max_rows: int = MAX_ROWS) -> dict[str, int]:
    """Most rows of each repeating group: its ``repeat.max``, never above ``max_rows``."""
    out: dict[str, int] = {}
    for f in item.definition.form.all_fields():
        if f.type == "group":
            declared = f.repeat.max if f.repeat is not None and f.repeat.max else max_rows
            out["/" + f.key] = max(1, min(declared, max_rows))
    return out


def _too_many(item: CompiledItem, path: str, limit: int) -> FieldError:
    label = item.label(path) or path.strip("/")
    return FieldError(path, f"“{label}”最多 {limit} 行", label)


class _Getter:
    def __init__(self, form: FormValues, limits: Mapping[str, int]) -> None:
        self.form = form
        self.limits = limits
        self.rows_by_group: dict[str, int] = {}
        self.over: set[str] = set()
        for name in form:
            m = ROW_NAME.match(name)
            if not m:
                continue
            key = "/" + m["group"]
            limit = limits.get(key)
            if limit is None:
                continue  # not a group of this item: ignored like any unknown name
            digits = m["row"].lstrip("0") or "0"
            # compare as text first: a huge index is refused without converting it
            if len(digits) > len(str(limit)) or int(digits) >= limit:
                self.over.add(key)
                continue
            self.rows_by_group[key] = max(self.rows_by_group.get(key, 0), int(digits) + 1)

    def __call__(self, path: str) -> Sequence[str]:
        return self.form.get(input_name(path), ())

    def rows(self, path: str) -> int:
        limit = self.limits.get(path, 0)
        declared = self.form.get(f"_rows_{path.strip('/')}")
        n = self.rows_by_group.get(path, 0)
        if declared:
            text = str(declared[-1]).strip()
            if text.isdigit() and len(text) <= 6:
                n = max(n, int(text))
        return min(n, limit)


def parse_form(
    item: CompiledItem, form: FormValues, max_rows: int = MAX_ROWS
) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed data and the parse errors (the rest is for ``item.evaluate``)."""
    errors: list[FieldError] = []
    limits = row_limits(item, max_rows)
    getter = _Getter(form, limits)
    errors.extend(_too_many(item, path, limits[path]) for path in sorted(getter.over))
    data = _parse_fields(item, item.definition.form.all_fields(), getter, "", errors)
    return data, errors


def row_counts(item: CompiledItem, form: FormValues, max_rows: int = MAX_ROWS) -> dict[str, int]:
    getter = _Getter(form, row_limits(item, max_rows))
    return {
        f.key: getter.rows("/" + f.key)
        for f in item.definition.form.all_fields()
        if f.type == "group"
    }


def check_rows(
    item: CompiledItem, data: Mapping[str, Any], max_rows: int = MAX_ROWS
) -> list[FieldError]:
    """The JSON door's row bound: a group's array may not be longer than the form allows."""
    errors = []
    for path, limit in row_limits(item, max_rows).items():
        rows = data.get(path.strip("/"))
        if isinstance(rows, list) and len(rows) > limit:
            errors.append(_too_many(item, path, limit))
    return errors


def field_path(name: str) -> str:
    """The JSON pointer a form input name stands for: staff[0][name] -> /staff/0/name."""
    m = ROW_NAME.match(name)
    if m:
        return f"/{m['group']}/{m['row']}/{m['key']}"
    return "/" + name.split("[", 1)[0]
