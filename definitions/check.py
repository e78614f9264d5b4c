"""Checking definitions: structure, conditions, routes, then every reform rule.

:func:`check_definition` returns every problem of one definition at once;
:func:`check_catalog` adds the rules that look at the whole catalogue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from definitions.conditions import AnyCondition, atoms
from definitions.fees import explicit_problems, fee_problems
from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.limits import MAX_GROUP_DEPTH, ReadLimits
from definitions.loading import Loaded, definition_files, load_path
from definitions.models import FormField, Handling, ItemDefinition, StepKind
from definitions.problems import Problem, Severity, pointer
from definitions.rules import RuleSettings, catalog_rules, item_rules
from definitions.satisfiability import satisfiable


@dataclass
class CheckContext:
    settings: RuleSettings = field(default_factory=RuleSettings)
    registry: FieldTypeRegistry = field(default_factory=default_registry)
    #: Domains of the organisation, when known: a step `at`/countersign naming another is an error.
    known_domains: frozenset[str] | None = None
    #: Bounds on reading definition files (size, nesting, number literals).
    limits: ReadLimits = field(default_factory=ReadLimits)
    #: Deepest nesting of repeating groups allowed here (``Settings.max_group_depth``; the
    #: language's own bound is :data:`~definitions.limits.MAX_GROUP_DEPTH`).
    max_group_depth: int = MAX_GROUP_DEPTH


def _kind(registry: FieldTypeRegistry, f: FormField) -> str:
    plugin = registry[f.type]
    return "array" if plugin.holds_array(f) else plugin.value_kind


def _dupes(keys: Sequence[str]) -> set[str]:
    return {k for k, n in Counter(keys).items() if n > 1}


class _Checker:
    def __init__(self, definition: ItemDefinition, file: str, ctx: CheckContext):
        self.d = definition
        self.file = file
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.reg = ctx.registry

    def add(self, ptr: str, message: str, rule: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.file, ptr, message, rule, severity))

    # -- fields ---------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        d = self.d
        top: list[tuple[str, FormField]] = []
        for si, section in enumerate(d.form.sections):
            for fi, f in enumerate(section.fields):
                top.append((pointer("form", "sections", si, "fields", fi), f))
        self.check_level(top)
        top_fields = {f.key: f for _, f in top}
        kinds = {k: _kind(self.reg, f) for k, f in top_fields.items()}
        self.check_unique("materials", [m.key for m in d.materials], "材料")
        self.check_unique("steps", [s.key for s in d.steps], "环节")
        self.check_unique("fees", [f.key for f in d.fees], "收费项")
        for i, m in enumerate(d.materials):
            if m.required and m.required_when is not None:
                self.add(
                    pointer("materials", i),
                    "required 与 required_when 不能同时给出",
                    "required-conflict",
                )
            if m.required_when is not None:
                self.check_condition(
                    m.required_when,
                    top_fields,
                    pointer("materials", i, "required_when"),
                    f"材料“{m.name}”",
                    kinds,
                )
        for i, s in enumerate(d.steps):
            if s.when is not None:
                self.check_condition(
                    s.when, top_fields, pointer("steps", i, "when"), f"环节“{s.key}”", kinds
                )
        numeric = frozenset(
            k for k, f in top_fields.items() if self.reg[f.type].value_kind in ("number", "integer")
        )
        steps = [(s.key, s.kind.value) for s in d.steps]
        for i, fee in enumerate(d.fees):
            if fee.when is not None:
                self.check_condition(
                    fee.when, top_fields, pointer("fees", i, "when"), f"收费项“{fee.name}”", kinds
                )
            for ptr, message, rule in fee_problems(i, fee, numeric, frozenset(top_fields), steps):
                self.add(ptr, message, rule)
        said = "fees" in d.model_fields_set
        for ptr, message, rule, error in explicit_problems(len(d.fees), d.no_fee is not None, said):
            self.add(ptr, message, rule, Severity.ERROR if error else Severity.WARNING)
        for i, key in enumerate(d.disclosure.result_fields):
            if key not in top_fields:
                self.add(
                    pointer("disclosure", "result_fields", i),
                    f"公示字段“{key}”不在表单中",
                    "result-fields",
                )
        refs = d.basis_refs()
        self.check_unique("basis", [b.ref for b in d.basis], "依据", attr="ref")
        if d.limits.basis is not None and d.limits.basis not in refs:
            self.add(
                pointer("limits", "basis"),
                f"法定时限引用的依据“{d.limits.basis}”不在 basis 中",
                "basis-ref",
            )
        if d.limits.extension_basis is not None and d.limits.extension_basis not in refs:
            self.add(
                pointer("limits", "extension_basis"),
                f"延期引用的依据“{d.limits.extension_basis}”不在 basis 中",
                "basis-ref",
            )
        if d.limits.supplement_basis is not None and d.limits.supplement_basis not in refs:
            self.add(
                pointer("limits", "supplement_basis"),
                f"补充申请内容引用的依据“{d.limits.supplement_basis}”不在 basis 中",
                "basis-ref",
            )
        self.check_steps()
        return self.problems

    def check_unique(self, where: str, keys: Sequence[str], what: str, attr: str = "key") -> None:
        for dup in sorted(_dupes(keys)):
            idx = [i for i, k in enumerate(keys) if k == dup][1]
            self.add(pointer(where, idx, attr), f"{what}键“{dup}”重复", "duplicate-key")

    def check_level(self, fields: list[tuple[str, FormField]], depth: int = 0) -> None:
        """One form level (``depth``: the groups it is inside), then each group's rows."""
        keys = [f.key for _, f in fields]
        for dup in sorted(_dupes(keys)):
            ptr = [p for p, f in fields if f.key == dup][1]
            self.add(ptr + "/key", f"字段键“{dup}”重复", "duplicate-key")
        by_key = {f.key: f for _, f in fields}
        kinds = {k: _kind(self.reg, f) for k, f in by_key.items()}
        for ptr, f in fields:
            plugin = self.reg[f.type]
            for issue in plugin.check(f):
                self.add(ptr + pointer(*issue.path), issue.message, issue.rule)
            if f.required and f.required_when is not None:
                self.add(ptr, "required 与 required_when 不能同时给出", "required-conflict")
            for attr in ("visible_when", "required_when"):
                cond = getattr(f, attr)
                if cond is not None:
                    self.check_condition(cond, by_key, f"{ptr}/{attr}", f"字段“{f.label}”", kinds)
            if f.fields and self.reg[f.type].container and depth + 1 > self.ctx.max_group_depth:
                self.add(
                    ptr,
                    f"重复分组“{f.label}”在第 {depth + 1} 层，本县最多允许 {self.ctx.max_group_depth} 层嵌套",
                    "group-depth",
                )
            elif f.fields:
                rows = [(f"{ptr}/fields/{i}", sub) for i, sub in enumerate(f.fields)]
                self.check_level(rows, depth + 1)
        self.check_cycles(fields)

    def check_condition(
        self,
        cond: AnyCondition,
        scope: dict[str, FormField],
        ptr: str,
        owner: str,
        kinds: dict[str, str],
    ) -> None:
        ok = True
        for atom in atoms(cond):
            f = scope.get(atom.field)
            if f is None:
                self.add(
                    ptr,
                    f"{owner}的条件引用了不存在的字段“{atom.field}”（条件只能引用同一层级的字段）",
                    "condition-field",
                )
                ok = False
                continue
            plugin = self.reg[f.type]
            if not plugin.comparable:
                self.add(
                    ptr,
                    f"{owner}的条件比较了不能比较的字段“{atom.field}”（{f.type}）",
                    "condition-type",
                )
                ok = False
                continue
            op = atom.op
            values = atom.value if op == "in" else [atom.value]
            if op in ("gt", "gte", "lt", "lte") and plugin.value_kind not in ("number", "integer"):
                self.add(
                    ptr, f"{owner}的条件对非数值字段“{atom.field}”使用了 {op}", "condition-type"
                )
                ok = False
                continue
            bad = [v for v in values if not plugin.condition_value_ok(f, v)]
            if bad:
                self.add(
                    ptr,
                    f"{owner}的条件把字段“{atom.field}”（{f.type}）与类型或取值不符的值 {bad[0]!r} 比较",
                    "condition-type",
                )
                ok = False
        if ok and satisfiable(cond, kinds) is False:
            self.add(ptr, f"{owner}的条件永远不能成立", "condition-unsatisfiable")

    def check_cycles(self, fields: list[tuple[str, FormField]]) -> None:
        deps = {
            f.key: {a.field for a in atoms(f.visible_when)}
            for _, f in fields
            if f.visible_when is not None
        }
        ptrs = {f.key: p for p, f in fields}
        state: dict[str, int] = {}

        def visit(k: str, trail: list[str]) -> list[str] | None:
            if state.get(k) == 1:
                return [*trail[trail.index(k) :], k] if k in trail else [k, k]
            if state.get(k) == 2:
                return None
            state[k] = 1
            for dep in sorted(deps.get(k, ())):
                found = visit(dep, [*trail, k])
                if found:
                    return found
            state[k] = 2
            return None

        for key in sorted(deps):
            cycle = visit(key, [])
            if cycle:
                self.add(
                    ptrs[cycle[0]] + "/visible_when",
                    "显示条件循环依赖：" + " → ".join(cycle),
                    "condition-cycle",
                )
                return

    # -- steps ----------------------------------------------------------------------------

    def check_steps(self) -> None:
        d = self.d
        known = self.ctx.known_domains
        terminal = (StepKind.COMPLETE, StepKind.DELIVER)
        for i, s in enumerate(d.steps):
            ptr = pointer("steps", i)
            if known is not None and s.at not in ("window", "owner") and s.at not in known:
                self.add(ptr + "/at", f"环节办理地点“{s.at}”不是组织中的部门或大厅", "step-at")
            for j, dep in enumerate(s.departments or []):
                if known is not None and dep not in known:
                    self.add(f"{ptr}/departments/{j}", f"会签部门“{dep}”不在组织中", "step-at")
                if dep == d.owner:
                    self.add(f"{ptr}/departments/{j}", "会签部门不应包含主办部门本身", "step-at")
            if (
                s.kind in (StepKind.ACCEPT, StepKind.COMPLETE, StepKind.DELIVER, StepKind.FORWARD)
                and s.at != "window"
            ):
                self.add(
                    ptr + "/at",
                    f"{s.kind.value} 环节只能在受理窗口办理（at 应为 window）",
                    "step-at",
                )
        # Routes: steps run in order, skipping those whose condition is false. A route ends
        # when it reaches an unconditional complete/deliver step; what comes after the last
        # such step that is not a delivery is unreachable.
        end = next(
            (i for i, s in enumerate(d.steps) if s.kind in terminal and s.when is None), None
        )
        if end is not None:
            for j in range(end + 1, len(d.steps)):
                s = d.steps[j]
                if s.kind is not StepKind.DELIVER or any(
                    t.kind is StepKind.DELIVER and t.when is None for t in d.steps[end + 1 : j]
                ):
                    self.add(
                        pointer("steps", j),
                        f"环节“{s.key}”在办结之后，永远不会执行",
                        "route-unreachable",
                    )
        kinds = {f.key: _kind(self.reg, f) for f in d.form.all_fields()}
        for i, s in enumerate(d.steps):
            if s.when is not None and satisfiable(s.when, kinds) is False:
                self.add(
                    pointer("steps", i, "when"),
                    f"环节“{s.key}”的条件永远不能成立，该环节不可达",
                    "route-unreachable",
                )
        decided = False
        for i, s in enumerate(d.steps):
            if s.kind is StepKind.DECIDE:
                decided = True
            if s.kind is StepKind.COMPLETE and d.handling is not Handling.INSTANT and not decided:
                self.add(pointer("steps", i), "办结环节之前没有决定（decide）环节", "route-order")
        if d.handling is Handling.REPORTED:
            fwd = [i for i, s in enumerate(d.steps) if s.kind is StepKind.FORWARD]
            dec = [i for i, s in enumerate(d.steps) if s.kind is StepKind.DECIDE]
            if not fwd:
                self.add(pointer("steps"), "上报件必须有上报（forward）环节", "reported-forward")
            elif dec and fwd[0] > dec[0]:
                self.add(pointer("steps", fwd[0]), "上报环节必须在决定环节之前", "reported-forward")
        if d.handling is Handling.JOINT and not any(
            s.kind is StepKind.COUNTERSIGN for s in d.steps
        ):
            self.add(pointer("steps"), "联办件必须有会签（countersign）环节", "joint-countersign")


