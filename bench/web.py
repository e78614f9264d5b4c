"""Web: the generated form page and a window submission over HTTP, beside hand-written and bare Litestar.

Both servers run in the same run on 127.0.0.1: uvicorn (as ``banshi serve`` runs it), one
worker, ``--no-access-log``, each in its own subprocess on a free port. Load from wrk
(Debian ``wrk``) at 32 connections, 2 threads: a 2 s warm-up of each side, then each side
for 10 s in total, alternating in two rounds of 5 s so a busy machine slows both alike.
Without wrk a bounded asyncio + httpx load generator stands in and the notes say so (it is
itself the bottleneck for the baseline, so its ratios flatter us).

Ours: ``web.app:create_app`` (``banshi serve``) on a fresh database prepared like
``banshi demo load`` (migrations, the demo organisation, the working calendar, the
shipped catalogue) plus the 40-field item of bench/_handwritten.py published through
``Catalog.publish``; logged in as window_clerk@county.hall (session and CSRF cookies from
a real POST /login, passed to wrk in a Cookie header).

Baseline: bench/_handwritten.py, a separate Litestar app with the same session cookie
backend, CSRF config and security-header middleware, Jinja2 and uvicorn, one handler per
figure:

* ``web form page``: GET /desk/apply/{code}?domain=county.hall (requests/s, higher is
  better) vs GET /form rendering bench/templates/handwritten_form.html, a static
  template with the same fields, labels, hints, error slots, materials table and layout.
* ``web submission``: POST /desk/apply/{code}?domain=county.hall with ``_action=accept``
  (parse, validate, authorise, create the case + event + outbox rows, accept, answer 303)
  vs POST /form that parses (renderer.parse.parse_form) and validates
  (CompiledItem.evaluate) the same urlencoded body and answers 303; bench/wrk/post.lua.
  On SQLite (WAL) and, when ``BANSHI_TEST_POSTGRES_URL`` is set and reachable, on a
  throwaway PostgreSQL database created and dropped by this benchmark; there also with two
  app processes (``--workers 2``) against one, interleaved (``2 processes vs 1``), and
  granian against uvicorn when granian is installed (``granian vs uvicorn``).

Beside the SQLite submission, ``the filing inside sqlite3`` (bench/_filing.py): the desk's
filing of the same submission in process, the time sqlite3 itself spends on its rows,
against the bare handler's time per request (what the 0.5x goal leaves for our logic).

The form page is compared twice: both sides caching the rendered fields (the desk caches
its form body per item and hall; the hand-written /form-cached does the same) and neither
caching (the desk's cache switched off by ``uncached_app``; the hand-written /form).

Each comparison prints three figures: requests/s (higher is better), p50 and p99 latency
(ms; p50 is the mean of the rounds' medians, p99 the worse round's), p99 beside p99.
Rounds alternate ABBA. Every request must answer exactly the expected status (200 for a
page, 303 for a filing; a redirect to /login counts as failed, report.lua): the run stops
unless ``failed`` is 0. Before the load one request of each kind is sent with exactly
wrk's Cookie header and body and must answer 200 / 303, and every filing wrk counted must
have made one case. ``BANSHI_BENCH_WEB_SECONDS`` sets the
measured duration per side (default 10). Not part of the test suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, func, make_url, select, text

from bench import Figure
from bench._filing import filing_figure, postgres_cpu, postgres_figure
from bench._handwritten import CODE, SECRET, SESSION_USER, SUBMISSION, forty_field_item

REPO = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
HALL = "county.hall"
CLERK = SESSION_USER
PASSWORD = "banshi-demo"
CONNECTIONS = 32
THREADS = 2
WARMUP_S = 2


# -- the database ---------------------------------------------------------------------


def prepare(url: str) -> None:
    """What ``banshi db upgrade`` + ``banshi demo load --cases 0`` do, plus the 40-field item."""
    from db.engine import transaction
    from db.migrate import upgrade
    from definitions.check import check_paths
    from definitions.problems import Severity
    from house.settings import load_settings
    from house.wiring import build_house
    from rbac.org_file import load_org_file
    from rbac.passwords import CHEAP_HASHER
    from runtime.calendar_source import supported_years
    from runtime.calendar_store import seed_from_chinesecalendar

    settings = load_settings(database_url=url, demo_mode=True, secret_key=SECRET)
    house = build_house(settings)
    try:
        upgrade(house.engine)
        tenant = settings.tenant
        with transaction(house.sessions) as s:
            load_org_file(
                s,
                REPO / "rbac" / "demo_org.toml",
                tenant,
                demo=True,
                actor="bench",
                hasher=CHEAP_HASHER,
            )
            years = [y for y in supported_years() if y >= date.today().year - 2]
            seed_from_chinesecalendar(s, tenant, years, by="bench")
        items, problems = check_paths([REPO / "definitions" / "catalog"], house.catalog.check)
        with transaction(house.sessions) as s:
            for item in items:
                if item.definition is not None:
                    house.catalog.publish(s, tenant, item.definition, "admin@county")
            house.catalog.publish(s, tenant, forty_field_item(), "admin@county")
        if any(p.severity is Severity.ERROR for p in problems):  # pragma: no cover
            raise RuntimeError("the shipped catalogue has errors")
    finally:
        house.engine.dispose()


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="banshi-bench-web-") as folder:
        yield f"sqlite:///{Path(folder) / 'web.sqlite3'}"


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A throwaway database on the test server (created here, dropped afterwards), or None."""
    base = os.environ.get("BANSHI_TEST_POSTGRES_URL")
    if not base:
        yield None
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"banshi_bench_web_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        yield None
        return
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the servers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(
    app: str, env: dict[str, str], workers: int = 1, server: str = "uvicorn"
) -> Iterator[str]:
    """``app`` (a factory) under uvicorn (or granian, as ``banshi serve --server granian``
    runs it), ``workers`` worker processes, on a free port of 127.0.0.1."""
    port = free_port()
    where = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if server == "granian":
        cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", app]
        cmd += [*where, "--no-ws", "--no-access-log"]
    else:
        cmd = [sys.executable, "-m", "uvicorn", app, "--factory", *where]
        cmd += ["--no-access-log", "--log-level", "warning"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        cmd, cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"{app} exited with {proc.returncode}:\n{tail}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start")
            time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def ours_env(url: str) -> dict[str, str]:
    return {"BANSHI_DATABASE_URL": url, "BANSHI_DEMO_MODE": "1", "BANSHI_SECRET_KEY": SECRET}


