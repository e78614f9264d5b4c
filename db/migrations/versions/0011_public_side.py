"""the public side: SMS codes, online drafts, applicant accounts, public messages,
complaints and their events, evaluations, rectification tasks

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("tenant", "code", name=op.f("uq_complaint_tenant_code")),
    )
    op.create_index("ix_complaint_case", "complaint", ["tenant", "case_number"], unique=False)
    op.create_index(
        "ix_complaint_department", "complaint", ["tenant", "department", "state"], unique=False
    )
    op.create_index(
        "ix_complaint_queue", "complaint", ["tenant", "state", "accept_due"], unique=False
    )
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("hall", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("efficiency", sa.Integer(), nullable=False),
        sa.Column("guide_accuracy", sa.Integer(), nullable=False),
        sa.Column("convenience", sa.Integer(), nullable=False),
        sa.Column("attitude", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
        sa.UniqueConstraint("tenant", "case_number", name=op.f("uq_evaluation_tenant_case_number")),
    )
    op.create_index(
        "ix_evaluation_department",
        "evaluation",
        ["tenant", "department", "evaluated_at"],
        unique=False,
    )
    op.create_table(
        "public_draft",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_number", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_draft")),
        sa.UniqueConstraint("tenant", "token", name=op.f("uq_public_draft_tenant_token")),
    )
    op.create_index(
        "ix_public_draft_expiry", "public_draft", ["tenant", "expires_at"], unique=False
    )
    op.create_table(
        "public_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_message")),
    )
    op.create_index(
        "ix_public_message_due", "public_message", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "public_sms_code",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_sms_code")),
    )
    op.create_index(
        "ix_public_sms_code_lookup",
        "public_sms_code",
        ["tenant", "mobile", "purpose", "id"],
        unique=False,
    )
    op.create_table(
        "complaint_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_event_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
        sa.UniqueConstraint(
            "tenant", "complaint_id", "seq", name=op.f("uq_complaint_event_tenant_complaint_id_seq")
        ),
    )
    op.create_table(
        "public_account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["org_user.id"], name=op.f("fk_public_account_user_id_org_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_account")),
        sa.UniqueConstraint("tenant", "mobile", name=op.f("uq_public_account_tenant_mobile")),
        sa.UniqueConstraint("tenant", "user_id", name=op.f("uq_public_account_tenant_user_id")),
    )
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_by", sa.String(length=100), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_by", sa.String(length=100), nullable=True),
        sa.Column("rectification_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_rectification_evaluation_id_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification")),
        sa.UniqueConstraint(
            "tenant", "evaluation_id", name=op.f("uq_rectification_tenant_evaluation_id")
        ),
    )
    op.create_index(
        "ix_rectification_queue",
        "rectification",
        ["tenant", "department", "state", "due"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_rectification_queue", table_name="rectification")
    op.drop_table("rectification")
    op.drop_table("public_account")
    op.drop_table("complaint_event")
    op.drop_index("ix_public_sms_code_lookup", table_name="public_sms_code")
    op.drop_table("public_sms_code")
    op.drop_index("ix_public_message_due", table_name="public_message")
    op.drop_table("public_message")
    op.drop_index("ix_public_draft_expiry", table_name="public_draft")
    op.drop_table("public_draft")
    op.drop_index("ix_evaluation_department", table_name="evaluation")
    op.drop_table("evaluation")
    op.drop_index("ix_complaint_queue", table_name="complaint")
    op.drop_index("ix_complaint_department", table_name="complaint")
    op.drop_index("ix_complaint_case", table_name="complaint")
    op.drop_table("complaint")
