"""A schema snapshot: the catalog reduced to comparable facts, for rollback checks.

Two snapshots differ exactly where a rollback failed to restore the schema: an index
the up created that the down left behind, a column whose type the down did not change
back, a table the down dropped that the up never created.
"""

from __future__ import annotations

from pglint.model.catalog import Catalog

#: Object key → (relation it belongs to, or "" for schema-wide objects; description).
Snapshot = dict[str, tuple[str, str]]


def snapshot(catalog: Catalog) -> Snapshot:
    """Every object the catalog knows, keyed like ``"index orders_status_idx"``."""
    facts: Snapshot = {}
    for key, table in catalog.tables.items():
        facts[f"{table.kind} {key}"] = (key, "")
        for column in table.columns.values():
            detail = str(column.type) if column.type else "?"
            if column.not_null:
                detail += " NOT NULL"
            facts[f"column {key}.{column.name}"] = (key, detail)
        for con in table.constraints:
            if con.name:
                facts[f"constraint {con.name} on {key}"] = (
                    key,
                    con.kind.removeprefix("CONSTR_").lower(),
                )
    for key, index in catalog.indexes.items():
        facts[f"index {key}"] = (index.table, f"on {index.table} ({', '.join(index.columns)})")
    for key in catalog.types:
        facts[f"type {key}"] = ("", "")
    for key, values in catalog.enums.items():
        facts[f"type {key}"] = ("", "enum (" + ", ".join(values) + ")")
    for key in catalog.sequences:
        facts[f"sequence {key}"] = ("", "")
    for key in catalog.functions:
        facts[f"function {key}"] = ("", "")
    return facts


def restrict(facts: Snapshot, relations: set[str]) -> Snapshot:
    """Only schema-wide objects and those of the named relations."""
    return {
        k: v
        for k, v in facts.items()
        if not v[0] or v[0] in relations or v[0].rpartition(".")[2] in relations
    }


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What ``after`` has that ``before`` had not, or lacks, or describes differently."""
    changes = []
    for key in sorted(after.keys() - before.keys()):
        changes.append(f"{key} still exists")
    for key in sorted(before.keys() - after.keys()):
        changes.append(f"{key} is gone (it existed before the migration)")
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key][1], after[key][1]
        if old != new:
            changes.append(f"{key} is {new or 'changed'} (was {old or 'different'})")
    return changes
