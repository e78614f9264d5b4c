"""The OpenAPI document describes every answer of the JSON API, field by field: a kiosk
developer reading /schema learns what comes back, and what a refusal looks like."""

from __future__ import annotations

from typing import Any


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _answer(doc: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    content = doc["paths"][path][method]["responses"][status]["content"]
    return _resolve(doc, content["application/json"]["schema"])


def test_every_api_answer_is_a_documented_object(anon) -> None:
    doc = anon.get("/schema/openapi.json").json()
    api = {p: ops for p, ops in doc["paths"].items() if p.startswith("/api/")}
    assert api, "the API is in the document"
    for path, ops in api.items():
        for method, op in ops.items():
            ok = next(s for s in op["responses"] if s.startswith("2"))
            schema = _answer(doc, path, method, ok)
            if schema.get("type") == "array":
                schema = _resolve(doc, schema["items"])
            assert schema.get("properties"), (
                f"{method.upper()} {path} answers an undescribed object"
            )


def test_a_case_answer_names_its_fields_and_a_refusal_its_errors(anon) -> None:
    doc = anon.get("/schema/openapi.json").json()
    case = _answer(doc, "/api/cases/{number}", "get", "200")
    assert {"number", "state", "deadline", "events", "actions"} <= set(case["properties"])
    refused = _answer(doc, "/api/items/{code}/evaluate", "post", "422")
    assert {"status", "message", "code", "errors"} <= set(refused["properties"])
    problem = _resolve(doc, refused["properties"]["errors"]["oneOf"][0]["items"])
    assert {"path", "message"} <= set(problem["properties"])


def test_a_refusal_has_the_documented_shape(anon) -> None:
    r = anon.api_post("/api/items/no-such-item/evaluate", {})
    assert r.status_code == 404
    body = r.json()
    assert body["status"] == 404 and body["message"] and body["error"] == "找不到页面"
