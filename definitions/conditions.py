"""The condition language shared by fields, materials, steps and fees.

A condition is an atom ``{"field": F, OP: V}`` with OP one of eq, ne, in, gt, gte, lt,
lte, or a combination ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": C}``.

An atom is true only when the field is present (not hidden, not left empty) and the
comparison holds; ``{"not": {"field": F, "eq": V}}`` is the way to say "absent or other".
For a multiple choice field (an array) ``eq``/``ne`` test membership and ``in`` tests
whether any chosen option is in the list.

Conditions compile into JSON Schema (:func:`to_schema`), so one validator decides
visibility, requirement, routing and fees. :func:`holds` is a plain-Python reading of the
same language, kept as an independent oracle for the property tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

from definitions.limits import MAX_ABS_NUMBER
from definitions.values import number_problem, text_problem

Scalar = Union[StrictBool, StrictInt, StrictFloat, StrictStr]
Op = Literal["eq", "ne", "in", "gt", "gte", "lt", "lte"]
OPS: tuple[Op, ...] = ("eq", "ne", "in", "gt", "gte", "lt", "lte")
ORDER_OPS: frozenset[str] = frozenset({"gt", "gte", "lt", "lte"})


class Atom(BaseModel):
    """Compare one field with a value: exactly one of the comparison keys is given."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    field: str = Field(
        description="Key of the field compared (a field of the same form level: top-level "
        "fields for the form, materials, steps and fees; the row's fields inside a group).",
        examples=["cold_chain"],
    )
    eq: Scalar | None = Field(default=None, description="True when the value equals this.")
    ne: Scalar | None = Field(
        default=None, description="True when the value is present and differs."
    )
    in_: list[Scalar] | None = Field(
        default=None, alias="in", description="True when the value is one of these.", min_length=1
    )
    gt: StrictInt | StrictFloat | None = Field(default=None, description="Value > this (numbers).")
    gte: StrictInt | StrictFloat | None = Field(
        default=None, description="Value >= this (numbers)."
    )
    lt: StrictInt | StrictFloat | None = Field(default=None, description="Value < this (numbers).")
    lte: StrictInt | StrictFloat | None = Field(
        default=None, description="Value <= this (numbers)."
    )

    @model_validator(mode="after")
    def _one_operator(self) -> Atom:
        given = [op for op in OPS if self.value_of(op) is not None]
        if len(given) != 1:
            raise ValueError(
                "条件必须恰好给出一个比较运算（eq、ne、in、gt、gte、lt、lte 之一），"
                f"实际给出 {len(given)} 个"
            )
        for text in (self.field, *(v for v in self._values() if isinstance(v, str))):
            problem = text_problem(text)
            if problem is not None:
                raise ValueError("条件中的文本" + problem)
        for v in self._values():
            if isinstance(v, int | float) and number_problem(v) is not None:
                raise ValueError(f"条件中的数值须为有限数，绝对值不能超过 {MAX_ABS_NUMBER}")
        return self

    def _values(self) -> list[Any]:
        value = self.value_of(next(op for op in OPS if self.value_of(op) is not None))
        return list(value) if isinstance(value, list) else [value]

    def value_of(self, op: str) -> Any:
        return self.in_ if op == "in" else getattr(self, op)

    @property
    def op(self) -> Op:
        for op in OPS:
            if self.value_of(op) is not None:
                return op
        raise AssertionError("validated atom without operator")  # pragma: no cover

    @property
    def value(self) -> Any:
        return self.value_of(self.op)


class AllOf(BaseModel):
    """True when every condition in the list is true."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    all: list[Condition] = Field(min_length=1, description="Conditions that must all hold.")


class AnyOf(BaseModel):
    """True when at least one condition in the list is true."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    any: list[Condition] = Field(min_length=1, description="Conditions of which one must hold.")


class NotOf(BaseModel):
    """True when the inner condition is false."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: Condition = Field(alias="not", description="The condition negated.")


def _kind(value: Any) -> str:
    """The union tag of a condition; tags start with "~" so error locations can drop them."""
    if isinstance(value, Mapping):
        for key in ("all", "any", "not"):
            if key in value:
                return "~" + key
        return "~atom"
    if isinstance(value, BaseModel):
        tags: dict[type[BaseModel], str] = {AllOf: "~all", AnyOf: "~any", NotOf: "~not"}
        return tags.get(type(value), "~atom")
    return "~atom"


Condition = Annotated[
    Annotated[Atom, Tag("~atom")]
    | Annotated[AllOf, Tag("~all")]
    | Annotated[AnyOf, Tag("~any")]
    | Annotated[NotOf, Tag("~not")],
    Discriminator(_kind),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()

AnyCondition = Atom | AllOf | AnyOf | NotOf


def atoms(cond: AnyCondition) -> Iterator[Atom]:
    """Every atom of a condition, depth first."""
    if isinstance(cond, Atom):
        yield cond
    elif isinstance(cond, AllOf):
        for c in cond.all:
            yield from atoms(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            yield from atoms(c)
    else:
        yield from atoms(cond.not_)


def fields_of(cond: AnyCondition) -> set[str]:
    return {a.field for a in atoms(cond)}


def to_schema(cond: AnyCondition, array_fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Compile a condition into a JSON Schema that an object satisfies iff the condition holds.

    ``array_fields`` names the fields whose values are arrays (multiple choice).
    """
    if isinstance(cond, AllOf):
        return {"allOf": [to_schema(c, array_fields) for c in cond.all]}
    if isinstance(cond, AnyOf):
        return {"anyOf": [to_schema(c, array_fields) for c in cond.any]}
    if isinstance(cond, NotOf):
        return {"not": to_schema(cond.not_, array_fields)}
    op, value = cond.op, cond.value
    test: dict[str, Any]
    if op == "eq":
        test = {"const": value}
    elif op == "ne":
        test = {"not": {"const": value}}
    elif op == "in":
        test = {"enum": list(value)}
    else:
        keyword = {
            "gt": "exclusiveMinimum",
            "gte": "minimum",
            "lt": "exclusiveMaximum",
            "lte": "maximum",
        }[op]
        test = {"type": "number", keyword: value}
    if cond.field in array_fields:
        if op == "ne":
            test = {"not": {"contains": {"const": value}}}
        elif op in ("eq", "in"):
            test = {"contains": test}
    # JSON Schema's const/enum treat 1 and 1.0 alike but also true and 1 apart; keep it so.
    return {"required": [cond.field], "properties": {cond.field: test}}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def holds(cond: AnyCondition, data: Mapping[str, Any]) -> bool:
    """Evaluate a condition directly in Python (the independent oracle)."""
    if isinstance(cond, AllOf):
        return all(holds(c, data) for c in cond.all)
    if isinstance(cond, AnyOf):
        return any(holds(c, data) for c in cond.any)
    if isinstance(cond, NotOf):
        return not holds(cond.not_, data)
    if cond.field not in data:
        return False
    actual = data[cond.field]
    op, value = cond.op, cond.value
    if isinstance(actual, list):
        if op == "eq":
            return any(_same(x, value) for x in actual)
        if op == "ne":
            return not any(_same(x, value) for x in actual)
        if op == "in":
            return any(_same(x, v) for x in actual for v in value)
        return False
    if op == "eq":
        return _same(actual, value)
    if op == "ne":
        return not _same(actual, value)
    if op == "in":
        return any(_same(actual, v) for v in value)
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    if op == "gt":
        return bool(actual > value)
    if op == "gte":
        return bool(actual >= value)
    if op == "lt":
        return bool(actual < value)
    return bool(actual <= value)
