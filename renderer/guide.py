"""The service guide (办事指南), generated from a published definition only.

What a guide must say is what live county guides say and what the Regulations on Open
Government Information (《政府信息公开条例》第二十条、第二十一条) require a licence's
guide to disclose: its basis, conditions, procedure (steps and limits), fees with their
basis and standards, where and when to apply, how to consult and how to complain.

:func:`guide_view` turns a definition into a plain view (strings, numbers, lists; no
models, no sessions) that ``renderer/templates/guide.html`` renders; domain names become
titles through the ``titles`` mapping the caller hands over (the organisation's current
snapshot). Nothing the definition does not disclose reaches the view: no form internals,
no conditions of routing, no roles, no keys.

The guide reads definitions through their models and reads the parts that are being
extended (special-procedure kinds, calendar-day durations, tiered and later-assessed
fees) by name, so a part a newer definition carries shows as soon as it lands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from definitions.meanings import CATEGORY_MEANINGS
from definitions.models import ItemDefinition, StepKind

HANDLING_NAMES = {
    "instant": "即办件",
    "promised": "承诺件",
    "reported": "上报件",
    "joint": "联办件",
}
STEP_KIND_NAMES = {
    "accept": "受理",
    "review": "审查",
    "special": "特别程序",
    "decide": "决定",
    "countersign": "会签",
    "forward": "上报",
    "complete": "办结",
    "deliver": "送达",
}
SOURCE_NAMES = {
    "applicant": "申请人提供",
    "shared": "免交（政府部门已掌握，窗口共享调取）",
    "issued": "本机关出具",
    "promise": "申请人书面承诺（告知承诺）",
}


@dataclass(frozen=True)
class MaterialView:
    name: str
    original: str  # 原件 / 复印件
    copies: int
    form: str  # 纸质 / 电子 / 纸质或电子
    source: str
    exempt: bool  # 免交: the government holds it
    required: str  # 必需 / 视情形提供 / 非必需
    hint: str | None


@dataclass(frozen=True)
class StepView:
    number: int
    name: str
    where: str
    days: str
    special: bool
    counts: bool
    conditional: bool  # only in some cases (the step has a condition)


@dataclass(frozen=True)
class SpecialView:
    name: str
    days: str
    counts: str  # 计入 / 不计入 法定办结时限
    basis: str


@dataclass(frozen=True)
class FeeView:
    name: str
    standard: str
    basis: str
    waivable: bool
    conditional: bool


@dataclass(frozen=True)
class BasisView:
    title: str
    text: str | None


@dataclass
class GuideView:
    code: str
    version: int
    name: str
    variant: str | None
    category: str
    handling: str
    instant: bool
    department: str
    summary: str | None
    objects: list[str]
    conditions: list[str]
    materials: list[MaterialView]
    steps: list[StepView]
    statutory_days: int
    promised_days: int
    compression: str | None  # "压缩 60%"
    extension_days: int
    specials: list[SpecialView]
    fees: list[FeeView]
    no_fee: str | None  # 不收费 with its basis, when the item says so
    accept_at: list[str]
    decide_at: str
    location: str
    hours: str
    forms: list[str]
    online: bool
    max_visits: int
    phone: str
    complaint: str
    basis: list[BasisView]
    faq: list[tuple[str, str]] = field(default_factory=list)
    #: the decision's wording, grant and refusal (准予许可 / 不予许可, 予以公开 / 不予公开 …)
    outcomes: tuple[str, str] = ("准予许可", "不予许可")


def _money(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _days(days: int, unit: Any = None) -> str:
    name = getattr(unit, "text", None) or (
        "自然日" if str(getattr(unit, "value", unit)) == "calendar" else "工作日"
    )
    return f"{days} 个{name}"


def procedure_title(step: Any) -> str:
    """The Chinese name of a special step's procedure: its plugin kind's title (the
    procedure registry), else the step's own name, else the kind's name as written."""
    kind = getattr(step, "procedure_kind", None)
    title = getattr(kind, "title", None)
    if isinstance(title, str) and title:
        return title
    if step.name:
        return str(step.name)
    return str(getattr(step, "procedure", None) or "特别程序")


def procedure_basis(step: Any) -> str:
    kind = getattr(step, "procedure_kind", None)
    basis = getattr(kind, "basis", None)
    return basis if isinstance(basis, str) else ""


def _basis_title(item: ItemDefinition, ref: str | None) -> str:
    """A basis named by its ``ref`` reads as the document's title; other text as it is."""
    if not ref:
        return ""
    for b in item.basis:
        if b.ref == ref:
            return b.title
    return ref


def _where(item: ItemDefinition, at: str, titles: Mapping[str, str]) -> str:
    if at == "window":
        return "受理窗口"
    if at == "owner":
        return titles.get(item.owner, item.owner)
    return titles.get(at, at)


def _accept_places(patterns: list[str], titles: Mapping[str, str]) -> list[str]:
    places = []
    for p in patterns:
        if p == "township.*":
            places.append("各乡镇便民服务中心")
        elif p.endswith(".*"):
            places.append(f"{titles.get(p[:-2], p[:-2])}下属各服务点")
        else:
            places.append(titles.get(p, p))
    return places


