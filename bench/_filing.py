"""The web submission's filing in process: its time, and the part sqlite3 itself spends.

What bench/web.py sets beside the bare handler's time per request: the filing the desk
makes for ``bench/_handwritten.SUBMISSION`` (the 40-field item, ``_action=accept``: the
case filed and accepted in one transaction, two chained events, one commit), called on
the case service exactly as ``web/desk.py`` calls it (the form parsed by
``renderer.parse.parse_form``, evaluated once, the received materials), on a fresh SQLite
file, with no HTTP around it. :class:`bench._floor.DriverTime` adds up the time inside
sqlite3's own calls: the work of the rows a filing must write, which no change to our
Python can remove.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import Figure
from bench._cases import FixedNow, case_service, fresh_sqlite, load_demo_org, publish
from bench._floor import DriverTime
from bench._handwritten import SUBMISSION, forty_field_item
from bench.lifecycle import CLERK, HALL, WARMUP
from renderer.parse import parse_form
from runtime.service import Applicant


@dataclass(frozen=True)
class FilingCost:
    """Per filing, in seconds."""

    total: float
    inside_sqlite: float
    statements: float

    @property
    def logic(self) -> float:
        """Everything but sqlite3's own work: permission, rules, clock, hash chain, rows."""
        return max(0.0, self.total - self.inside_sqlite)


def filing_cost(count: int = 300) -> FilingCost:
    """``count`` filings timed plainly, then ``count`` more inside :class:`DriverTime`
    (each after a warm-up of its own)."""
    values: dict[str, list[str]] = {}
    for key, value in SUBMISSION:
        values.setdefault(key, []).append(value)
    received = sorted(values["_received"])
    applicant = Applicant(values["_applicant_name"][0], values["_applicant_mobile"][0])
    with fresh_sqlite("filing.sqlite3") as db:
        load_demo_org(db)
        clock = FixedNow(datetime(2026, 5, 6, 1, 30, tzinfo=UTC))
        service = case_service(db, clock)
        pub = publish(db, service, forty_field_item())
        data, problems = parse_form(pub.compiled, values)
        evaluation = pub.compiled.evaluate(data)
        if problems or evaluation.errors:  # pragma: no cover - the submission is valid
            raise RuntimeError(f"the bench submission is invalid: {problems or evaluation.errors}")

        def file(n: int) -> float:
            clock.moment += timedelta(seconds=1)
            start = time.perf_counter()
            for _ in range(n):
                case = service.submit(
                    CLERK,
                    pub.code,
                    evaluation,
                    accepting_domain=HALL,
                    applicant=applicant,
                    materials=[{"key": k, "name": k} for k in received],
                    accept=True,
                )
                if case.state != "in_progress":  # pragma: no cover - a broken engine
                    raise RuntimeError(f"{case.number} ended in {case.state}")
            return time.perf_counter() - start

        file(WARMUP)
        plain = file(count)
        with DriverTime(db.engine) as driver:
            file(WARMUP)  # the new connections fill their page caches
            driver.reset()
            file(count)
    return FilingCost(plain / count, driver.seconds / count, driver.statements / count)


def filing_figure(bare_rps: float, count: int = 300) -> Figure:
    """sqlite3's own work for one filing beside the bare handler's time per request
    (1 / its requests per second on one process): what the goal (ours >= 0.5x the bare
    handler's requests/s, i.e. at most one bare request's time on top of the bare
    handler's own work, which ours does too) leaves for the filing's logic."""
    cost = filing_cost(count)
    bare = 1 / bare_rps
    return Figure(
        "web submission (SQLite): the filing inside sqlite3",
        cost.inside_sqlite * 1000,
        "ms",
        bare * 1000,
        note=(
            "the desk's filing of the same submission in process (case filed and accepted, "
            f"one commit, {cost.statements:.0f} statements), time inside sqlite3's own calls, "
            "vs the bare handler's time per request (1 / its requests/s); ours does the bare "
            "handler's parsing and validation too, so 0.5x its requests/s leaves "
            f"{max(0.0, bare - cost.inside_sqlite) * 1000:.3f} ms per filing for all the "
            f"filing's logic and ours' own request work; the logic alone takes "
            f"{cost.logic * 1000:.3f} ms here (the whole filing {cost.total * 1000:.3f} ms)"
        ),
    )


def postgres_cpu() -> dict[int, float] | None:
    """CPU seconds (user + system) so far of every PostgreSQL process on this machine, by
    pid (from /proc), or None when none can be seen (a server elsewhere, no /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name.startswith(("postgres", "postmaster")):
            fields = text[text.rindex(")") + 2 :].split()
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found or None


def postgres_figure(
    before: dict[int, float] | None, filings: int, bare_rps: float
) -> Figure | None:
    """PostgreSQL's own CPU per filing during the PostgreSQL submission run (every server
    process, background writers included; processes that ended meanwhile are not counted),
    beside the CPU the machine has per filing at the goal's rate (0.5x the bare handler's
    requests/s on all of this machine's cores)."""
    after = postgres_cpu()
    if before is None or after is None or filings <= 0:
        return None
    spent = sum(v - before.get(pid, 0.0) for pid, v in after.items()) / filings
    cores = os.cpu_count() or 1
    budget = cores / (0.5 * bare_rps)
    return Figure(
        "web submission (PostgreSQL): the server's CPU per filing",
        spent * 1000,
        "ms",
        budget * 1000,
        note=(
            f"CPU of every PostgreSQL process on this machine during the run / filings made; "
            f"at the goal's rate ({0.5 * bare_rps:.0f} filings/s) the machine's {cores} cores "
            f"have {budget * 1000:.3f} ms of CPU per filing for everything: PostgreSQL's "
            f"share, the bare handler's own work (~{1000 / bare_rps:.3f} ms, ours does it "
            "too), wrk, and our app's filing"
        ),
    )
