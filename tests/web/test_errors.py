"""One handler for the one error family: whichever family a route lets escape, the answer
is its status (never a 500) with a JSON body ``{code, message}`` under /api/ or for a JSON
client, else the Chinese error page; an install's own fault shows no setting or file."""

from __future__ import annotations

import html

import pytest
from litestar import Litestar, get
from litestar.params import FromPath

from definitions.errors import BanshiError
from runtime.errors import NotAllowed
from tests.definitions.test_errors import samples
from tests.web.conftest import BASE_URL, Client
from web.security import refusal_message

SAMPLES = samples()
BY_NAME = {cls.__name__: exc for cls, exc in SAMPLES.items()}


def shown(exc: BanshiError) -> str:
    return refusal_message(exc.message) if isinstance(exc, NotAllowed) else exc.shown


@pytest.fixture
def raising(app: Litestar) -> Client:
    """The app with two routes that raise the family named in the path."""

    @get("/api/test-raise/{name:str}", sync_to_thread=False)
    def api_raise(name: FromPath[str]) -> None:
        raise BY_NAME[name]

    @get("/test-raise/{name:str}", sync_to_thread=False)
    def page_raise(name: FromPath[str]) -> None:
        raise BY_NAME[name]

    app.register(api_raise)
    app.register(page_raise)
    return Client(app=app, base_url=BASE_URL)


def test_every_family_answers_with_its_status_code_and_message(raising: Client) -> None:
    for name, exc in BY_NAME.items():
        r = raising.get(f"/api/test-raise/{name}")
        assert r.status_code == exc.status != 500, (name, r.status_code, r.text[:300])
        body = r.json()
        assert (body["code"], body["message"]) == (exc.code, shown(exc)), name
        if not exc.public and exc.message != exc.default_message:  # the detail: never shown
            assert exc.message not in r.text, name
        if exc.retry_after is not None:
            assert r.headers["retry-after"] == str(exc.retry_after), name

        page = raising.get(f"/test-raise/{name}")
        assert page.status_code == exc.status, (name, page.text[:300])
        assert page.headers["content-type"].startswith("text/html"), name
        assert html.escape(shown(exc), quote=False) in page.text, name


def test_bad_input_lists_its_fields_and_a_refusal_hides_whose_domain(raising: Client) -> None:
    invalid = raising.get("/api/test-raise/InvalidInput").json()
    assert invalid["errors"] == [
        {"path": "/operator_name", "message": "必填", "label": "经营者名称"}
    ]
    assert invalid["errors_total"] == 1
    refused = raising.get("/api/test-raise/PermissionDenied")
    assert refused.status_code == 403
    assert refused.json()["message"] == "拒绝受理：您没有相应的角色或授权"
    assert "county.scjg" not in refused.text


def test_a_json_client_gets_json_anywhere(raising: Client) -> None:
    r = raising.get("/test-raise/UnknownYearError", headers={"accept": "application/json"})
    assert r.status_code == 503 and r.json()["code"] == "calendar_year_unknown"
    assert "2031年" in r.json()["message"]