def login_ours(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.get("/login").raise_for_status()
    r = client.post(
        "/login",
        data={"username": CLERK, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]},
    )
    if r.status_code != 303:
        raise RuntimeError(f"login failed: {r.status_code} {r.text[:300]}")
    return client


def login_handwritten(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.get("/login").raise_for_status()
    return client


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


# -- load -----------------------------------------------------------------------------


@dataclass
class Target:
    """One side of a figure: what wrk hits, with which cookies and (for POST) which body."""

    url: str
    cookie: str
    body: str | None = None  # urlencoded; None = GET

    @property
    def expect(self) -> int:
        """The one status that counts as success (a page 200, a filing 303)."""
        return 200 if self.body is None else 303


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: list[float]
    p99_ms: list[float]
    failed: int  # socket errors, timeouts, and any answer but the expected status

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def add(self, other: Load) -> Load:
        return Load(
            self.requests + other.requests,
            self.seconds + other.seconds,
            self.p50_ms + other.p50_ms,
            self.p99_ms + other.p99_ms,
            self.failed + other.failed,
        )

    @property
    def p50(self) -> float:
        """Mean of the rounds' medians."""
        return sum(self.p50_ms) / len(self.p50_ms)

    @property
    def p99(self) -> float:
        """The worst round's 99th percentile."""
        return max(self.p99_ms)


TOOL = "wrk" if shutil.which("wrk") else "httpx"


def hit(target: Target, seconds: float) -> Load:
    """``seconds`` of load at CONNECTIONS connections on ``target``."""
    if TOOL == "wrk":
        return _wrk(target, seconds)
    return _httpx_load(target, seconds)  # pragma: no cover - machines without wrk


def _wrk(target: Target, seconds: float) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".body", delete=False) as f:
        f.write(target.body or "")
    try:
        script = WRK_DIR / ("post.lua" if target.body is not None else "get.lua")
        cmd = [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"Cookie: {target.cookie}",
            target.url,
        ]
        env = {
            **os.environ,
            "BENCH_WRK_DIR": str(WRK_DIR),
            "BENCH_BODY_FILE": f.name,
            "BENCH_EXPECT_STATUS": str(target.expect),
        }
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    r = json.loads(line[6:])
    # "status" (wrk's own count of >= 400) is inside "unexpected" already
    failed = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["unexpected"]
    return Load(
        r["requests"], r["duration_us"] / 1e6, [r["p50_us"] / 1000], [r["p99_us"] / 1000], failed
    )


