"""The application form of an item definition: sections of fields, each field a registered
field type (a plugin) whose type decides which optional keys it accepts; repeating groups
hold rows of fields and may nest (a group in a group's row) to the language's depth.

Re-exported by :mod:`definitions.models`; the field types checked are those of the
validating compiler (pydantic's validation context, :mod:`definitions.plugins`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from definitions.conditions import Condition
from definitions.fieldtypes import COMMON_KEYS
from definitions.limits import MAX_FORM_FIELDS, MAX_GROUP_DEPTH
from definitions.plugins import plugins_of
from definitions.scalars import Bound, FreeText, Key, Text, clean_text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=False)


class Option(_Model):
    """One choice of a choice field."""

    value: Annotated[
        str, StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)
    ] = Field(description="Stored value.", examples=["retail"])
    label: Text = Field(description="What the applicant reads.", examples=["食品销售"])


class Repeat(_Model):
    """How many rows a repeating group takes."""

    min: int = Field(default=1, ge=0, le=500, description="Fewest rows.")
    max: int | None = Field(
        default=None, ge=1, le=500, description="Most rows (no limit when absent)."
    )


class FormField(_Model):
    """One field of the application form. `type` names a field type plugin; the type decides
    which of the optional keys it accepts."""

    key: Key = Field(
        description="Identifier of the field, unique within its form level.",
        examples=["operator_name"],
    )
    label: Text = Field(description="Label shown to applicant and clerk.", examples=["经营者名称"])
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="Field type (a registered plugin).", examples=["text"]
    )
    hint: FreeText | None = Field(
        default=None, max_length=500, description="Help text shown under the label."
    )
    required: bool = Field(default=False, description="The field must be filled (when visible).")
    required_when: Condition | None = Field(
        default=None, description="Required only when this condition holds."
    )
    visible_when: Condition | None = Field(
        default=None,
        description="Shown only when this condition holds; a hidden field is never required and is dropped.",
    )
    min_length: int | None = Field(
        default=None, ge=0, le=10000, description="text/textarea: fewest characters."
    )
    max_length: int | None = Field(
        default=None, ge=1, le=10000, description="text/textarea/address: most characters."
    )
    pattern: FreeText | None = Field(
        default=None,
        max_length=500,
        description="text/textarea: a regular expression (RE2 syntax: no backreferences or "
        "lookaround; `$` matches at the very end only) found in the value; anchor it with `^...$`.",
    )
    minimum: Bound | None = Field(default=None, description="number/integer/money: smallest value.")
    maximum: Bound | None = Field(default=None, description="number/integer/money: largest value.")
    options: list[Option] | None = Field(default=None, description="choice: the options offered.")
    multiple: bool | None = Field(
        default=None, description="choice: several options may be chosen."
    )
    accept: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]] | None = (
        Field(
            default=None,
            description="file: accepted content types.",
            examples=[["application/pdf", "image/jpeg"]],
        )
    )
    max_size_mb: float | None = Field(
        default=None, gt=0, le=100, description="file: largest upload in MB."
    )
    fields: list[FormField] | None = Field(
        default=None,
        description=f"group: the fields of one row; a row may hold a group of its own, groups "
        f"nesting at most {MAX_GROUP_DEPTH} deep.",
    )
    repeat: Repeat | None = Field(default=None, description="group: how many rows.")

    @field_validator("type")
    @classmethod
    def _type_registered(cls, value: str, info: ValidationInfo) -> str:
        # the field types of the compiler that validates (Compiler.validate), else the defaults
        registry = plugins_of(info.context).field_types
        if value not in registry:
            raise ValueError(registry.unknown(value))
        return value

    @model_validator(mode="after")
    def _options_fit_type(self, info: ValidationInfo) -> FormField:
        plugin = plugins_of(info.context).field_types[self.type]
        given = {
            name for name in self.model_fields_set if getattr(self, name) is not None
        } - COMMON_KEYS
        wrong = sorted(given - plugin.options)
        if wrong:
            raise ValueError(f"字段类型 {self.type} 不接受键 {', '.join(wrong)}")
        depth = 1 + _group_depth(self.fields)
        if plugin.container and depth > MAX_GROUP_DEPTH:
            raise ValueError(
                f"重复分组“{self.label}”嵌套过深：共 {depth} 层，最多 {MAX_GROUP_DEPTH} 层"
            )
        return self


class Section(_Model):
    """A titled part of the form."""

    title: Text = Field(description="Section heading.", examples=["经营者信息"])
    hint: FreeText | None = Field(
        default=None, max_length=500, description="Text shown under the heading."
    )
    fields: list[FormField] = Field(
        min_length=1, description="The fields of this section, in order."
    )


class Form(_Model):
    """The application form."""

    sections: list[Section] = Field(min_length=1, description="Sections in order.")

    @model_validator(mode="after")
    def _not_too_many_fields(self) -> Form:
        count = _count_fields(self.all_fields())
        if count > MAX_FORM_FIELDS:
            raise ValueError(
                f"表单字段过多：共 {count} 个（含分组子字段），最多 {MAX_FORM_FIELDS} 个"
            )
        return self

    def all_fields(self) -> list[FormField]:
        return [f for s in self.sections for f in s.fields]


def _count_fields(fields: list[FormField]) -> int:
    return sum(1 + _count_fields(f.fields or []) for f in fields)


def _group_depth(fields: list[FormField] | None) -> int:
    """How deep groups nest below ``fields`` (a row without groups: 0)."""
    return max((1 + _group_depth(f.fields) for f in fields or [] if f.fields), default=0)


FormField.model_rebuild()
