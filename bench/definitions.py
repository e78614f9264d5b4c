"""Definitions: check+compile of 1,000 generated definitions; validating a 30-field application.

(a) ``check_definition`` + ``CompiledItem`` per definition (goal <= 2 ms), beside
    python-jsonschema validating the same definitions against the committed definition
    JSON Schema (definitions/schema/item.schema.json).
(b) ``CompiledItem.is_valid`` (jsonschema-rs) on a valid 30-field application (goal
    <= 10 us), beside python-jsonschema's ``Draft202012Validator.is_valid`` on the same
    schema with the same formats; and the full ``evaluate()`` beside the same baseline.

The definitions come from the property-testing kit's building blocks driven by a seeded
random generator, so every run measures the same 1,000 definitions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jsonschema

from bench import Figure, per_call_us
from definitions.check import check_definition
from definitions.compile import CompiledItem
from definitions.models import FormField, ItemDefinition
from definitions.schema_gen import SCHEMA_PATH
from definitions.strategies import (
    SIMPLE_TYPES,
    RandomSource,
    _fields,
    random_application,
    random_definition,
)

COUNT = 1000


def generated(count: int = COUNT) -> list[ItemDefinition]:
    return [random_definition(seed) for seed in range(count)]


#: Types whose format is checked by a Python callback (stdnum, phonenumbers).
CALLBACK_TYPES = ("id_card", "uscc", "mobile", "region")


def thirty_field_item(with_callback_formats: bool = True) -> CompiledItem:
    """An item with exactly 30 top-level fields of every simple type, some conditional."""
    src = RandomSource(2012)
    base = random_definition(30)
    raw = base.canonical()
    types = [t for t in SIMPLE_TYPES if t != "file" and (with_callback_formats or t not in CALLBACK_TYPES)]
    fields = _fields(src, "f", 30, types, [], False)
    raw["form"] = {"sections": [{"title": "申请信息", "fields": fields}]}
    raw["fees"] = []
    raw["materials"] = [m for m in raw["materials"] if "required_when" not in m]
    raw["steps"] = [{k: v for k, v in s.items() if k != "when"} for s in raw["steps"]]
    public = [f["key"] for f in fields if f["type"] not in ("id_card", "mobile", "address")]
    raw["disclosure"] = {"guide": True, "publish_results": True, "result_fields": public[:1]}
    definition = ItemDefinition.model_validate(raw)
    assert len(definition.form.all_fields()) == 30
    assert all(isinstance(f, FormField) for f in definition.form.all_fields())
    return CompiledItem(definition)


def fullest_application(item: CompiledItem, tries: int = 200) -> dict[str, Any]:
    """The valid application (of ``tries`` seeds) that fills the most fields."""
    best: dict[str, Any] = {}
    for seed in range(tries):
        data = random_application(item, seed)
        if len(data) > len(best):
            best = data
    return best


def run() -> Iterator[Figure]:
    definitions = generated()
    raws = [d.canonical() for d in definitions]

    # (a) check + compile, per definition
    start = time.perf_counter()
    errors = 0
    for d in definitions:
        errors += sum(1 for p in check_definition(d) if p.severity == "error")
    checked = time.perf_counter()
    for d in definitions:
        CompiledItem(d)
    done = time.perf_counter()
    ours = (done - start) / len(definitions) * 1e6
    split = f"check {(checked - start) / len(definitions) * 1e3:.2f} ms + compile {(done - checked) / len(definitions) * 1e3:.2f} ms"
    assert errors == 0, f"{errors} problems in generated definitions"

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    start = time.perf_counter()
    valid = sum(1 for r in raws if validator.is_valid(r))
    baseline = (time.perf_counter() - start) / len(raws) * 1e6
    yield Figure(
        "definitions.check_compile",
        ours / 1000,
        "ms/definition",
        baseline / 1000,
        note=f"{len(definitions)} generated definitions, {split}; baseline: python-jsonschema vs item.schema.json "
        f"({valid}/{len(raws)} valid); goal <= 2 ms",
    )

    # (b) a 30-field application
    item = thirty_field_item()
    data = item.clean(fullest_application(item))
    assert item.evaluate(data).errors == []
    reference = item.reference()
    assert reference.is_valid(data) and item.is_valid(data)
    fast = per_call_us(lambda: item.is_valid(data), number=2000)
    slow = per_call_us(lambda: reference.is_valid(data), number=200)
    note = f"{len(data)} of 30 fields filled; goal <= 10 us"
    yield Figure("definitions.validate_30_fields", fast, "us", slow, note="jsonschema-rs vs python-jsonschema; " + note)
    full = per_call_us(lambda: item.evaluate(data), number=500)
    yield Figure("definitions.evaluate_30_fields", full, "us", slow, note="full evaluate() vs python-jsonschema is_valid")

    # the same without the Python format callbacks (what the validator itself costs)
    plain = thirty_field_item(with_callback_formats=False)
    plain_data = plain.clean(fullest_application(plain))
    assert plain.is_valid(plain_data) and plain.reference().is_valid(plain_data)
    fast = per_call_us(lambda: plain.is_valid(plain_data), number=5000)
    slow = per_call_us(lambda: plain.reference().is_valid(plain_data), number=200)
    yield Figure(
        "definitions.validate_30_fields_no_callbacks",
        fast,
        "us",
        slow,
        note=f"no id_card/uscc/mobile/region fields; {len(plain_data)} of 30 filled; goal <= 10 us",
    )
