"""the law's clock: decided cases stop the clock, post-decision budgets, extensions

* ``case.decided_on``: the day of the decision, where the statutory clock stops
  (行政许可法第四十二条: the limit runs from acceptance to the decision).
* ``calendar_version``: one row per tenant, bumped with every calendar change; processes
  poll it to reload their calendar (and the changing process recomputes the deadlines).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    op.create_table(
        "calendar_version",
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recomputed", sa.Integer(), nullable=False),
        sa.Column("pending_years", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_calendar_version")),
    )


def downgrade() -> None:
    op.drop_table("calendar_version")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("decided_on")
