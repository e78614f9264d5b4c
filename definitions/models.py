"""The item definition: pydantic models of one approval or public-service item (事项).

Every key carries a description; docs/definition-language.md and the committed JSON
Schema (definitions/schema/item.schema.json) are generated from these models.
Unknown keys are errors everywhere.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from definitions.conditions import Condition
from definitions.fieldtypes import COMMON_KEYS, default_registry
from definitions.limits import MAX_FORM_FIELDS
from definitions.scalars import (
    Bound,
    DomainName,
    DomainPattern,
    FreeText,
    Key,
    Ref,
    Text,
    clean_text,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=False)


class Handling(StrEnum):
    """How the item is handled (办件类型)."""

    INSTANT = "instant"  # 即办件: decided on the spot, no clock
    PROMISED = "promised"  # 承诺件
    REPORTED = "reported"  # 上报件: accepted below, decided above
    JOINT = "joint"  # 联办件: several departments countersign


class Role(StrEnum):
    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    CHIEF_REPRESENTATIVE = "chief_representative"
    DEPARTMENT_HEAD = "department_head"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class StepKind(StrEnum):
    ACCEPT = "accept"
    REVIEW = "review"
    SPECIAL = "special"
    DECIDE = "decide"
    COUNTERSIGN = "countersign"
    FORWARD = "forward"
    COMPLETE = "complete"
    DELIVER = "deliver"


class Procedure(StrEnum):
    """Special procedures (特别程序) run outside the window."""

    SITE_INSPECTION = "site_inspection"  # 现场勘查
    EXPERT_REVIEW = "expert_review"  # 专家论证
    COLLECTIVE_STUDY = "collective_study"  # 集体研究
    HEARING = "hearing"  # 听证
    TESTING = "testing"  # 检验检测
    PUBLIC_NOTICE = "public_notice"  # 公示


#: Whether each special procedure counts toward the legal limit when the step does not say.
#: Art. 45 of the Administrative Licensing Law excludes hearing, testing and expert review;
#: public notice periods are likewise excluded in local rules; site inspection and
#: collective study count unless the item says otherwise.
PROCEDURE_COUNTS_BY_DEFAULT: dict[Procedure, bool] = {
    Procedure.SITE_INSPECTION: True,
    Procedure.EXPERT_REVIEW: False,
    Procedure.COLLECTIVE_STUDY: True,
    Procedure.HEARING: False,
    Procedure.TESTING: False,
    Procedure.PUBLIC_NOTICE: False,
}

PROCEDURE_NAMES: dict[Procedure, str] = {
    Procedure.SITE_INSPECTION: "现场勘查",
    Procedure.EXPERT_REVIEW: "专家论证",
    Procedure.COLLECTIVE_STUDY: "集体研究",
    Procedure.HEARING: "听证",
    Procedure.TESTING: "检验检测",
    Procedure.PUBLIC_NOTICE: "公示",
}


class NotifyEvent(StrEnum):
    """Events at which the applicant is sent a message (SMS)."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    CORRECTION_REQUESTED = "correction_requested"
    SPECIAL_STARTED = "special_started"
    SPECIAL_FINISHED = "special_finished"
    FORWARDED = "forwarded"
    EXTENDED = "extended"
    FEE_ASSESSED = "fee_assessed"
    DECIDED = "decided"
    COMPLETED = "completed"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"


class MaterialSource(StrEnum):
    """Who provides a supporting document (证照来源)."""

    APPLICANT = "applicant"  # uploaded / handed in by the applicant
    SHARED = "shared"  # the government already holds it: the applicant is exempt
    ISSUED = "issued"  # issued by this office during handling
    PROMISE = "promise"  # a written promise of truth (告知承诺) by the applicant


# ----------------------------------------------------------------------------- pieces


class LegalBasis(_Model):
    """One legal provision the item rests on (设定和实施依据)."""

    ref: Ref = Field(
        description="Short identifier other keys use to cite this provision.",
        examples=["food-safety-law-35"],
    )
    title: Text = Field(
        description="The provision as cited in the guide.",
        examples=["《中华人民共和国食品安全法》第三十五条"],
    )
    text: FreeText | None = Field(
        default=None, max_length=4000, description="The provision's wording, quoted in the guide."
    )


class Levels(_Model):
    """Where an item may be accepted and who decides it (层级与下放)."""

    accept: list[DomainPattern] = Field(
        min_length=1,
        description="Domains whose windows accept the item; `township.*` devolves acceptance to every township hall.",
        examples=[["county.hall", "township.*"]],
    )
    decide: Literal["owner", "township"] = Field(
        default="owner",
        description="`owner`: the owning department's chief representative decides; `township`: decision is "
        "delegated to the accepting township's chief representative.",
    )


