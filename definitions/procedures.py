"""Special-procedure kinds (特别程序) are plugins: a kind knows its Chinese name, its
customary limit and unit, whether its time counts toward the legal limit, its legal basis
and the wording the applicant reads (SMS, notices, the case's replay).

A definition names a kind by its string (``"procedure": "hearing"``); the registry the
compiler was handed decides whether the name exists (see :mod:`definitions.plugins`). A
county registers its own kind exactly as the built-ins are registered::

    registry.register(ProcedureKind("democratic_review", "民主评议", counts=True, days=5,
                                    unit=DayUnit.WORKING, basis="……"))

or through the ``banshi.procedures`` entry point group, which :func:`default_procedures`
loads.

Whether a kind counts by default follows the law: Art. 45 of the Administrative Licensing
Law (《行政许可法》第四十五条) takes the time of hearing, tendering, auction, inspection,
testing, quarantine, appraisal and expert review out of the limit; every other procedure
counts unless the item's step says ``counts_toward_limit: false`` with its own basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from definitions.registry import Registry


class DayUnit(StrEnum):
    """How a duration is counted: working days (工作日, Art. 82) or calendar days (自然日)."""

    WORKING = "working"
    CALENDAR = "calendar"

    @property
    def text(self) -> str:
        return "工作日" if self is DayUnit.WORKING else "自然日"


#: The applicant's wording of a procedure: {title}, {days}, {unit} (工作日/自然日).
STOPS_CLOCK = "因{title}需要，暂停计算办理时限 {days} 个{unit}"
COUNTS = "因{title}需要，办理期间 {days} 个{unit}（计入办理时限）"


@dataclass(frozen=True, slots=True)
class ProcedureKind:
    """One kind of special procedure."""

    name: str
    title: str  # the Chinese name the applicant reads
    counts: bool  # counts toward the legal limit when the step does not say
    days: int  # the customary limit (documentation, samples)
    unit: DayUnit  # the customary unit
    basis: str  # the legal basis of the procedure (and of whether it counts)
    meaning: str = ""  # what it is, for the definition reference
    stops_wording: str = STOPS_CLOCK
    counts_wording: str = COUNTS

    def wording(self, days: int, unit: DayUnit, counts: bool) -> str:
        """What the applicant is told: 因听证需要，暂停计算办理时限 20 个工作日."""
        template = self.counts_wording if counts else self.stops_wording
        return template.format(title=self.title, days=days, unit=unit.text)


class ProcedureRegistry(Registry[ProcedureKind]):
    what = "特别程序"
    kind = "special procedure"

    def accept(self, plugin: ProcedureKind) -> None:
        if not plugin.title.strip():
            raise ValueError(f"特别程序 {plugin.name!r} 缺少中文名称")
        if plugin.days < 0:
            raise ValueError(f"特别程序 {plugin.name!r} 的时限不能为负")


_ART45 = "《中华人民共和国行政许可法》第四十五条：所需时间不计算在规定的期限内，应书面告知申请人"

BUILTIN_PROCEDURES: tuple[ProcedureKind, ...] = (
    ProcedureKind(
        "site_inspection",
        "现场勘查",
        counts=True,
        days=5,
        unit=DayUnit.WORKING,
        basis="《中华人民共和国行政许可法》第三十四条第三款（指派两名以上工作人员核查）；"
        "不在第四十五条之列，计入办理时限",
        meaning="现场勘查：指派两名以上工作人员到现场核查经营场所、设施等。",
    ),
    ProcedureKind(
        "expert_review",
        "专家论证",
        counts=False,
        days=10,
        unit=DayUnit.WORKING,
        basis=_ART45 + "（专家评审）",
        meaning="专家论证：组织专家评审，时间不计入法定时限。",
    ),
    ProcedureKind(
        "collective_study",
        "集体研究",
        counts=True,
        days=3,
        unit=DayUnit.WORKING,
        basis="地方规定（重大事项集体讨论决定）；不在行政许可法第四十五条之列，计入办理时限",
        meaning="集体研究：部门集体讨论决定。",
    ),
    ProcedureKind(
        "hearing",
        "听证",
        counts=False,
        days=20,
        unit=DayUnit.WORKING,
        basis="《中华人民共和国行政许可法》第四十六条至第四十八条（申请人、利害关系人提出"
        "听证申请之日起二十日内组织听证）；" + _ART45,
        meaning="听证：依法或依申请举行听证，时间不计入法定时限。",
    ),
    ProcedureKind(
        "public_notice",
        "公示",
        counts=False,
        days=7,
        unit=DayUnit.CALENDAR,
        basis="地方规定（公示期常以自然日计，如低保审核确认公示7天）；公示期间不计入办理时限",
        meaning="公示：按规定公示一段时间（常以自然日计，写 unit: calendar）。",
    ),
    ProcedureKind(
        "third_party_consultation",
        "征求第三方意见",
        counts=True,
        days=15,
        unit=DayUnit.WORKING,
        basis="《中华人民共和国行政许可法》第三十六条（直接关系他人重大利益的，告知利害关系人，"
        "听取其陈述和申辩）、第四十七条；不在第四十五条之列，默认计入办理时限"
        "（政府信息公开依《政府信息公开条例》第三十三条不计入）",
        meaning="征求第三方意见：事项直接关系他人重大利益时，书面告知利害关系人并听取意见。",
    ),
    ProcedureKind(
        "testing",
        "检验检测检疫",
        counts=False,
        days=20,
        unit=DayUnit.WORKING,
        basis=_ART45 + "（检验、检测、检疫、鉴定）",
        meaning="检验检测检疫：委托检验、检测、检疫、鉴定，时间不计入法定时限。",
    ),
)


def register_builtin_procedures(registry: ProcedureRegistry) -> None:
    for kind in BUILTIN_PROCEDURES:
        registry.register(kind)


_default: ProcedureRegistry | None = None


def default_procedures() -> ProcedureRegistry:
    """The process-wide registry: built-ins plus entry-point plugins, built on first use."""
    global _default
    if _default is None:
        reg = ProcedureRegistry()
        register_builtin_procedures(reg)
        reg.load_entry_points("banshi.procedures")
        _default = reg
    return _default
