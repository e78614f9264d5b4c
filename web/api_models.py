"""The JSON API's answers as types, so the OpenAPI document at /schema describes every
answer (and every refusal) field by field. Handlers in web/api.py build these; Litestar
serialises them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web.deadlines import DeadlineView


@dataclass
class FieldProblem:
    """One error, at a JSON pointer into the submitted data, with the field's label."""

    path: str
    message: str
    label: str | None = None


@dataclass
class ErrorAnswer:
    """Every refusal: the HTTP status, a Chinese heading and message, a stable code, and
    for invalid input the field errors (at most BANSHI_MAX_ERRORS_RETURNED of them)."""

    status: int
    error: str
    message: str
    code: str | None = None
    errors: list[FieldProblem] | None = None
    errors_total: int | None = None


@dataclass
class ItemSummary:
    code: str
    version: int
    sha256: str
    name: str
    owner: str
    handling: str
    accept: list[str]
    statutory_days: int | None
    promised_days: int | None


@dataclass
class ItemDetail:
    code: str
    version: int
    sha256: str
    #: The canonical item definition (definitions/schema/item.schema.json).
    definition: dict[str, Any]
    #: The JSON Schema of this item's application data.
    application_schema: dict[str, Any]


@dataclass
class MaterialNeed:
    key: str
    name: str
    required: bool
    exempt: bool


@dataclass
class FeeLineOut:
    key: str
    name: str
    #: Yuan, as a decimal string (exact: "12.50").
    amount: str
    basis: str | None


@dataclass
class Evaluation:
    ok: bool
    data: dict[str, Any]
    errors: list[FieldProblem]
    errors_total: int
    visible: list[str]
    required: list[str]
    materials: list[MaterialNeed]
    steps: list[str]
    fees: list[FeeLineOut]
    fee_total: str


@dataclass
class Filed:
    """A new case: its number, the applicant's query code, its state and row version."""

    number: str
    query_code: str
    state: str
    version: int


@dataclass
class UploadRef:
    """A stored scan: put this object as the value of a file field of a later filing."""

    sha256: str
    name: str
    size: int
    content_type: str


@dataclass
class ItemRef:
    code: str
    name: str
    #: The published version the case is pinned to.
    version: int


@dataclass
class EventOut:
    act: str
    at: str
    actor: str
    reason: str | None


@dataclass
class ActionOut:
    act: str
    label: str
    value: str | None


@dataclass
class CaseAnswer:
    number: str
    version: int
    item: ItemRef
    state: str
    state_name: str
    decision: str | None
    current_step: str | None
    current_domain: str | None
    deadline: str | None
    card: str | None
    data: dict[str, Any]
    events: list[EventOut] = field(default_factory=list)
    actions: list[ActionOut] = field(default_factory=list)
    #: the statutory and the promised deadline, each explained, 暂定 while provisional
    deadlines: list[DeadlineView] = field(default_factory=list)


@dataclass
class ActDone:
    """What the act did, in words for the person who did it."""

    message: str
