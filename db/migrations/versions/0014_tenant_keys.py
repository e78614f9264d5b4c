"""tenant in every key: primary keys (id, tenant), unique constraints and foreign keys
with the tenant, so a province can distribute the tables by tenant (DESIGN §8)

Revision ID: 0014
Revises: 0013

On PostgreSQL the constraints are altered in place: foreign keys dropped, primary keys and
unique constraints replaced, foreign keys created again as (tenant, x_id) → (tenant, id).
Engine-specific (SQLite): constraints cannot be altered, so each table is rebuilt (Alembic's
batch mode, ids copied as they are); ``db.migrate`` runs migrations on SQLite with foreign
keys off and checks them all (``PRAGMA foreign_key_check``) before they are switched on
again, as SQLite's own procedure for rebuilding tables asks. There the key (id, tenant) is
created as ``PRIMARY KEY (id), UNIQUE (tenant, id)`` (see ``db/base.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# every county table whose primary key was its generated id alone
ID_TABLES = (
    "org_domain",
    "org_user",
    "org_grant",
    "org_delegation",
    "org_audit",
    "item_version",
    "case",
    "case_event",
    "stored_file",
    "case_material",
    "case_fee",
    "counter",
    "outbox",
    "sent_message",
    "audit_log_entry",
    "audit_checkpoint",
    "supervision_rollup",
    "supervision_rollup_month",
    "supervision_watch",
    "supervision_finding",
    "supervision_card",
    "supervision_card_entry",
    "public_sms_code",
    "public_draft",
    "public_account",
    "public_message",
    "complaint",
    "complaint_event",
    "evaluation",
    "rectification",
    "admin_item_draft",
    "admin_log",
)

# (table, columns, referred table, referred columns): before and after
OLD_FKS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("org_domain", ("tenant", "parent"), "org_domain", ("tenant", "name")),
    ("org_grant", ("user_id",), "org_user", ("id",)),
    ("org_grant", ("tenant", "domain"), "org_domain", ("tenant", "name")),
    ("org_delegation", ("from_user_id",), "org_user", ("id",)),
    ("org_delegation", ("to_user_id",), "org_user", ("id",)),
    ("org_delegation", ("tenant", "domain"), "org_domain", ("tenant", "name")),
    ("case", ("item_version_id",), "item_version", ("id",)),
    ("case_event", ("case_id",), "case", ("id",)),
    ("case_material", ("case_id",), "case", ("id",)),
    ("case_fee", ("case_id",), "case", ("id",)),
    ("outbox", ("event_id",), "case_event", ("id",)),
    ("outbox", ("case_id",), "case", ("id",)),
    ("supervision_watch", ("case_id",), "case", ("id",)),
    ("supervision_finding", ("case_id",), "case", ("id",)),
    ("supervision_card", ("case_id",), "case", ("id",)),
    ("supervision_card_entry", ("card_id",), "supervision_card", ("id",)),
    ("public_account", ("user_id",), "org_user", ("id",)),
    ("complaint_event", ("complaint_id",), "complaint", ("id",)),
    ("rectification", ("evaluation_id",), "evaluation", ("id",)),
)


def _new_fk(
    fk: tuple[str, tuple[str, ...], str, tuple[str, ...]],
) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    table, cols, referred, referred_cols = fk
    if cols[0] == "tenant":
        return fk
    return table, ("tenant", *cols), referred, ("tenant", *referred_cols)


NEW_FKS = tuple(_new_fk(fk) for fk in OLD_FKS)

# (table, columns before, columns after)
UNIQUES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("outbox", ("event_id", "channel"), ("tenant", "event_id", "channel")),
    ("sent_message", ("outbox_id",), ("tenant", "outbox_id")),
    ("audit_log_entry", ("event_id",), ("tenant", "event_id")),
)

# (table, primary key before, after) for the county tables keyed by something else
OTHER_KEYS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("audit_pending", ("event_id",), ("tenant", "event_id")),
)


def _old_fk_name(table: str, cols: tuple[str, ...], referred: str) -> str:
    return f"fk_{table}_{cols[0]}_{referred}"  # the naming convention before 0014


def _new_fk_name(table: str, cols: tuple[str, ...], referred: str) -> str:
    return f"fk_{table}_{'_'.join(cols)}_{referred}"


def _uq_name(table: str, cols: tuple[str, ...]) -> str:
    return f"uq_{table}_{'_'.join(cols)}"


FK = tuple[str, tuple[str, ...], str, tuple[str, ...]]
Namer = Callable[[str, tuple[str, ...], str], str]


def _directions(
    to_tenant: bool,
) -> tuple[tuple[FK, ...], tuple[FK, ...], Namer, Namer, tuple[str, ...]]:
    """(foreign keys to drop, to make, the new names, the old names, the id key)."""
    if to_tenant:
        return OLD_FKS, NEW_FKS, _new_fk_name, _old_fk_name, ("id", "tenant")
    return NEW_FKS, OLD_FKS, _old_fk_name, _new_fk_name, ("id",)


def _keys(to_tenant: bool) -> None:
    """Both directions: ``to_tenant`` says which way the keys go."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    tables = sorted(
        set(ID_TABLES) | {t for t, *_ in OLD_FKS} | {t for t, *_ in UNIQUES} | {"audit_pending"}
    )
    if sqlite:
        # engine-specific (SQLite): one rebuild per table does every change at once; the
        # rebuilt table's key replaces the reflected one (SQLAlchemy says so in a warning)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Table '_alembic_tmp_", sa.exc.SAWarning)
            _rebuild(tables, to_tenant)
        return
    _alter(to_tenant)


