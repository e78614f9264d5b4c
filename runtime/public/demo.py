"""The public side of the demo cases (runtime/demo.py): a few ratings of completed cases,
one of them bad (so a department has a rectification task), and one anonymous complaint
(so supervision has one to accept). Idempotent: a rated case is not rated again."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from db.engine import transaction
from runtime.case_tables import Case
from runtime.errors import ActError
from runtime.public.complaints import Deadlines, NewComplaint, file_complaint
from runtime.public.evaluations import Rating, evaluate, evaluation_of
from runtime.public_tables import Complaint

#: (level, comment) of the demo's ratings, the last one bad.
RATINGS = (
    (5, "窗口一次告知清楚，很快办好"),
    (4, ""),
    (5, "网上申请方便"),
    (1, "等候时间太长，窗口态度不好"),
)


def rate_and_complain(service: object, rng: random.Random, now: datetime) -> None:
    from runtime.service import CaseService

    assert isinstance(service, CaseService)
    tenant = service.tenant
    calendar = service.calendar()
    today = now.date()
    with transaction(service.sessions) as s:
        done = list(
            s.execute(
                select(Case)
                .where(Case.tenant == tenant, Case.state.in_(("completed", "delivered")))
                .order_by(Case.number)
                .limit(len(RATINGS))
            ).scalars()
        )
        for case, (level, comment) in zip(done, RATINGS, strict=False):
            if evaluation_of(s, tenant, case.number) is not None:
                continue
            scores = dict.fromkeys(
                ("overall", "efficiency", "guide_accuracy", "convenience", "attitude"), level
            )
            try:
                evaluate(s, case, Rating(level, scores, comment), now, today, calendar, 5)
            except ActError:
                continue
        if s.execute(select(Complaint.id).where(Complaint.tenant == tenant)).first() is None:
            file_complaint(
                s,
                tenant,
                NewComplaint(
                    subject="周一上午窗口排队时间长",
                    body="县政务服务中心二楼周一上午只开两个窗口，排队一个多小时。",
                    anonymous=True,
                    department="county.hall",
                ),
                now,
                today,
                calendar,
                Deadlines(5, 15),
                {"county.hall"},
            )
    del rng