def _httpx_load(target: Target, seconds: float) -> Load:  # pragma: no cover - fallback
    """A bounded asyncio + httpx load generator (CONNECTIONS concurrent clients)."""
    import asyncio

    from bench import percentile

    async def main() -> Load:
        latencies: list[float] = []
        failed = 0
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        headers = {"Cookie": target.cookie}
        if target.body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        async with httpx.AsyncClient(limits=limits, timeout=10, headers=headers) as client:
            stop = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal failed
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    try:
                        if target.body is None:
                            r = await client.get(target.url)
                        else:
                            r = await client.post(target.url, content=target.body)
                        ok = r.status_code == target.expect and "/login" not in r.headers.get(
                            "location", ""
                        )
                    except httpx.HTTPError:
                        ok = False
                    latencies.append((time.perf_counter() - t0) * 1000)
                    failed += not ok

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
            elapsed = time.perf_counter() - start
        return Load(
            len(latencies),
            elapsed,
            [percentile(latencies, 50)],
            [percentile(latencies, 99)],
            failed,
        )

    return asyncio.run(main())


def compare(ours: Target, base: Target, seconds: float, rounds: int = 2) -> tuple[Load, Load]:
    """Warm both up, then alternate them ABBA over ``rounds`` (ours first, then the baseline
    first, …) so neither always runs on the warmer or the quieter machine. Every request of
    every run (warm-up included) must have answered as expected: ``failed`` is asserted 0."""
    warm = [hit(ours, WARMUP_S), hit(base, WARMUP_S)]
    a = b = Load(0, 0.0, [], [], 0)
    for i in range(rounds):
        first, second = (ours, base) if i % 2 == 0 else (base, ours)
        one, two = hit(first, seconds / rounds), hit(second, seconds / rounds)
        got_a, got_b = (one, two) if first is ours else (two, one)
        a, b = a.add(got_a), b.add(got_b)
    failed = sum(w.failed for w in warm) + a.failed + b.failed
    if failed:
        raise RuntimeError(
            f"{failed} requests failed (not {ours.expect}, or redirected to /login): "
            f"ours {a.failed}, baseline {b.failed}, warm-up {[w.failed for w in warm]}"
        )
    compare.warmup_requests = warm[0].requests  # type: ignore[attr-defined]
    return a, b


def figures(name: str, ours: Load, base: Load, what: str, extra: str = "") -> Iterator[Figure]:
    tool = (
        "wrk"
        if TOOL == "wrk"
        else "fallback asyncio+httpx load generator (wrk not found; it caps the baseline)"
    )
    note = (
        f"{what}; {tool}, {CONNECTIONS} connections, {ours.seconds:.0f} s each side; "
        f"p50 {ours.p50:.1f} ms / p99 {ours.p99:.1f} ms vs {base.p50:.1f} / {base.p99:.1f} ms"
        f"; failed {ours.failed} vs {base.failed}" + (f"; {extra}" if extra else "")
    )
    yield Figure(name, ours.rps, "req/s", base.rps, higher_is_better=True, note=note)
    yield Figure(f"{name} p50", ours.p50, "ms", base.p50)
    yield Figure(f"{name} p99", ours.p99, "ms", base.p99)


def count_cases(url: str) -> int:
    from runtime.case_tables import Case

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(Case)).scalar_one())
    finally:
        engine.dispose()


def assert_rows(made: int, load: Load, what: str) -> None:
    """Every accepted POST made one case: as many cases as wrk counted answers, plus at most
    one in-flight request per connection and run that wrk stopped waiting for."""
    sent = load.requests + compare.warmup_requests  # type: ignore[attr-defined]
    runs = len(load.p50_ms) + 1
    if not sent <= made <= sent + CONNECTIONS * runs:
        raise RuntimeError(f"{what}: {made} cases for {sent} answered filings")


def _post_body(client: httpx.Client) -> str:
    return urlencode([*SUBMISSION, ("_csrf_token", client.cookies["csrftoken"])])


def _check(target: Target, status: int) -> int:
    """One request exactly as the load tool sends it (same Cookie header, same body)."""
    headers = {"Cookie": target.cookie}
    if target.body is None:
        r = httpx.get(target.url, headers=headers, timeout=30)
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        r = httpx.post(target.url, content=target.body, headers=headers, timeout=30)
    if r.status_code != status:
        raise RuntimeError(f"{target.url}: {r.status_code}, expected {status}: {r.text[:800]}")
    return len(r.content)


class _NoCache(dict):  # type: ignore[type-arg]
    """A dict that keeps nothing: the desk renders its form body on every request."""

    def __setitem__(self, key: object, value: object) -> None:
        return None


def uncached_app() -> object:
    """``banshi serve``'s app with the desk's form-body cache switched off (for the figure
    where neither side caches)."""
    from web.app import create_app

    app = create_app()
    app.state.form_bodies = _NoCache()
    return app


