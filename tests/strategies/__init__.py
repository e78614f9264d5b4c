"""Hypothesis strategies for the definition language: the property-testing kit (tests only:
hypothesis is a development dependency, and nothing shipped imports this package).

* :func:`definitions` draws valid :class:`ItemDefinition` objects: random forms with every
  field type (choice single/multiple, repeating groups), type-correct conditions that
  reference earlier fields of the same level, conditional materials, steps, fees with a
  legal basis, and every handling type — each one passing every structural check and
  every reform rule (``items.py``).
* :func:`applications` draws valid application data for one definition (hidden fields
  absent, required visible fields present, real check digits); :func:`mutations` draws one
  single mutation of valid data that breaks exactly one field rule, with the JSON pointer
  the error must be reported at (``applications.py``).

Every building block draws its randomness from a :class:`Source` (``sources.py``), so the
same code runs under hypothesis (shrinking included) and from a seeded
:class:`random.Random` (:func:`random_definition`, :func:`random_application`:
deterministic data for benchmarks, without hypothesis' ``.example()``).

Field values come from :data:`VALUE_STRATEGIES` and broken values from :data:`BREAKERS`
(``values.py``), both keyed by field type name: a new field type registers its own with
:func:`register_values` / :func:`register_breaker`. Random forms and conditions are in
``forms.py``.
"""

from tests.strategies.applications import (
    Mutation,
    application_data,
    applications,
    biased_value,
    condition_constants,
    field_value,
    hidden_fields,
    level_data,
    mutation_options,
    mutations,
    random_application,
    shuffled,
)
from tests.strategies.forms import SIMPLE_TYPES, condition_over
from tests.strategies.items import build_definition, definitions, random_definition
from tests.strategies.sources import HypothesisSource, RandomSource, Source
from tests.strategies.values import (
    BREAKERS,
    VALUE_STRATEGIES,
    id_card_number,
    mobile_number,
    register_breaker,
    register_values,
    uscc_code,
)

__all__ = [
    "BREAKERS",
    "SIMPLE_TYPES",
    "VALUE_STRATEGIES",
    "HypothesisSource",
    "Mutation",
    "RandomSource",
    "Source",
    "application_data",
    "applications",
    "biased_value",
    "build_definition",
    "condition_constants",
    "condition_over",
    "definitions",
    "field_value",
    "hidden_fields",
    "id_card_number",
    "level_data",
    "mobile_number",
    "mutation_options",
    "mutations",
    "random_application",
    "random_definition",
    "register_breaker",
    "register_values",
    "shuffled",
    "uscc_code",
]
