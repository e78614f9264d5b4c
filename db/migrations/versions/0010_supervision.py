"""electronic supervision: figure rollups, the watch list, findings, the card ledger

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_rollup",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("clocked", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("used_days", sa.Integer(), nullable=False),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("not_accepted", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rollup")),
        sa.UniqueConstraint(
            "tenant",
            "day",
            "owner_domain",
            "accepting_domain",
            "item_code",
            name=op.f("uq_supervision_rollup_tenant_day_owner_domain_accepting_domain_item_code"),
        ),
    )
    op.create_index(
        "ix_sup_rollup_hall",
        "supervision_rollup",
        ["tenant", "accepting_domain", "day"],
        unique=False,
    )
    op.create_index(
        "ix_sup_rollup_owner", "supervision_rollup", ["tenant", "owner_domain", "day"], unique=False
    )
    op.create_table(
        "supervision_rollup_month",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("clocked", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("used_days", sa.Integer(), nullable=False),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("not_accepted", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rollup_month")),
        sa.UniqueConstraint(
            "tenant",
            "month",
            "owner_domain",
            "accepting_domain",
            name=op.f("uq_supervision_rollup_month_tenant_month_owner_domain_accepting_domain"),
        ),
    )
    op.create_index(
        "ix_sup_month_owner",
        "supervision_rollup_month",
        ["tenant", "owner_domain", "month"],
        unique=False,
    )
    op.create_index(
        "ix_sup_month_hall",
        "supervision_rollup_month",
        ["tenant", "accepting_domain", "month"],
        unique=False,
    )
    op.create_table(
        "supervision_card",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("color", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("responsible_domain", sa.String(length=64), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_supervision_card_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_card")),
    )
    op.create_index(
        "ix_sup_card_case", "supervision_card", ["tenant", "case_id", "rule", "color"], unique=False
    )
    op.create_index("ix_sup_card_day", "supervision_card", ["tenant", "issued_on"], unique=False)
    op.create_index(
        "ix_sup_card_hall",
        "supervision_card",
        ["tenant", "accepting_domain", "issued_on"],
        unique=False,
    )
    op.create_index(
        "ix_sup_card_owner",
        "supervision_card",
        ["tenant", "owner_domain", "issued_on"],
        unique=False,
    )
    op.create_table(
        "supervision_finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_supervision_finding_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_finding")),
        sa.UniqueConstraint(
            "tenant",
            "case_id",
            "seq",
            "rule",
            name=op.f("uq_supervision_finding_tenant_case_id_seq_rule"),
        ),
    )
    op.create_index(
        "ix_sup_finding_day", "supervision_finding", ["tenant", "found_on"], unique=False
    )
    op.create_table(
        "supervision_watch",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("owner_domain", sa.String(length=64), nullable=False),
        sa.Column("accepting_domain", sa.String(length=64), nullable=False),
        sa.Column("current_domain", sa.String(length=64), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("nearing_on", sa.Date(), nullable=True),
        sa.Column("step_key", sa.String(length=64), nullable=True),
        sa.Column("step_due", sa.Date(), nullable=True),
        sa.Column("special", sa.Boolean(), nullable=False),
        sa.Column("waiting", sa.String(length=16), nullable=True),
        sa.Column("waiting_since", sa.Date(), nullable=True),
        sa.Column("warn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_supervision_watch_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_watch")),
        sa.UniqueConstraint("tenant", "case_id", name=op.f("uq_supervision_watch_tenant_case_id")),
    )
    op.create_index(
        "ix_sup_watch_hall",
        "supervision_watch",
        ["tenant", "accepting_domain", "due", "number", "warn_on"],
        unique=False,
    )
    op.create_index(
        "ix_sup_watch_item",
        "supervision_watch",
        ["tenant", "item_code", "due", "number", "warn_on"],
        unique=False,
    )
    op.create_index(
        "ix_sup_watch_owner",
        "supervision_watch",
        ["tenant", "owner_domain", "due", "number", "warn_on"],
        unique=False,
    )
    op.create_index(
        "ix_sup_watch_due",
        "supervision_watch",
        ["tenant", "due", "number", "warn_on"],
        unique=False,
    )
    op.create_table(
        "supervision_card_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=6), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["supervision_card.id"],
            name=op.f("fk_supervision_card_entry_card_id_supervision_card"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_card_entry")),
        sa.UniqueConstraint(
            "tenant", "card_id", "seq", name=op.f("uq_supervision_card_entry_tenant_card_id_seq")
        ),
    )


def downgrade() -> None:
    op.drop_table("supervision_card_entry")
    op.drop_index("ix_sup_watch_due", table_name="supervision_watch")
    op.drop_index("ix_sup_watch_owner", table_name="supervision_watch")
    op.drop_index("ix_sup_watch_item", table_name="supervision_watch")
    op.drop_index("ix_sup_watch_hall", table_name="supervision_watch")
    op.drop_table("supervision_watch")
    op.drop_index("ix_sup_finding_day", table_name="supervision_finding")
    op.drop_table("supervision_finding")
    op.drop_index("ix_sup_card_owner", table_name="supervision_card")
    op.drop_index("ix_sup_card_hall", table_name="supervision_card")
    op.drop_index("ix_sup_card_day", table_name="supervision_card")
    op.drop_index("ix_sup_card_case", table_name="supervision_card")
    op.drop_table("supervision_card")
    op.drop_index("ix_sup_month_hall", table_name="supervision_rollup_month")
    op.drop_index("ix_sup_month_owner", table_name="supervision_rollup_month")
    op.drop_table("supervision_rollup_month")
    op.drop_index("ix_sup_rollup_owner", table_name="supervision_rollup")
    op.drop_index("ix_sup_rollup_hall", table_name="supervision_rollup")
    op.drop_table("supervision_rollup")
