"""Open data (政府信息公开, 《政府信息公开条例》第二十条): the disclosed fields of every
published item and the public figures per department, as rows for JSON and CSV under
stable URLs (web/public/opendata.py), each with its licence.

The item rows are made in web/public/opendata.py from the guide's view of each published
definition (what the guide shows, nothing more); the figures here are counts per department: cases accepted, completed, completed by the promised date,
ratings and satisfaction, complaints — aggregates only, never a case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.case_tables import Case
from runtime.public.evaluations import department_figures
from runtime.public_tables import Complaint

LICENCE = (
    "本数据由建始县政务服务中心依《中华人民共和国政府信息公开条例》主动公开，"
    "可免费复制、使用和传播，请注明来源“建始县政务服务网”。"
)
ITEM_COLUMNS = (
    "code",
    "version",
    "name",
    "category",
    "handling",
    "department",
    "statutory_days",
    "promised_days",
    "compression",
    "online",
    "max_visits",
    "accept_at",
    "location",
    "hours",
    "phone",
    "complaint",
    "fees",
    "materials",
    "basis",
    "guide_url",
)
FIGURE_COLUMNS = (
    "department",
    "department_name",
    "accepted",
    "completed",
    "completed_on_time",
    "on_time_rate",
    "ratings",
    "satisfaction",
    "bad_ratings",
    "complaints",
)


def figure_rows(session: Session, tenant: str, titles: Mapping[str, str]) -> list[dict[str, Any]]:
    done = Case.state.in_(("completed", "delivered"))
    cases = session.execute(
        select(
            Case.owner_domain,
            func.sum(sql_case((Case.accepted_on.is_not(None), 1), else_=0)),
            func.sum(sql_case((done, 1), else_=0)),
            func.sum(
                sql_case(
                    (
                        done
                        & Case.due_promised.is_not(None)
                        & (Case.closed_on <= Case.due_promised),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Case.tenant == tenant)
        .group_by(Case.owner_domain)
    ).all()
    complaints = dict(
        session.execute(
            select(Complaint.department, func.count())
            .where(Complaint.tenant == tenant, Complaint.department.is_not(None))
            .group_by(Complaint.department)
        ).all()
    )
    ratings = {r.department: r for r in department_figures(session, tenant)}
    departments = sorted({c[0] for c in cases} | set(ratings) | {d for d in complaints if d})
    counts = {c[0]: c[1:] for c in cases}
    rows = []
    for d in departments:
        accepted, completed, on_time = (int(x or 0) for x in counts.get(d, (0, 0, 0)))
        r = ratings.get(d)
        rows.append(
            {
                "department": d,
                "department_name": titles.get(d, d),
                "accepted": accepted,
                "completed": completed,
                "completed_on_time": on_time,
                "on_time_rate": f"{on_time / completed:.1%}" if completed else "",
                "ratings": r.ratings if r else 0,
                "satisfaction": r.satisfaction if r and r.ratings else "",
                "bad_ratings": r.bad if r else 0,
                "complaints": int(complaints.get(d, 0)),
            }
        )
    return rows
