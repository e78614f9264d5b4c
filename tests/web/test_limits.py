"""Bounded work and one parser for every door (issue 9): each reproduction of the attack
round, refused cleanly on both databases."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from house.settings import Settings
from house.wiring import House
from runtime.case_tables import Case, CaseMaterial, OutboxMessage
from tests.web.conftest import Client
from tests.web.demo_site import FOOD, application_post, food_data
from tests.web.flows import FOOD_MATERIALS, apply_url, case_number
from web.app import create_app

HALL = "window_clerk@county.hall"
YEZHOU = "window_clerk@township.yezhou"
PDF = b"%PDF-1.4\n% a scan\n" + b"x" * 200


def _app(house: House, **changes: Any) -> Litestar:
    settings = house.settings.model_copy(update=changes)
    return create_app(settings, dataclasses.replace(house, settings=settings))


def _client(app: Litestar, username: str | None = None) -> Client:
    from tests.web.demo_site import PASSWORD

    c = Client(app=app, base_url="https://testserver.local")
    c.get("/login")
    if username is not None:
        r = c.send_form("/login", {"username": username, "password": PASSWORD, "next": "/desk"})
        assert r.status_code == 303, r.text[:300]
    return c


def _cases(house: House) -> int:
    with house.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


def _apply_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "data": food_data(),
        "applicant": {"name": "向明", "mobile": "13907180001"},
        "accepting_domain": "county.hall",
    }
    body.update(changes)
    return body


# -- rows per repeating group ------------------------------------------------------------


@pytest.mark.parametrize("index", ["1000000", "9" * 5000, "100"])
def test_a_row_index_beyond_the_group_is_refused_naming_the_group(login, house, index) -> None:
    clerk = login(YEZHOU)
    fields = [*application_post(food_data(), "check"), (f"staff[{index}][name]", "x")]
    r = clerk.send_form(apply_url(), fields)
    assert r.status_code == 422
    assert "“从业人员名单”最多 100 行" in r.text
    assert _cases(house) == 0


def test_the_global_row_cap_wins_over_the_definition(house) -> None:
    app = _app(house, max_group_rows=3)
    clerk = _client(app, YEZHOU)
    r = clerk.send_form(
        apply_url(), [*application_post(food_data(), "check"), ("staff[3][name]", "x")]
    )
    assert r.status_code == 422 and "“从业人员名单”最多 3 行" in r.text
    # a refresh with a huge declared row count renders at most the cap
    r = clerk.send_form(
        apply_url(), [*application_post(food_data(), "refresh"), ("_rows_staff", "9" * 5000)]
    )
    assert r.status_code == 200 and 'name="staff[3][name]"' not in r.text


def test_the_api_refuses_more_rows_than_the_group_allows(login, house) -> None:
    clerk = login(HALL)
    rows = [food_data()["staff"][0]] * 101
    r = clerk.api_post(f"/api/items/{FOOD}/applications", _apply_body(data=food_data(staff=rows)))
    assert r.status_code == 422
    assert {e["path"] for e in r.json()["errors"]} == {"/staff"}
    assert _cases(house) == 0


# -- the anonymous evaluation ----------------------------------------------------------------


def test_evaluate_with_120000_bad_rows_is_413_before_any_work(anon) -> None:
    rows = [{"name": 1}] * 120_000
    r = anon.api_post(f"/api/items/{FOOD}/evaluate", food_data(staff=rows))
    assert r.status_code == 413
    body = r.json()
    assert body["status"] == 413 and "太大" in body["message"]
    assert len(r.content) < 2000


def test_evaluate_lists_a_bounded_number_of_errors(house) -> None:
    app = _app(house, max_errors_returned=5)
    anon = _client(app)
    rows = [{"name": 1, "post": "x", "health_cert_no": 2, "health_cert_expiry": "x"}] * 100
    r = anon.api_post(f"/api/items/{FOOD}/evaluate", food_data(staff=rows, uscc="1"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["errors"]) == 5 and body["errors_total"] > 5
    too_many = anon.api_post(f"/api/items/{FOOD}/evaluate", food_data(staff=[{"name": "x"}] * 101))
    assert too_many.status_code == 422
    assert too_many.json()["errors"] == [
        {"path": "/staff", "message": "“从业人员名单”最多 100 行", "label": "从业人员名单"}
    ]


def test_evaluate_is_rate_limited_per_client_address(house) -> None:
    app = _app(house, evaluate_per_minute=3)
    anon = _client(app)
    statuses = [
        anon.api_post(f"/api/items/{FOOD}/evaluate", food_data()).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    r = anon.api_post(f"/api/items/{FOOD}/evaluate", food_data())
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "检查太频繁" in r.json()["message"]


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "嵌套太深"),
        (b'{"a":' * 50 + b"1" + b"}" * 50, "嵌套太深"),
        (b'{"operator_name": "a", "operator_name": "b"}', "重复的键"),
        (b'{"business_area_m2": NaN}', "NaN"),
        (b'{"business_area_m2": ' + b"9" * 5000 + b"}", "数字太长"),
        (b'{"operator_name": "a\\u0000b"}', "空字符"),
        (b'{"operator_name": "\\ud800"}', "代理"),
        (b'{"operator_name": "\xff"}', "UTF-8"),
        (b'{"operator_name": ', "不是有效的 JSON"),
    ],
)
def test_evaluate_refuses_bad_json_with_422(anon, raw: bytes, what: str) -> None:
    r = anon.post(
        f"/api/items/{FOOD}/evaluate",
        content=raw,
        headers={"content-type": "application/json", "x-csrftoken": anon.csrf},
    )
    assert r.status_code == 422, r.text[:300]
    assert what in json.dumps(r.json(), ensure_ascii=False)


# -- the applicant and the envelope of a filing --------------------------------------------


@pytest.mark.parametrize(
    ("applicant", "path"),
    [
        ({"name": "向明", "mobile": "12345"}, "/applicant/mobile"),
        ({"name": "x" * 101, "mobile": "13907180001"}, "/applicant/name"),
        ({"name": "向\x00明"}, "/applicant/name"),
        ({"name": ["向明"]}, "/applicant/name"),
        ({"name": ""}, "/applicant/name"),
        ("x", "/applicant"),
    ],
)
def test_the_api_validates_the_applicant_like_a_field(login, house, applicant, path) -> None:
    clerk = login(HALL)
    r = clerk.api_post(f"/api/items/{FOOD}/applications", _apply_body(applicant=applicant))
    assert r.status_code == 422, r.text[:300]
    assert path in {e["path"] for e in r.json()["errors"]}
    assert _cases(house) == 0
    with house.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no SMS


def test_a_five_megabyte_name_is_413(login, house) -> None:
    clerk = login(HALL)
    r = clerk.api_post(
        f"/api/items/{FOOD}/applications", _apply_body(applicant={"name": "x" * 5_000_000})
    )
    assert r.status_code == 413 and _cases(house) == 0


def test_duplicate_keys_are_refused_not_last_wins(login, house) -> None:
    clerk = login(HALL)
    raw = json.dumps(_apply_body(), ensure_ascii=False)
    raw = raw.replace('"name": "向明"', '"name": "向明", "name": "李四"', 1)
    r = clerk.post(
        f"/api/items/{FOOD}/applications",
        content=raw.encode(),
        headers={"content-type": "application/json", "x-csrftoken": clerk.csrf},
    )
    assert r.status_code == 422 and "重复的键" in r.json()["message"]
    assert _cases(house) == 0


def test_the_desk_refuses_what_the_api_refuses(login, house) -> None:
    clerk = login(YEZHOU)
    for name, value, words in [
        ("_applicant_mobile", "12345", "手机号码无效"),
        ("_applicant_name", "x" * 101, "太长"),
        ("operator_name", "放心\x00小卖部", "空字符"),
        ("legal_person", "向\x1b明", "控制字符"),
    ]:
        fields = [(k, v) for k, v in application_post(food_data(), "accept") if k != name]
        fields += [(name, value), *(("_received", m) for m in FOOD_MATERIALS)]
        r = clerk.send_form(apply_url(), fields)
        assert r.status_code == 422, (name, r.status_code)
        assert words in r.text, (name, words)
    assert _cases(house) == 0


def test_a_forged_material_reference_is_refused(house, tmp_path) -> None:
    app = _app(house, upload_dir=str(tmp_path))
    clerk = _client(app, YEZHOU)
    forged = json.dumps(
        {"sha256": "a" * 64, "name": "x.pdf", "size": 10, "content_type": "application/pdf"}
    )
    fields = [
        *application_post(food_data(), "accept", received=["safety_rules"]),
        ("_material_ref_layout_plan", forged),
    ]
    r = clerk.send_form(apply_url(), fields)
    assert r.status_code == 422 and "不是本次办理中上传的文件" in r.text
    assert _cases(house) == 0
    # the same scan uploaded by this session is accepted, with its stored size and type
    up = clerk.post(
        apply_url(),
        data=dict(application_post(food_data(), "check")) | {"_csrf_token": clerk.csrf},
        files={"_material_layout_plan": ("plan.pdf", PDF, "application/pdf")},
    )
    assert up.status_code == 200, up.text[:500]
    import hashlib

    digest = hashlib.sha256(PDF).hexdigest()
    ours = json.dumps({"sha256": digest, "name": "plan.pdf", "size": 1, "content_type": "x"})
    fields = [
        *application_post(food_data(), "accept", received=["safety_rules"]),
        ("_material_ref_layout_plan", ours),
    ]
    number = case_number(clerk.send_form(apply_url(), fields))
    with house.sessions() as s:
        row = s.execute(
            select(CaseMaterial).where(CaseMaterial.material_key == "layout_plan")
        ).scalar_one()
    assert number and row.sha256 == digest and row.size == len(PDF)
    assert row.content_type == "application/pdf"
    # another session cannot reuse the reference
    other = _client(app, YEZHOU)
    r = other.send_form(apply_url(), fields)
    assert r.status_code == 422 and "不是本次办理中上传的文件" in r.text


def test_a_body_over_the_limit_is_a_chinese_413_page(house) -> None:
    app = _app(house, max_form_kb=64)
    clerk = _client(app, YEZHOU)
    fields = [*application_post(food_data(), "check"), ("premises", "路" * 20_000)]
    r = clerk.send_form(apply_url(), fields)
    assert r.status_code == 413
    assert "提交的内容太大" in r.text and "64 KB" in r.text
    many = [*application_post(food_data(), "check")] + [(f"x{i}", "1") for i in range(2100)]
    assert clerk.send_form(apply_url(), many).status_code == 422


# -- faults ----------------------------------------------------------------------------------


def _dead_house(house: House, url: str) -> House:
    from house.wiring import build_house

    settings = Settings(
        database_url=url,
        demo_mode=True,
        secret_key=house.settings.secret_key,
        policy_poll_ms=0,
    )
    return build_house(settings)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:9/gone?connect_timeout=2",
        "sqlite:////nonexistent-directory/gone.sqlite3",
    ],
)
def test_a_dead_database_is_503_with_retry_after(house, url) -> None:
    dead = _dead_house(house, url)
    app = create_app(dead.settings, dead)
    client = Client(app=app, base_url="https://testserver.local")
    r = client.get("/api/items")
    assert r.status_code == 503, r.text[:300]
    assert r.headers["retry-after"] == "5" and "请稍后再试" in r.json()["message"]
    page = client.get("/query", params={"number": "42282220260101000001", "code": "ABCDEF"})
    assert page.status_code == 503 and "请稍后再试" in page.text
    # a clerk's session (kept in the database) when the database is gone: 503, not 500
    clerk = _client(_app(house), HALL)
    client.cookies.update(dict(clerk.cookies))
    desk = client.get("/desk")
    assert desk.status_code == 503 and desk.headers["retry-after"] == "5"
    dead.engine.dispose()


def test_a_retried_filing_with_an_idempotency_key_files_once(login, house) -> None:
    clerk = login(HALL)
    url = f"/api/items/{FOOD}/applications"
    headers = {"x-csrftoken": clerk.csrf, "Idempotency-Key": "kiosk-7-0001"}
    first = clerk.post(url, json=_apply_body(), headers=headers)
    again = clerk.post(url, json=_apply_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert _cases(house) == 1
    other = clerk.post(
        url, json=_apply_body(applicant={"name": "李四", "mobile": "13907180002"}), headers=headers
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["message"]
    # another user's same key is their own
    hall2 = login("window_clerk@county.hall")
    assert hall2.post(url, json=_apply_body(), headers={**headers, "x-csrftoken": hall2.csrf})
    # a refused filing is not remembered: the corrected retry with the same key files
    bad = _apply_body(applicant={"name": "向明", "mobile": "12345"})
    key = {"x-csrftoken": clerk.csrf, "Idempotency-Key": "kiosk-7-0002"}
    assert clerk.post(url, json=bad, headers=key).status_code == 422
    assert clerk.post(url, json=bad, headers=key).status_code == 422


def test_concurrent_duplicates_do_not_both_file(login, app, house) -> None:
    clerk = login(HALL)

    async def race() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://testserver.local", timeout=60
        ) as client:
            client.cookies.update(dict(clerk.cookies))
            headers = {"x-csrftoken": clerk.csrf, "Idempotency-Key": "race-1"}
            url = f"/api/items/{FOOD}/applications"
            return list(
                await asyncio.gather(
                    *(client.post(url, json=_apply_body(), headers=headers) for _ in range(4))
                )
            )

    answers = asyncio.run(race())
    assert [r.status_code for r in answers] == [201] * 4
    assert len({r.json()["number"] for r in answers}) == 1
    assert _cases(house) == 1


def test_rate_limits_are_shared_by_processes_and_ignore_a_spoofed_header(house) -> None:
    # two apps on one database stand for two processes: their "ratelimit" store is shared
    clients = [_client(_app(house)), _client(_app(house))]
    statuses = []
    for i in range(12):
        r = clients[i % 2].get(
            "/query",
            params={"number": "42282220260101000001", "code": f"X{i:05d}"},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        )
        statuses.append(r.status_code)
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]


def test_duplicates_in_two_processes_do_not_both_file(house) -> None:
    apps = [_app(house), _app(house)]
    clients = [_client(a, HALL) for a in apps]
    barrier = threading.Barrier(len(clients))

    def post(client: Client) -> Any:
        headers = {"x-csrftoken": client.csrf, "Idempotency-Key": "two-processes"}
        barrier.wait(timeout=30)
        return client.post(f"/api/items/{FOOD}/applications", json=_apply_body(), headers=headers)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answers = [f.result(timeout=120) for f in [pool.submit(post, c) for c in clients]]
    filed = [r for r in answers if r.status_code == 201]
    assert filed and all(r.status_code in (201, 409) for r in answers), [
        (r.status_code, r.text[:200]) for r in answers
    ]
    assert len({r.json()["number"] for r in filed}) == 1
    assert _cases(house) == 1


def test_api_file_fields_take_only_this_sessions_uploads(house, tmp_path) -> None:
    from db.engine import transaction
    from definitions.models import ItemDefinition
    from tests.web.demo_site import CATALOG_DIR, TENANT

    raw = json.loads((CATALOG_DIR / f"{FOOD}.json").read_text(encoding="utf-8"))
    raw["code"] = "422822-SCJG-XK-0098"
    raw["form"]["sections"][0]["fields"].append(
        {"key": "licence_scan", "label": "营业执照扫描件", "type": "file"}
    )
    with transaction(house.sessions) as s:
        code = house.catalog.publish(
            s, TENANT, ItemDefinition.model_validate(raw), "admin@county"
        ).code
    app = _app(house, upload_dir=str(tmp_path))
    clerk, other = _client(app, HALL), _client(app, HALL)
    url = f"/api/items/{code}/applications"

    def file_with(ref: Any, client: Client) -> Any:
        return client.api_post(url, _apply_body(data=food_data(licence_scan=ref)))

    forged = {"sha256": "b" * 64, "name": "x.pdf", "size": 10, "content_type": "application/pdf"}
    r = file_with(forged, clerk)
    assert r.status_code == 422 and "/licence_scan" in {e["path"] for e in r.json()["errors"]}
    bad = clerk.post(
        "/api/uploads",
        files={"file": ("x.exe", b"MZ\x90\x00", "application/pdf")},
        headers={"x-csrftoken": clerk.csrf},
    )
    assert bad.status_code == 422 and "文件类型不被接受" in bad.json()["message"]
    up = clerk.post(
        "/api/uploads",
        files={"file": ("licence.pdf", PDF, "application/pdf")},
        headers={"x-csrftoken": clerk.csrf},
    )
    assert up.status_code == 201, up.text[:300]
    ref = up.json()
    assert ref["size"] == len(PDF) and ref["content_type"] == "application/pdf"
    assert file_with(ref, other).status_code == 422  # another session's upload
    filed = file_with(ref | {"size": 1}, clerk)
    assert filed.status_code == 201, filed.text[:500]
    case = clerk.get(f"/api/cases/{filed.json()['number']}").json()
    assert case["data"]["licence_scan"]["size"] == len(PDF)  # as stored, not as posted


@pytest.mark.parametrize(
    "url",
    [
        f"/api/items/{FOOD}%00",
        "/api/cases/4228%00",
        "/desk/cases/4228%00",
        "/desk/apply/%00?domain=county.hall",
    ],
)
def test_nul_in_an_address_names_nothing(login, url) -> None:
    r = login(HALL).get(url)
    assert r.status_code == 404 and "空字符" in r.text


def test_nul_in_a_query_or_an_act_is_refused_naming_it(login, anon) -> None:
    r = anon.get("/query", params={"number": "4228\x00", "code": "ABCDEF"})
    assert r.status_code == 422 and "“number”含有空字符" in r.text
    clerk = login(YEZHOU)
    from tests.web.flows import accept_food

    number = accept_food(clerk)
    r = login("reviewer@county.scjg").send_form(
        f"/desk/cases/{number}/act/review", {"reason": "符合\x00"}
    )
    assert r.status_code == 422 and "空字符" in r.text
    assert "审查" not in [e["act"] for e in clerk.get(f"/api/cases/{number}").json()["events"]]


def test_nul_in_any_other_form_is_refused_naming_the_field(anon) -> None:
    anon.get("/login")
    r = anon.send_form("/login", {"username": "a\x00b", "password": "x", "next": "/desk"})
    assert r.status_code == 422 and "“username”含有空字符" in r.text