def _rebuild(tables: list[str], to_tenant: bool) -> None:
    drop_fks, make_fks, fk_name, old_fk_name, id_key = _directions(to_tenant)
    for table in tables:
        with op.batch_alter_table(table, recreate="always") as batch:
            for t, cols, referred, _ in drop_fks:
                if t == table:
                    batch.drop_constraint(old_fk_name(t, cols, referred), type_="foreignkey")
            for t, before, after in UNIQUES:
                if t == table:
                    old, new = (before, after) if to_tenant else (after, before)
                    batch.drop_constraint(_uq_name(t, old), type_="unique")
                    batch.create_unique_constraint(_uq_name(t, new), list(new))
            if table in ID_TABLES:
                batch.create_primary_key(f"pk_{table}", list(id_key))
            for t, before, after in OTHER_KEYS:
                if t == table:
                    batch.create_primary_key(f"pk_{t}", list(after if to_tenant else before))
            for t, cols, referred, referred_cols in make_fks:
                if t == table:
                    batch.create_foreign_key(
                        fk_name(t, cols, referred), referred, list(cols), list(referred_cols)
                    )


def _alter(to_tenant: bool) -> None:
    drop_fks, make_fks, fk_name, old_fk_name, id_key = _directions(to_tenant)
    for t, cols, referred, _ in drop_fks:
        op.drop_constraint(old_fk_name(t, cols, referred), t, type_="foreignkey")
    for table in ID_TABLES:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, list(id_key))
    for t, before, after in OTHER_KEYS:
        op.drop_constraint(f"pk_{t}", t, type_="primary")
        op.create_primary_key(f"pk_{t}", t, list(after if to_tenant else before))
    for t, before, after in UNIQUES:
        old, new = (before, after) if to_tenant else (after, before)
        op.drop_constraint(_uq_name(t, old), t, type_="unique")
        op.create_unique_constraint(_uq_name(t, new), t, list(new))
    for t, cols, referred, referred_cols in make_fks:
        op.create_foreign_key(
            fk_name(t, cols, referred), t, referred, list(cols), list(referred_cols)
        )


def upgrade() -> None:
    _keys(to_tenant=True)


def downgrade() -> None:
    _keys(to_tenant=False)
