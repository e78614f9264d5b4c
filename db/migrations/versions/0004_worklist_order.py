"""worklist and due-list indexes end with the case number, so their order comes from the index

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_case_worklist", table_name="case")
    op.create_index(
        "ix_case_worklist", "case", ["tenant", "current_domain", "open", "due_promised", "number"]
    )
    op.drop_index("ix_case_open_due", table_name="case")
    op.create_index("ix_case_open_due", "case", ["tenant", "open", "due_promised", "number"])


def downgrade() -> None:
    op.drop_index("ix_case_open_due", table_name="case")
    op.create_index("ix_case_open_due", "case", ["tenant", "open", "due_promised"])
    op.drop_index("ix_case_worklist", table_name="case")
    op.create_index(
        "ix_case_worklist", "case", ["tenant", "current_domain", "open", "due_promised"]
    )
