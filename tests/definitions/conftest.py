"""Fixtures of the definitions suite (DB-free) and its hypothesis profile."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from definitions.models import ItemDefinition

# Registered here, applied per test with ``@KIT`` (loading it globally would change the
# settings of every other suite in the session). BANSHI_DEFINITIONS_PROFILE=definitions-deep runs more.
settings.register_profile(
    "definitions",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("definitions-deep", settings.get_profile("definitions"), max_examples=500)
KIT = settings(settings.get_profile(os.environ.get("BANSHI_DEFINITIONS_PROFILE", "definitions")))

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_PATH = FIXTURES / "example.json"
REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "definitions" / "catalog"


def example_raw() -> dict[str, Any]:
    """The DESIGN §2 example as a fresh dict (it passes every check)."""
    return copy.deepcopy(_EXAMPLE)


_EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def raw() -> dict[str, Any]:
    return example_raw()


@pytest.fixture
def example() -> ItemDefinition:
    return ItemDefinition.model_validate(example_raw())


def catalog_files() -> list[Path]:
    return sorted(CATALOG.glob("*.json"))