class Limits(_Model):
    """Time limits in working days (工作日)."""

    statutory_days: int = Field(
        ge=0, le=365, description="The legal limit (法定时限), in working days.", examples=[20]
    )
    promised_days: int = Field(
        ge=0,
        le=365,
        description="The promised limit (承诺时限), in working days; 0 for instant items.",
        examples=[7],
    )
    basis: Ref | None = Field(
        default=None,
        description="`ref` of the legal basis entry that sets the statutory limit (e.g. Art. 42 of the Licensing Law).",
        examples=["licensing-law-42"],
    )
    extension_days: int = Field(
        default=0,
        ge=0,
        le=60,
        description="Working days the chief representative may extend by, with reasons (Art. 42: 10).",
    )


class Option(_Model):
    """One choice of a choice field."""

    value: Annotated[
        str, StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)
    ] = Field(description="Stored value.", examples=["retail"])
    label: Text = Field(description="What the applicant reads.", examples=["食品销售"])


class Repeat(_Model):
    """How many rows a repeating group takes."""

    min: int = Field(default=1, ge=0, le=500, description="Fewest rows.")
    max: int | None = Field(
        default=None, ge=1, le=500, description="Most rows (no limit when absent)."
    )


class FormField(_Model):
    """One field of the application form. `type` names a field type plugin; the type decides
    which of the optional keys it accepts."""

    key: Key = Field(
        description="Identifier of the field, unique within its form level.",
        examples=["operator_name"],
    )
    label: Text = Field(description="Label shown to applicant and clerk.", examples=["经营者名称"])
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="Field type (a registered plugin).", examples=["text"]
    )
    hint: FreeText | None = Field(
        default=None, max_length=500, description="Help text shown under the label."
    )
    required: bool = Field(default=False, description="The field must be filled (when visible).")
    required_when: Condition | None = Field(
        default=None, description="Required only when this condition holds."
    )
    visible_when: Condition | None = Field(
        default=None,
        description="Shown only when this condition holds; a hidden field is never required and is dropped.",
    )
    min_length: int | None = Field(
        default=None, ge=0, le=10000, description="text/textarea: fewest characters."
    )
    max_length: int | None = Field(
        default=None, ge=1, le=10000, description="text/textarea/address: most characters."
    )
    pattern: FreeText | None = Field(
        default=None,
        max_length=500,
        description="text/textarea: a regular expression (RE2 syntax: no backreferences or "
        "lookaround; `$` matches at the very end only) found in the value; anchor it with `^...$`.",
    )
    minimum: Bound | None = Field(default=None, description="number/integer/money: smallest value.")
    maximum: Bound | None = Field(default=None, description="number/integer/money: largest value.")
    options: list[Option] | None = Field(default=None, description="choice: the options offered.")
    multiple: bool | None = Field(
        default=None, description="choice: several options may be chosen."
    )
    accept: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]] | None = (
        Field(
            default=None,
            description="file: accepted content types.",
            examples=[["application/pdf", "image/jpeg"]],
        )
    )
    max_size_mb: float | None = Field(
        default=None, gt=0, le=100, description="file: largest upload in MB."
    )
    fields: list[FormField] | None = Field(
        default=None, description="group: the fields of one row."
    )
    repeat: Repeat | None = Field(default=None, description="group: how many rows.")

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormField:
        plugin = default_registry().get(self.type)
        if plugin is None:
            known = "、".join(default_registry().names())
            raise ValueError(f"未知的字段类型 {self.type!r}（可用：{known}）")
        given = {
            name for name in self.model_fields_set if getattr(self, name) is not None
        } - COMMON_KEYS
        wrong = sorted(given - plugin.options)
        if wrong:
            raise ValueError(f"字段类型 {self.type} 不接受键 {', '.join(wrong)}")
        return self


class Section(_Model):
    """A titled part of the form."""

    title: Text = Field(description="Section heading.", examples=["经营者信息"])
    hint: FreeText | None = Field(
        default=None, max_length=500, description="Text shown under the heading."
    )
    fields: list[FormField] = Field(
        min_length=1, description="The fields of this section, in order."
    )


class Form(_Model):
    """The application form."""

    sections: list[Section] = Field(min_length=1, description="Sections in order.")

    @model_validator(mode="after")
    def _not_too_many_fields(self) -> Form:
        count = sum(1 + len(f.fields or []) for f in self.all_fields())
        if count > MAX_FORM_FIELDS:
            raise ValueError(
                f"表单字段过多：共 {count} 个（含分组子字段），最多 {MAX_FORM_FIELDS} 个"
            )
        return self

    def all_fields(self) -> list[FormField]:
        return [f for s in self.sections for f in s.fields]