def _fee_standard(fee: Any) -> str:
    amount = getattr(fee, "amount", None)
    per = getattr(fee, "per", None)
    tiered = getattr(fee, "tiered", None)
    assessed = getattr(fee, "assessed_at", None)
    parts: list[str] = []
    if amount is not None:
        parts.append(f"{_money(amount)} 元")
    elif per is not None:
        unit = getattr(per, "unit", None) or "单位"
        parts.append(f"每{unit} {_money(per.amount)} 元")
    elif tiered is not None:
        unit = getattr(tiered, "unit", None) or ""
        bands = []
        for t in tiered.tiers:
            start = _money(getattr(t, "start", None))
            end = _money(getattr(t, "to", None))
            span = f"{start}–{end}{unit}" if end else f"{start}{unit}以上"
            bands.append(f"{span}：{_money(t.price)} 元/{unit or '单位'}")
        mode = "超额累进" if getattr(tiered, "mode", "progressive") == "progressive" else "全额"
        parts.append(f"阶梯收费（{mode}）：" + "；".join(bands))
    if assessed is not None:
        parts.append(f"按{getattr(assessed, 'label', '实际数量')}核定后收取")
    return "，".join(parts) or "按标准收取"


def guide_view(
    item: ItemDefinition, version: int, titles: Mapping[str, str] | None = None
) -> GuideView:
    """The guide of one published version of ``item``; ``titles`` names the domains."""
    titles = titles or {}
    materials = []
    for m in item.materials:
        source = str(getattr(m.source, "value", m.source))
        forms = [x for x, on in (("纸质", m.paper), ("电子", m.electronic)) if on]
        materials.append(
            MaterialView(
                name=m.name,
                original="原件" if m.original else "复印件",
                copies=m.copies,
                form="或".join(forms) or "—",
                source=SOURCE_NAMES.get(source, source),
                exempt=source == "shared",
                required="必需"
                if m.required
                else ("视情形提供" if m.required_when is not None else "非必需"),
                hint=m.hint,
            )
        )
    steps, specials = [], []
    for i, s in enumerate(item.steps, start=1):
        kind = str(getattr(s.kind, "value", s.kind))
        special = s.kind is StepKind.SPECIAL
        name = s.name or (procedure_title(s) if special else STEP_KIND_NAMES.get(kind, kind))
        unit = getattr(s, "day_unit", None) or getattr(s, "unit", None)
        counts = bool(getattr(s, "counts", True))
        steps.append(
            StepView(
                i,
                name,
                _where(item, s.at, titles),
                _days(s.days, unit),
                special,
                counts,
                s.when is not None,
            )
        )
        if special:
            specials.append(
                SpecialView(
                    procedure_title(s),
                    _days(s.days, unit),
                    "计入法定办结时限" if counts else "不计入法定办结时限",
                    procedure_basis(s),
                )
            )
    fees = [
        FeeView(
            f.name,
            _fee_standard(f),
            _basis_title(item, f.basis),
            f.waivable,
            f.when is not None,
        )
        for f in item.fees
    ]
    no_fee = None
    if not item.fees:
        no_fee = "不收费"
        stated = getattr(item, "no_fee", None)  # 不收费 said explicitly, with its basis
        if stated is not None:
            why = _basis_title(item, stated.basis)
            extra = "；".join(x for x in (why, stated.note) if x)
            no_fee = f"不收费（{extra}）" if extra else "不收费"
    limits = item.limits
    compression = None
    if limits.statutory_days > 0:
        share = 1 - limits.promised_days / limits.statutory_days
        compression = f"{share:.0%}"
    handling = str(getattr(item.handling, "value", item.handling))
    return GuideView(
        code=item.code,
        version=version,
        name=item.name,
        variant=item.variant,
        category=CATEGORY_MEANINGS.get(item.category, item.category),
        handling=HANDLING_NAMES.get(handling, handling),
        instant=handling == "instant",
        department=titles.get(item.owner, item.owner),
        summary=item.summary,
        objects=list(item.service.object),
        conditions=list(item.conditions),
        materials=materials,
        steps=steps,
        statutory_days=limits.statutory_days,
        promised_days=limits.promised_days,
        compression=compression,
        extension_days=limits.extension_days,
        specials=specials,
        fees=fees,
        no_fee=no_fee,
        accept_at=_accept_places(list(item.levels.accept), titles),
        decide_at="乡镇人民政府"
        if item.levels.decide == "township"
        else titles.get(item.owner, item.owner),
        location=item.service.location,
        hours=item.service.hours,
        forms=list(item.service.forms),
        online=item.service.online,
        max_visits=item.service.max_visits,
        phone=item.service.phone,
        complaint=item.service.complaint,
        basis=[BasisView(b.title, b.text) for b in item.basis],
        faq=[(q.question, q.answer) for q in item.disclosure.faq],
        outcomes=(item.decision.grant, item.decision.deny),
    )
