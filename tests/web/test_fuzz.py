"""Random bodies at every door (issue 9): wrong types, huge and deep values, odd Unicode,
NUL, duplicate keys, posted to the API and to the desk's forms. Never a 5xx, always an
answer: each request runs under a timeout, so a hang fails the test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.demo_site import FOOD, application_post, food_data
from tests.web.flows import apply_url

TIMEOUT_S = 60
EXAMPLES = 40
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)

odd_text = st.one_of(
    st.text(max_size=30),
    # control characters, lone surrogates and NUL among ordinary Chinese text
    st.text(
        st.characters(codec=None, max_codepoint=0xFFFF, categories=["Cc", "Cs", "Lo"]), max_size=30
    ),
    st.sampled_from(
        [
            "\x00",
            "\ud800",
            "\udfff",
            "a\u202eb",
            "<script>alert(1)</script>",
            "１２３",
            "٣",
            "1e5000",
            "9" * 5000,
            "-0",
            "NaN",
            "Infinity",
            " ",
            "x" * 100_000,
        ]
    ),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False).map(float),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, odd_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(odd_text, inner, max_size=5)
    ),
    max_leaves=30,
)
FIELDS = [
    "operator_name",
    "uscc",
    "legal_person_id",
    "mobile",
    "business_area_m2",
    "items",
    "cold_chain",
    "staff",
    "premises_region",
]


def _dumps(value: Any) -> bytes:
    """JSON as a careless client writes it: NaN and lone surrogates included."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["value", "application", "duplicate", "deep", "junk"]))
    if kind == "value":
        return _dumps(draw(json_values))
    if kind == "application":
        data = food_data()
        for key in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
            data[key] = draw(json_values)
        body = {
            "data": data,
            "applicant": draw(
                st.one_of(
                    json_values, st.fixed_dictionaries({"name": json_values, "mobile": json_values})
                )
            ),
            "accepting_domain": draw(st.one_of(st.just("county.hall"), json_values)),
        }
        return _dumps(draw(st.sampled_from([body, data])))
    if kind == "duplicate":
        key = draw(st.sampled_from(FIELDS))
        return f'{{"{key}": 1, "{key}": {_dumps(draw(json_values)).decode()}}}'.encode()
    if kind == "deep":
        depth = draw(st.integers(min_value=10, max_value=50_000))
        return b'{"data":' * min(depth, 100) + b"[" * depth + b"]" * depth + b"}" * min(depth, 100)
    return draw(st.binary(max_size=200))


@st.composite
def form_bodies(draw: st.DrawFn) -> bytes:
    pairs = list(
        application_post(
            food_data(),
            draw(
                st.sampled_from(["check", "accept", "refresh", "add:staff", "remove:staff:0", "x"])
            ),
        )
    )
    names = st.one_of(
        st.sampled_from(
            [
                *FIELDS,
                "staff[0][name]",
                "staff[99999999999999][name]",
                f"staff[{'9' * 5000}][post]",
                "_rows_staff",
                "_applicant_name",
                "_applicant_mobile",
                "_material_ref_layout_plan",
                "_received",
                "expected_version",
                "days",
            ]
        ),
        odd_text,
    )
    pairs += draw(st.lists(st.tuples(names, odd_text), max_size=8))
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in pairs
    ).encode()


@pytest.fixture
def within() -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """Run one request with a timeout: a request that hangs fails the test."""
    pool = ThreadPoolExecutor(max_workers=1)
    yield lambda call: pool.submit(call).result(timeout=TIMEOUT_S)
    pool.shutdown(wait=False, cancel_futures=True)


def _answered(r: Any) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:500])
    assert r.content or (r.is_redirect and r.headers["location"]), r.status_code


def test_random_bodies_at_the_api(login, anon, within) -> None:
    clerk = login("window_clerk@county.hall")
    anon.get("/login")
    number = clerk.api_post(
        f"/api/items/{FOOD}/applications",
        {"data": food_data(), "applicant": {"name": "向明"}, "accepting_domain": "county.hall"},
    ).json()["number"]
    targets = [
        (anon, f"/api/items/{FOOD}/evaluate"),
        (clerk, f"/api/items/{FOOD}/evaluate"),
        (clerk, f"/api/items/{FOOD}/applications"),
        (clerk, f"/api/cases/{number}/acts/accept"),
        (clerk, f"/api/cases/{number}/acts/extend"),
    ]

    @given(target=st.sampled_from(targets), body=raw_bodies())
    @FUZZ
    def post(target: tuple[Any, str], body: bytes) -> None:
        client, url = target
        headers = {"content-type": "application/json", "x-csrftoken": client.csrf}
        _answered(within(lambda: client.post(url, content=body, headers=headers)))

    post()


def test_random_forms_at_the_desk(login, within) -> None:
    from tests.web.flows import accept_food

    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    urls = [apply_url(), f"/desk/cases/{number}/act/review", f"/desk/cases/{number}/act/extend"]
    reviewer = login("reviewer@county.scjg")

    @given(body=form_bodies(), htmx=st.booleans(), url=st.sampled_from(urls))
    @FUZZ
    def post(body: bytes, htmx: bool, url: str) -> None:
        client = clerk if url.startswith("/desk/apply") else reviewer
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        token = f"&_csrf_token={client.csrf}".encode()
        _answered(within(lambda: client.post(url, content=body + token, headers=headers)))

    post()


def test_random_addresses_and_queries(login, anon, within) -> None:
    clerk = login("window_clerk@county.hall")
    paths = [
        "/query",
        "/desk",
        "/api/items/{}",
        "/api/cases/{}",
        "/desk/cases/{}",
        "/desk/apply/{}",
        "/services/{}",
    ]

    @given(
        path=st.sampled_from(paths),
        part=odd_text,
        params=st.lists(
            st.tuples(
                st.sampled_from(["number", "code", "q", "domain", "kiosk", "done"]), odd_text
            ),
            max_size=4,
        ),
    )
    @FUZZ
    def get(path: str, part: str, params: list[tuple[str, str]]) -> None:
        # addresses stay under what a client sends (httpx refuses 64 KB)
        url = path.format(quote(part[:300].encode("utf-8", "surrogatepass"), safe=""))
        query = "&".join(
            f"{k}={quote(v[:1000].encode('utf-8', 'surrogatepass'), safe='')}" for k, v in params
        )
        for client in (anon, clerk):
            _answered(within(lambda c=client: c.get(f"{url}?{query}" if query else url)))

    get()
