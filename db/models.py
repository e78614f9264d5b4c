"""Imports every package's tables so the metadata (and Alembic autogenerate) sees them all.

Each package declares its tables on :class:`db.base.Base`; add its module here.
"""

from __future__ import annotations

import importlib

from db.base import Base

TABLE_MODULES: tuple[str, ...] = (
    "db.kv_tables",
    "rbac.tables",
    "runtime.tables",
    "runtime.case_tables",
    "runtime.ledger_tables",
    "runtime.supervision_tables",
    "runtime.public_tables",
    "runtime.retirement",
    "runtime.message_templates",
    "admin.tables",
)


def load_all() -> type[Base]:
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base
