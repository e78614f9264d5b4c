"""The reform rules (DESIGN §9), each held once: an id, the sentence of the reform it
enforces, a severity, and a check over one definition or over the whole catalogue.

A check yields (JSON pointer, Chinese message) for an item rule, or
(file, pointer, message) for a catalogue rule.

Each rule is registered by a call after its check function (``item_rule(...)(_check)``),
not as a decorator: mutation testing (mutmut) leaves decorated functions alone, and the
checks are exactly what it must reach.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from definitions.fieldtypes import default_registry
from definitions.models import (
    Handling,
    ItemDefinition,
    MaterialSource,
    NotifyEvent,
    Role,
    StepKind,
)
from definitions.problems import Severity, pointer


@dataclass(frozen=True)
class RuleSettings:
    #: Promised limit at most this share of the statutory one (the pilot's 52% compression).
    compression_ratio: float = 0.48


ItemCheck = Callable[[ItemDefinition, RuleSettings], Iterator[tuple[str, str]]]
CatalogCheck = Callable[
    [Sequence[tuple[str, ItemDefinition]], RuleSettings], Iterator[tuple[str, str, str]]
]


@dataclass(frozen=True)
class Rule:
    id: str
    sentence: str
    severity: Severity
    item_check: ItemCheck | None = None
    catalog_check: CatalogCheck | None = None
    #: What the rule asks of a definition, in plain words (for the administrator's guide).
    meaning: str = ""
    #: How to fix a finding of this rule.
    fix: str = ""

    @property
    def scope(self) -> str:
        return "catalog" if self.catalog_check is not None else "item"

    def check(
        self, d: ItemDefinition, settings: RuleSettings | None = None
    ) -> Iterator[tuple[str, str]]:
        if self.item_check is None:
            return iter(())
        return self.item_check(d, settings or RuleSettings())

    def check_catalog(
        self, items: Sequence[tuple[str, ItemDefinition]], settings: RuleSettings | None = None
    ) -> Iterator[tuple[str, str, str]]:
        if self.catalog_check is None:
            return iter(())
        return self.catalog_check(items, settings or RuleSettings())


RULES: list[Rule] = []


def item_rule(
    rule_id: str,
    sentence: str,
    severity: Severity = Severity.ERROR,
    *,
    meaning: str,
    fix: str,
) -> Callable[[ItemCheck], ItemCheck]:
    def register(fn: ItemCheck) -> ItemCheck:
        RULES.append(Rule(rule_id, sentence, severity, item_check=fn, meaning=meaning, fix=fix))
        return fn

    return register


def catalog_rule(
    rule_id: str,
    sentence: str,
    severity: Severity = Severity.ERROR,
    *,
    meaning: str,
    fix: str,
) -> Callable[[CatalogCheck], CatalogCheck]:
    def register(fn: CatalogCheck) -> CatalogCheck:
        RULES.append(Rule(rule_id, sentence, severity, catalog_check=fn, meaning=meaning, fix=fix))
        return fn

    return register


def item_rules() -> list[Rule]:
    return [r for r in RULES if r.item_check is not None]


def catalog_rules() -> list[Rule]:
    return [r for r in RULES if r.catalog_check is not None]


def rule_by_id(rule_id: str) -> Rule:
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


def max_promised(statutory_days: int, settings: RuleSettings) -> int:
    return math.floor(statutory_days * settings.compression_ratio + 1e-9)


def counting_days(d: ItemDefinition) -> int:
    """Working days of the steps that count toward the limit (every step, as if all run)."""
    return sum(s.days for s in d.steps if s.counts)


# ----------------------------------------------------------------------------- item rules


def _compression(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    lim = d.limits
    if d.handling is Handling.INSTANT:
        return
    if lim.promised_days > lim.statutory_days:
        yield (
            pointer("limits", "promised_days"),
            f"承诺时限 {lim.promised_days} 个工作日超过法定时限 {lim.statutory_days} 个工作日",
        )
        return
    cap = max_promised(lim.statutory_days, s)
    if lim.promised_days > cap:
        yield (
            pointer("limits", "promised_days"),
            f"承诺时限 {lim.promised_days} 个工作日超过法定时限 {lim.statutory_days} 个工作日的 "
            f"{s.compression_ratio:.0%}（最多 {cap} 个工作日）",
        )
    if lim.promised_days == 0:
        yield (
            pointer("limits", "promised_days"),
            "非即办件的承诺时限不能为 0；当场办结的事项应为即办件（instant）",
        )


item_rule(
    "compression",
    "承诺时限在法定时限基础上压缩52%以上（承诺时限不超过法定时限的48%）",
    meaning="承诺时限（limits.promised_days）不得超过法定时限（limits.statutory_days）的 48%（比例可设置），即在法定时限基础上压缩 52% 以上；非即办件的承诺时限也不能为 0。",
    fix="把 promised_days 改为不超过提示的最多天数；法定时限填错的，按依据更正 statutory_days；当场办结的事项把 handling 改为 instant。",
)(_compression)


def _step_days(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    if d.handling is Handling.INSTANT:
        return
    total = counting_days(d)
    if total > d.limits.promised_days:
        yield (
            pointer("steps"),
            f"计入时限的环节共 {total} 个工作日，超过承诺时限 {d.limits.promised_days} 个工作日",
        )


item_rule(
    "step-days",
    "各环节时限之和不超过承诺时限（不计时的特别程序另计）",
    meaning="计入时限的各环节 days 之和（不计时的特别程序除外）不得超过承诺时限：流程的时间预算必须装得进对申请人的承诺。",
    fix="缩短某些环节的 days，或把依法不计时的特别程序标为 counts_toward_limit: false；不要靠放宽承诺时限来凑。",
)(_step_days)


def _instant(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    fallback = d.limits.fallback_days
    if d.handling is not Handling.INSTANT:
        if fallback is not None:
            yield pointer("limits", "fallback_days"), "只有即办件可以设置 fallback_days"
        return
    if d.limits.extension_days:
        yield (
            pointer("limits", "extension_days"),
            "即办件当场办结，没有可以延长的期限：删除 extension_days（不能当场办结的，用 fallback_days 转为承诺件）",
        )
    if fallback is not None and fallback > d.limits.statutory_days:
        yield (
            pointer("limits", "fallback_days"),
            f"不能当场办结时的承诺时限 {fallback} 个工作日超过法定时限 {d.limits.statutory_days} 个工作日",
        )
    if d.limits.promised_days != 0:
        yield pointer("limits", "promised_days"), "即办件的承诺时限必须为 0（当场办结）"
    if len(d.steps) > 2:
        yield pointer("steps"), f"即办件最多两个环节，现有 {len(d.steps)} 个"
    for i, step in enumerate(d.steps):
        if step.days != 0:
            yield pointer("steps", i, "days"), "即办件的环节不计时，days 必须为 0"
        if step.kind is StepKind.SPECIAL:
            yield pointer("steps", i), "即办件不能有特别程序"


item_rule(
    "instant",
    "即办件当场办结：不计时限，办理环节不超过两个",
    meaning="即办件当场办结：承诺时限为 0，各环节 days 为 0，最多两个环节（受理、办结或送达），不能有特别程序，也不能延期（extension_days）。"
    "当场办不完时按 limits.fallback_days 转为承诺件（只有即办件可设，不超过法定时限）。",
    fix="把 promised_days 和各环节 days 改为 0，只保留受理和办结（或送达），删除 extension_days；确需审查、勘查的，改为承诺件（promised）。",
)(_instant)


def _chief_decides(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    for i, step in enumerate(d.steps):
        if step.role is Role.DEPARTMENT_HEAD:
            yield pointer("steps", i, "role"), "部门负责人不再直接办理审批环节"
        if (
            step.kind in (StepKind.DECIDE, StepKind.COUNTERSIGN)
            and step.role is not Role.CHIEF_REPRESENTATIVE
        ):
            yield (
                pointer("steps", i, "role"),
                f"{step.kind.value} 环节必须由首席代表（chief_representative）办理",
            )
        if step.kind is StepKind.DECIDE:
            allowed = {"owner"} | ({"window"} if d.levels.decide == "township" else set())
            if step.at not in allowed and step.at != d.owner:
                yield (
                    pointer("steps", i, "at"),
                    "决定环节必须由主办部门（owner）的首席代表办理（下放乡镇决定的事项在受理窗口所在乡镇）",
                )
    if d.handling is not Handling.INSTANT and not any(st.kind is StepKind.DECIDE for st in d.steps):
        yield pointer("steps"), "非即办件必须有决定（decide）环节"


item_rule(
    "chief-decides",
    "首席代表对本部门审批事项全权负责，部门负责人不再直接审批",
    meaning="决定和会签环节由首席代表（chief_representative）在主办部门办理；部门负责人（department_head）不再直接审批；非即办件必须有决定环节。",
    fix="把决定、会签环节的 role 改为 chief_representative，at 改为 owner（委托乡镇决定的为 window）；删除 role 为 department_head 的环节；非即办件补一个 decide 环节。",
)(_chief_decides)


def _window_only(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    first, last = d.steps[0], d.steps[-1]
    if first.kind is not StepKind.ACCEPT or first.at != "window" or first.when is not None:
        yield pointer("steps", 0), "第一个环节必须是窗口无条件受理（kind accept, at window）"
    if first.role is not Role.WINDOW_CLERK:
        yield pointer("steps", 0, "role"), "受理环节由窗口工作人员（window_clerk）办理"
    if (
        last.kind not in (StepKind.COMPLETE, StepKind.DELIVER)
        or last.at != "window"
        or last.when is not None
    ):
        yield (
            pointer("steps", len(d.steps) - 1),
            "最后一个环节必须是窗口无条件办结或送达（complete/deliver, at window）",
        )
    if last.role is not Role.WINDOW_CLERK:
        yield (
            pointer("steps", len(d.steps) - 1, "role"),
            "办结/送达环节由窗口工作人员（window_clerk）办理",
        )


item_rule(
    "window-only",
    "窗口是申请人唯一的接触点：首个环节在窗口受理，最后环节在窗口办结或送达",
    meaning="窗口是申请人唯一的接触点：第一个环节是窗口无条件受理，最后一个环节是窗口无条件办结或送达，均由窗口工作人员办理。",
    fix="第一个环节写 kind accept、at window、role window_clerk 且不带 when；最后一个环节写 kind complete 或 deliver、at window、role window_clerk 且不带 when。",
)(_window_only)


def _route_ends(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    terminal = (StepKind.COMPLETE, StepKind.DELIVER)
    if not any(st.kind in terminal and st.when is None for st in d.steps):
        yield (
            pointer("steps"),
            "办理路径不能办结：没有无条件的办结（complete）或送达（deliver）环节",
        )


item_rule(
    "route-ends",
    "每一条办理路径都能到达办结或送达",
    meaning="无论条件如何，每一条办理路径都要能办结：至少有一个无条件的办结或送达环节。",
    fix="去掉办结（complete）或送达（deliver）环节上的 when，或增加一个无条件的办结环节。",
)(_route_ends)


def _special_off_window(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    township_only = bool(d.levels.accept) and all(
        p.startswith("township.") for p in d.levels.accept
    )
    for i, step in enumerate(d.steps):
        if step.kind not in (StepKind.SPECIAL, StepKind.REVIEW):
            continue
        if step.at == "window" and not township_only:
            yield (
                pointer("steps", i, "at"),
                "审查和特别程序由部门办理，不在县级窗口；只在乡镇受理的事项才可在受理乡镇办理（at: window）",
            )
        if step.role not in (Role.REVIEWER, Role.CHIEF_REPRESENTATIVE):
            yield pointer("steps", i, "role"), "审查和特别程序由审查人员（reviewer）或首席代表办理"


item_rule(
    "special-off-window",
    "现场勘查、专家论证、集体研究等由窗口转部门办理，办完回到窗口；乡镇受理的事项，审查、入户调查和公示可在受理乡镇办理",
    meaning="审查和特别程序（现场勘查、专家论证、集体研究、公示等）由审查人员或首席代表办理，不由窗口受理人员办理。"
    "窗口规则管的是申请人面对谁，而不是环节在哪里办：只在乡镇受理的事项（levels.accept 只含 township.*、township.<乡镇>），"
    "审查和特别程序可以写 at: window，在受理乡镇办理（上报件由乡镇审核、入户调查、在村公示后再上报县级部门，《社会救助暂行办法》第十一条）；"
    "县政务服务中心受理的事项，审查和特别程序转主办部门办理，办完回到窗口。",
    fix="把 review、special 环节的 role 改为 reviewer 或 chief_representative；县级窗口也受理的事项，把这些环节的 at 改为 owner（或部门编号）；"
    "确属乡镇办理的，让 levels.accept 只含乡镇。",
)(_special_off_window)


def _fee_basis(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    refs = d.basis_refs()
    free = d.no_fee.basis if d.no_fee is not None else None
    if free is not None and free not in refs and "《" not in free:
        yield (
            pointer("no_fee", "basis"),
            f"不收费的依据“{free}”既不是 basis 中的 ref，也不是法规名称",
        )
    for i, fee in enumerate(d.fees):
        if not fee.basis or not fee.basis.strip():
            yield pointer("fees", i, "basis"), f"收费项“{fee.name}”没有法定依据"
        elif fee.basis in refs or "《" in fee.basis:
            continue
        else:
            yield (
                pointer("fees", i, "basis"),
                f"收费项“{fee.name}”的依据“{fee.basis}”既不是 basis 中的 ref，也不是法规名称",
            )


item_rule(
    "fee-basis",
    "收费必须有法定依据，没有依据不得收费",
    meaning="每一项收费都必须有法定依据，没有依据不得收费。依据写 basis 中某一条的 ref，或带书名号的文件名称。",
    fix="在 fees 的 basis 中填 basis 列表里某一条的 ref（或《文件名称》）；找不到依据的收费应删除。",
)(_fee_basis)


def _devolution(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    townships = [p for p in d.levels.accept if p.startswith("township.")]
    if d.levels.decide == "township":
        if not townships:
            yield (
                pointer("levels", "decide"),
                "委托乡镇决定的事项必须允许乡镇受理（levels.accept 包含 township.*）",
            )
        for i, step in enumerate(d.steps):
            if step.kind is StepKind.DECIDE and step.at != "window":
                yield (
                    pointer("steps", i, "at"),
                    "委托乡镇决定的事项由受理乡镇决定（at 应为 window）",
                )
    if d.handling is Handling.REPORTED and not townships:
        yield pointer("levels", "accept"), "上报件由乡镇受理后上报，levels.accept 必须包含乡镇"


item_rule(
    "devolution",
    "下放事项可在乡镇受理；委托乡镇决定的事项由乡镇首席代表决定",
    meaning="下放到乡镇的事项可在乡镇受理；委托乡镇决定的，由受理乡镇的首席代表在窗口所在地决定；上报件必须允许乡镇受理。",
    fix="委托乡镇决定（levels.decide 为 township）时，levels.accept 加入 township.*，决定环节 at 改为 window；上报件的 levels.accept 也要包含 township.*。",
)(_devolution)


def _reported(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    if d.handling is not Handling.REPORTED:
        return
    for i, step in enumerate(d.steps):
        if step.kind is StepKind.FORWARD and step.to not in ("owner", d.owner):
            yield pointer("steps", i, "to"), "上报环节应上报主办部门（to: owner）"
        if step.kind is StepKind.FORWARD and step.when is not None:
            yield pointer("steps", i, "when"), "上报环节不能是有条件的"


item_rule(
    "reported-forward",
    "上报件由下级受理、上报县级主管部门决定",
    meaning="上报件由下级受理后上报县级主管部门决定：上报环节无条件，报送主办部门。",
    fix="forward 环节的 to 写 owner（或主办部门编号），并去掉它的 when。",
)(_reported)


def _limit_basis(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    if d.limits.statutory_days > 0 and d.limits.basis is None:
        yield (
            pointer("limits", "basis"),
            "法定时限没有注明依据（limits.basis 应引用 basis 中的一条）",
        )


item_rule(
    "limit-basis",
    "法定时限必须注明设定依据",
    meaning="法定时限必须注明设定依据，办事指南据此公开时限的来源。",
    fix="在 basis 中加入设定时限的条款（如行政许可法第四十二条），并把它的 ref 填入 limits.basis。",
)(_limit_basis)


def _guide(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    if not d.disclosure.guide:
        yield pointer("disclosure", "guide"), "依申请事项必须公开办事指南"
    if d.category == "administrative_license" and not d.disclosure.publish_results:
        yield pointer("disclosure", "publish_results"), "行政许可结果应当公开（公示）"
    if d.disclosure.publish_results and not d.disclosure.result_fields:
        yield pointer("disclosure", "result_fields"), "公示结果必须列出公开的字段"
    types = default_registry()  # the field type says whether it identifies a person
    fields = {f.key: f for f in d.form.all_fields()}
    for i, key in enumerate(d.disclosure.result_fields):
        f = fields.get(key)
        plugin = types.get(f.type) if f is not None else None
        if f is not None and plugin is not None and plugin.personal:
            yield (
                pointer("disclosure", "result_fields", i),
                f"公示结果不得公开个人信息字段“{f.label}”（{f.type}）",
            )


item_rule(
    "guide-disclosure",
    "办事指南公开依据、条件、程序、时限、收费和联系方式（政府信息公开条例第二十条）",
    meaning="依申请事项必须公开办事指南；行政许可的结果应当公示，公示要列出公开的字段，且不得公开身份证号、手机号、地址等个人信息（政府信息公开条例第二十条）。",
    fix="disclosure.guide 设为 true；行政许可设 publish_results: true 并在 result_fields 中列出可公开的字段（如名称、许可范围）；删除个人信息字段。",
)(_guide)


def _notify(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    needed = {NotifyEvent.ACCEPTED, NotifyEvent.COMPLETED}
    if any(st.kind is StepKind.SPECIAL for st in d.steps):
        needed.add(NotifyEvent.SPECIAL_STARTED)
    missing = sorted(e.value for e in needed - set(d.notify))
    if missing:
        yield pointer("notify"), "缺少必须的短信告知：" + "、".join(missing)


item_rule(
    "notify",
    "受理、办结和特别程序等关键环节短信告知申请人",
    meaning="受理、办结时必须短信告知申请人；有特别程序的，特别程序开始时也要告知（并告知所需时间）。",
    fix="在 notify 中加入提示缺少的事件：accepted、completed，有特别程序时加 special_started。",
)(_notify)


def _one_visit(d: ItemDefinition, s: RuleSettings) -> Iterator[tuple[str, str]]:
    if d.service.max_visits > 2:
        yield (
            pointer("service", "max_visits"),
            f"到窗口次数 {d.service.max_visits} 次，超过“最多跑两次”",
        )


item_rule(
    "one-visit",
    "最多跑一次：申请人到窗口的次数不超过承诺",
    Severity.WARNING,
    meaning="“最多跑一次”：申请人到窗口的次数不应超过两次（警告，可以发布）。",
    fix="减少须到场的环节（网上申请、共享材料、邮寄送达），把 service.max_visits 降到 2 次以内；确需多次到场的，请复核并说明。",
)(_one_visit)


# -------------------------------------------------------------------------- catalogue rules


def _shared_materials(
    items: Sequence[tuple[str, ItemDefinition]], s: RuleSettings
) -> Iterator[tuple[str, str, str]]:
    held: dict[str, str] = {}
    for _file, d in items:
        for m in d.materials:
            if m.source is MaterialSource.SHARED:
                held.setdefault(m.doc_type, f"{d.code}")
    for file, d in items:
        for i, m in enumerate(d.materials):
            if m.source is MaterialSource.APPLICANT and m.doc_type in held:
                yield (
                    file,
                    pointer("materials", i, "source"),
                    f"材料“{m.name}”政府已掌握（见 {held[m.doc_type]}），不得再要求申请人提供（source 应为 shared）",
                )


catalog_rule(
    "shared-materials",
    "政府部门已掌握的材料，不再要求申请人提供",
    meaning="政府部门已掌握的材料（在目录中任一事项标为 shared 的同一 doc 类型）不再要求申请人提供（目录规则）。",
    fix="把该材料的 source 改为 shared，并在 hint 中写明通过何种共享渠道核验；若确实不是同一种材料，给它不同的 doc。",
)(_shared_materials)


def _unique_code(
    items: Sequence[tuple[str, ItemDefinition]], s: RuleSettings
) -> Iterator[tuple[str, str, str]]:
    seen: dict[str, str] = {}
    for file, d in items:
        if d.code in seen:
            yield file, pointer("code"), f"事项编码 {d.code} 与 {seen[d.code]} 重复"
        else:
            seen[d.code] = file


catalog_rule(
    "unique-code",
    "事项编码全省统一、唯一",
    meaning="事项编码全省统一、唯一：目录中不能有两个事项使用同一个 code（目录规则）。",
    fix="为其中一个事项改用正确的编码；同一事项的不同业务情形用不同的编码或 variant。",
)(_unique_code)
