"""Can a condition ever be true? A small exact decision procedure for our condition language.

Each field a condition mentions can only be told apart by the constants compared with it,
so it suffices to try, per field: absent, each constant, a value between and beyond every
pair of numeric constants, and one "other" value. The product is small for real
definitions; past a budget the answer is "unknown" (treated as satisfiable).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from definitions.conditions import AnyCondition, atoms, holds

_ABSENT = object()
MAX_COMBINATIONS = 4096


def _candidates(values: list[Any], kind: str) -> list[Any] | None:
    out: list[Any] = [_ABSENT]
    if kind == "boolean":
        return [*out, True, False]
    if kind in ("number", "integer"):
        nums = sorted(
            {float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)}
        )
        points = set(nums)
        if nums:
            points.add(nums[0] - 1)
            points.add(nums[-1] + 1)
            for a, b in itertools.pairwise(nums):
                points.add((a + b) / 2)
        else:
            points.add(0.0)
        return out + sorted(points)
    if kind == "array":
        # A multiple choice is told apart by which of the constants it contains: try every
        # non-empty subset of them (e.g. "a and b but not c" needs ["a", "b"]), and a
        # choice of none of them.
        strs = sorted({v for v in values if isinstance(v, str)})
        if 2 ** len(strs) > MAX_COMBINATIONS:
            return None
        subsets: list[Any] = [["\x00other"]]
        for r in range(1, len(strs) + 1):
            subsets.extend(list(c) for c in itertools.combinations(strs, r))
        return out + subsets
    strs = sorted({v for v in values if isinstance(v, str)})
    return out + strs + ["\x00other"]


def satisfiable(cond: AnyCondition, kinds: Mapping[str, str]) -> bool | None:
    """True/False when decided, None when too large to decide."""
    per_field: dict[str, list[Any]] = {}
    for atom in atoms(cond):
        vals = per_field.setdefault(atom.field, [])
        v = atom.value
        vals.extend(v if isinstance(v, list) else [v])
    fields = sorted(per_field)
    choices: list[list[Any]] = []
    for f in fields:
        candidates = _candidates(per_field[f], kinds.get(f, "string"))
        if candidates is None:
            return None
        choices.append(candidates)
    total = 1
    for c in choices:
        total *= len(c)
        if total > MAX_COMBINATIONS:
            return None
    for combo in itertools.product(*choices):
        data = {f: v for f, v in zip(fields, combo, strict=True) if v is not _ABSENT}
        if holds(cond, data):
            return True
    return False
