"""Results publicity: decided cases of items that publish results, only the disclosed
fields, personal data masked, for the publicity period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from definitions.fieldtypes import default_registry
from runtime.public.publicity import mask_name, public_results
from tests.web.flows import accept_food
from tests.web.public.apply_flow import complete_case


def test_a_decided_result_is_published_with_the_disclosed_fields_only(login, anon) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    open_case = accept_food(clerk)
    complete_case(login, number, clerk)
    r = anon.get("/publicity")
    assert r.status_code == 200
    assert number in r.text and open_case not in r.text
    assert "建始县业州镇放心小卖部" in r.text  # operator_name is disclosed
    assert "91422822MA4F0A0B1X" in r.text  # so is the credit code
    assert "向明" not in r.text and "422822199001011231" not in r.text  # not disclosed
    assert "业州镇广润路8号" not in r.text
    filtered = anon.get("/publicity", params={"item": "422822-NYJ-XK-0002"})
    assert number not in filtered.text


def test_the_publicity_period_ends(login, house) -> None:
    clerk = login("window_clerk@township.yezhou")
    number = accept_food(clerk)
    complete_case(login, number, clerk)
    later = datetime.now(UTC) + timedelta(days=house.settings.publicity_days + 1)
    with house.sessions() as s:
        now_rows = public_results(s, house.catalog, house.settings.tenant, datetime.now(UTC), 30)
        later_rows = public_results(s, house.catalog, house.settings.tenant, later, 30)
    assert [r.number for r in now_rows] == [number]
    assert later_rows == []


def test_masks() -> None:
    assert default_registry()["id_card"].masked("422822199001011231") == "422822********1231"
    assert mask_name("向明") == "向*" and mask_name("欧阳娜娜") == "欧阳**"


def test_a_disclosed_name_shows_the_surname_only(house) -> None:
    """(Personal field types — ID numbers, phones — may not be disclosed at all: the
    guide-disclosure rule refuses such a definition; were one shown, its type masks it.)"""
    from runtime.public.publicity import disclosed_fields
    from tests.web.demo_site import FOOD, food_data

    with house.sessions() as s:
        pub = house.catalog.latest(s, house.settings.tenant, FOOD)
    assert pub is not None
    item = pub.definition
    loose = item.model_copy(
        update={
            "disclosure": item.disclosure.model_copy(
                update={"result_fields": ["operator_name", "legal_person"]}
            )
        }
    )
    pub = type(pub)(
        pub.id, pub.tenant, pub.code, pub.version, pub.sha256, house.catalog.checked(loose)
    )
    shown = dict(disclosed_fields(pub, food_data()))
    assert shown["法定代表人（负责人）"] == "向*"
    assert shown["经营者名称"] == "建始县业州镇放心小卖部"
