"""Where the strategies draw their randomness from: hypothesis (so examples shrink) or a
seeded :class:`random.Random` (deterministic data for benchmarks)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")
JSON = dict[str, Any]


class Source(Protocol):
    """Where a building block gets its randomness from."""

    def integer(self, lo: int, hi: int) -> int: ...

    def boolean(self) -> bool: ...

    def pick(self, values: Sequence[T]) -> T: ...

    def text(self, alphabet: str, lo: int, hi: int) -> str: ...


class HypothesisSource:
    """Draws through hypothesis (so examples shrink)."""

    def __init__(self, draw: st.DrawFn):
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def boolean(self) -> bool:
        return self._draw(st.booleans())

    def pick(self, values: Sequence[T]) -> T:
        return self._draw(st.sampled_from(values))

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        return self._draw(st.text(alphabet=alphabet, min_size=lo, max_size=hi))


class RandomSource:
    """Draws from a seeded :class:`random.Random` (deterministic, no hypothesis engine)."""

    def __init__(self, rnd: random.Random | int):
        self._rnd = rnd if isinstance(rnd, random.Random) else random.Random(rnd)

    def integer(self, lo: int, hi: int) -> int:
        return self._rnd.randint(lo, hi)

    def boolean(self) -> bool:
        return self._rnd.random() < 0.5

    def pick(self, values: Sequence[T]) -> T:
        return values[self._rnd.randrange(len(values))]

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        n = self._rnd.randint(lo, hi)
        return "".join(self._rnd.choice(alphabet) for _ in range(n))


def _chance(src: Source, numerator: int, denominator: int) -> bool:
    return src.integer(1, denominator) <= numerator
