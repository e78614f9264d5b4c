"""server-side sessions (shared key-value store), session epochs per user, login locks

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kv_entry",
        sa.Column("namespace", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key", name=op.f("pk_kv_entry")),
    )
    op.create_index(op.f("ix_kv_entry_expires_at"), "kv_entry", ["expires_at"])
    with op.batch_alter_table("org_user") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org_user") as batch:
        batch.drop_column("locked_at")
        batch.drop_column("session_epoch")
    op.drop_index(op.f("ix_kv_entry_expires_at"), table_name="kv_entry")
    op.drop_table("kv_entry")
