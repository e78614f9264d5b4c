"""Shared steps of the admin tests: a new draft through the pages, a post of the editor."""

from __future__ import annotations

import re
from typing import Any

NEW_CODE = "422822-SCJG-XK-0099"
CSRF = re.compile(r'name="revision" id="revision" value="(\d+)"')


def create_blank(client: Any, code: str = NEW_CODE, name: str = "小餐饮登记") -> Any:
    r = client.send_form(
        "/admin/items/new",
        {
            "how": "blank",
            "code": code,
            "name": name,
            "owner": "county.scjg",
            "category": "administrative_license",
        },
    )
    assert r.status_code == 303, r.text[:2000]
    return r


def revision(client: Any, code: str = NEW_CODE) -> str:
    page = client.get(f"/admin/items/{code}")
    assert page.status_code == 200, page.text[:2000]
    found = CSRF.search(page.text)
    assert found, "no revision on the item page"
    return found.group(1)


def edit(
    client: Any,
    fields: dict[str, str] | list[tuple[str, str]],
    code: str = NEW_CODE,
    htmx: bool = False,
) -> Any:
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    pairs.append(("revision", revision(client, code)))
    send = client.htmx_form if htmx else client.send_form
    return send(f"/admin/items/{code}/edit", pairs)