class Material(_Model):
    """A supporting document (申请材料)."""

    key: Key = Field(description="Identifier, unique in the item.", examples=["layout_plan"])
    name: Text = Field(description="Name as listed in the guide.", examples=["经营场所平面图"])
    doc: Key | None = Field(
        default=None,
        description="Catalogue-wide document type (e.g. `business_license`), so the same document is "
        "recognised across items; defaults to the name.",
    )
    original: bool = Field(
        default=False, description="The original is shown (true) or a copy is handed in (false)."
    )
    copies: int = Field(default=1, ge=0, le=20, description="Number of copies.")
    paper: bool = Field(default=True, description="Accepted on paper.")
    electronic: bool = Field(default=False, description="Accepted as an electronic scan.")
    source: MaterialSource = Field(default=MaterialSource.APPLICANT, description="Who provides it.")
    required: bool = Field(default=False, description="Always required.")
    required_when: Condition | None = Field(
        default=None, description="Required only when this condition holds."
    )
    hint: FreeText | None = Field(
        default=None, max_length=500, description="What the document must show."
    )
    accept: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]] | None = (
        Field(
            default=None,
            description="Accepted content types of the scan (defaults: PDF, JPEG, PNG).",
        )
    )
    max_size_mb: float | None = Field(
        default=None, gt=0, le=100, description="Largest scan in MB (default 10)."
    )

    @property
    def doc_type(self) -> str:
        return self.doc or self.name


class Step(_Model):
    """One step of the routing (办理环节); steps run in order, skipping those whose `when` is false."""

    key: Key = Field(description="Identifier, unique in the item.", examples=["review"])
    kind: StepKind = Field(description="What the step does.")
    name: FreeText | None = Field(
        default=None, max_length=100, description="Display name (defaults from the kind)."
    )
    at: Annotated[
        str,
        StringConstraints(
            pattern=r"^(window|owner|county(\.[a-z][a-z0-9_]*)?|township\.[a-z][a-z0-9_]*)$"
        ),
    ] = Field(
        description="Where: `window` (the accepting hall), `owner` (the owning department's approval section) "
        "or a named domain.",
        examples=["owner"],
    )
    role: Role = Field(description="The role that performs the step.")
    days: int = Field(ge=0, le=365, description="The step's own budget in working days.")
    when: Condition | None = Field(
        default=None, description="The step runs only when this condition holds."
    )
    procedure: Procedure | None = Field(
        default=None, description="special: which special procedure."
    )
    counts_toward_limit: bool | None = Field(
        default=None,
        description="special: whether its time counts toward the legal limit (default by procedure: "
        "hearing, testing, expert review and public notice do not).",
    )
    departments: list[DomainName] | None = Field(
        default=None, description="countersign: the departments that must all agree."
    )
    to: DomainName | Literal["owner"] | None = Field(
        default=None, description="forward: the domain the case is sent up to (usually `owner`)."
    )
    requires_payment: bool = Field(
        default=False, description="The step waits until assessed fees are paid."
    )

    @model_validator(mode="after")
    def _kind_keys(self) -> Step:
        if self.kind is StepKind.SPECIAL and self.procedure is None:
            raise ValueError("特别程序环节必须给出 procedure")
        if self.kind is not StepKind.SPECIAL and (
            self.procedure is not None or self.counts_toward_limit is not None
        ):
            raise ValueError(
                "只有特别程序环节（kind=special）可以给出 procedure 与 counts_toward_limit"
            )
        if self.kind is StepKind.COUNTERSIGN and not self.departments:
            raise ValueError("会签环节必须列出 departments")
        if self.kind is not StepKind.COUNTERSIGN and self.departments is not None:
            raise ValueError("只有会签环节（kind=countersign）可以给出 departments")
        if self.kind is StepKind.FORWARD and self.to is None:
            raise ValueError("上报环节必须给出 to")
        if self.kind is not StepKind.FORWARD and self.to is not None:
            raise ValueError("只有上报环节（kind=forward）可以给出 to")
        return self

    @property
    def counts(self) -> bool:
        """Whether this step's time counts toward the case's legal limit."""
        if self.kind is not StepKind.SPECIAL:
            return True
        if self.counts_toward_limit is not None:
            return self.counts_toward_limit
        assert self.procedure is not None
        return PROCEDURE_COUNTS_BY_DEFAULT[self.procedure]


class PerField(_Model):
    """A fee proportional to a numeric field: amount × the field's value."""

    field: Key = Field(description="The numeric form field multiplied.", examples=["area_m2"])
    amount: Decimal = Field(
        ge=0, max_digits=14, decimal_places=2, description="Price per unit, in yuan."
    )
    unit: FreeText | None = Field(
        default=None, max_length=20, description="Unit shown in the guide.", examples=["平方米"]
    )


