"""tenant-wide audit log over all events and signed checkpoints; fee and material rows
hashed with the events that wrote them

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch:
        batch.add_column(sa.Column("records", sa.Text(), nullable=True))
    op.create_table(
        "audit_pending",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("legacy", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_pending")),
    )
    op.create_table(
        "audit_log_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("legacy", sa.Boolean(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_entry")),
        sa.UniqueConstraint("tenant", "idx", name=op.f("uq_audit_log_entry_tenant_idx")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_log_entry_event_id")),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.create_index(
        "ix_audit_checkpoint_size", "audit_checkpoint", ["tenant", "tree_size"], unique=False
    )
    # events written before this migration wait to be sealed like new ones, marked legacy:
    # they do not carry the fee and material rows they wrote (the mark is sealed with them)
    op.execute(
        "INSERT INTO audit_pending (event_id, tenant, legacy) "
        "SELECT id, tenant, TRUE FROM case_event"
    )


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoint_size", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_log_entry")
    op.drop_table("audit_pending")
    with op.batch_alter_table("case_event") as batch:
        batch.drop_column("records")
