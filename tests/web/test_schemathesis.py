"""schemathesis against the app's own OpenAPI (issue 9): every operation, logged in as a
window clerk so the protected ones are exercised, a bounded and derandomized number of
examples each; not one server error."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from house.wiring import House
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, PASSWORD, food_data
from web.app import create_app

EXAMPLES = 30
OPERATIONS = [
    "GET /api/items",
    "GET /api/items/{code}",
    "POST /api/items/{code}/evaluate",
    "POST /api/items/{code}/applications",
    "GET /api/cases/{number}",
    "POST /api/cases/{number}/acts/{act}",
    "POST /api/uploads",
]


@pytest.fixture
def api_app(house: House, tmp_path: Path) -> Litestar:
    # the rate limit of the public evaluation is tested elsewhere; here it would only
    # turn examples into 429s
    changed = house.settings.model_copy(
        update={"evaluate_per_minute": 100_000, "upload_dir": str(tmp_path)}
    )
    return create_app(changed, dataclasses.replace(house, settings=changed))


@pytest.fixture
def api_schema(api_app: Litestar) -> Any:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", api_app)


@pytest.fixture
def clerk(api_app: Litestar) -> dict[str, Any]:
    """The cookies and CSRF header of a logged-in county hall clerk, and a case filed."""
    c = Client(app=api_app, base_url="https://testserver.local")
    c.get("/login")
    r = c.send_form(
        "/login",
        {"username": "window_clerk@county.hall", "password": PASSWORD, "next": "/desk"},
    )
    assert r.status_code == 303, r.text[:300]
    filed = c.api_post(
        f"/api/items/{FOOD}/applications",
        {"data": food_data(), "applicant": {"name": "向明"}, "accepting_domain": "county.hall"},
    )
    assert filed.status_code == 201, filed.text[:300]
    return {
        "cookies": dict(c.cookies),
        "headers": {"x-csrftoken": c.csrf},
        "number": filed.json()["number"],
    }


def _labels(api_schema: Any) -> set[str]:
    return {result.ok().label for result in api_schema.get_all_operations()}


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    assert _labels(api_schema) == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_operation_answers_a_server_error(
    api_schema: Any, clerk: dict[str, Any], label: str
) -> None:
    operation = api_schema.find_operation_by_label(label)
    # random paths mostly meet 404s: half the examples aim at a real item and a real case
    real = {"code": FOOD, "number": clerk["number"], "act": "accept"}
    fixed = {k: v for k, v in real.items() if "{" + k + "}" in label}
    cases = st.one_of(
        *(
            operation.as_strategy(mode, path_parameters=path)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for path in ([None, fixed] if fixed else [None])
        )
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def probe(case: Any) -> None:
        response = case.call(cookies=clerk["cookies"], headers=clerk["headers"], timeout=30)
        case.validate_response(response, checks=[not_a_server_error])

    probe()
