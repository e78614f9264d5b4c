"""Form posts -> typed application data: the field plugins parse.

Field names: ``key`` for a top-level field, ``key[3][sub]`` for a group row's field and
``companies[0][staff][1][name]`` for a field of a row of a group inside a row (nested
groups: the JSON pointer /companies/0/staff/1/name written as a form name); a field that
takes several values (a multiple choice) repeats its name. Empty inputs are absent. Parse
errors are FieldErrors at the field's JSON pointer, in Chinese.

Rows are bounded at every level: a group has at most its definition's ``repeat.max`` rows
and never more than the caller's ``max_rows`` (the setting), and one form holds at most
:data:`ROW_BUDGET_FACTOR` × ``max_rows`` rows in all (nested groups multiply). A row index
at or above the bound is an error naming the group, found before anything proportional to
the index is allocated; the JSON door checks arrays of rows with the same bounds
(``check_rows``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from definitions.compile import CompiledItem, FieldError
from definitions.fieldtypes import ParseError
from definitions.limits import MAX_GROUP_DEPTH
from definitions.models import FormField

KEY = r"[a-z][a-z0-9_]*"
ROW_NAME = re.compile(rf"^(?P<group>{KEY})(?P<rest>(\[\d+\]\[{KEY}\]){{1,{MAX_GROUP_DEPTH}}})$")
ROW_PART = re.compile(rf"\[(\d+)\]\[({KEY})\]")
#: The global cap when a caller names none (``Settings.max_group_rows``).
MAX_ROWS = 500
#: All the rows of one form, every group and level together, are at most this many times
#: the per-group bound (nested groups would otherwise multiply it).
ROW_BUDGET_FACTOR = 4

FormValues = Mapping[str, Sequence[str]]


def input_name(path: str) -> str:
    """/staff/0/name -> staff[0][name]; /mobile -> mobile."""
    parts = path.strip("/").split("/")
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def rows_name(path: str) -> str:
    """The hidden input that carries a group's row count: /companies/0/staff ->
    _rows_companies/0/staff (a top-level group: _rows_staff)."""
    return "_rows_" + path.strip("/")


def shape(path: str) -> str:
    """Row indices as ``*``: /companies/0/staff -> /companies/*/staff."""
    return "/".join("*" if part.isdigit() else part for part in path.split("/"))


def groups(item: CompiledItem) -> Iterator[tuple[str, FormField]]:
    """Every repeating group of the form, at every depth, by path shape."""

    def walk(fields: Sequence[FormField], base: str) -> Iterator[tuple[str, FormField]]:
        for f in fields:
            if item.registry[f.type].container:
                path = f"{base}/{f.key}"
                yield path, f
                yield from walk(f.fields or [], f"{path}/*")

    return walk(item.definition.form.all_fields(), "")


def row_limits(item: CompiledItem, max_rows: int = MAX_ROWS) -> dict[str, int]:
    """Most rows of each repeating group (by path shape): its ``repeat.max``, never above
    ``max_rows``."""
    out: dict[str, int] = {}
    for path, f in groups(item):
        declared = f.repeat.max if f.repeat is not None and f.repeat.max else max_rows
        out[path] = max(1, min(declared, max_rows))
    return out


def _parse_fields(
    item: CompiledItem,
    fields: Sequence[FormField],
    get: _Getter,
    base: str,
    errors: list[FieldError],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reg = item.registry
    for f in fields:
        path = f"{base}/{f.key}"
        plugin = reg[f.type]
        if plugin.container:
            rows = []
            for i in range(get.rows(path)):
                row = _parse_fields(item, f.fields or [], get, f"{path}/{i}", errors)
                if row:
                    rows.append(row)
            if rows:
                out[f.key] = rows
            continue
        raws = [r for r in get(path) if r is not None and str(r).strip() != ""]
        if not raws:
            continue
        try:
            out[f.key] = plugin.parse_values(f, raws)
        except ParseError as exc:
            label = item.label(path) or f.label
            errors.append(FieldError(path, f"“{label}”：{exc}", label))
            out[f.key] = raws[-1]  # keep what was typed so the form shows it back
    return out


def _too_many(item: CompiledItem, path: str, limit: int) -> FieldError:
    label = item.label(path) or path.strip("/")
    return FieldError(path, f"“{label}”最多 {limit} 行", label)


class _Getter:
    """The posted values by JSON pointer, and each group's row count (bounded)."""

    def __init__(self, form: FormValues, limits: Mapping[str, int], budget: int) -> None:
        self.form = form
        self.limits = limits
        self.budget = budget
        self.rows_by_group: dict[str, int] = {}
        self.over: dict[str, int] = {}  # group path -> its limit, for each group posted past it
        self.exhausted = False
        for name in form:
            m = ROW_NAME.match(name)
            if m:
                self._note(m["group"], ROW_PART.findall(m["rest"]))

    def _note(self, head: str, parts: list[tuple[str, str]]) -> None:
        path = "/" + head
        for index, key in parts:
            limit = self.limits.get(shape(path))
            if limit is None:
                return  # not a group of this item: ignored like any unknown name
            digits = index.lstrip("0") or "0"
            # compare as text first: a huge index is refused without converting it
            if len(digits) > len(str(limit)) or int(digits) >= limit:
                self.over[path] = limit
                return
            self.rows_by_group[path] = max(self.rows_by_group.get(path, 0), int(digits) + 1)
            path = f"{path}/{int(digits)}/{key}"

    def __call__(self, path: str) -> Sequence[str]:
        return self.form.get(input_name(path), ())

    def rows(self, path: str) -> int:
        limit = self.limits.get(shape(path), 0)
        declared = self.form.get(rows_name(path))
        n = self.rows_by_group.get(path, 0)
        if declared:
            text = str(declared[-1]).strip()
            if text.isdigit() and len(text) <= 6:
                n = max(n, int(text))
        n = min(n, limit)
        if n > self.budget:
            n, self.exhausted = self.budget, True
        self.budget -= n
        return n


def parse_form(
    item: CompiledItem, form: FormValues, max_rows: int = MAX_ROWS
) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed data and the parse errors (the rest is for ``item.evaluate``)."""
    errors: list[FieldError] = []
    getter = _Getter(form, row_limits(item, max_rows), ROW_BUDGET_FACTOR * max_rows)
    errors.extend(_too_many(item, path, limit) for path, limit in sorted(getter.over.items()))
    data = _parse_fields(item, item.definition.form.all_fields(), getter, "", errors)
    if getter.exhausted:
        total = ROW_BUDGET_FACTOR * max_rows
        errors.append(FieldError("", f"表单的行数过多（各分组合计最多 {total} 行）"))
    return data, errors


def row_counts(item: CompiledItem, form: FormValues, max_rows: int = MAX_ROWS) -> dict[str, int]:
    """The row count of every group the form shows, by path without the leading slash
    (``staff``, ``companies/0/staff``)."""
    getter = _Getter(form, row_limits(item, max_rows), ROW_BUDGET_FACTOR * max_rows)
    out: dict[str, int] = {}

    def walk(fields: Sequence[FormField], base: str) -> None:
        for f in fields:
            if item.registry[f.type].container:
                path = f"{base}/{f.key}"
                n = getter.rows(path)
                out[path.strip("/")] = n
                for i in range(n):
                    walk(f.fields or [], f"{path}/{i}")

    walk(item.definition.form.all_fields(), "")
    return out


def check_rows(
    item: CompiledItem, data: Mapping[str, Any], max_rows: int = MAX_ROWS
) -> list[FieldError]:
    """The JSON door's row bounds: no group's array, at any depth, may be longer than the
    form allows."""
    limits = row_limits(item, max_rows)
    errors: list[FieldError] = []

    def walk(fields: Sequence[FormField], value: Mapping[str, Any], base: str) -> None:
        for f in fields:
            if not item.registry[f.type].container:
                continue
            path = f"{base}/{f.key}"
            rows = value.get(f.key)
            if not isinstance(rows, list):
                continue
            limit = limits[shape(path)]
            if len(rows) > limit:
                errors.append(_too_many(item, path, limit))
                continue
            for i, row in enumerate(rows):
                if isinstance(row, Mapping):
                    walk(f.fields or [], row, f"{path}/{i}")

    walk(item.definition.form.all_fields(), data, "")
    return errors


def field_path(name: str) -> str:
    """The JSON pointer a form input name stands for: staff[0][name] -> /staff/0/name."""
    m = ROW_NAME.match(name)
    if m:
        rest = "".join(f"/{i}/{k}" for i, k in ROW_PART.findall(m["rest"]))
        return f"/{m['group']}{rest}"
    return "/" + name.split("[", 1)[0]
