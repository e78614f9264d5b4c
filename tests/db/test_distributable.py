"""A province can distribute the tables by tenant without a rewrite (DESIGN §8).

A distributed engine (Citus ``create_distributed_table(t, 'tenant')``, and the engines that
speak the same SQL) asks three things of a table sharded by a column: the column is in the
primary key, in every unique constraint, and in every foreign key between such tables, on
both sides, in the same place. These tests walk the declared tables and the migrated
database (both engines) and fail for a table, key or reference that forgets the tenant —
a future table included.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, Table, inspect

from db.models import load_all

#: Tables that are not a county's data, and why (a reference/local table on Citus).
NOT_A_COUNTYS = {
    "kv_entry": "the shared store of a deployment's processes (sessions, rate limits, "
    "idempotency keys), keyed by random tokens; it holds no county's records",
}


def _county_tables() -> list[Table]:
    return [t for t in load_all().metadata.sorted_tables if t.name not in NOT_A_COUNTYS]


def test_every_countys_table_has_a_tenant_column() -> None:
    for table in _county_tables():
        column = table.c.get("tenant")
        assert column is not None, f"{table.name}: no tenant column"
        assert not column.nullable, f"{table.name}.tenant may be NULL"


def test_every_declared_key_and_reference_includes_the_tenant() -> None:
    problems: list[str] = []
    for table in _county_tables():
        pk = [c.name for c in table.primary_key.columns]
        if "tenant" not in pk:
            problems.append(f"{table.name}: primary key {pk}")
        for con in table.constraints:
            if isinstance(con, sa.UniqueConstraint):
                cols = [c.name for c in con.columns]
                if "tenant" not in cols:
                    problems.append(f"{table.name}: unique {cols}")
        for index in table.indexes:
            if index.unique and "tenant" not in [c.name for c in index.columns]:
                problems.append(f"{table.name}: unique index {index.name}")
        for fk in table.foreign_key_constraints:
            pairs = [(e.parent.name, e.column.name) for e in fk.elements]
            if ("tenant", "tenant") not in pairs:
                problems.append(f"{table.name}: reference {pairs} → {fk.referred_table.name}")
    assert problems == []


def test_the_shared_store_is_not_referred_to_by_a_countys_table() -> None:
    # a local/reference table may be referenced only if it is replicated; ours is neither
    for table in _county_tables():
        for fk in table.foreign_key_constraints:
            assert fk.referred_table.name not in NOT_A_COUNTYS, table.name


def test_the_migrated_database_has_the_declared_keys(engine: Engine) -> None:
    """The migrations, not only the declarations: the live keys on each engine.

    Engine-specific (SQLite): an (id, tenant) key is ``PRIMARY KEY (id), UNIQUE (tenant,
    id)`` there (db/base.py) — the unique pair stands for the key."""
    insp = inspect(engine)
    problems: list[str] = []
    for table in _county_tables():
        pk = insp.get_pk_constraint(table.name)["constrained_columns"]
        uniques = [u["column_names"] for u in insp.get_unique_constraints(table.name)]
        if "tenant" not in pk and not (
            engine.dialect.name == "sqlite" and pk == ["id"] and ["tenant", "id"] in uniques
        ):
            problems.append(f"{table.name}: primary key {pk}")
        for cols in uniques:
            if "tenant" not in cols:
                problems.append(f"{table.name}: unique {cols}")
        for index in insp.get_indexes(table.name):
            if index["unique"] and "tenant" not in index["column_names"]:
                problems.append(f"{table.name}: unique index {index['name']}")
        for fk in insp.get_foreign_keys(table.name):
            pairs = list(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
            if ("tenant", "tenant") not in pairs:
                problems.append(f"{table.name}: reference {pairs} → {fk['referred_table']}")
    assert problems == []


def test_a_row_cannot_refer_to_another_countys_row(engine: Engine) -> None:
    """The composite references hold counties apart in the database itself: an event of
    county 422823 cannot be attached to a case of county 422822."""
    md = load_all().metadata
    version, case, event = md.tables["item_version"], md.tables["case"], md.tables["case_event"]
    now = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with engine.begin() as c:
        vid = c.execute(
            version.insert().returning(version.c.id),
            {
                "tenant": "422822",
                "code": "X",
                "version": 1,
                "name": "x",
                "owner": "o",
                "canonical": "{}",
                "sha256": "0" * 64,
                "published_by": "p",
                "published_at": now,
            },
        ).scalar_one()
        case_id = c.execute(
            case.insert().returning(case.c.id),
            {
                "tenant": "422822",
                "number": "N1",
                "query_code": "q",
                "item_version_id": vid,
                "item_code": "X",
                "item_sha256": "0" * 64,
                "applicant_name": "甲",
                "data": "{}",
                "state": "submitted",
                "accepting_domain": "county.hall",
                "owner_domain": "county.hall",
                "submitted_at": now,
                "last_hash": "0" * 64,
            },
        ).scalar_one()
    row = {
        "case_id": case_id,
        "seq": 1,
        "act": "submit",
        "actor": "a",
        "changes": "{}",
        "item_sha256": "0" * 64,
        "at": now,
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    with engine.begin() as c:  # the same county: accepted
        c.execute(event.insert(), {**row, "tenant": "422822"})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as c:
        c.execute(event.insert(), {**row, "tenant": "422823", "seq": 2})


def test_the_citus_script_distributes_every_countys_table_parents_first() -> None:
    from typer.testing import CliRunner

    from banshi import cli
    from db.distribution import distribution_script

    md = load_all().metadata
    lines = distribution_script(md)
    named = [line.split("'")[1] for line in lines]
    assert sorted(named) == sorted(t.name for t in md.sorted_tables)  # each table once
    assert "SELECT create_reference_table('kv_entry');" in lines
    distributed = [n for n, line in zip(named, lines, strict=True) if "distributed" in line]
    first = distributed[0]
    for name, line in zip(named, lines, strict=True):
        if name in distributed and name != first:
            assert f"colocate_with => '{first}'" in line  # one colocation group
    for table in _county_tables():
        for fk in table.foreign_key_constraints:
            if fk.referred_table is not table:  # org_domain's parent is a row of its own
                assert named.index(fk.referred_table.name) < named.index(table.name), table.name
    shown = CliRunner().invoke(cli.build(), ["db", "distribute"])
    assert shown.exit_code == 0
    assert "create_distributed_table('case', 'tenant'" in shown.output
