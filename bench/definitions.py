"""Definitions: parse+check+compile of 1,000 catalogue-sized definitions; validating a
30-field application.

(a) From the raw JSON dict, as both sides get it: ``ItemDefinition.model_validate`` +
    ``check_definition`` + ``CompiledItem`` per definition (goal <= 2 ms), beside
    python-jsonschema validating the same dicts against the committed definition JSON
    Schema (definitions/schema/item.schema.json).
(b) ``CompiledItem.is_valid`` (jsonschema-rs) on a valid 30-field application (goal
    <= 10 us), beside python-jsonschema's ``Draft202012Validator.is_valid`` on the same
    schema with the same formats; and the full ``evaluate()`` beside the same baseline.
    Each is printed twice: *cached* (the same application again and again, so per-value
    caches of the format checks always hit) and *fresh* (a different application every
    call, as at a window).

The definitions come from the property-testing kit's building blocks driven by a seeded
random generator sized like the shipped catalogue (fields per definition), so every run
measures the same 1,000 definitions.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema

from bench import Figure, per_call_us
from definitions.check import check_definition
from definitions.compile import CompiledItem
from definitions.models import FormField, ItemDefinition
from definitions.schema_gen import SCHEMA_PATH
from tests.strategies import (
    SIMPLE_TYPES,
    RandomSource,
    random_application,
    random_definition,
)
from tests.strategies.forms import _fields

CATALOG = Path(__file__).resolve().parent.parent / "definitions" / "catalog"
COUNT = 1000
#: fields per generated definition: max_fields 22 gives ~14 on average, as the catalogue
MAX_FIELDS = 22
FRESH = 400  # distinct applications for the "fresh" figures


def generated(count: int = COUNT) -> list[ItemDefinition]:
    return [random_definition(seed, max_fields=MAX_FIELDS) for seed in range(count)]


def catalogue_fields() -> float:
    paths = sorted(CATALOG.glob("*.json"))
    counts = [
        len(ItemDefinition.model_validate_json(p.read_text("utf-8")).form.all_fields())
        for p in paths
    ]
    return sum(counts) / len(counts)


def fresh_applications(item: CompiledItem, count: int = FRESH) -> list[dict[str, Any]]:
    """``count`` different valid applications (new values each), as cleaned data."""
    out = []
    seed = 10_000
    while len(out) < count:
        data = item.clean(random_application(item, seed))
        seed += 1
        if item.is_valid(data):
            out.append(data)
    return out


def clear_value_caches() -> None:
    """Empty every per-value cache of the definitions package (the format checks' caches)."""
    for name, module in list(sys.modules.items()):
        if name == "definitions" or name.startswith("definitions."):
            for obj in list(vars(module).values()):
                clear = getattr(obj, "cache_clear", None)
                if callable(clear):
                    clear()


def cold_us(fn: Callable[[dict[str, Any]], object], items: list[dict[str, Any]]) -> float:
    """Best-of-5 mean time per call over ``items``, every round starting with cold caches."""
    best = float("inf")
    for _ in range(5):
        clear_value_caches()
        start = time.perf_counter()
        for x in items:
            fn(x)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best * 1e6


def per_item_us(fn: Callable[[dict[str, Any]], object], items: list[dict[str, Any]]) -> float:
    """Best-of-5 mean time per call over ``items`` (each used once per round)."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for x in items:
            fn(x)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best * 1e6


#: Types whose format is checked by a Python callback (stdnum, phonenumbers).
CALLBACK_TYPES = ("id_card", "uscc", "mobile", "region")


def thirty_field_item(with_callback_formats: bool = True) -> CompiledItem:
    """An item with exactly 30 top-level fields of every simple type, some conditional."""
    src = RandomSource(2012)
    base = random_definition(30)
    raw = base.canonical()
    types = [
        t
        for t in SIMPLE_TYPES
        if t != "file" and (with_callback_formats or t not in CALLBACK_TYPES)
    ]
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
    fields = sum(len(d.form.all_fields()) for d in definitions) / len(definitions)

    # (a) parse + check + compile, per definition, from the same raw dicts the baseline gets
    start = time.perf_counter()
    parsed = [ItemDefinition.model_validate(r) for r in raws]
    validated = time.perf_counter()
    errors = 0
    for d in parsed:
        errors += sum(1 for p in check_definition(d) if p.severity == "error")
    checked = time.perf_counter()
    for d in parsed:
        CompiledItem(d)
    done = time.perf_counter()
    n = len(parsed)
    ours = (done - start) / n * 1e6
    split = (
        f"model_validate {(validated - start) / n * 1e3:.2f} + check "
        f"{(checked - validated) / n * 1e3:.2f} + compile {(done - checked) / n * 1e3:.2f} ms"
    )
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
        note=f"{n} generated definitions, {fields:.1f} fields each (catalogue "
        f"{catalogue_fields():.1f}), {split}; baseline: python-jsonschema vs "
        f"item.schema.json ({valid}/{len(raws)} valid); goal <= 2 ms",
    )

    # (b) a 30-field application: the same one again and again (cached), then fresh ones
    for label, callbacks in (("", True), ("_no_callbacks", False)):
        item = thirty_field_item(with_callback_formats=callbacks)
        reference = item.reference()
        data = item.clean(fullest_application(item))
        assert item.evaluate(data).errors == []
        assert reference.is_valid(data) and item.is_valid(data)
        fresh = fresh_applications(item)
        assert all(reference.is_valid(x) for x in fresh)
        what = "" if callbacks else "no id_card/uscc/mobile/region fields; "
        cached_fast = per_call_us(lambda i=item, d=data: i.is_valid(d), number=2000)
        cached_slow = per_call_us(lambda r=reference, d=data: r.is_valid(d), number=200)
        fresh_slow = per_item_us(reference.is_valid, fresh)
        fresh_fast = cold_us(item.is_valid, fresh)
        yield Figure(
            f"definitions.validate_30_fields{label} (cached)",
            cached_fast,
            "us",
            cached_slow,
            note=f"{what}the same application every call: per-value caches hit; goal <= 10 us",
        )
        yield Figure(
            f"definitions.validate_30_fields{label} (fresh)",
            fresh_fast,
            "us",
            fresh_slow,
            note=f"{what}{len(fresh)} different applications, caches cold; goal <= 10 us",
        )
        if callbacks:
            cached_full = per_call_us(lambda i=item, d=data: i.evaluate(d), number=500)
            yield Figure(
                "definitions.evaluate_30_fields (cached)",
                cached_full,
                "us",
                cached_slow,
                note="full evaluate() vs python-jsonschema is_valid, the same application",
            )
            yield Figure(
                "definitions.evaluate_30_fields (fresh)",
                cold_us(item.evaluate, fresh),
                "us",
                fresh_slow,
                note=f"full evaluate() vs python-jsonschema is_valid, {len(fresh)} different "
                "applications",
            )
