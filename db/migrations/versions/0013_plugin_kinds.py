"""plugin kinds: special procedures and step kinds as registered plugins, calendar-day
durations, nested groups

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# No schema change: step kinds, special-procedure kinds and their units live in each
# published definition's canonical JSON (item_version.canonical), and a special step's due
# date in calendar days is stored in the existing case.step_due column.


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
