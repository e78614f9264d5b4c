"""Form posts -> typed application data: the field plugins parse.

Field names: ``key`` for a top-level field, ``key[3][sub]`` for a group row's field;
a multiple choice field repeats its name. Empty inputs are absent. Parse errors are
FieldErrors at the field's JSON pointer, in Chinese.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from definitions.compile import CompiledItem, FieldError
from definitions.fieldtypes import ParseError
from definitions.models import FormField

ROW_NAME = re.compile(r"^(?P<group>[a-z][a-z0-9_]*)\[(?P<row>\d+)\]\[(?P<key>[a-z][a-z0-9_]*)\]$")

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


class _Getter:
    def __init__(self, form: FormValues) -> None:
        self.form = form
        self.rows_by_group: dict[str, int] = {}
        for name in form:
            m = ROW_NAME.match(name)
            if m:
                key = "/" + m["group"]
                self.rows_by_group[key] = max(self.rows_by_group.get(key, 0), int(m["row"]) + 1)

    def __call__(self, path: str) -> Sequence[str]:
        return self.form.get(input_name(path), ())

    def rows(self, path: str) -> int:
        declared = self.form.get(f"_rows_{path.strip('/')}")
        n = self.rows_by_group.get(path, 0)
        if declared:
            with contextlib.suppress(ValueError):
                n = max(n, min(int(declared[-1]), 500))
        return n


def parse_form(item: CompiledItem, form: FormValues) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed data and the parse errors (the rest is for ``item.evaluate``)."""
    errors: list[FieldError] = []
    data = _parse_fields(item, item.definition.form.all_fields(), _Getter(form), "", errors)
    return data, errors


def row_counts(item: CompiledItem, form: FormValues) -> dict[str, int]:
    getter = _Getter(form)
    return {
        f.key: getter.rows("/" + f.key)
        for f in item.definition.form.all_fields()
        if f.type == "group"
    }
