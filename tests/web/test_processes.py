"""Several app processes on one database behave as one (DESIGN §8): two ``banshi serve``
processes (uvicorn, as ``--workers 2`` would run them, each on its own port) share the
sessions, and a logout in one ends the session in the other (at once, or within the
push's milliseconds where the other keeps sessions in memory). On SQLite and, when
``BANSHI_TEST_POSTGRES_URL`` is set, on a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx
import pytest

from bench import web as site
from tests.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def two_processes(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = stack.enter_context(site.sqlite_url())
        else:
            pg = stack.enter_context(site.postgres_url())
            assert pg is not None
            url = pg
        site.prepare(url)
        env = site.ours_env(url)
        yield (
            stack.enter_context(site.serve("web.app:create_app", env)),
            stack.enter_context(site.serve("web.app:create_app", env)),
        )


def test_a_session_begun_in_one_process_is_known_to_the_other_and_ends_in_both(
    two_processes: tuple[str, str],
) -> None:
    one, two = two_processes
    client = site.login_ours(one)  # the login form, its CSRF cookie and POST /login on one
    cookies = site.cookie_header(client)
    other = httpx.Client(base_url=two, follow_redirects=False, timeout=30)
    r = other.get("/desk", headers={"Cookie": cookies})
    assert r.status_code == 200, r.status_code
    assert site.CLERK in r.text
    # log out on the second process; the first no longer knows the session either
    r = other.post(
        "/logout",
        headers={
            "Cookie": cookies,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        content=f"_csrf_token={client.cookies['csrftoken']}",
    )
    assert r.status_code in (302, 303), r.status_code
    # the first process may hold the session in memory (web/session_cache.py, where session
    # changes are pushed): the logout's announcement drops it within milliseconds
    started = time.monotonic()
    while True:
        r = httpx.get(f"{one}/desk", headers={"Cookie": cookies}, follow_redirects=False)
        if r.status_code in (302, 303):
            break
        assert time.monotonic() - started < 1.0, "the logout did not reach the first process"
        time.sleep(0.005)
    assert "/login" in r.headers["location"]


def test_banshi_serve_under_granian_with_two_workers() -> None:
    pytest.importorskip("granian")
    with site.sqlite_url() as url:
        site.prepare(url)
        port = site.free_port()
        banshi = Path(sys.executable).with_name("banshi")
        proc = subprocess.Popen(
            [str(banshi), "serve", "--server", "granian", "--workers", "2", "--port", str(port)],
            env={**os.environ, **site.ours_env(url)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                        break
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.2)
            client = site.login_ours(base)  # a login and its session, across the workers
            for _ in range(6):
                r = httpx.get(f"{base}/desk", headers={"Cookie": site.cookie_header(client)})
                assert r.status_code == 200
        finally:
            proc.terminate()
            proc.wait(20)
