"""row level security: on PostgreSQL every tenant table admits only the rows of the
connection's tenant (``banshi.tenant``), a second wall behind every query's own filter

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

from db.rls import tenant_tables, unwall, wall

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Engine-specific (PostgreSQL): row-level security. SQLite has none; there this revision
# changes nothing. The tables are those of the schema being migrated that have a tenant
# column at this revision (the catalogue, not today's declarations: a table a later
# revision creates is walled by that revision, see db.rls.wall); kv_entry has none and is
# left out (db.rls.SHARED_TABLES says why). Run as the tables' owner (or a superuser):
# policies are the owner's to create.


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in tenant_tables(conn):
        for statement in wall(table):
            op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in tenant_tables(conn):
        for statement in unwall(table):
            op.execute(statement)
