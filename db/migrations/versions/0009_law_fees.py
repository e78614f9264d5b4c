"""the law's fees and decisions: tiered and later-assessed fees, decision wording

* ``case_fee.quantity``: the quantity a per-unit or tiered fee line was priced on, as
  decimal text — for a fee assessed at a later step, the actual quantity recorded there
  (an excavated area, the pages of a disclosure reply). Carried in the event's hashed
  ``records`` with the line's other columns.

Decision wording and instant items' fallback limits live in the definitions (the case
keeps its pinned version), so they need no column.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_fee") as batch:
        batch.add_column(sa.Column("quantity", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_fee") as batch:
        batch.drop_column("quantity")
