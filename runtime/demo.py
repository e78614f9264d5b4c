"""Demo cases: lifelike cases in every state, made by performing the real acts through the
service API with the demo users, over simulated past dates; and the demo's counties, two
on one database (DESIGN §8: a province runs several counties on one database)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.engine import write_transaction
from definitions.models import StepKind
from definitions.samples import person_name, sample_application
from runtime.clock import DEFAULT_YELLOW_SHARE
from runtime.errors import ActError, NotAllowed
from runtime.publishing import Published
from runtime.service import Actor, Applicant, CaseService
from runtime.states import State
from runtime.supervision.sweep import issue_rule_cards

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DemoCounty:
    """A county of the demo: its tenant (region code), its organisation file (in the rbac
    package) and the demo logins printed after loading."""

    tenant: str
    name: str
    org_file: str
    logins: tuple[str, ...]
    #: the seed of its demo cases is the command's seed plus this
    seed_offset: int = 0


#: The demo's counties: 建始县 first (``make run`` serves it), then its neighbour 巴东县,
#: loaded into the same database (``BANSHI_TENANT=422823 banshi serve --port 8001``).
DEMO_COUNTIES: tuple[DemoCounty, ...] = (
    DemoCounty(
        "422822",
        "建始县",
        "demo_org.toml",
        (
            "window_clerk@county.hall",
            "window_clerk@township.yezhou",
            "reviewer@county.scjg",
            "chief_representative@county.scjg",
            "department_head@county.scjg",
            "supervisor@county",
            "supervisor@township.yezhou",
            "admin@county",
            "admin@county.scjg",
            "applicant@demo",
        ),
    ),
    DemoCounty(
        "422823",
        "巴东县",
        "demo_org_badong.toml",
        (
            "window_clerk@county.hall",
            "window_clerk@township.xinling",
            "reviewer@county.scjg",
            "chief_representative@county.scjg",
            "supervisor@county",
            "supervisor@township.xinling",
            "admin@county",
            "admin@county.scjg",
            "applicant@demo",
        ),
        seed_offset=1,
    ),
)


#: How far each demo case is driven, with its weight.
OUTCOMES: tuple[tuple[str, int], ...] = (
    ("submitted", 2),
    ("correction_requested", 1),
    ("not_accepted", 1),
    ("in_progress", 5),
    ("suspended", 1),
    ("decided", 1),
    ("completed", 6),
    ("delivered", 2),
    ("withdrawn", 1),
)


@dataclass
class DemoReport:
    created: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _halls(pub: Published, townships: list[str], rng: random.Random) -> str:
    choices: list[str] = []
    for pattern in pub.definition.levels.accept:
        if pattern.endswith(".*"):
            choices.extend(t for t in townships if t.startswith(pattern[:-1]))
        else:
            choices.append(pattern)
    return rng.choice(choices)


class DemoDriver:
    def __init__(
        self,
        service: CaseService,
        items: list[Published],
        townships: list[str],
        applicants: dict[str, int],
        *,
        seed: int = 2026,
        today: datetime | None = None,
    ) -> None:
        self.service = service
        self.items = items
        self.townships = townships
        self.applicants = applicants
        self.rng = random.Random(seed)
        self.today = today or datetime.now(UTC)

    def run(self, count: int, progress: Callable[[], None] = lambda: None) -> DemoReport:
        report = DemoReport()
        outcomes = [o for o, _ in OUTCOMES]
        weights = [w for _, w in OUTCOMES]
        delivering = [
            p for p in self.items if any(st.kind is StepKind.DELIVER for st in p.definition.steps)
        ]
        for _ in range(count):
            goal = self.rng.choices(outcomes, weights)[0]
            pool = delivering if goal == "delivered" and delivering else self.items
            pub = self.rng.choice(pool)
            try:
                state = self.one(pub, goal)
            except (ActError, NotAllowed) as exc:  # a refused act skips the case
                report.skipped.append(f"{pub.code}: {exc.message}")
                progress()
                continue
            report.created += 1
            report.by_state[state] = report.by_state.get(state, 0) + 1
            progress()
        self.supervise()
        self.public_side()
        return report

    def public_side(self) -> None:
        """The citizens' side of the demo: ratings of some completed cases (one bad, which
        opens the department's rectification task) and an anonymous complaint."""
        from runtime.public.demo import rate_and_complain

        rate_and_complain(self.service, self.rng, self.today)

    def supervise(self) -> None:
        """Electronic supervision's rule cards for the demo's late cases (idempotent)."""
        svc = self.service
        today = self.today.astimezone(CHINA).date()
        with write_transaction(svc.engine) as conn:
            issue_rule_cards(
                conn,
                svc.calendar(),
                svc.tenant,
                today,
                self.today,
                yellow_share=DEFAULT_YELLOW_SHARE,
                waiting_days=5,
            )

    def one(self, pub: Published, goal: str) -> str:
        rng = self.rng
        item = pub.definition
        domain = _halls(pub, self.townships, rng)
        clerk = Actor(f"window_clerk@{domain}")
        data = {}
        for _ in range(5):
            data = sample_application(item, rng)
            if not pub.compiled.evaluate(data).errors:
                break
        day0 = self.today.date() - timedelta(days=rng.randint(2, 45))
        at = datetime.combine(day0, time(1, 30), tzinfo=UTC) + timedelta(
            minutes=rng.randint(0, 360)
        )

        def later() -> datetime:
            nonlocal at
            at = min(
                at + timedelta(hours=rng.choice([1, 3, 20, 26, 50])),
                self.today - timedelta(minutes=5),
            )
            return at

        if self.applicants and (goal == "withdrawn" or rng.random() < 0.4):
            username, uid = rng.choice(sorted(self.applicants.items()))
            applicant = Applicant(person_name(rng), f"139{rng.randint(0, 99999999):08d}", uid)
        else:
            username = ""
            applicant = Applicant(person_name(rng), f"139{rng.randint(0, 99999999):08d}")
        svc = self.service
        case = svc.submit(
            clerk, item.code, data, accepting_domain=domain, applicant=applicant, at=at
        )
        number = case.number
        if goal == "submitted":
            return case.state
        if goal == "withdrawn" and username:
            return svc.withdraw(Actor(username), number, reason="申请人主动撤回", at=later()).state
        if goal == "not_accepted":
            return svc.refuse(
                clerk, number, reason="申请事项依法不属于本机关职权范围", at=later()
            ).state
        needs = pub.compiled.evaluate(data).materials
        required = [n.material for n in needs if n.required and not n.exempt]
        if goal == "correction_requested" and required:
            return svc.request_correction(
                clerk, number, note="请补齐后一次性提交", at=later()
            ).state
        received = [{"key": m.key, "name": f"{m.name}.pdf"} for m in required]
        case = svc.accept(clerk, number, received=received, at=later())
        paid = False
        for _ in range(len(item.steps) * 3):
            if case.state == goal or case.state in (
                State.DELIVERED,
                State.WITHDRAWN,
                State.NOT_ACCEPTED,
            ):
                return case.state
            if case.state == State.COMPLETED and (case.current_step is None or goal == "completed"):
                return case.state
            step = next(s for s in item.steps if s.key == case.current_step)
            where = case.current_domain or domain
            if (
                step.requires_payment
                and not paid
                and pub.compiled.fees_for(pub.compiled.clean(data))
            ):
                found = {  # a fee assessed at this step, on the quantity found here
                    f.key: str(rng.randint(10, 150))
                    for f in pub.definition.fees
                    if f.assessed_at is not None and f.assessed_at.step == step.key
                }
                case = svc.assess_fee(clerk, number, quantities=found, at=later())
                if not case.fee_paid:
                    case = svc.record_payment(
                        clerk, number, payment_ref=f"JF{rng.randint(100000, 999999)}", at=later()
                    )
                paid = True
            if step.kind is StepKind.REVIEW:
                case = svc.review(
                    Actor(f"reviewer@{where}"),
                    number,
                    opinion="经审查，材料齐全，符合法定条件",
                    at=later(),
                )
            elif step.kind is StepKind.SPECIAL:
                if not case.special_running:
                    case = svc.start_special(Actor(f"reviewer@{where}"), number, at=later())
                    if goal == "suspended" and case.state == State.SUSPENDED:
                        return case.state
                case = svc.finish_special(
                    Actor(f"reviewer@{where}"), number, result="符合要求", at=later()
                )
            elif step.kind is StepKind.DECIDE:
                approve = rng.random() < 0.9
                case = svc.decide(
                    Actor(f"chief_representative@{where}"),
                    number,
                    approve=approve,
                    reason="" if approve else "申请材料反映的情况不符合法定条件",
                    at=later(),
                )
            elif step.kind is StepKind.COUNTERSIGN:
                case = svc.countersign(
                    Actor(f"chief_representative@{where}"),
                    number,
                    agree=True,
                    opinion="同意",
                    at=later(),
                )
            elif step.kind is StepKind.FORWARD:
                case = svc.forward(clerk, number, at=later())
            elif step.kind is StepKind.COMPLETE:
                case = svc.complete(
                    Actor(f"window_clerk@{case.accepting_domain}"), number, at=later()
                )
            elif step.kind is StepKind.DELIVER:
                case = svc.deliver(
                    Actor(f"window_clerk@{case.accepting_domain}"), number, at=later()
                )
            else:
                break
        return case.state
