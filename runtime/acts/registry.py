"""One registry of the acts on a case: what each act is called, when the state machine
allows it (its guard), the buttons it is offered as, its arguments from posted text, and
the sentence that reports it done.

Family modules register their acts with :func:`act`; ``CaseService`` performs them
(running the guard before the body) and :func:`possible` answers, for a case and a user,
which acts may be performed now: the guard (state machine) and the permission. The desk,
the API and the case page ask it; nothing else in the house knows the state machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Concatenate, Generic, ParamSpec, TypedDict

from rbac.permissions import Authorizer
from rbac.targets import CaseTarget
from runtime.acts.context import Ctx, Situation

P = ParamSpec("P")
#: A guard: why the act (in the choice named, or None) cannot be performed now, or None.
Guard = Callable[[Situation, str | None], str | None]


class When(TypedDict, total=False):
    """The options every act on a stored case takes besides its own arguments."""

    expected_version: int | None
    at: datetime | None


class Texts:
    """Posted text values (a form or an API body), by name."""

    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self.values = values

    def one(self, name: str) -> str:
        got = self.values.get(name) or [""]
        return str(got[-1]).strip()

    def many(self, name: str) -> list[str]:
        return [str(v) for v in self.values.get(name) or []]


@dataclass(frozen=True)
class Offer:
    """One button: an act (in one of its choices) the user may perform now."""

    act: str
    label: str
    value: str | None = None
    reason: str | None = None  # label of the reason box, when the act takes one
    danger: bool = False
    days: bool = False
    payment: bool = False
    materials: tuple[tuple[str, str], ...] = ()  # (key, name) to tick as received
    quantities: tuple[tuple[str, str], ...] = ()  # (input name, label) of numbers to enter


@dataclass(frozen=True)
class Choice:
    """One way of performing an act (``decide``: approve or deny), as a button."""

    label: str | Callable[[Situation], str]
    value: str | None = None
    reason: str | None = None
    danger: bool = False
    days: bool = False
    payment: bool = False
    materials: Callable[[Situation], tuple[tuple[str, str], ...]] | None = None
    quantities: Callable[[Situation], tuple[tuple[str, str], ...]] | None = None

    def offer(self, act: str, s: Situation) -> Offer:
        return Offer(
            act,
            self.label if isinstance(self.label, str) else self.label(s),
            self.value,
            self.reason,
            self.danger,
            self.days,
            self.payment,
            self.materials(s) if self.materials is not None else (),
            self.quantities(s) if self.quantities is not None else (),
        )


def _no_choice(args: Mapping[str, Any]) -> str | None:
    return None


def _nothing(texts: Texts) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ActSpec(Generic[P]):
    """An act: its body (``body(ctx, **arguments)``) and what the registry knows of it."""

    name: str
    rank: int
    body: Callable[Concatenate[Ctx, P], None]
    guard: Guard | None
    choices: tuple[Choice, ...]
    #: the act's keyword arguments from posted text (None: not performed from a form)
    from_text: Callable[[Texts], dict[str, Any]] | None
    #: the sentence reporting it done, from its arguments
    done: Callable[[Mapping[str, Any]], str]
    #: which choice the arguments make (decide: approve / deny)
    choice_of: Callable[[Mapping[str, Any]], str | None]
    #: a second act whose permission it needs in this situation (return at a decide step)
    also_needs: Callable[[Situation], str | None] | None
    #: offered only where this holds (the act would be refused for its input otherwise)
    offer_if: Callable[[Situation], bool] | None
    #: performed by the system only, with no permission asked (never offered)
    system: bool

    def refusal(self, s: Situation, choice: str | None) -> str | None:
        return None if self.guard is None else self.guard(s, choice)

    def offered(self, s: Situation) -> list[Choice]:
        if self.offer_if is not None and not self.offer_if(s):
            return []
        return [ch for ch in self.choices if self.refusal(s, ch.value) is None]


ACTS: dict[str, ActSpec[Any]] = {}
_ORDER: list[ActSpec[Any]] = []


def act(
    name: str,
    *,
    rank: int,
    guard: Guard | None = None,
    choices: Sequence[Choice] = (),
    text: Callable[[Texts], dict[str, Any]] | None = _nothing,
    done: str | Callable[[Mapping[str, Any]], str] = "",
    choice_of: Callable[[Mapping[str, Any]], str | None] = _no_choice,
    also_needs: Callable[[Situation], str | None] | None = None,
    offer_if: Callable[[Situation], bool] | None = None,
    system: bool = False,
) -> Callable[[Callable[Concatenate[Ctx, P], None]], ActSpec[P]]:
    """Register the decorated function as the body of act ``name``."""

    def register(body: Callable[Concatenate[Ctx, P], None]) -> ActSpec[P]:
        said = done
        spec = ActSpec(
            name,
            rank,
            body,
            guard,
            tuple(choices),
            text,
            said if callable(said) else (lambda _args: str(said)),
            choice_of,
            also_needs,
            offer_if,
            system,
        )
        if name in ACTS:
            raise ValueError(f"act {name} registered twice")
        ACTS[name] = spec
        _ORDER.append(spec)
        _ORDER.sort(key=lambda s: s.rank)
        return spec

    return register


def specs() -> Iterator[ActSpec[Any]]:
    """Every registered act, in the order its buttons are shown."""
    return iter(_ORDER)


def offers(s: Situation) -> list[Offer]:
    """What the state machine allows on the case now, before asking who may do it."""
    return [ch.offer(spec.name, s) for spec in _ORDER for ch in spec.offered(s)]


def possible(
    authorizer: Authorizer, username: str, s: Situation, target: CaseTarget
) -> list[Offer]:
    """The acts ``username`` may perform on the case now (state machine and permission),
    as buttons; acts that take no posted text (补正 with a new form) are not buttons."""
    out: list[Offer] = []
    for spec in _ORDER:
        if spec.from_text is None or spec.system:
            continue
        chosen = spec.offered(s)
        if not chosen:
            continue
        decision = authorizer.can(username, spec.name, target)
        if not decision.allowed:
            continue
        extra = spec.also_needs(s) if spec.also_needs is not None else None
        if extra is not None and not authorizer.can(username, extra, target).allowed:
            continue
        mine = replace(s, decision=decision)  # some guards ask whose turn it is
        out += [ch.offer(spec.name, s) for ch in chosen if spec.refusal(mine, ch.value) is None]
    return out
