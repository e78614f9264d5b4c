"""What a permission is checked on: a stored case, an item or a domain.

rbac cannot import runtime, so the targets are small frozen dataclasses that runtime
builds from its stored rows. The domain that is judged always comes from these stored
values, never from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from definitions.models import ItemDefinition, StepKind

Decide = Literal["owner", "township"]


@dataclass(frozen=True, slots=True)
class DomainTarget:
    """A domain itself: a hall's desk, a department's queue, the county's settings."""

    tenant: str
    domain: str


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """An item (事项): who may accept, decide, manage it."""

    tenant: str
    code: str
    owner: str
    accept_patterns: tuple[str, ...]
    decide: Decide = "owner"
    countersign_departments: tuple[str, ...] = ()

    @classmethod
    def from_definition(cls, tenant: str, item: ItemDefinition) -> ItemTarget:
        departments: list[str] = []
        for step in item.steps:
            if step.kind is StepKind.COUNTERSIGN:
                departments.extend(d for d in step.departments or () if d not in departments)
        return cls(
            tenant=tenant,
            code=item.code,
            owner=item.owner,
            accept_patterns=tuple(item.levels.accept),
            decide=item.levels.decide,
            countersign_departments=tuple(departments),
        )


@dataclass(frozen=True, slots=True)
class CaseTarget:
    """A stored case, as runtime holds it.

    ``accepting_domain``: the hall (or township) where it was submitted / accepted;
    ``current_domain``: where the current step sits (None when no step is open);
    ``accepted_by_user_id``: the clerk who accepted it (separation of duties).
    """

    tenant: str
    case_id: int | str
    owner: str
    accepting_domain: str
    current_domain: str | None
    applicant_user_id: int | None
    accepted_by_user_id: int | None
    accept_patterns: tuple[str, ...]
    decide: Decide = "owner"
    countersign_departments: tuple[str, ...] = ()
    #: who may extend (the definition's ``limits.extension_by``) and where
    #: (``limits.extension_at``: ``decider`` is the deciding domain)
    extend_by: str = "chief_representative"
    extend_at: str = "decider"


Target = DomainTarget | ItemTarget | CaseTarget


def pattern_matches(pattern: str, domain: str) -> bool:
    """``township.*`` matches every ``township.X``; any other pattern matches itself."""
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return domain.startswith(prefix) and len(domain) > len(prefix)
    return pattern == domain


def accepts_at(accept_patterns: tuple[str, ...], domain: str) -> bool:
    """Whether an item with these ``levels.accept`` patterns may be accepted at ``domain``."""
    return any(pattern_matches(p, domain) for p in accept_patterns)


def deciding_domain(owner: str, accepting_domain: str, decide: Decide) -> str:
    """Who decides: the owner, or the accepting township when the item devolves decisions to
    townships (an item accepted at the county hall is still decided by its owner)."""
    if decide == "township" and accepting_domain.startswith("township."):
        return accepting_domain
    return owner
