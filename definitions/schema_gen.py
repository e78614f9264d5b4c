"""The JSON Schema of the definition format, generated from the models.

The committed copy lives in definitions/schema/item.schema.json; a test fails when the
two drift (regenerate with ``make schema``).
"""

from __future__ import annotations

import json
from typing import Any

from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.models import ItemDefinition
from definitions.shipped import schema_path

SCHEMA_PATH = schema_path()
SCHEMA_ID = "https://banshi.example/schema/item.schema.json"


def definition_schema(registry: FieldTypeRegistry | None = None) -> dict[str, Any]:
    reg = registry or default_registry()
    schema = ItemDefinition.model_json_schema(by_alias=True, mode="validation")
    field_def = schema["$defs"]["FormField"]
    field_def["properties"]["type"]["enum"] = reg.names()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text(registry: FieldTypeRegistry | None = None) -> str:
    return (
        json.dumps(definition_schema(registry), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
