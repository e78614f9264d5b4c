"""The request metrics (web/request_metrics.py): the same series as Litestar's Prometheus
middleware, counted per route template, status and method, with errors and time taken."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.plugins.prometheus import PrometheusConfig
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from web.request_metrics import RequestMetrics

PREFIX = "rmtest"


@get("/item/{code:str}", sync_to_thread=False)
def item(code: FromPath[str]) -> str:
    if code == "boom":
        raise RuntimeError("a fault")
    return code


def _app(**extra: object) -> Litestar:
    config = PrometheusConfig(
        app_name=PREFIX, prefix=PREFIX, group_path=True, middleware_class=RequestMetrics, **extra
    )
    return Litestar([item], middleware=[config.middleware])


def _value(name: str, status: int) -> float:
    labels = {"app_name": PREFIX, "method": "GET", "path": "/item/{code}"}
    found = REGISTRY.get_sample_value(name, {**labels, "status_code": str(status)})
    return found or 0.0


def test_requests_are_counted_by_route_template_status_and_time() -> None:
    before_ok = _value(f"{PREFIX}_requests_total", 200)
    before_err = _value(f"{PREFIX}_requests_error_total", 500)
    before_n = _value(f"{PREFIX}_request_duration_seconds_count", 200)
    with TestClient(_app()) as client:
        assert client.get("/item/a").status_code == 200
        assert client.get("/item/b").status_code == 200  # one series for both paths
        assert client.get("/item/boom").status_code == 500
    assert _value(f"{PREFIX}_requests_total", 200) == before_ok + 2
    assert _value(f"{PREFIX}_requests_total", 500) >= 1
    assert _value(f"{PREFIX}_requests_error_total", 500) == before_err + 1
    assert _value(f"{PREFIX}_request_duration_seconds_count", 200) == before_n + 2
    in_progress = REGISTRY.get_sample_value(
        f"{PREFIX}_requests_in_progress",
        {"app_name": PREFIX, "method": "GET", "path": "/item/{code}", "status_code": "200"},
    )
    assert in_progress == 0  # every request that started has ended


def test_the_parents_extra_labels_and_exemplars_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("group_path only")):
        RequestMetrics.check(PrometheusConfig(labels={"tenant": "x"}, group_path=True))
    with pytest.raises(ValueError, match=re.escape("group_path only")):
        RequestMetrics.check(PrometheusConfig(group_path=False))