def check_definition(
    definition: ItemDefinition, file: str = "<definition>", ctx: CheckContext | None = None
) -> list[Problem]:
    """Every structural problem and every item rule's finding for one definition.

    Never raises: should a check itself fail (a fault of ours, not of the definition), the
    failure is one problem with rule ``internal`` and the other checks still run."""
    ctx = ctx or CheckContext()
    try:
        problems = _Checker(definition, file, ctx).run()
    except Exception as exc:  # reported as a problem: never hides the other files' reports
        problems = [internal_problem(file, "结构检查", exc)]
    for rule in item_rules():
        try:
            for ptr, message in rule.check(definition, ctx.settings):
                problems.append(Problem(file, ptr, message, rule.id, rule.severity))
        except Exception as exc:
            problems.append(internal_problem(file, f"规则 {rule.id}", exc))
    return problems


def internal_problem(file: str, what: str, exc: BaseException) -> Problem:
    """A check that failed on this definition, as a problem (the file is not usable)."""
    return Problem(file, "", f"{what}无法完成（{type(exc).__name__}），请报告此问题", "internal")


def check_loaded(items: Iterable[Loaded], ctx: CheckContext | None = None) -> list[Problem]:
    ctx = ctx or CheckContext()
    items = list(items)
    problems: list[Problem] = []
    for item in items:
        problems.extend(item.problems)
        if item.definition is not None:
            problems.extend(check_definition(item.definition, item.file, ctx))
    good = [(i.file, i.definition) for i in items if i.definition is not None]
    for rule in catalog_rules():
        try:
            for file, ptr, message in rule.check_catalog(good, ctx.settings):
                problems.append(Problem(file, ptr, message, rule.id, rule.severity))
        except Exception as exc:
            problems.append(internal_problem("<catalog>", f"目录规则 {rule.id}", exc))
    return problems


def check_paths(
    paths: list[Path], ctx: CheckContext | None = None
) -> tuple[list[Loaded], list[Problem]]:
    """Read and check every definition under ``paths``; each file is reported, whatever
    the others hold."""
    ctx = ctx or CheckContext()
    items = [_load_safely(p, ctx.limits) for p in definition_files(paths)]
    return items, check_loaded(items, ctx)


def _load_safely(path: Path, limits: ReadLimits) -> Loaded:
    try:
        return load_path(path, limits)
    except Exception as exc:
        return Loaded(str(path), None, None, [internal_problem(str(path), "读取", exc)])


CheckFn = Callable[[ItemDefinition], Iterator[tuple[str, str]]]
