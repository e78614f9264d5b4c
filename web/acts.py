"""The acts on a case, from a desk form post or an API call: the act registry
(runtime/acts/registry.py) turns the posted values into the act's arguments and names
what was done; the case service performs it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar.exceptions import NotFoundException

from runtime.acts.registry import ACTS, Texts
from runtime.errors import NotAllowed, NotFound
from runtime.queries import case_by_number
from runtime.service import Actor, case_target
from web.auth import CurrentUser
from web.ops import Metrics


def perform(
    house: Any,
    user: CurrentUser,
    number: str,
    act: str,
    values: Mapping[str, Sequence[str]],
    metrics: Metrics | None = None,
) -> str:
    """Run one act from a form post or an API call; returns the message shown.

    Who may not even read the case learns nothing about it: its refusal is the same 404 as
    for a case that does not exist (the case service checks permission before the version,
    so a stale ``expected_version`` tells an outsider nothing either)."""
    try:
        if metrics is None:
            return _perform(house, user, number, act, values)
        with metrics.counting(act, number):
            return _perform(house, user, number, act, values)
    except NotAllowed:
        if not may_read(house, user, number):
            raise NotFound(f"案件 {number} 不存在") from None
        raise


def may_read(house: Any, user: CurrentUser, number: str) -> bool:
    """Whether ``user`` may see case ``number`` (False when there is no such case)."""
    with house.reading() as s:
        case = case_by_number(s, house.settings.tenant, number)
        if case is None:
            return False
        pub = house.catalog.by_id(s, case.item_version_id)
        return bool(house.authorizer.can(user.username, "read", case_target(case, pub)).allowed)


def _perform(
    house: Any, user: CurrentUser, number: str, act: str, values: Mapping[str, Sequence[str]]
) -> str:
    """The act's own arguments from the posted text (the registry knows them), then the
    case service performs it; the answer is the act's sentence reporting it done."""
    spec = ACTS.get(act)
    if spec is None or spec.from_text is None or spec.system:
        raise NotFoundException(f"没有这种操作：{act}")
    texts = Texts(values)
    version_text = texts.one("expected_version")
    expected = int(version_text) if _small_number(version_text) else None
    arguments = spec.from_text(texts)
    house.cases.perform(Actor(user.username), number, act, expected_version=expected, **arguments)
    return spec.done(arguments)


def _small_number(text: str, digits: int = 9) -> bool:
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()
