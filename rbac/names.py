"""Names resolve: every domain and role a definition names exists in the organisation.

A definition names domains (``owner``, ``levels.accept``, a step's ``at``, a countersign's
``departments``, a forward's ``to``, ``limits.extension_at``) and, for each step, the role
that performs it. A name the organisation does not know passes the definition's own checks
(``definitions`` imports nothing of ours and knows no organisation), but a case routed
there waits for good: nobody can countersign, return or decide it. So the names are
checked against the organisation here, where both are known:

* publishing refuses a definition with such an error (``runtime.publishing``);
* ``banshi definitions check`` reports them, with the JSON pointer, when a database with
  an organisation is configured;
* an organisation change that would leave a published item with nobody to perform one of
  its steps is refused (``runtime.org_guard``), or reported when forced.

A step can be performed in a domain when an active person holds a standing grant there
whose role carries the step's act family (rbac/policy.py ``ROLE_POLICY``): a reviewer or
the chief representative reviews, only the chief representative decides (首席代表制: the
department head never does). Dated delegations do not count: they end.

Where a step runs at the accepting window of a pattern (``township.*``), each township the
pattern matches is looked at: none able to perform the step is an error, some is a warning.
Before any organisation is loaded nothing is checked (there is nothing to check against).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from definitions.models import ItemDefinition, Step, StepKind
from definitions.problems import Problem, Severity, pointer
from rbac.policy import HERE, ROLE_NAMES, ROLE_POLICY, OrgData
from rbac.targets import pattern_matches

RULE = "org-names"

#: The act family each step kind is performed with (rbac/acts.py ACT_FAMILY).
STEP_FAMILY: dict[StepKind, str] = {
    StepKind.ACCEPT: "window",
    StepKind.COMPLETE: "window",
    StepKind.DELIVER: "window",
    StepKind.FORWARD: "window",
    StepKind.REVIEW: "step",
    StepKind.SPECIAL: "step",
    StepKind.DECIDE: "decision",
    StepKind.COUNTERSIGN: "countersign",
}

_FAMILY_ROLES: dict[str, frozenset[str]] = {}
for _role, _family, _scope in ROLE_POLICY:
    if _scope == HERE:
        _FAMILY_ROLES[_family] = _FAMILY_ROLES.get(_family, frozenset()) | {_role}


@dataclass(frozen=True)
class OrgNames:
    """What of an organisation the name check needs: the domains, and the roles that active
    people hold (standing grants) in each."""

    domains: frozenset[str]
    held: dict[str, frozenset[str]]

    @classmethod
    def of(cls, org: OrgData) -> OrgNames:
        active = {u.username for u in org.users if u.active and u.kind == "staff"}
        held: dict[str, set[str]] = {}
        for g in org.grants:
            if g.username in active:
                held.setdefault(g.domain, set()).add(g.role)
        return cls(
            frozenset(d.name for d in org.domains), {k: frozenset(v) for k, v in held.items()}
        )

    @property
    def empty(self) -> bool:
        return not self.domains

    def can(self, domain: str, family: str) -> bool:
        """Whether someone active in ``domain`` holds a role that performs ``family``."""
        return bool(self.held.get(domain, frozenset()) & _FAMILY_ROLES.get(family, frozenset()))

    def matching(self, patterns: Iterable[str]) -> list[str]:
        return sorted(d for d in self.domains if any(pattern_matches(p, d) for p in patterns))


def _who(step: Step, family: str) -> str:
    role = ROLE_NAMES.get(step.role.value, step.role.value)
    others = sorted(_FAMILY_ROLES.get(family, frozenset()) - {step.role.value})
    alt = "、".join(ROLE_NAMES.get(r, r) for r in others)
    return f"{role}（{step.role.value}）" + (f"或{alt}" if alt else "")


def name_problems(org: OrgNames, d: ItemDefinition, file: str) -> list[Problem]:
    """Every domain or role ``d`` names that ``org`` does not have (errors), and accepting
    townships where one of its window-hosted steps could not be performed (warnings)."""
    if org.empty:
        return []
    out: list[Problem] = []

    def error(where: str, message: str, severity: Severity = Severity.ERROR) -> None:
        out.append(Problem(file, where, message, RULE, severity))

    def known(name: str, where: str) -> bool:
        if name in org.domains:
            return True
        error(
            where,
            f"组织机构中没有 {name}：案件将无人办理（先在组织机构中建立该域，或改用已有的域）",
        )
        return False

    known(d.owner, pointer("owner"))
    accepting: list[str] = []
    for i, pattern in enumerate(d.levels.accept):
        if pattern.endswith(".*"):
            found = org.matching([pattern])
            if not found:
                error(pointer("levels", "accept", i), f"组织机构中没有与 {pattern} 相符的域")
            accepting += found
        elif known(pattern, pointer("levels", "accept", i)):
            accepting.append(pattern)
    ext = getattr(d.limits, "extension_at", "decider")
    if isinstance(ext, str) and ext != "decider":
        known(ext, pointer("limits", "extension_at"))

    for i, step in enumerate(d.steps):
        family = STEP_FAMILY.get(step.kind)
        if step.kind is StepKind.FORWARD and step.to not in (None, "owner"):
            known(str(step.to), pointer("steps", i, "to"))
        if family is None:
            continue
        named: list[tuple[str, str]] = []  # (domain, pointer) of exactly named domains
        if step.kind is StepKind.COUNTERSIGN and step.departments:
            named = [
                (dep, pointer("steps", i, "departments", j))
                for j, dep in enumerate(step.departments)
            ]
        elif step.at == "owner":
            named = [(d.owner, pointer("steps", i, "at"))]
        elif step.at != "window":
            named = [(step.at, pointer("steps", i, "at"))]
        for domain, where in named:
            if known(domain, where) and not org.can(domain, family):
                error(
                    pointer("steps", i, "role"),
                    f"{domain} 没有在职的{_who(step, family)}：环节“{step.name or step.key}”将无人办理",
                )
        if step.at == "window" and not named:
            # decided at the accepting township (delegated decisions) or run at the window
            where_run = (
                [a for a in accepting if a.startswith("township.")]
                if step.kind is StepKind.DECIDE and d.levels.decide == "township"
                else accepting
            )
            missing = [a for a in where_run if not org.can(a, family)]
            if where_run and len(missing) == len(where_run):
                error(
                    pointer("steps", i, "role"),
                    f"受理地（{'、'.join(where_run)}）都没有在职的{_who(step, family)}："
                    f"环节“{step.name or step.key}”将无人办理",
                )
            elif missing:
                error(
                    pointer("steps", i, "role"),
                    f"{'、'.join(missing)} 没有在职的{_who(step, family)}：在那里受理的案件，"
                    f"环节“{step.name or step.key}”将无人办理",
                    Severity.WARNING,
                )
    return out


def catalog_name_problems(
    org: OrgNames, items: Sequence[tuple[str, ItemDefinition]]
) -> list[Problem]:
    return [p for file, d in items for p in name_problems(org, d, file)]


def orphaned(
    before: OrgData, after: OrgData, items: Sequence[tuple[str, ItemDefinition]]
) -> list[Problem]:
    """The errors that a change of the organisation from ``before`` to ``after`` would
    newly cause in the published ``items`` (those already there are not the change's)."""
    old = {
        (p.file, p.pointer, p.message)
        for p in catalog_name_problems(OrgNames.of(before), items)
        if p.severity is Severity.ERROR
    }
    return [
        p
        for p in catalog_name_problems(OrgNames.of(after), items)
        if p.severity is Severity.ERROR and (p.file, p.pointer, p.message) not in old
    ]
