"""rbac/names.py on crafted organisations (no database): every name a definition uses is
looked up — owner, accepting halls and patterns, a step's domain, countersigning
departments, a forward's ``to``, the extension's domain — and whether someone active there
holds a role that performs the step (首席代表制: only a chief representative decides)."""

from __future__ import annotations

from typing import Any

from definitions.models import ItemDefinition
from definitions.problems import Severity
from rbac.names import OrgNames, name_problems, orphaned
from rbac.policy import DomainRec, GrantRec, OrgData, UserRec
from tests.runtime.conftest import food_definition

DOMAINS = ("county", "county.hall", "county.scjg", "county.gaj", "township.a", "township.b")
GRANTS = (
    ("clerk", "window_clerk", "county.hall"),
    ("clerk_a", "window_clerk", "township.a"),
    ("clerk_b", "window_clerk", "township.b"),
    ("rev", "reviewer", "county.scjg"),
    ("chief", "chief_representative", "county.scjg"),
    ("gaj", "chief_representative", "county.gaj"),
)


def org(
    grants: tuple[tuple[str, str, str], ...] = GRANTS, inactive: set[str] | None = None
) -> OrgData:
    users = sorted({g[0] for g in grants} | {"head"})
    return OrgData(
        "422822",
        tuple(DomainRec(d, "x", None if d == "county" else "county", d) for d in DOMAINS),
        tuple(UserRec(i, u, u, u not in (inactive or set())) for i, u in enumerate(users)),
        tuple(
            GrantRec(i, *g)
            for i, g in enumerate((*grants, ("head", "department_head", "county.gaj")))
        ),
    )


def found(data: OrgData, d: ItemDefinition) -> list[tuple[str, str]]:
    return [(p.pointer, p.severity.value) for p in name_problems(OrgNames.of(data), d, "x.json")]


def steps(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    base = [s.model_dump(mode="json", exclude_none=True) for s in food_definition().steps]
    return [*base[:-2], *extra, *base[-2:]]


def test_the_food_licence_resolves_in_full() -> None:
    assert found(org(), food_definition()) == []
    assert found(OrgData("422822"), food_definition(owner="county.nowhere")) == []  # no org yet


def test_each_place_a_domain_is_named() -> None:
    assert found(org(), food_definition(owner="county.x"))[0] == ("/owner", "error")
    assert found(org(), food_definition(levels={"accept": ["county.hall", "village.*"]})) == [
        ("/levels/accept/1", "error")
    ]
    forward = {
        "key": "up",
        "kind": "forward",
        "at": "window",
        "role": "window_clerk",
        "days": 1,
        "to": "county.x",
    }
    assert ("/steps/3/to", "error") in found(org(), food_definition(steps=steps(forward)))
    review = {"key": "r2", "kind": "review", "at": "county.x", "role": "reviewer", "days": 1}
    assert found(org(), food_definition(steps=steps(review))) == [("/steps/3/at", "error")]
    limits = food_definition().limits.model_dump(mode="json", exclude_none=True)
    limits["extension_at"] = "county.x"
    assert found(org(), food_definition(limits=limits)) == [("/limits/extension_at", "error")]


def test_nobody_to_act_is_an_error_and_a_department_head_is_nobody() -> None:
    sign = {
        "key": "sign",
        "kind": "countersign",
        "at": "owner",
        "role": "chief_representative",
        "days": 0,
        "departments": ["county.gaj"],
    }
    d = food_definition(steps=steps(sign))
    assert found(org(), d) == []
    without = tuple(g for g in GRANTS if g[0] != "gaj")  # only the head is left there
    assert found(org(without), d) == [("/steps/3/role", "error")]
    assert found(org(inactive={"gaj"}), d) == [("/steps/3/role", "error")]
    # the owner's chief representative reviews too, so no reviewer is needed; deciding is his
    no_reviewer = tuple(g for g in GRANTS if g[0] != "rev")
    assert found(org(no_reviewer), food_definition()) == []
    no_chief = tuple(g for g in GRANTS if g[0] != "chief")
    assert [p for p, _ in found(org(no_chief), food_definition())] == ["/steps/3/role"]


def test_a_step_at_the_window_looks_at_every_accepting_hall() -> None:
    d = food_definition()  # accept and complete at county.hall and township.*
    one_missing = tuple(g for g in GRANTS if g[0] != "clerk_b")
    assert found(org(one_missing), d) == [
        ("/steps/0/role", "warning"),
        ("/steps/4/role", "warning"),
    ]
    none = tuple(g for g in GRANTS if not g[0].startswith("clerk"))
    assert {s for _, s in found(org(none), d)} == {Severity.ERROR.value}


def test_orphaned_names_only_what_the_change_causes() -> None:
    items = [("food v1", food_definition())]
    before = org()
    assert orphaned(before, before, items) == []
    after = org(tuple(g for g in GRANTS if g[0] != "chief"))
    (problem,) = orphaned(before, after, items)
    assert problem.file == "food v1" and problem.pointer == "/steps/3/role"
    assert orphaned(after, after, items) == []  # already broken: not this change's doing
