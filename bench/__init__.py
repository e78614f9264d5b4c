"""Benchmarks: ``make bench`` runs all, ``make bench NAME=x`` one (bench/x.py).

Each module exposes ``run() -> Iterator[Figure]``; each figure prints as one line
``bench <name>: <value> <unit> | baseline <value> <unit> | ratio <r>`` (DESIGN §11),
the baseline measured in the same run. A figure held against a fixed bound (a setting,
a target) prints ``| goal ≤ <bound> <unit> | met`` instead: a constant is never shown as
if it had been measured.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    baseline_unit: str | None = None
    higher_is_better: bool = False
    note: str = ""
    #: the baseline is a constant the figure must stay within (a goal), not a measurement
    goal: bool = False

    @property
    def ratio(self) -> float:
        """How many times better than the baseline (>1 means we win)."""
        if self.higher_is_better:
            return self.value / self.baseline if self.baseline else float("inf")
        return self.baseline / self.value if self.value else float("inf")

    def line(self) -> str:
        unit = self.baseline_unit or self.unit
        if self.goal:
            bound = "≥" if self.higher_is_better else "≤"
            met = self.ratio >= 1
            text = (
                f"bench {self.name}: {_fmt(self.value)} {self.unit} | goal {bound} "
                f"{_fmt(self.baseline)} {unit} | {'met' if met else 'MISSED'}"
            )
            return text + (f"  ({self.note})" if self.note else "")
        text = (
            f"bench {self.name}: {_fmt(self.value)} {self.unit} | baseline {_fmt(self.baseline)} {unit}"
            f" | ratio {self.ratio:.2f}"
        )
        return text + (f"  ({self.note})" if self.note else "")


def _fmt(v: float) -> str:
    if v >= 100:
        return f"{v:.0f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def per_call_us(fn: Callable[[], object], *, number: int = 1000, repeat: int = 7) -> float:
    """Best-of-``repeat`` mean time of one call, in microseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def samples_us(fn: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def median(values: list[float]) -> float:
    return statistics.median(values)
