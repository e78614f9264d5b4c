"""cases: published item versions, cases, events, materials, fees, counters, outbox

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counter",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter")),
        sa.UniqueConstraint("tenant", "name", name=op.f("uq_counter_tenant_name")),
    )
    op.create_table(
        "item_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_version")),
        sa.UniqueConstraint(
            "tenant", "code", "version", name=op.f("uq_item_version_tenant_code_version")
        ),
        sa.UniqueConstraint("tenant", "sha256", name=op.f("uq_item_version_tenant_sha256")),
    )
    op.create_table(
        "sent_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_message")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_sent_message_outbox_id")),
    )
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("tenant", "sha256", name=op.f("uq_stored_file_tenant_sha256")),
    )
    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("query_code", sa.String(length=12), nullable=False),
        sa.Column("item_version_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("applicant_user_id", sa.Integer(), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_mobile", sa.String(length=20), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("step_index", sa.Integer(), nullable=True),
        sa.Column("current_step", sa.String(length=64), nullable=True),
        sa.Column("current_domain", sa.String(length=64), nullable=True),
        sa.Column("step_started_on", sa.Date(), nullable=True),
        sa.Column("step_due", sa.Date(), nullable=True),
        sa.Column("countersigned", sa.Text(), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("clock", sa.Text(), nullable=True),
        sa.Column("due_promised", sa.Date(), nullable=True),
        sa.Column("due_statutory", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("special_running", sa.Boolean(), nullable=False),
        sa.Column("fee_total", sa.String(length=20), nullable=False),
        sa.Column("fee_paid", sa.Boolean(), nullable=False),
        sa.Column("missing_materials", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_version.id"],
            name=op.f("fk_case_item_version_id_item_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint("tenant", "number", name=op.f("uq_case_tenant_number")),
    )
    op.create_index(
        "ix_case_accepting",
        "case",
        ["tenant", "accepting_domain", "state", "due_promised"],
        unique=False,
    )
    op.create_index("ix_case_applicant", "case", ["tenant", "applicant_user_id"], unique=False)
    op.create_index("ix_case_open_due", "case", ["tenant", "open", "due_promised"], unique=False)
    op.create_index(
        "ix_case_owner_due",
        "case",
        ["tenant", "owner_domain", "state", "due_promised"],
        unique=False,
    )
    op.create_index("ix_case_query", "case", ["tenant", "query_code"], unique=False)
    op.create_index(
        "ix_case_worklist",
        "case",
        ["tenant", "current_domain", "open", "due_promised"],
        unique=False,
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("acting_for", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_event_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint(
            "tenant", "case_id", "seq", name=op.f("uq_case_event_tenant_case_id_seq")
        ),
    )
    op.create_index("ix_case_event_tenant_at", "case_event", ["tenant", "at"], unique=False)
    op.create_table(
        "case_fee",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("fee_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("waived", sa.Boolean(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_fee_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_fee")),
        sa.UniqueConstraint(
            "tenant", "case_id", "fee_key", name=op.f("uq_case_fee_tenant_case_id_fee_key")
        ),
    )
    op.create_table(
        "case_material",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_material_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_material")),
    )
    op.create_index("ix_case_material_case", "case_material", ["tenant", "case_id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_outbox_case_id_case")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_event.id"], name=op.f("fk_outbox_event_id_case_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", "channel", name=op.f("uq_outbox_event_id_channel")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_case_material_case", table_name="case_material")
    op.drop_table("case_material")
    op.drop_table("case_fee")
    op.drop_index("ix_case_event_tenant_at", table_name="case_event")
    op.drop_table("case_event")
    op.drop_index("ix_case_worklist", table_name="case")
    op.drop_index("ix_case_query", table_name="case")
    op.drop_index("ix_case_owner_due", table_name="case")
    op.drop_index("ix_case_open_due", table_name="case")
    op.drop_index("ix_case_applicant", table_name="case")
    op.drop_index("ix_case_accepting", table_name="case")
    op.drop_table("case")
    op.drop_table("stored_file")
    op.drop_table("sent_message")
    op.drop_table("item_version")
    op.drop_table("counter")
