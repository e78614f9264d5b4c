"""Operations: /health tells a load balancer and a person whether the house can serve;
/metrics gives Prometheus latency by route, acts, the outbox and policy reloads, to
allowed addresses only."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from litestar import Litestar
from sqlalchemy import text
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from house.settings import Settings
from house.wiring import build_house
from tests.web.flows import accept_food
from web.app import create_app


def _get(app: Litestar, path: str, client: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://banshi.local") as c:
            return await c.get(path)

    return anyio.run(go)


def test_health_reports_database_migrations_calendar_and_outbox(anon: Any) -> None:
    r = anon.get("/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"]["at_head"] is True
    assert set(body["outbox"]) == {"waiting", "oldest_seconds", "failed"}
    assert body["calendar"]  # this year and the next, each known or not
    for year, known in body["calendar"].items():
        assert known or any(year in w for w in body["warnings"])
    assert r.headers["cache-control"] == "no-store"


def test_health_is_503_when_the_schema_is_behind(house: Any, app: Litestar) -> None:
    with house.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        r = _get(app, "/health", "127.0.0.1")
        assert r.status_code == 503
        assert r.json()["migrations"]["at_head"] is False
        assert r.headers["retry-after"] == str(house.settings.retry_after_s)
    finally:
        with house.engine.begin() as c:
            c.execute(
                text("UPDATE alembic_version SET version_num = :h"),
                {"h": r.json()["migrations"]["head"]},
            )


def test_health_is_503_when_the_database_is_gone(tmp_path: Any) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        demo_mode=True,
    )
    app = create_app(settings, build_house(settings))
    r = _get(app, "/health", "127.0.0.1")
    assert r.status_code == 503
    assert r.json()["database"] == "unreachable"
    assert "retry-after" in r.headers


def test_metrics_for_allowed_addresses_only(app: Litestar) -> None:
    assert _get(app, "/metrics", "203.0.113.9").status_code == 404
    _get(app, "/query", "127.0.0.1")
    r = _get(app, "/metrics", "127.0.0.1")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert any(line.startswith("banshi_request_duration_seconds") for line in lines)
    assert any(line.startswith("banshi_outbox_waiting{") for line in lines)
    assert any(line.startswith("banshi_policy_reload_seconds{") for line in lines)


def test_metrics_count_acts_by_outcome(app: Litestar, login: Any) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    refused = clerk.send_form(f"/desk/cases/{number}/act/decide", {"expected_version": "1"})
    assert refused.status_code >= 400
    r = _get(app, "/metrics", "127.0.0.1")
    lines = r.text.splitlines()
    assert 'banshi_acts_total{act="submit",outcome="ok"} 1.0' in lines
    assert any(
        line.startswith('banshi_acts_total{act="decide",outcome=') and "ok" not in line
        for line in lines
    ), [line for line in lines if "acts_total" in line]


def test_request_log_lines_name_the_request_and_the_user(login: Any) -> None:
    clerk = login("window_clerk@township.yezhou")
    with capture_logs(processors=[merge_contextvars]) as logs:
        r = clerk.get("/desk", headers={"X-Request-ID": "probe-42"})
    assert r.headers["x-request-id"] == "probe-42"
    mine = [line for line in logs if line.get("request_id") == "probe-42"]
    assert mine and mine[-1]["event"] == "request"
    assert mine[-1]["user"] == "window_clerk@township.yezhou"
    assert mine[-1]["route"] == "/desk" and mine[-1]["status"] == 200


def test_a_request_refused_by_a_middleware_is_logged_with_its_status(anon: Any) -> None:
    with capture_logs(processors=[merge_contextvars]) as logs:
        r = anon.post("/logout", data={"_csrf_token": "forged"})
    assert r.status_code == 403
    line = [entry for entry in logs if entry.get("event") == "request"][-1]
    assert line["status"] == 403 and line["failure"] == "PermissionDeniedException"
