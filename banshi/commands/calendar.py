"""``banshi calendar``: the working-day calendar (seed, show, set, complete, load, recompute).

Every change is followed at once by the recomputation of every open case it touches
(provisional deadlines, or a period that falls in the changed year), each as an event
with before → after for the statutory and the promised date
(:func:`runtime.calendar_recompute.recompute_pending`); the web processes see the new
calendar within a few seconds (they poll the calendar version)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.orm import Session

from db.engine import transaction
from house.settings import load_settings
from house.wiring import House, build_house
from runtime.calendar import weekday_zh
from runtime.calendar_file import read_year_file
from runtime.calendar_provider import CalendarProvider
from runtime.calendar_recompute import recompute_pending
from runtime.calendar_source import supported_years
from runtime.calendar_store import (
    load_calendar,
    mark_year_complete,
    replace_year,
    seed_from_chinesecalendar,
    set_day,
    year_status,
)
from runtime.service import CaseService, ServiceConfig

app = typer.Typer(no_args_is_help=True, help="The working-day calendar (holidays and 调休).")
console = Console()

TenantOption = Annotated[
    str | None, typer.Option("--tenant", help="Region code of the county (default: BANSHI_TENANT).")
]
ByOption = Annotated[str | None, typer.Option("--by", help="Who makes the change (recorded).")]


class Kind(StrEnum):
    workday = "workday"
    holiday = "holiday"


@contextmanager
def _session(tenant: str | None, *, recompute: bool = False) -> Iterator[tuple[Session, str]]:
    """A transaction on the calendar; with ``recompute``, once it is committed, the
    deadlines it touches are recomputed."""
    settings = load_settings()
    house = build_house(settings)
    try:
        t = tenant or settings.tenant
        with transaction(house.sessions) as session:
            yield session, t
        if recompute:
            _recompute(house, t)
    finally:
        house.engine.dispose()


def _recompute(house: House, tenant: str) -> None:
    cases = house.cases
    if tenant != cases.tenant:  # another county of the deployment
        cases = CaseService(
            house.sessions,
            house.authorizer,
            house.catalog,
            CalendarProvider(house.sessions, tenant),
            ServiceConfig(tenant=tenant),
        )
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("重新计算期限", total=None)
        report = recompute_pending(
            cases, progress=lambda seen, moved: bar.update(task, completed=seen)
        )
    if not report.years:
        return
    years = ", ".join(str(y) for y in report.years)
    typer.echo(
        f"deadlines recomputed for {years}: {report.examined} open cases examined, "
        f"{len(report.changed)} changed (one event each)"
    )
    for number in report.changed[:20]:
        typer.echo(f"  {number}")
    if len(report.changed) > 20:
        typer.echo(f"  … and {len(report.changed) - 20} more")


def _years(text: str) -> list[int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if not m:
        raise typer.BadParameter(
            "expected YEAR or FIRST-LAST, e.g. 2025-2026", param_hint="--years"
        )
    first = int(m.group(1))
    last = int(m.group(2) or first)
    if last < first:
        raise typer.BadParameter(f"{last} is before {first}", param_hint="--years")
    return list(range(first, last + 1))


@app.command("seed")
def seed(
    years: Annotated[
        str | None,
        typer.Option(
            "--years", help="YEAR or FIRST-LAST (default: every year chinesecalendar knows)."
        ),
    ] = None,
    tenant: TenantOption = None,
    by: ByOption = None,
) -> None:
    """Seed holidays and adjusted working days from the chinesecalendar package."""
    chosen = _years(years) if years else list(supported_years())
    with _session(tenant, recompute=True) as (session, t):
        report = seed_from_chinesecalendar(session, t, chosen, by=by)
    if report.seeded:
        first, last = report.seeded[0], report.seeded[-1]
        span = str(first) if first == last else f"{first}–{last}"
        typer.echo(f"seeded {span} for tenant {t} ({len(report.seeded)} years)")
    if report.unknown:
        listed = ", ".join(str(y) for y in report.unknown)
        typer.echo(
            f"not known to chinesecalendar: {listed} — enter with `banshi calendar load FILE` "
            "or `set` + `complete`; until then deadlines touching it are provisional",
            err=True,
        )
        if not report.seeded:
            raise typer.Exit(1)


@app.command("show")
def show(year: int, tenant: TenantOption = None) -> None:
    """List a year's holidays and adjusted working days, and whether the year is known."""
    with _session(tenant) as (session, t):
        status = year_status(session, t, year)
        workdays = load_calendar(session, t).workdays_in_year(year)
    if status.known:
        console.print(f"{year} ({t}): known — source {status.source}, {workdays} working days")
    else:
        console.print(
            f"[bold red]{year} ({t}): NOT KNOWN[/] — deadlines touching {year} are provisional "
            f"(weekends only{' plus the days below' if status.entries else ''})"
        )
    if not status.entries:
        return
    table = Table("date", "weekday", "kind", "name", "source")
    for e in status.entries:
        kind = "workday 上班" if e.is_workday else "holiday 休"
        table.add_row(e.day.isoformat(), weekday_zh(e.day), kind, e.name or "", e.source)
    console.print(table)


@app.command("set")
def set_(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    kind: Kind,
    name: Annotated[str | None, typer.Option("--name", help="e.g. 国庆节, 春节调休上班")] = None,
    complete: Annotated[
        bool, typer.Option("--complete", help="Also mark the day's year as known (complete).")
    ] = False,
    tenant: TenantOption = None,
    by: ByOption = None,
) -> None:
    """Record one day as a working day or a holiday (administrators)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {day!r}", param_hint="DAY") from None
    with _session(tenant, recompute=True) as (session, t):
        set_day(session, t, when, is_workday=kind is Kind.workday, name=name, by=by)
        if complete:
            mark_year_complete(session, t, when.year, by=by)
        known = year_status(session, t, when.year).known
    typer.echo(f"{when.isoformat()} ({weekday_zh(when)}) is now a {kind.value} for tenant {t}")
    if not known:
        typer.echo(
            f"{when.year} is not marked complete yet: run `banshi calendar complete {when.year}` "
            "when all its days are entered"
        )


@app.command("complete")
def complete(year: int, tenant: TenantOption = None, by: ByOption = None) -> None:
    """Mark a year as known (all its holidays and adjusted working days are entered)."""
    with _session(tenant, recompute=True) as (session, t):
        mark_year_complete(session, t, year, by=by)
    typer.echo(f"{year} is now known for tenant {t}")


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="A year's days: .txt, .toml or .json")],
    tenant: TenantOption = None,
    by: ByOption = None,
) -> None:
    """Replace a year's days with those in FILE (and mark the year known unless complete=false)."""
    parsed = read_year_file(file)  # a CalendarFileError is banshi.cli's one line
    with _session(tenant, recompute=True) as (session, t):
        count = replace_year(
            session, t, parsed.year, parsed.entries, complete=parsed.complete, by=by
        )
    state = "known" if parsed.complete else "recorded (not marked complete)"
    typer.echo(f"{parsed.year}: {count} days loaded for tenant {t}; the year is {state}")


@app.command("recompute")
def recompute(tenant: TenantOption = None) -> None:
    """Recompute the deadlines touched by calendar changes not yet recomputed (changes made
    by any process; the calendar commands run this themselves)."""
    with _session(tenant, recompute=True) as (_, t):
        typer.echo(f"tenant {t}: checking for calendar changes to recompute")
