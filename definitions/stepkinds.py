"""Step kinds are plugins: a kind knows its Chinese name, the keys a step of its kind takes
(and must take), and the act that finishes such a step.

A county's own kind is a named variant of a built-in one (``like``): 村（居）民委员会评议 that
the house runs as a review. The definition keeps the county's name (its canonical JSON, the
desk's label); the acts, guards and reform rules see the built-in behaviour.

The built-ins register through :meth:`~definitions.registry.Registry.register`, the same
hook as field types and special-procedure kinds; the step model asks the kind which keys
it accepts instead of listing kinds itself, and the registry handed to the compiler is the
one that validates (:mod:`definitions.plugins`).
"""

from __future__ import annotations

from dataclasses import dataclass

from definitions.registry import Registry

#: Keys of a step every kind accepts (``unit``: a budget in working or calendar days).
STEP_COMMON_KEYS: frozenset[str] = frozenset(
    {"key", "kind", "name", "at", "role", "days", "unit", "when", "requires_payment"}
)


@dataclass(frozen=True, slots=True)
class StepKindPlugin:
    name: str
    title: str  # what the desk and the applicant read (审查, 特别程序 …)
    act: str  # the act that finishes a step of this kind
    keys: frozenset[str] = frozenset()  # keys beyond STEP_COMMON_KEYS it accepts
    required: frozenset[str] = frozenset()  # of those, the ones it must be given
    meaning: str = ""
    like: str | None = None  # a county's kind: the built-in kind whose behaviour it takes

    def problems(self, given: set[str]) -> list[str]:
        """What is wrong with a step of this kind that gives ``given`` keys."""
        out = [
            f"{self.title}环节（kind={self.name}）必须给出 {k}"
            for k in sorted(self.required - given)
        ]
        extra = sorted(given - self.keys - STEP_COMMON_KEYS)
        if extra:
            out.append(f"{self.title}环节（kind={self.name}）不能给出 {'、'.join(extra)}")
        return out


class StepKindRegistry(Registry[StepKindPlugin]):
    what = "环节类型"
    kind = "step kind"

    def accept(self, plugin: StepKindPlugin) -> None:
        if plugin.like is not None:
            base = self.get(plugin.like)
            if base is None or base.like is not None:
                raise ValueError(
                    f"step kind {plugin.name!r} is like {plugin.like!r}, not a built-in"
                )
            if plugin.act != base.act:
                raise ValueError(f"step kind {plugin.name!r} is finished by {base.act!r}")


_SPECIAL_KEYS = frozenset({"procedure", "counts_toward_limit"})

BUILTIN_STEP_KINDS: tuple[StepKindPlugin, ...] = (
    StepKindPlugin("accept", "受理", "accept"),
    StepKindPlugin("review", "审查", "review"),
    StepKindPlugin(
        "special", "特别程序", "finish_special", _SPECIAL_KEYS, frozenset({"procedure"})
    ),
    StepKindPlugin("decide", "决定", "decide"),
    StepKindPlugin(
        "countersign", "会签", "countersign", frozenset({"departments"}), frozenset({"departments"})
    ),
    StepKindPlugin("forward", "上报", "forward", frozenset({"to"}), frozenset({"to"})),
    StepKindPlugin("complete", "办结", "complete"),
    StepKindPlugin("deliver", "送达", "deliver"),
)


def register_builtin_step_kinds(registry: StepKindRegistry) -> None:
    for kind in BUILTIN_STEP_KINDS:
        registry.register(kind)


_default: StepKindRegistry | None = None


def default_step_kinds() -> StepKindRegistry:
    global _default
    if _default is None:
        reg = StepKindRegistry()
        register_builtin_step_kinds(reg)
        _default = reg
    return _default
