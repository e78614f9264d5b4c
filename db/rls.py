"""Row-level security by tenant on PostgreSQL: the second wall behind every query's own
``tenant = …`` filter (issue #15).

Every table with a ``tenant`` column has row-level security enabled *and forced* (so the
table's owner is held to it too) and one policy, ``tenant_wall``, for every command:
a row is visible, updatable and deletable, and a new or changed row is accepted, only when
its ``tenant`` equals the connection's ``banshi.tenant`` setting. A connection that set no
tenant sees no row of those tables and can write none (``current_setting(…, true)`` is
NULL, and NULL equals nothing). Superusers and roles with ``BYPASSRLS`` skip policies
altogether: migrations and a provincial operator's own tools run as such a role, the app
never does (docs/province.md).

The app sets the tenant once per connection, in the connection's start-up packet
(libpq ``options='-c banshi.tenant=422822'``, see :func:`connect_args`): no extra round
trip, and it holds for every transaction on that pooled connection, also after a
``RESET ALL`` (the start-up value is the session's default). One process serves one county
(``BANSHI_TENANT``); a process that served several would instead run
``SELECT set_config('banshi.tenant', :tenant, true)`` at the start of each transaction
(one more round trip per transaction).

Tables without a ``tenant`` column are left out on purpose and named in
:data:`SHARED_TABLES`: they hold no county's data. A new table must either carry a
``tenant`` column (and its migration call :func:`wall`) or be added there with its reason;
tests/db/test_rls.py fails otherwise.

The wall guards against a forgotten filter, not against someone who can run arbitrary SQL
as the app's role (such a one can ``SET banshi.tenant``). SQLite has no row-level
security: there the first wall stands alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from definitions.errors import BanshiError

#: The PostgreSQL setting (a custom, dotted one) that names the connection's tenant.
TENANT_SETTING = "banshi.tenant"
#: The column every county's table carries.
TENANT_COLUMN = "tenant"
#: The one policy on every tenant table.
POLICY = "tenant_wall"
#: What a row must satisfy to be seen or written.
PREDICATE = f"{TENANT_COLUMN} = current_setting('{TENANT_SETTING}', true)"
#: Tables without a ``tenant`` column, and why no wall: ``kv_entry`` is the shared store
#: of what app processes must share (sessions, login throttles, rate limits, idempotency
#: keys; Redis holds the same when ``BANSHI_REDIS_URL`` is set), keyed by namespace and
#: key, not a county's records; a session names its user, whose rows are walled.
SHARED_TABLES: frozenset[str] = frozenset({"kv_entry"})
#: A region code: six digits (``Settings.tenant`` has the same pattern). Nothing else may
#: reach the start-up options, where a space would start another option.
_TENANT = re.compile(r"\d{6}")


class TenantSettingError(BanshiError):
    """The tenant to set on the database connections is not a region code."""

    status: ClassVar[int] = 503
    code: ClassVar[str] = "tenant_invalid"
    default_message: ClassVar[str] = "系统配置有误，请稍后再试"
    public: ClassVar[bool] = False


def tenant_option(tenant: str) -> str:
    """The libpq start-up option that sets ``tenant`` for a whole connection."""
    if not _TENANT.fullmatch(tenant):
        raise TenantSettingError(f"租户必须是六位行政区划代码（BANSHI_TENANT），而不是 {tenant!r}")
    return f"-c {TENANT_SETTING}={tenant}"


def connect_args(url: str, tenant: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``connect_args`` for an engine at ``url`` whose every connection works for
    ``tenant``: on PostgreSQL, ``given`` with the tenant's start-up option added to the
    options already asked for (``given``'s, else the URL's ``?options=``, else the
    ``PGOPTIONS`` environment variable: libpq reads that only when no options are passed),
    e.g. ``-csearch_path=x -c banshi.tenant=422822``; elsewhere ``given`` as is."""
    args = dict(given or {})
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return args
    before = args.get("options")
    if before is None:
        query = parsed.query.get("options")
        before = " ".join(query) if isinstance(query, tuple) else query
    if before is None:
        before = os.environ.get("PGOPTIONS")
    option = tenant_option(tenant)
    args["options"] = f"{before} {option}" if before else option
    return args


# -- migrations: the wall on a table, and off ---------------------------------------------


def wall(table: str) -> tuple[str, ...]:
    """The statements that put the wall on ``table`` (engine-specific: PostgreSQL). A
    migration that creates a tenant table runs them after creating it."""
    name = _quoted(table)
    return (
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {name} USING ({PREDICATE}) WITH CHECK ({PREDICATE})",
    )


def unwall(table: str) -> tuple[str, ...]:
    """The statements that take the wall off ``table`` again (engine-specific)."""
    name = _quoted(table)
    return (
        f"DROP POLICY IF EXISTS {POLICY} ON {name}",
        f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
    )


def _quoted(table: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", table):
        raise ValueError(f"not a table name of ours: {table!r}")
    return f'"{table}"'


# -- the live catalogue -------------------------------------------------------------------

_TENANT_TABLES = text(
    """
    SELECT c.relname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      AND a.attname = :column AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname
    """
)
_WALLS = text(
    """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.cmd, p.permissive,
           p.roles::text[], p.qual, p.with_check
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_policies p
      ON p.schemaname = n.nspname AND p.tablename = c.relname AND p.policyname = :policy
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    """
)


def tenant_tables(conn: Connection) -> list[str]:
    """The tables of the connection's current schema that have a ``tenant`` column."""
    return list(conn.execute(_TENANT_TABLES, {"column": TENANT_COLUMN}).scalars())


def unwalled(conn: Connection, tables: Sequence[str]) -> dict[str, str]:
    """Of ``tables`` (in the current schema), those without the whole wall, each with what
    is missing; empty when every one has row-level security enabled and forced and the
    ``tenant_wall`` policy for every command and role, reading and writing."""
    found = {row[0]: row[1:] for row in conn.execute(_WALLS, {"policy": POLICY})}
    missing: dict[str, str] = {}
    for table in tables:
        if table not in found:
            missing[table] = "no such table"
            continue
        enabled, forced, cmd, permissive, roles, qual, check = found[table]
        why = [
            what
            for what, ok in (
                ("row level security not enabled", enabled),
                ("row level security not forced", forced),
                (f"no {POLICY} policy", cmd is not None),
                (f"{POLICY} not for ALL commands", cmd in (None, "ALL")),
                (f"{POLICY} not permissive", permissive in (None, "PERMISSIVE")),
                (f"{POLICY} not for every role", roles in (None, ["public"])),
                (f"{POLICY} does not read {TENANT_SETTING}", cmd is None or _reads(qual)),
                (f"{POLICY} does not check {TENANT_SETTING}", cmd is None or _reads(check)),
            )
            if not ok
        ]
        if why:
            missing[table] = "; ".join(why)
    return missing


def _reads(expression: str | None) -> bool:
    """Whether a policy expression (as PostgreSQL prints it) compares the tenant column
    with the tenant setting and nothing else."""
    if expression is None:
        return False

    def bare(text: str) -> str:
        return re.sub(r"[()\s]|::text", "", text)

    return bare(expression) == bare(PREDICATE)
