"""The item definition: pydantic models of one approval or public-service item (事项).

Every key carries a description; docs/definition-language.md and the committed JSON
Schema (definitions/schema/item.schema.json) are generated from these models.
Unknown keys are errors everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from definitions.conditions import Condition
from definitions.fee_models import PRICE_PLACES as PRICE_PLACES
from definitions.fee_models import AssessedAt as AssessedAt
from definitions.fee_models import Fee as Fee
from definitions.fee_models import NoFee as NoFee
from definitions.fee_models import PerField as PerField
from definitions.fee_models import Tier as Tier
from definitions.fee_models import Tiered as Tiered
from definitions.form_models import Form as Form
from definitions.form_models import FormField as FormField
from definitions.form_models import Option as Option
from definitions.form_models import Repeat as Repeat
from definitions.form_models import Section as Section
from definitions.plugins import plugins_of
from definitions.procedures import DayUnit, ProcedureKind
from definitions.scalars import (
    DomainName,
    DomainPattern,
    FreeText,
    Key,
    Ref,
    Text,
    clean_text,
)
from definitions.stepkinds import StepKindPlugin


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
    SUPPLEMENT_REQUESTED = "supplement_requested"
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
    extension_by: Role = Field(
        default=Role.CHIEF_REPRESENTATIVE,
        description="Who may extend the statutory limit (延期), as a role: the chief representative "
        "by default; the department head for a disclosure request (政府信息公开条例第三十三条).",
    )
    extension_at: DomainName | Literal["decider"] = Field(
        default="decider",
        description="Where that role is held: `decider` (the deciding domain) or a named domain "
        "(`county` for a joint item extended with the county government head's approval).",
        examples=["decider", "county"],
    )
    extension_basis: Ref | None = Field(
        default=None,
        description="`ref` of the basis entry that allows the extension (e.g. Art. 42); "
        "recorded with every extension.",
        examples=["licensing-law-42"],
    )
    supplement_basis: Ref | None = Field(
        default=None,
        description="`ref` of the basis entry that allows asking the applicant, after acceptance, "
        "to supplement or clarify the request (政府信息公开条例第三十条); when set, the current "
        "step's performer may ask, and the wait does not count toward the limits.",
        examples=["ogi_reg_30"],
    )
    fallback_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="Instant items only: the promised limit, in working days, that applies when the "
        "window cannot finish on the spot (the clerk records why; the clock starts then).",
        examples=[3],
    )


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
    procedure: Key | None = Field(
        default=None,
        description="special: which special procedure (a registered kind: site_inspection, "
        "expert_review, collective_study, hearing, public_notice, third_party_consultation, "
        "testing, or a county's own).",
        examples=["public_notice"],
    )
    counts_toward_limit: bool | None = Field(
        default=None,
        description="special: whether its time counts toward the legal limit (default by procedure: "
        "hearing, testing, expert review and public notice do not; Art. 45).",
    )
    unit: DayUnit | None = Field(
        default=None,
        description="Whether `days` are working days (`working`, the default) or calendar days "
        "(`calendar`, 自然日: a 7-day publicity counts weekends and holidays).",
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

    #: the special-procedure kind ``procedure`` names, from the registry that validated
    _procedure_kind: ProcedureKind | None = PrivateAttr(default=None)
    #: the step kind's plugin; a county's own kind keeps its name here (``kind`` holds the
    #: built-in behaviour it is ``like``)
    _kind_plugin: StepKindPlugin | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _county_kind(
        cls, data: Any, handler: ModelWrapValidatorHandler[Step], info: ValidationInfo
    ) -> Step:
        """A county's own step kind runs as the built-in kind it is like; the definition
        keeps its name (see :meth:`_keep_kind_name`)."""
        name = data.get("kind") if isinstance(data, dict) else None
        plugin = plugins_of(info.context).step_kinds.get(name) if isinstance(name, str) else None
        if plugin is None or plugin.like is None:
            return handler(data)
        step = handler({**data, "kind": plugin.like})
        step._kind_plugin = plugin
        return step

    @model_serializer(mode="wrap")
    def _keep_kind_name(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)
        plugin = self._kind_plugin
        if plugin is not None and plugin.like is not None and isinstance(out, dict):
            out["kind"] = plugin.name
        return out

    @field_validator("procedure")
    @classmethod
    def _procedure_registered(cls, value: str | None, info: ValidationInfo) -> str | None:
        registry = plugins_of(info.context).procedures
        if value is not None and value not in registry:
            raise ValueError(registry.unknown(value))
        return value

    @model_validator(mode="after")
    def _kind_keys(self, info: ValidationInfo) -> Step:
        plugins = plugins_of(info.context)
        kind = plugins.step_kinds.get(self.kind.value)
        if kind is None:
            raise ValueError(plugins.step_kinds.unknown(self.kind.value))
        given = {name for name in self.model_fields_set if getattr(self, name) is not None}
        problems = kind.problems(given)
        if problems:
            raise ValueError("；".join(problems))
        if self.procedure is not None:
            self._procedure_kind = plugins.procedures[self.procedure]
        if self._kind_plugin is None:  # a county's kind was set by _county_kind
            self._kind_plugin = kind
        return self

    @property
    def kind_title(self) -> str:
        """What the step's kind is called (a county's own kind by its own name)."""
        plugin = self._kind_plugin or plugins_of(None).step_kinds.get(self.kind.value)
        return plugin.title if plugin is not None else self.kind.value

    @property
    def procedure_kind(self) -> ProcedureKind | None:
        """The kind of a special step's procedure (the validating registry's plugin)."""
        if self._procedure_kind is None and self.procedure is not None:
            self._procedure_kind = plugins_of(None).procedures.get(self.procedure)
        return self._procedure_kind

    @property
    def day_unit(self) -> DayUnit:
        """How the step's ``days`` are counted (working days unless it says calendar)."""
        return self.unit or DayUnit.WORKING

    @property
    def counts(self) -> bool:
        """Whether this step's time counts toward the case's legal limit."""
        if self.counts_toward_limit is not None:
            return self.counts_toward_limit
        kind = self.procedure_kind
        return True if kind is None else kind.counts

    @property
    def wording(self) -> str:
        """What the applicant reads about a special step's procedure (SMS, notices, replay):
        因公示需要，暂停计算办理时限 7 个自然日."""
        kind = self.procedure_kind
        if kind is None:
            return self.name or self.key
        return kind.wording(self.days, self.day_unit, self.counts)


class DecisionWording(_Model):
    """How the decision is worded in notices, messages and the case timeline (决定用语)."""

    grant: Text = Field(
        default="准予许可",
        description="The wording of a positive decision.",
        examples=["给予最低生活保障", "予以公开"],
    )
    deny: Text = Field(
        default="不予许可",
        description="The wording of a refusal after acceptance.",
        examples=["不予给予最低生活保障", "不予公开"],
    )

    def words(self, decision: str | None) -> str:
        """The wording of a stored decision (`approved` / `denied`); empty when undecided."""
        if decision == "approved":
            return self.grant
        if decision == "denied":
            return self.deny
        return ""


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
    fees: list[Fee] = Field(default_factory=list, description="Fee lines.")
    no_fee: NoFee | None = Field(
        default=None,
        description="Said explicitly when nothing is charged (不收费); never together with fee lines.",
    )
    decision: DecisionWording = Field(
        default_factory=DecisionWording,
        description="The decision's wording (default 准予许可 / 不予许可, for licences).",
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
