"""``banshi demo load [--cases N]``: for each demo county (建始县 422822 and its neighbour
巴东县 422823, on the same database) the demo organisation, the shipped catalogue
published, the working calendar, and N demo cases driven through the real acts."""

from __future__ import annotations

from datetime import date

import typer
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.publish import publish_all, read_files
from banshi.commands.audit import signing_key
from db.engine import transaction
from db.migrate import upgrade
from definitions.shipped import catalog_dir, package_path
from house.settings import Settings, load_settings
from house.wiring import House, build_house
from rbac.org_file import load_org_file
from rbac.policy import load_org_data
from runtime.calendar_source import supported_years
from runtime.calendar_store import seed_from_chinesecalendar
from runtime.case_tables import Case, ItemVersion
from runtime.checkpoints import make_checkpoint
from runtime.demo import DEMO_COUNTIES, DemoCounty, DemoDriver

app = typer.Typer(no_args_is_help=True)
PASSWORD = "banshi-demo"
#: The reason logged for publishing the shipped catalogue (its rule warnings are known).
DEMO_REASON = "随平台发布的演示目录"


def _version_id(session: Session, tenant: str, code: str, version: int) -> int:
    found: int = session.execute(
        select(ItemVersion.id).where(
            ItemVersion.tenant == tenant, ItemVersion.code == code, ItemVersion.version == version
        )
    ).scalar_one()
    return found


@app.command("load")
def load(
    cases: int = typer.Option(
        40, "--cases", help="How many demo cases to create in each county through the real acts."
    ),
    seed: int = typer.Option(2026, help="Random seed of the demo cases."),
    more: bool = typer.Option(
        False, "--more", help="Add demo cases even when the database has cases already."
    ),
) -> None:
    """Load the demo counties: organisation, catalogue, calendar and demo cases of each."""
    settings = load_settings()
    if not settings.demo_mode:
        typer.echo(
            "demo load needs demo mode (BANSHI_DEMO_MODE=1): the demo logins have a public password",
            err=True,
        )
        raise typer.Exit(2)
    house = build_house(settings)
    upgrade(house.engine)
    for county in DEMO_COUNTIES:
        # one house per county, each with its own engine: on PostgreSQL a connection works
        # for one county only (db/rls.py)
        here = (
            house
            if county.tenant == settings.tenant
            else build_house(settings.model_copy(update={"tenant": county.tenant}))
        )
        typer.echo(f"{county.name} ({county.tenant})")
        _load_county(here, county, cases, seed + county.seed_offset, more)
        typer.echo("")
    # one process serves one county (BANSHI_TENANT); the others from the same database
    for county in DEMO_COUNTIES:
        if county.tenant != settings.tenant:
            typer.echo(
                f"serve {county.name} too: BANSHI_TENANT={county.tenant} "
                "BANSHI_PUBLIC_URL=http://localhost:8001 banshi serve --port 8001"
            )


def _load_county(house: House, county: DemoCounty, cases: int, seed: int, more: bool) -> None:
    settings: Settings = house.settings
    tenant = settings.tenant
    with transaction(house.sessions) as s:
        org_file = package_path("rbac", county.org_file)
        report = load_org_file(s, org_file, tenant, demo=True, actor="demo-load")
        years = [y for y in supported_years() if y >= date.today().year - 2]
        seed_from_chinesecalendar(s, tenant, years, by="demo-load")
    typer.echo(f"organisation: {report.summary()}")
    # the same path as `banshi catalog publish` and the review page (admin/publish.py)
    found, unreadable = read_files([catalog_dir()])
    for p in unreadable:
        typer.echo(p.format(), err=True)
    with transaction(house.sessions) as s:
        done, refused = publish_all(
            s, house.catalog, tenant, found, "admin@county", reason=DEMO_REASON, source="演示目录"
        )
        published = [
            house.catalog.by_id(s, _version_id(s, tenant, o.code, o.version)) for o in done
        ]
    for line in refused:
        typer.echo(line, err=True)
    typer.echo(f"catalogue: {len(published)} of {len(found) + len(unreadable)} items published")
    house.policy.refresh(tenant, force=True)
    house.calendar.invalidate()
    with house.sessions() as s:
        existing = s.execute(
            select(func.count()).select_from(Case).where(Case.tenant == tenant)
        ).scalar_one()
    if existing and not more:
        typer.echo(f"demo cases: {existing} already there (use --more to add {cases} more)")
        cases = 0
    if cases > 0:
        with house.sessions() as s:
            org = load_org_data(s, tenant)
        townships = sorted(d.name for d in org.domains if d.kind == "township")
        applicants = {u.username: u.id for u in org.users if u.kind == "applicant"}
        driver = DemoDriver(house.cases, published, townships, applicants, seed=seed)
        with Progress(transient=True) as progress:
            task = progress.add_task("demo cases", total=cases)
            result = driver.run(cases, progress=lambda: progress.advance(task))
        states = ", ".join(f"{k} {v}" for k, v in sorted(result.by_state.items()))
        typer.echo(f"demo cases: {result.created} created ({states})")
        for line in result.skipped[:5]:
            typer.echo(f"  skipped: {line}", err=True)
    cp = make_checkpoint(
        house.engine,
        tenant,
        signing_key(settings),
        batch=settings.audit_seal_batch,
        export_dir=settings.audit_export_dir,
        only_if_grown=True,
    )
    if cp is not None:
        typer.echo(f"audit: {cp.tree_size} event(s) sealed and signed")
    typer.echo(f"demo logins of {county.name} (BANSHI_TENANT={tenant}, password {PASSWORD}):")
    for user in county.logins:
        typer.echo(f"  {user}")
