"""Plausible sample application data for any definition (the demo data and the
benchmarks use it; the property tests have their own hypothesis strategies).

Each field type plugin draws its own value (:meth:`~definitions.fieldtypes.FieldType.sample`)
from a seeded ``random.Random``; a repeating group draws its rows with :func:`sample_fields`,
so nested groups nest. Visibility and requirement are honoured by filling every field and
letting the compiled evaluator drop what is hidden.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.models import FormField, ItemDefinition
from definitions.sampledata import (
    GIVEN,
    PLACES,
    REGIONS,
    SURNAMES,
    USCC_SAMPLES,
    id_card,
    person_name,
)

__all__ = [
    "GIVEN",
    "PLACES",
    "REGIONS",
    "SURNAMES",
    "USCC_SAMPLES",
    "id_card",
    "person_name",
    "sample_application",
    "sample_fields",
    "sample_value",
]


def sample_value(
    f: FormField, rng: random.Random, registry: FieldTypeRegistry | None = None
) -> Any:
    reg = registry or default_registry()
    plugin = reg.get(f.type)
    if plugin is None:
        return None
    return plugin.sample(f, rng, lambda fields, r: sample_fields(fields, r, reg))


def sample_fields(
    fields: Sequence[FormField], rng: random.Random, registry: FieldTypeRegistry | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        value = sample_value(f, rng, registry)
        if value is not None:
            out[f.key] = value
    return out


def sample_application(
    definition: ItemDefinition, rng: random.Random, registry: FieldTypeRegistry | None = None
) -> dict[str, Any]:
    """Data for every field (hidden ones are dropped by the evaluator)."""
    return sample_fields(definition.form.all_fields(), rng, registry)
