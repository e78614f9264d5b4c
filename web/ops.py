"""Operations: ``/health`` for load balancers and people, ``/metrics`` for Prometheus.

``/health`` answers 200 when the database answers and its schema is at the newest
migration, 503 (with Retry-After) otherwise; the calendar (this year and the next) and the
outbox backlog are reported beside it as warnings, since a county can still serve while
they are put right. ``/metrics`` exposes request latency by route (Litestar's Prometheus
middleware), acts by kind and outcome, the outbox backlog and its age and the last policy
reload time; it answers only clients in ``BANSHI_METRICS_ALLOW`` (loopback by default) and
404 to everyone else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from db.migrate import revisions
from definitions.errors import BanshiError
from runtime.health import calendar_years, outbox_backlog
from web.clientip import client_address
from web.deps import house_of
from web.logs import bind

#: Prometheus middleware metric prefix (request latency by route).
PREFIX = "banshi"


class HouseCollector(Collector):
    """Gauges read at scrape time from the house: outbox backlog and policy reloads."""

    def __init__(self, house: Any) -> None:
        self.house = house

    def collect(self) -> Any:
        tenant = self.house.settings.tenant
        waiting = GaugeMetricFamily(
            "banshi_outbox_waiting", "Notifications waiting for the worker", labels=["tenant"]
        )
        oldest = GaugeMetricFamily(
            "banshi_outbox_oldest_seconds",
            "How long the oldest waiting notification has been due",
            labels=["tenant"],
        )
        failed = GaugeMetricFamily(
            "banshi_outbox_failed", "Notifications the worker gave up on", labels=["tenant"]
        )
        try:
            with self.house.sessions() as session:
                backlog = outbox_backlog(session, tenant, dt.datetime.now(dt.UTC))
        except SQLAlchemyError:
            pass
        else:
            waiting.add_metric([tenant], backlog.waiting)
            oldest.add_metric([tenant], backlog.oldest_seconds)
            failed.add_metric([tenant], backlog.failed)
        reload = GaugeMetricFamily(
            "banshi_policy_reload_seconds",
            "Time the latest organisation/policy reload took in this process",
            labels=["tenant"],
        )
        reload.add_metric([tenant], self.house.policy.last_reload_seconds(tenant))
        reloads = GaugeMetricFamily(
            "banshi_policy_reloads", "Policy reloads in this process", labels=["tenant"]
        )
        reloads.add_metric([tenant], self.house.policy.reloads(tenant))
        yield from (waiting, oldest, failed, reload, reloads)


class Metrics:
    """The app's own registry (one per app, so several apps in one process do not clash)."""

    def __init__(self, house: Any) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(HouseCollector(house))
        self.acts = Counter(
            "banshi_acts",
            "Acts performed through the web app, by act and outcome",
            ["act", "outcome"],
            registry=self.registry,
        )

    def count_act(self, act: str, outcome: str) -> None:
        self.acts.labels(act=act, outcome=outcome).inc()

    @contextmanager
    def counting(self, act: str, case: str | None = None) -> Iterator[None]:
        """Count one act by its outcome (ok, or the refusal's code) and name it, with its
        case, on the request's log lines."""
        bind(act=act, **({"case": case} if case else {}))
        try:
            yield
        except BanshiError as exc:
            self.count_act(act, exc.code)
            raise
        except Exception:
            self.count_act(act, "error")
            raise
        self.count_act(act, "ok")

    def exposition(self) -> bytes:
        return generate_latest(REGISTRY) + generate_latest(self.registry)


def _today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()  # Asia/Shanghai, no DST


class OpsController(Controller):
    include_in_schema = False

    @get("/health", sync_to_thread=True)
    def health(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        house = house_of(request)
        report: dict[str, Any] = {"status": "ok", "warnings": []}
        try:
            current, head = revisions(house.engine)
            report["database"] = "ok"
            report["migrations"] = {"current": current, "head": head, "at_head": current == head}
            if current != head:
                report["status"] = "unavailable"
            with house.sessions() as session:
                backlog = outbox_backlog(session, house.settings.tenant, dt.datetime.now(dt.UTC))
            report["outbox"] = backlog.as_dict()
            if backlog.failed:
                report["warnings"].append(f"有 {backlog.failed} 条通知发送失败")
            years = calendar_years(house.calendar(), _today())
            report["calendar"] = years
            for year, known in years.items():
                if not known:
                    report["warnings"].append(f"工作日历缺少 {year} 年：期限按暂定计算")
        except SQLAlchemyError:
            report.update(status="unavailable", database="unreachable")
        if report["status"] == "ok":
            return Response(report, status_code=200, headers={"Cache-Control": "no-store"})
        return Response(
            report,
            status_code=503,
            headers={
                "Retry-After": str(house.settings.retry_after_s),
                "Cache-Control": "no-store",
            },
        )

    @get("/metrics", sync_to_thread=True)
    def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        house = house_of(request)
        address = client_address(request, house.settings.proxy_networks)
        if not house.settings.metrics_allowed(address):
            raise NotFoundException()
        metrics: Metrics = request.app.state.metrics
        return Response(
            metrics.exposition(),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )
