"""CLI start-up: ``banshi --help`` beside ``python -c pass`` (the interpreter alone).

Each is started as a fresh process, as an operator or a cron job starts it: the median of
15 runs after two warm-ups (the OS file cache warm, as on a server). The command groups
are imported lazily (banshi/cli.py), so the help costs the interpreter, click and our own
top-level module, not the web app, SQLAlchemy or Casbin; and one real command
(``banshi definitions check`` of one catalogue item) shows what a command that needs the
definition language costs beside it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import Figure

RUNS = 15
BIN = Path(sys.executable).parent
CATALOG = Path(__file__).resolve().parent.parent / "definitions" / "catalog"


def _median_ms(argv: list[str]) -> float:
    times = []
    for i in range(RUNS + 2):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= 2:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> Iterator[Figure]:
    bare = _median_ms([sys.executable, "-c", "pass"])
    banshi = str(BIN / "banshi")
    yield Figure("banshi --help start-up", _median_ms([banshi, "--help"]), "ms", bare)
    one = sorted(CATALOG.glob("*.json"))[0]
    yield Figure(
        "banshi definitions check (one item) start-up",
        _median_ms([banshi, "definitions", "check", str(one)]),
        "ms",
        bare,
    )
