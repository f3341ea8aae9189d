"""A schema snapshot: the catalog reduced to comparable facts, for rollback checks.

Two snapshots differ exactly where a rollback failed to restore the schema: an index
the up created that the down left behind, a column whose type the down did not change
back, a table the down dropped that the up never created.
"""

from __future__ import annotations

from pglint.model.catalog import Catalog

#: Object key → (relation it belongs to, or "" for schema-wide objects; description).
Snapshot = dict[str, tuple[str, str]]


def _wanted(name: str, relations: set[str] | None) -> bool:
    return relations is None or name in relations or name.rpartition(".")[2] in relations


def snapshot(catalog: Catalog, relations: set[str] | None = None) -> Snapshot:
    """The objects the catalog knows, keyed like ``"index orders_status_idx"``.

    With ``relations``, tables and indexes of other relations are left out (schema-wide
    objects are always in), which keeps per-migration snapshots cheap on long histories.
    """
    facts: Snapshot = {}
    for key, table in catalog.tables.items():
        if not _wanted(key, relations):
            continue
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
        if not _wanted(index.table, relations):
            continue
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


def _labels_added(old: str, new: str) -> bool:
    """An enum that only gained labels: PostgreSQL cannot drop a label, so no rollback can."""
    if not (old.startswith("enum (") and new.startswith("enum (")):
        return False
    before = old[6:-1].split(", ")
    after = new[6:-1].split(", ")
    return set(before) <= set(after)


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What ``after`` has that ``before`` had not, or lacks, or describes differently."""
    changes = []
    for key in sorted(after.keys() - before.keys()):
        changes.append(f"{key} still exists")
    for key in sorted(before.keys() - after.keys()):
        changes.append(f"{key} is gone (it existed before the migration)")
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key][1], after[key][1]
        if old != new and not _labels_added(old, new):
            changes.append(f"{key} is {new or 'changed'} (was {old or 'different'})")
    return changes
