"""Administration: the live check of one edit in the structured editor, for a 60-field item.

One edit, as the editor's htmx request does it: the posted form applied to the draft at
its JSON pointers (admin/editing.py), the definition check and the reform rules, the
compilation (admin/checking.py), and the findings fragment rendered (admin/item.html's
``findings`` block). Beside it, as the baseline, the bare ``banshi definitions check`` of
the same definition (model validation + ``check_definition``). Goal: ≤ 50 ms per edit.

The item is the shipped 食品经营许可 with text fields added until the form has 60.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block

from admin.checking import check_document
from admin.editing import apply_form
from admin.editor import build_editor, finding_rows, walk
from bench import Figure, per_call_us
from definitions.check import check_definition
from definitions.models import ItemDefinition
from runtime.publishing import Catalog

ROOT = Path(__file__).resolve().parent.parent
FOOD = ROOT / "definitions" / "catalog" / "422822-SCJG-XK-0001.json"
FIELDS = 60


def sixty_fields() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FOOD.read_text("utf-8"))
    count = len(ItemDefinition.model_validate(doc).form.all_fields())
    section = doc["form"]["sections"][-1]
    for i in range(FIELDS - count):
        section["fields"].append(
            {"key": f"extra_{i}", "label": f"补充信息{i}", "type": "text", "max_length": 100}
        )
    assert len(ItemDefinition.model_validate(doc).form.all_fields()) == FIELDS
    return doc


def posted_form(doc: dict[str, Any]) -> dict[str, list[str]]:
    """What the browser posts for ``doc``'s editor: every widget's current value."""
    values: dict[str, list[str]] = {}
    for n in walk(build_editor(doc)):
        if n.widget in ("object", "rows"):
            continue
        if n.widget in ("check", "multiselect"):
            values["b:" + n.pointer] = ["1"]
            if n.widget == "check" and n.value:
                values[n.name] = ["on"]
            elif n.widget == "multiselect":
                values[n.name] = list(n.value)
        elif n.widget == "condition":
            if n.extra.get("compound"):
                values["cj:" + n.pointer] = [n.extra["json"]]
            else:
                values["cf:" + n.pointer] = [n.extra["field"]]
                values["co:" + n.pointer] = [n.extra["op"]]
                values["cx:" + n.pointer] = [n.extra["value"]]
        else:
            v = n.value
            values[n.name] = [
                "" if v is None else "true" if v is True else "false" if v is False else str(v)
            ]
    return values


def run() -> Iterator[Figure]:
    doc = sixty_fields()
    catalog = Catalog()
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(ROOT / p))
                for p in ("web/templates", "admin/templates", "renderer/templates")
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    form = posted_form(doc)
    form["v:/limits/promised_days"] = ["9"]  # the edit: too many days, a finding appears

    def one_edit() -> str:
        new, _errors = apply_form(doc, lambda k: form.get(k, []), lambda k: k in form)
        findings = check_document(new, catalog)
        return render_block(
            env,
            "admin/item.html",
            "findings",
            problems=findings.problems,
            finding_rows=finding_rows(findings.problems),
            revision=2,
            oob_revision=True,
        )

    assert "compression" in one_edit()

    def bare_check() -> None:
        check_definition(ItemDefinition.model_validate(doc))

    edit_ms = per_call_us(one_edit, number=20, repeat=5) / 1000
    check_ms = per_call_us(bare_check, number=20, repeat=5) / 1000
    yield Figure(
        "admin live check of one edit (60 fields)",
        edit_ms,
        "ms",
        check_ms,
        note="apply form + check + rules + compile + findings fragment vs bare definitions check",
    )
    yield Figure("admin live check of one edit (60 fields), goal", edit_ms, "ms", 50.0, goal=True)
