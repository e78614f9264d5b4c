"""View models of generated forms: what the templates need, computed from one evaluation.

The server decides visibility and requirement (the same compiled predicates as
everywhere): a hidden field is simply not in the view; a field whose condition turns true
appears, required where its rule says so, when the form is re-rendered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from definitions.compile import CompiledItem, Evaluation, FeeLine, FieldError, MaterialNeed
from definitions.conditions import fields_of
from definitions.models import FormField, Step
from renderer.parse import input_name, rows_name


def html_id(path: str) -> str:
    return "f" + path.replace("/", "-")


#: What a required field's label ends with (fixed text).
_REQUIRED_MARK = Markup(
    '<span class="required" aria-hidden="true"> *</span><span class="visually-hidden">（必填）</span>'
)


@dataclass
class OptionView:
    value: str
    label: str
    selected: bool


@dataclass
class FieldView:
    path: str
    name: str
    id: str
    key: str
    label: str
    type: str
    widget: str
    hint: str | None
    required: bool
    value: Any
    error: str | None
    options: list[OptionView] = field(default_factory=list)
    multiple: bool = False
    accept: list[str] = field(default_factory=list)
    max_length: int | None = None
    triggers: bool = False  # other fields depend on this one: re-render on change
    rows: list[list[FieldView]] = field(default_factory=list)
    min_rows: int = 0
    max_rows: int | None = None
    container: bool = False  # a repeating group: ``rows`` hold its cells
    rows_key: str = ""  # the group's path without the leading slash (add/remove actions)
    rows_name: str = ""  # the hidden input carrying its row count
    input_mode: str | None = None  # the plugin's on-screen keyboard (inputmode)
    autocomplete: str | None = None  # the plugin's autocomplete token

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(label, answer) pairs for the check-your-answers page; a group's rows (and the
        groups inside them) as 企业名单 第1行：从业人员 第2行：姓名."""
        if not self.container:
            return [(self.label, self.text)]
        out: list[tuple[str, str]] = []
        for i, row in enumerate(self.rows, start=1):
            for cell in row:
                out.extend((f"{self.label} 第{i}行：{label}", text) for label, text in cell.summary)
        return out

    @property
    def described(self) -> Markup:
        """The widget's ``aria-describedby`` (its hint, its error) and ``aria-invalid``: a
        property, not a template macro (a macro call per field and option was a third of
        rendering a whole form)."""
        ids = [f"{self.id}-hint"] if self.hint else []
        if self.error:
            ids.append(f"{self.id}-error")
        out = f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""
        return Markup(out + ' aria-invalid="true"' if self.error else out)

    @property
    def required_mark(self) -> Markup:
        """What a required field's label or legend ends with (nothing when optional)."""
        return _REQUIRED_MARK if self.required else Markup()

    @property
    def label_html(self) -> Markup:
        """The field's ``<label>``, marked when required (definition text escaped)."""
        return Markup(
            f'<label class="label" for="{escape(self.id)}">{escape(self.label)}'
            f"{self.required_mark}</label>"
        )

    @property
    def input_attrs(self) -> Markup:
        """inputmode / autocomplete / maxlength of a text-like input (plain ASCII, safe)."""
        parts = []
        if self.input_mode:
            parts.append(f' inputmode="{self.input_mode}"')
        if self.autocomplete:
            parts.append(f' autocomplete="{self.autocomplete}"')
        if self.max_length:
            parts.append(f' maxlength="{int(self.max_length)}"')
        return Markup("".join(parts))

    @property
    def text(self) -> str:
        """The value as shown on the check-your-answers page."""
        if self.value is None or self.value == "":
            return ""
        if self.widget == "yesno":
            return "是" if self.value is True or self.value == "true" else "否"
        if self.options:
            chosen = [o.label for o in self.options if o.selected]
            return "、".join(chosen)
        if isinstance(self.value, Mapping):
            return str(self.value.get("name", ""))
        return str(self.value)


@dataclass
class SectionView:
    title: str
    hint: str | None
    fields: list[FieldView]


@dataclass
class FormView:
    code: str
    name: str
    sections: list[SectionView]
    errors: list[FieldError]
    materials: list[MaterialNeed]
    fees: list[FeeLine]
    fee_total: Decimal
    steps: list[Step]
    hidden: list[tuple[str, str]]  # name/value pairs that carry the answers on the check page

    def error_anchor(self, err: FieldError) -> str:
        return "#" + html_id(err.path)


