"""Names resolve, on both databases: publishing refuses a definition naming a domain or role
the organisation lacks (a joint item whose countersigning department does not exist would
wait for good), and an organisation change that would leave a published item with nobody
to perform a step is refused — or made and reported when forced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from definitions.models import ItemDefinition
from definitions.problems import DefinitionError
from rbac import people
from rbac.people import find_grant, get_user
from runtime.org_guard import OrphaningChange, guarded_change
from runtime.publishing import Catalog
from tests.runtime.conftest import TENANT, food_definition


def steps_with(extra: dict[str, Any], before: str = "decide") -> list[dict[str, Any]]:
    steps = [s.model_dump(mode="json", exclude_none=True) for s in food_definition().steps]
    at = next(i for i, s in enumerate(steps) if s["key"] == before)
    return [*steps[:at], extra, *steps[at:]]


def countersign(*departments: str) -> dict[str, Any]:
    return {
        "key": "countersign",
        "kind": "countersign",
        "at": "owner",
        "role": "chief_representative",
        "days": 0,
        "departments": list(departments),
    }


def refusal(catalog: Catalog, sessions: sessionmaker[Session], d: ItemDefinition) -> list[Any]:
    with pytest.raises(DefinitionError) as caught, transaction(sessions) as s:
        catalog.publish(s, TENANT, d, "admin@county")
    problems = caught.value.problems
    assert problems and all(p.rule == "org-names" for p in problems)
    return problems


def test_publishing_refuses_names_the_organisation_lacks(
    org: None, sessions: sessionmaker[Session]
) -> None:
    catalog = Catalog(org_names=True)
    # a countersigning department that does not exist: named with its pointer
    d = food_definition(steps=steps_with(countersign("county.gaj", "county.nowhere")))
    (problem,) = refusal(catalog, sessions, d)
    assert problem.pointer == "/steps/3/departments/1" and "county.nowhere" in problem.message
    # an owner, an accepting hall, a step's domain
    (problem,) = refusal(
        catalog, sessions, food_definition(levels={"accept": ["township.nowhere"]})
    )
    assert problem.pointer == "/levels/accept/0"
    problems = refusal(catalog, sessions, food_definition(owner="county.nowhere"))
    assert problems[0].pointer == "/owner"
    # a department that exists but where nobody can countersign
    with transaction(sessions) as s:
        people.ensure_domain(
            s, TENANT, "county.tjj", kind="department", title="县统计局", parent="county", actor="t"
        )
    (problem,) = refusal(
        catalog, sessions, food_definition(steps=steps_with(countersign("county.tjj")))
    )
    assert problem.pointer == "/steps/3/role" and "首席代表" in problem.message
    # what the organisation has publishes; a catalogue without the check (engine tests) too
    with transaction(sessions) as s:
        assert catalog.publish(s, TENANT, food_definition(), "admin@county").version == 1
        lax = Catalog().publish(s, TENANT, food_definition(owner="county.nowhere"), "x")
        assert lax.code == food_definition().code


def test_an_org_change_that_orphans_a_published_item_is_refused_unless_forced(
    org: None, sessions: sessionmaker[Session]
) -> None:
    catalog = Catalog(org_names=True)
    joint = food_definition(steps=steps_with(countersign("county.gaj")))
    with transaction(sessions) as s:
        catalog.publish(s, TENANT, joint, "admin@county")
    chief = "chief_representative@county.gaj"

    def revoke(s: Session) -> None:
        people.revoke_role(s, TENANT, chief, "chief_representative", "county.gaj", actor="t")

    # the last chief representative of a countersigning department: refused, nothing changed
    with pytest.raises(OrphaningChange) as caught, transaction(sessions) as s:
        guarded_change(s, TENANT, catalog, lambda: revoke(s))
    (problem,) = caught.value.problems
    assert problem.file.startswith(joint.code) and problem.pointer == "/steps/3/role"
    assert caught.value.status == 409 and "无人办理" in caught.value.message
    with sessions() as s:
        user = get_user(s, TENANT, chief)
        assert find_grant(s, TENANT, user.id, "chief_representative", "county.gaj") is not None
    # deactivating that person is the same loss
    with pytest.raises(OrphaningChange), transaction(sessions) as s:
        guarded_change(
            s, TENANT, catalog, lambda: people.set_active(s, TENANT, chief, False, actor="t")
        )
    # a change that leaves someone able is made; so is a forced one, reported
    with transaction(sessions) as s:
        people.add_user(s, TENANT, "deputy@county.gaj", "副首席代表", actor="t")
        people.grant_role(
            s, TENANT, "deputy@county.gaj", "chief_representative", "county.gaj", actor="t"
        )
    with transaction(sessions) as s:
        _, problems = guarded_change(s, TENANT, catalog, lambda: revoke(s))
        assert problems == []
    with transaction(sessions) as s:
        _, problems = guarded_change(
            s,
            TENANT,
            catalog,
            lambda: people.set_active(s, TENANT, "deputy@county.gaj", False, actor="t"),
            force=True,
        )
    assert [p.pointer for p in problems] == ["/steps/3/role"]
    with sessions() as s:
        assert not get_user(s, TENANT, "deputy@county.gaj").active
