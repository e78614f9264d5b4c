"""The script that distributes a migrated database by tenant on Citus (DESIGN §8).

Engine-specific (Citus, a PostgreSQL extension): every county's table becomes a table
distributed by ``tenant``, all in one colocation group, so that a case, its events, its
outbox rows and its county's organisation sit on the same node and their composite
foreign keys (``(tenant, x_id) → (tenant, id)``, migration 0014) hold there; the shared
store (``kv_entry``), which holds no county's rows, is a reference table copied to every
node. Tables are listed parents first, as Citus asks of foreign keys.

``banshi db distribute`` prints it; an operator runs it once on the coordinator, after
``banshi db upgrade`` and before the first county's data is loaded.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from db.base import TENANT
from definitions.errors import BanshiError


class NotDistributable(BanshiError):
    """A table cannot be distributed by tenant."""

    code = "not_distributable"
    default_message = "该表没有租户列，无法按租户分布"


#: Tables that hold no county's rows: copied to every node.
REFERENCE_TABLES = ("kv_entry",)


def distribution_script(metadata: MetaData) -> list[str]:
    """The statements, one per table, parents before the tables that refer to them."""
    lines: list[str] = []
    anchor: str | None = None
    for table in metadata.sorted_tables:
        if table.name in REFERENCE_TABLES:
            lines.append(f"SELECT create_reference_table('{table.name}');")
            continue
        if TENANT not in table.c:
            raise NotDistributable(f"{table.name}: 没有 {TENANT} 列，无法按租户分布")
        colocate = f", colocate_with => '{anchor}'" if anchor else ""
        lines.append(f"SELECT create_distributed_table('{table.name}', '{TENANT}'{colocate});")
        anchor = anchor or table.name
    return lines
