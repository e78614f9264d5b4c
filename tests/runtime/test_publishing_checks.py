"""Publishing refuses what the checker refuses, whichever way the definition was built, and
raises nothing but DefinitionError (issue 9, item 6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from definitions.models import ItemDefinition
from definitions.problems import DefinitionError
from runtime.case_tables import ItemVersion
from runtime.publishing import Catalog
from tests.runtime.conftest import food_definition


def _name_with_nul(d: ItemDefinition) -> None:
    d.name = "食品经营许可\x00"


def _infinite_maximum(d: ItemDefinition) -> None:
    number = next(f for f in d.form.all_fields() if f.type in ("number", "integer", "money"))
    number.maximum = float("inf")


def _huge_bound(d: ItemDefinition) -> None:
    number = next(f for f in d.form.all_fields() if f.type in ("number", "integer", "money"))
    number.minimum = -(10**5000)


def _backreference(d: ItemDefinition) -> None:
    text = next(f for f in d.form.all_fields() if f.type == "text")
    text.pattern = r"^(a)\1$"


def _lone_surrogate(d: ItemDefinition) -> None:
    d.summary = "\ud800"


@pytest.mark.parametrize(
    ("spoil", "rule"),
    [
        (_name_with_nul, "schema"),
        (_infinite_maximum, "schema"),
        (_huge_bound, "schema"),
        (_backreference, "pattern"),
        (_lone_surrogate, "schema"),
    ],
)
def test_a_spoiled_definition_is_refused_with_pointer_and_nothing_is_stored(
    publish: Callable[[ItemDefinition], str],
    sessions: sessionmaker[Session],
    spoil: Callable[[ItemDefinition], None],
    rule: str,
) -> None:
    definition = food_definition()
    spoil(definition)  # assignment skips the models' checks: publishing runs them again
    with pytest.raises(DefinitionError) as exc:
        publish(definition)
    problems = exc.value.problems
    assert problems and {p.rule for p in problems} == {rule}
    assert all(p.pointer.startswith("/") and p.file == definition.code for p in problems)
    assert all(p.format().isprintable() for p in problems)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(ItemVersion)).scalar_one() == 0


def test_a_sound_definition_still_publishes(publish: Callable[[ItemDefinition], str]) -> None:
    assert publish(food_definition()) == food_definition().code


@pytest.mark.parametrize(
    ("canonical", "rule"),
    [
        (lambda text: text.replace("食品", "食物", 1), "sha256"),
        (lambda text: text.replace('"name":"', '"name":"\\u0000', 1), "schema"),
        (lambda text: "[" * 5000, "schema"),
    ],
)
def test_a_stored_version_altered_in_the_database_is_a_definition_error(
    publish: Callable[[ItemDefinition], str],
    sessions: sessionmaker[Session],
    canonical: Callable[[str], str],
    rule: str,
) -> None:
    publish(food_definition())
    with sessions() as s:
        row = s.execute(select(ItemVersion)).scalar_one()
        row.canonical = canonical(row.canonical)
        s.commit()
        version_id = row.id
    with sessions() as s, pytest.raises(DefinitionError) as exc:
        Catalog().by_id(s, version_id)
    assert {p.rule for p in exc.value.problems} == {rule}
