"""Loading a database like ``banshi demo load`` does (organisation, calendar, the shipped
catalogue) and turning application data into the form posts a browser would send.

Shared by the HTTP tests (tests/web) and the browser tests (tests/e2e)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.engine import session_factory, transaction
from definitions.models import ItemDefinition
from rbac.org_file import load_org_file
from rbac.passwords import CHEAP_HASHER
from runtime.calendar_source import supported_years
from runtime.calendar_store import seed_from_chinesecalendar
from runtime.publishing import Catalog, Published

TENANT = "422822"
PASSWORD = "banshi-demo"
SECRET = "web-tests-secret-web-tests-secret-0123456789"
ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = ROOT / "rbac" / "demo_org.toml"
CATALOG_DIR = ROOT / "definitions" / "catalog"

FOOD = "422822-SCJG-XK-0001"  # 食品经营许可: hall + townships, promised, site inspection
FOREST = "422822-LYJ-XK-0001"  # 林木采伐许可: reported (township -> county)


def catalog_definitions() -> list[ItemDefinition]:
    return [
        ItemDefinition.model_validate_json(p.read_text(encoding="utf-8"))
        for p in sorted(CATALOG_DIR.glob("*.json"))
    ]


def load_demo(engine: Engine) -> list[str]:
    """Demo organisation (cheap password hashes), calendar and catalogue; the codes published."""
    sessions = session_factory(engine)
    years = [y for y in supported_years() if y >= 2024]
    with transaction(sessions) as s:
        load_org_file(s, DEMO_ORG, TENANT, demo=True, hasher=CHEAP_HASHER, actor="web-tests")
        seed_from_chinesecalendar(s, TENANT, years, by="web-tests")
    catalog = Catalog()
    with transaction(sessions) as s:
        return [catalog.publish(s, TENANT, d, "admin@county").code for d in catalog_definitions()]


# -- a valid application for a published item, as form fields -----------------------------


def food_data(**changes: Any) -> dict[str, Any]:
    """A valid 食品经营许可 application (pre-packed only: no site inspection, no cold chain)."""
    data: dict[str, Any] = {
        "operator_name": "建始县业州镇放心小卖部",
        "uscc": "91422822MA4F0A0B1X",
        "legal_person": "向明",
        "legal_person_id": "422822199001011231",
        "mobile": "13907180001",
        "premises_region": "422822",
        "premises": "业州镇广润路8号",
        "business_area_m2": 36,
        "main_format": "retail",
        "items": ["prepack"],
        "cold_chain": False,
        "staff": [
            {
                "name": "向明",
                "post": "manager",
                "health_cert_no": "JK2026-0001",
                "health_cert_expiry": "2027-06-30",
            }
        ],
    }
    data.update(changes)
    return data


def valid_sample(pub: Published, seed: int = 0) -> dict[str, Any]:
    from definitions.samples import sample_application

    rng = random.Random(seed)
    for _ in range(100):
        data = sample_application(pub.definition, rng)
        if not pub.compiled.evaluate(data).errors:
            return data
    raise AssertionError(f"no valid sample for {pub.code}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def form_fields(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Application data -> the (name, value) pairs of the generated form."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            out.append((f"_rows_{key}", str(len(value))))
            for i, row in enumerate(value):
                for sub, v in row.items():
                    out.append((f"{key}[{i}][{sub}]", _text(v)))
        elif isinstance(value, list):
            out.extend((key, _text(v)) for v in value)
        elif isinstance(value, Mapping):
            raise ValueError("file fields are not posted as form fields")
        else:
            out.append((key, _text(value)))
    return out


def application_post(
    data: Mapping[str, Any],
    action: str,
    *,
    applicant: str = "向明",
    mobile: str = "13907180001",
    received: Iterable[str] = (),
    reason: str = "",
) -> list[tuple[str, str]]:
    fields = [
        ("_applicant_name", applicant),
        ("_applicant_mobile", mobile),
        *form_fields(data),
        ("_action", action),
    ]
    fields += [("_received", k) for k in received]
    if reason:
        fields.append(("_reason", reason))
    return fields