def run() -> Iterator[Figure]:
    seconds = float(os.environ.get("BANSHI_BENCH_WEB_SECONDS", "10"))
    form_path = f"/desk/apply/{CODE}?domain={HALL}"
    with serve("bench._handwritten:create_app", {}) as hw:
        hw_client = login_handwritten(hw)
        hw_get = Target(f"{hw}/form", cookie_header(hw_client))
        hw_cached = Target(f"{hw}/form-cached", cookie_header(hw_client))
        hw_post = Target(f"{hw}/form", cookie_header(hw_client), _post_body(hw_client))
        hw_bytes = _check(hw_get, 200)
        if _check(hw_cached, 200) != hw_bytes:
            raise RuntimeError("the cached hand-written page differs from the uncached one")
        _check(hw_post, 303)

        with sqlite_url() as url:
            prepare(url)
            with serve("web.app:create_app", ours_env(url)) as app:
                client = login_ours(app)
                get = Target(app + form_path, cookie_header(client))
                post = Target(app + form_path, cookie_header(client), _post_body(client))
                our_bytes = _check(get, 200)
                _check(post, 303)

                ours, base = compare(get, hw_cached, seconds)
                yield from figures(
                    "web form page (both cached)",
                    ours,
                    base,
                    "GET of the 40-field item's generated form vs a hand-written Jinja page, "
                    "each rendering its fields once and caching them",
                    f"{our_bytes} vs {hw_bytes} bytes",
                )
                before = count_cases(url)
                ours, base = compare(post, hw_post, seconds)
                made = count_cases(url) - before
                assert_rows(made, ours, "web submission (SQLite)")
                yield from figures(
                    "web submission (SQLite)",
                    ours,
                    base,
                    "POST accept: parse+validate+authorise+case+event+outbox, 303 vs bare parse+validate, 303",
                    f"{made} cases accepted",
                )
                yield filing_figure(base.rps)
            with serve("bench.web:uncached_app", ours_env(url)) as app:
                client = login_ours(app)
                get = Target(app + form_path, cookie_header(client))
                _check(get, 200)
                ours, base = compare(get, hw_get, seconds)
                yield from figures(
                    "web form page (both uncached)",
                    ours,
                    base,
                    "the same pages, each rendering every field on every request",
                )
        with postgres_url() as pg:
            if pg is None:
                print(
                    "# web: PostgreSQL figure skipped (BANSHI_TEST_POSTGRES_URL unset or unreachable)"
                )
                return
            prepare(pg)
            with serve("web.app:create_app", ours_env(pg)) as app:
                client = login_ours(app)
                post = Target(app + form_path, cookie_header(client), _post_body(client))
                _check(post, 303)
                before, cpu = count_cases(pg), postgres_cpu()
                ours, base = compare(post, hw_post, seconds)
                made = count_cases(pg) - before
                server = postgres_figure(cpu, made, base.rps)
                assert_rows(made, ours, "web submission (PostgreSQL)")
                yield from figures(
                    "web submission (PostgreSQL)",
                    ours,
                    base,
                    "the same on PostgreSQL (throwaway database)",
                    f"{made} cases accepted",
                )
                if server is not None:
                    yield server
                with serve("web.app:create_app", ours_env(pg), workers=2) as two:
                    client2 = login_ours(two)
                    post2 = Target(two + form_path, cookie_header(client2), _post_body(client2))
                    _check(post2, 303)
                    pair, single = compare(post2, post, seconds)
                if importlib.util.find_spec("granian") is not None:
                    with serve("web.app:create_app", ours_env(pg), server="granian") as gr:
                        client3 = login_ours(gr)
                        post3 = Target(gr + form_path, cookie_header(client3), _post_body(client3))
                        _check(post3, 303)
                        rust, python = compare(post3, post, seconds)
                    yield Figure(
                        "web submission (PostgreSQL, granian vs uvicorn)",
                        rust.rps,
                        "req/s",
                        python.rps,
                        higher_is_better=True,
                        note=(
                            f"banshi serve --server granian vs uvicorn, one process each, ABBA; "
                            f"p50 {rust.p50:.1f} / p99 {rust.p99:.1f} vs "
                            f"{python.p50:.1f} / {python.p99:.1f} ms"
                        ),
                    )
                else:
                    print("# web: granian figure skipped (pip install 'banshi[granian]')")
                yield Figure(
                    "web submission (PostgreSQL, 2 processes vs 1)",
                    pair.rps,
                    "req/s",
                    single.rps,
                    higher_is_better=True,
                    note=(
                        f"banshi serve --workers 2 vs one process on one PostgreSQL, ABBA; "
                        f"p99 {pair.p99:.1f} vs {single.p99:.1f} ms; {os.cpu_count()} cores "
                        "shared by both app processes, PostgreSQL and wrk"
                    ),
                )