def _triggers(item: CompiledItem) -> set[str]:
    keys: set[str] = set()
    d = item.definition

    def walk(fields: Sequence[FormField]) -> None:
        for f in fields:
            for cond in (f.visible_when, f.required_when):
                if cond is not None:
                    keys.update(fields_of(cond))
            if f.fields:
                walk(f.fields)

    walk(d.form.all_fields())
    for m in d.materials:
        if m.required_when is not None:
            keys.update(fields_of(m.required_when))
    for fee in d.fees:
        if fee.when is not None:
            keys.update(fields_of(fee.when))
        if fee.quantity_field is not None and fee.assessed_at is None:
            keys.add(fee.quantity_field)
    for s in d.steps:
        if s.when is not None:
            keys.update(fields_of(s.when))
    return keys


def _hidden_value(value: Any) -> str:
    """How a typed value travels in a hidden input (file references as JSON)."""
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
    return str(_display(value))


def _display(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def build_form(
    item: CompiledItem,
    data: Mapping[str, Any],
    evaluation: Evaluation,
    errors: Sequence[FieldError] = (),
    rows: Mapping[str, int] | None = None,
    show_errors: bool = True,
) -> FormView:
    """The form for ``data`` as evaluated; ``rows`` overrides group row counts (add/remove)."""
    visible = set(evaluation.visible)
    required = set(evaluation.required)
    by_path = {e.path: e.message for e in errors} if show_errors else {}
    triggers = _triggers(item)
    reg = item.registry
    hidden: list[tuple[str, str]] = []
    order: dict[str, int] = {}  # field path -> position on the page (the error summary's order)

    def view(f: FormField, path: str, value: Any, in_row: bool = False) -> FieldView | None:
        # a field of a row not yet in the data (a row just added) shows unless conditional
        if path not in visible and not (in_row and f.visible_when is None):
            return None
        order.setdefault(path, len(order))
        plugin = reg[f.type]
        fv = FieldView(
            path=path,
            name=input_name(path),
            id=html_id(path),
            key=f.key,
            label=f.label,
            type=f.type,
            widget=plugin.widget,
            hint=f.hint,
            required=path in required or (in_row and f.required),
            value=_display(value),
            error=by_path.get(path),
            multiple=plugin.multiple(f),
            accept=list(f.accept or []),
            max_length=f.max_length,
            triggers=f.key in triggers,  # a row's field too: its siblings may depend on it
            container=plugin.container,
            input_mode=plugin.input_mode,
            autocomplete=plugin.autocomplete,
        )
        if f.options:
            chosen = value if isinstance(value, list) else [value]
            fv.options = [OptionView(o.value, o.label, o.value in chosen) for o in f.options]
        if plugin.container:
            current = value if isinstance(value, list) else []
            fv.rows_key = path.strip("/")
            fv.rows_name = rows_name(path)
            count = (rows or {}).get(fv.rows_key, len(current))
            fv.min_rows = f.repeat.min if f.repeat else 1
            fv.max_rows = f.repeat.max if f.repeat else None
            count = max(count, fv.min_rows, 1)
            if fv.max_rows is not None:
                count = min(count, fv.max_rows)
            for i in range(count):
                row_value = (
                    current[i] if i < len(current) and isinstance(current[i], Mapping) else {}
                )
                cells = [
                    cell
                    for sub in f.fields or []
                    if (cell := view(sub, f"{path}/{i}/{sub.key}", row_value.get(sub.key), True))
                    is not None
                ]
                fv.rows.append(cells)
            hidden.append((fv.rows_name, str(count)))
        elif value is not None and value != "":
            for v in value if isinstance(value, list) else [value]:
                hidden.append((fv.name, _hidden_value(v)))
        return fv

    sections = []
    for s in item.definition.form.sections:
        views = [v for f in s.fields if (v := view(f, "/" + f.key, data.get(f.key))) is not None]
        if views:
            sections.append(SectionView(s.title, s.hint, views))

    def position(err: FieldError) -> int:
        # the applicant's own fields (/_applicant_name...) come first on the page
        return -1 if err.path.startswith("/_") else order.get(err.path, len(order))

    return FormView(
        code=item.definition.code,
        name=item.definition.name,
        sections=sections,
        errors=sorted(errors, key=position) if show_errors else [],
        materials=evaluation.materials,
        fees=evaluation.fees,
        fee_total=evaluation.fee_total,
        steps=evaluation.steps,
        hidden=hidden,
    )