class Fee(_Model):
    """A fee line (收费); no legal basis, no fee."""

    key: Key = Field(description="Identifier, unique in the item.")
    name: Text = Field(description="Name of the fee.", examples=["不动产登记费"])
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, description="Fixed amount in yuan."
    )
    per: PerField | None = Field(default=None, description="Amount per unit of a numeric field.")
    when: Condition | None = Field(
        default=None, description="Charged only when this condition holds."
    )
    basis: FreeText | None = Field(
        default=None,
        max_length=500,
        description="The legal basis (`ref` of a basis entry or the document's title).",
    )
    waivable: bool = Field(
        default=False, description="May be waived (减免) for eligible applicants."
    )

    @model_validator(mode="after")
    def _amount_or_per(self) -> Fee:
        if (self.amount is None) == (self.per is None):
            raise ValueError("收费项必须恰好给出 amount 或 per 之一")
        return self


class Disclosure(_Model):
    """What is made public (政务公开)."""

    guide: bool = Field(default=True, description="A service guide (办事指南) is published.")
    publish_results: bool = Field(
        default=False, description="Decided results are published (公示)."
    )
    result_fields: list[Key] = Field(
        default_factory=list, description="Form fields shown in published results."
    )
    faq: list[FaqEntry] = Field(
        default_factory=list, description="Frequently asked questions shown in the guide."
    )


class FaqEntry(_Model):
    """One question and answer of the guide."""

    question: Text = Field(description="The question.")
    answer: Annotated[
        str, StringConstraints(min_length=1, max_length=2000), AfterValidator(clean_text)
    ] = Field(description="The answer.")


class Service(_Model):
    """Where and how the item is served."""

    location: Text = Field(description="Where to go.", examples=["县政务服务中心二楼市场监管窗口"])
    hours: FreeText = Field(
        default="周一至周五 上午8:30-12:00 下午14:30-17:30（法定节假日除外）",
        max_length=200,
        description="Opening hours.",
    )
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9-]{5,20}$")] = Field(
        description="Consultation phone.", examples=["0718-3322001"]
    )
    online: bool = Field(default=False, description="May be applied for online.")
    max_visits: int = Field(
        default=1, ge=0, le=5, description="Most visits to the hall (最多跑次数)."
    )
    complaint: Text = Field(
        description="Complaint channel.", examples=["县电子监察中心 0718-3322000"]
    )
    forms: list[
        Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(clean_text)]
    ] = Field(
        default_factory=lambda: ["窗口"],
        description="Handling forms, as data (窗口 / 网上 / 快递 …).",
    )
    object: list[
        Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(clean_text)]
    ] = Field(
        default_factory=lambda: ["自然人"],
        description="Service objects (服务对象), as data: 自然人 / 法人 …",
    )


class ItemDefinition(_Model):
    """One approval or public-service item (事项), as one JSON document."""

    code: Annotated[
        str, StringConstraints(pattern=r"^\d{6}-[A-Z]{2,8}-[A-Z]{2,4}-\d{4}(-[0-9A-Z]{1,4})?$")
    ] = Field(
        description="Item code: region code, department, category, number (and variant).",
        examples=["422822-SCJG-XK-0001"],
    )
    name: Text = Field(description="Item name.", examples=["食品经营许可（新办）"])
    category: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")] = Field(
        description="Item type (事项类型), a code of the category dictionary.",
        examples=["administrative_license"],
    )
    variant: FreeText | None = Field(
        default=None, max_length=20, description="Business variant: 新设 / 变更 / 延续 / 注销 …"
    )
    handling: Handling = Field(description="Handling type (办件类型).")
    owner: DomainName = Field(
        description="The competent department (实施主体).", examples=["county.scjg"]
    )
    summary: FreeText | None = Field(
        default=None, max_length=2000, description="What the item is for, in the guide."
    )
    conditions: list[
        Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(clean_text)]
    ] = Field(
        default_factory=list,
        description="Application conditions (申请条件), as listed in the guide.",
    )
    levels: Levels = Field(description="Where it is accepted and decided.")
    basis: list[LegalBasis] = Field(min_length=1, description="Legal basis (设定和实施依据).")
    limits: Limits = Field(description="Statutory and promised limits.")
    form: Form = Field(description="The application form.")
    materials: list[Material] = Field(default_factory=list, description="Supporting documents.")
    steps: list[Step] = Field(min_length=1, description="Routing steps, in order.")
    fees: list[Fee] = Field(
        default_factory=list, description="Fee lines; empty means free of charge."
    )
    notify: list[NotifyEvent] = Field(
        default_factory=list, description="Events that send the applicant a message."
    )
    disclosure: Disclosure = Field(default_factory=Disclosure, description="What is made public.")
    service: Service = Field(description="Location, hours and contacts.")

    def basis_refs(self) -> set[str]:
        return {b.ref for b in self.basis}

    def canonical(self) -> dict[str, Any]:
        """The normalised JSON value of this definition (defaults filled, absent keys omitted)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


Disclosure.model_rebuild()
FormField.model_rebuild()
