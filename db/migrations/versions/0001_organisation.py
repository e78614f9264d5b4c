"""organisation: domains, users, role grants, delegations

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_domain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("section", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_org_domain"),
        sa.UniqueConstraint("tenant", "name", name="uq_org_domain_tenant_name"),
        sa.ForeignKeyConstraint(
            ["tenant", "parent"],
            ["org_domain.tenant", "org_domain.name"],
            name="fk_org_domain_tenant_org_domain",
        ),
    )
    op.create_table(
        "org_user",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_user"),
        sa.UniqueConstraint("tenant", "username", name="uq_org_user_tenant_username"),
    )
    op.create_table(
        "org_grant",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_grant"),
        sa.UniqueConstraint(
            "tenant", "user_id", "role", "domain", name="uq_org_grant_tenant_user_id_role_domain"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["org_user.id"], name="fk_org_grant_user_id_org_user"),
        sa.ForeignKeyConstraint(
            ["tenant", "domain"],
            ["org_domain.tenant", "org_domain.name"],
            name="fk_org_grant_tenant_org_domain",
        ),
    )
    op.create_table(
        "org_delegation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_org_delegation"),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["org_user.id"], name="fk_org_delegation_from_user_id_org_user"
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["org_user.id"], name="fk_org_delegation_to_user_id_org_user"
        ),
        sa.ForeignKeyConstraint(
            ["tenant", "domain"],
            ["org_domain.tenant", "org_domain.name"],
            name="fk_org_delegation_tenant_org_domain",
        ),
    )
    op.create_index(
        "ix_org_delegation_tenant_to_user_id", "org_delegation", ["tenant", "to_user_id"]
    )
    op.create_table(
        "org_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_audit"),
    )
    op.create_index("ix_org_audit_tenant_at", "org_audit", ["tenant", "at"])
    op.create_table(
        "org_policy_version",
        sa.Column("tenant", sa.String(6), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_org_policy_version"),
    )


def downgrade() -> None:
    op.drop_table("org_policy_version")
    op.drop_index("ix_org_audit_tenant_at", table_name="org_audit")
    op.drop_table("org_audit")
    op.drop_index("ix_org_delegation_tenant_to_user_id", table_name="org_delegation")
    op.drop_table("org_delegation")
    op.drop_table("org_grant")
    op.drop_table("org_user")
    op.drop_table("org_domain")
