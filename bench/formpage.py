"""Form page: the generated form page's latency (p50, p99) and requests/s on SQLite and PostgreSQL, beside the hand-written page.

The form-page half of bench/web.py, on both engines, without the submissions: the same
servers (uvicorn, one worker, ``--no-access-log``), the same database preparation, the
same login, wrk at 32 connections, the same ABBA alternation and the same failure rule
(every request must answer 200; a redirect to /login fails the run). Ours is
GET /desk/apply/{code}?domain=county.hall; the baseline is bench/_handwritten.py's
/form-cached (both caching the rendered fields) and /form (neither caching: the desk's
cache switched off by ``bench.web:uncached_app``).

On SQLite always; on a throwaway PostgreSQL database when ``BANSHI_TEST_POSTGRES_URL`` is
set and reachable. ``BANSHI_BENCH_WEB_SECONDS`` sets the measured seconds per side
(default 10). Each comparison prints requests/s, p50 and p99 (ms; p50 the mean of the
rounds' medians, p99 the worse round's) and the p99 goal of issue #15: ours at most
``P99_GOAL_RATIO`` times the hand-written page's p99 measured in the same run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from bench import Figure
from bench._handwritten import CODE
from bench.web import (
    HALL,
    Load,
    Target,
    _check,
    compare,
    cookie_header,
    figures,
    login_handwritten,
    login_ours,
    ours_env,
    postgres_url,
    prepare,
    serve,
    sqlite_url,
)

#: Issue #15: the generated form page's p99 at most this many times the hand-written one's.
P99_GOAL_RATIO = 1.5
FORM_PATH = f"/desk/apply/{CODE}?domain={HALL}"


def _goal(name: str, ours: Load, base: Load) -> Figure:
    return Figure(
        f"{name} p99 vs {P99_GOAL_RATIO}× hand-written",
        ours.p99,
        "ms",
        base.p99 * P99_GOAL_RATIO,
        goal=True,
        note=f"hand-written p99 {base.p99:.1f} ms in the same run",
    )


def _engine(
    engine: str, url: str, hw_cached: Target, hw_plain: Target, seconds: float
) -> Iterator[Figure]:
    prepare(url)
    for app, base, label in (
        ("web.app:create_app", hw_cached, "both cached"),
        ("bench.web:uncached_app", hw_plain, "both uncached"),
    ):
        with serve(app, ours_env(url)) as ours_base:
            client = login_ours(ours_base)
            get = Target(ours_base + FORM_PATH, cookie_header(client))
            our_bytes = _check(get, 200)
            ours, hw = compare(get, base, seconds)
        name = f"form page {engine} ({label})"
        yield from figures(
            name,
            ours,
            hw,
            "GET of the 40-field item's generated form vs the hand-written Jinja page",
            f"{our_bytes} bytes",
        )
        yield _goal(name, ours, hw)


def run() -> Iterator[Figure]:
    seconds = float(os.environ.get("BANSHI_BENCH_WEB_SECONDS", "10"))
    with serve("bench._handwritten:create_app", {}) as hw:
        hw_client = login_handwritten(hw)
        hw_plain = Target(f"{hw}/form", cookie_header(hw_client))
        hw_cached = Target(f"{hw}/form-cached", cookie_header(hw_client))
        if _check(hw_cached, 200) != _check(hw_plain, 200):
            raise RuntimeError("the cached hand-written page differs from the uncached one")
        with sqlite_url() as url:
            yield from _engine("SQLite", url, hw_cached, hw_plain, seconds)
        with postgres_url() as pg:
            if pg is None:
                print(
                    "# formpage: PostgreSQL skipped (BANSHI_TEST_POSTGRES_URL unset or unreachable)"
                )
                return
            yield from _engine("PostgreSQL", pg, hw_cached, hw_plain, seconds)
