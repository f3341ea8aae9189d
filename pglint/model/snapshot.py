"""A schema snapshot: the catalog reduced to comparable facts, for rollback checks.

Two snapshots differ exactly where a rollback failed to restore the schema: an index
the up created that the down left behind, a column whose type the down did not change
back, a table the down dropped that the up never created.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from pglint.model.catalog import Catalog, Index, Table, default_expression

T = TypeVar("T")

#: Object key → (relation it belongs to, or "" for schema-wide objects; description).
Snapshot = dict[str, tuple[str, str]]


def _wanted(name: str, relations: set[str] | None) -> bool:
    return relations is None or name in relations or name.rpartition(".")[2] in relations


def snapshot(catalog: Catalog, relations: set[str] | None = None) -> Snapshot:
    """The objects the catalog knows, keyed like ``"index orders_status_idx"``.

    With ``relations``, tables and indexes of other relations are left out (schema-wide
    objects are always in), which keeps per-migration snapshots cheap on long histories.
    """
    return _facts(catalog, None, relations)


def changes(before: Catalog, after: Catalog, relations: set[str] | None = None) -> list[str]:
    """``differences(snapshot(before, relations), snapshot(after, relations))``, found by
    describing only the objects that may differ.

    ``after`` is a copy of ``before`` (:meth:`Catalog.copy`) changed by a migration: the
    tables, columns and indexes it has not changed are the very objects ``before`` holds,
    and the types, sequences and functions both have are described alike.
    """
    return differences(_facts(before, after, relations), _facts(after, before, relations))


def _facts(catalog: Catalog, other: Catalog | None, relations: set[str] | None) -> Snapshot:
    """The snapshot of ``catalog``, less the objects it shares with ``other``."""
    tables: Iterable[tuple[str, Table]] = catalog.tables.items()
    indexes: Iterable[tuple[str, Index]] = catalog.indexes.items()
    types: Iterable[str] = catalog.types
    enums: Iterable[tuple[str, list[str]]] = catalog.enums.items()
    sequences: Iterable[str] = catalog.sequences
    functions: Iterable[str] = catalog.functions
    if other is not None:
        tables = _differing(catalog.tables, other.tables)
        indexes = _differing(catalog.indexes, other.indexes)
        changed = catalog.types.keys() ^ other.types.keys()
        changed.update(
            k
            for k in catalog.enums.keys() | other.enums.keys()
            if catalog.enums.get(k) != other.enums.get(k)
        )
        types = [k for k in types if k in changed]
        enums = [(k, v) for k, v in enums if k in changed]
        sequences = catalog.sequences.keys() - other.sequences.keys()
        functions = catalog.functions.keys() - other.functions.keys()
    facts: Snapshot = {}
    for key, table in tables:
        if not _wanted(key, relations):
            continue
        facts[f"{table.kind} {key}"] = (key, "")
        twin = other.tables.get(key) if other is not None else None
        shared = twin.columns if twin is not None else {}
        for column in table.columns.values():
            if shared.get(column.name) is column:
                continue  # columns never change in place: the same one is described alike
            detail = str(column.type) if column.type else "?"
            if column.not_null:
                detail += " NOT NULL"
            if column.default is not None:
                # As stored (comparable); printed as SQL only in a message (_readable).
                detail += f" DEFAULT {column.default}"
            facts[f"column {key}.{column.name}"] = (key, detail)
        for con in table.constraints:
            if con.name:
                facts[f"constraint {con.name} on {key}"] = (
                    key,
                    con.kind.removeprefix("CONSTR_").lower(),
                )
    for key, index in indexes:
        if not _wanted(index.table, relations):
            continue
        facts[f"index {key}"] = (index.table, f"on {index.table} ({', '.join(index.columns)})")
    for key in types:
        facts[f"type {key}"] = ("", "")
    for key, values in enums:
        facts[f"type {key}"] = ("", "enum (" + ", ".join(values) + ")")
    for key in sequences:
        facts[f"sequence {key}"] = ("", "")
    for key in functions:
        facts[f"function {key}"] = ("", "")
    return facts


def _differing(mine: dict[str, T], theirs: dict[str, T]) -> list[tuple[str, T]]:
    """The entries of ``mine`` that ``theirs`` lacks or holds another object for; none when
    the two are equal (a rollback that undid its up): equal entries describe alike."""
    if mine == theirs:
        return []
    get = theirs.get
    return [(key, value) for key, value in mine.items() if get(key) is not value]


def _labels_added(old: str, new: str) -> bool:
    """An enum that only gained labels: PostgreSQL cannot drop a label, so no rollback can."""
    if not (old.startswith("enum (") and new.startswith("enum (")):
        return False
    before = old[6:-1].split(", ")
    after = new[6:-1].split(", ")
    return set(before) <= set(after)


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What ``after`` has that ``before`` had not, or lacks, or describes differently."""
    return compare(before, after, _changed)


def _changed(before: tuple[str, str], after: tuple[str, str]) -> str | None:
    old, new = before[1], after[1]
    if old == new or _labels_added(old, new):
        return None
    return f"is {_readable(new) or 'changed'} (was {_readable(old) or 'different'})"


def _readable(detail: str) -> str:
    """A column's description with its stored DEFAULT printed as SQL."""
    head, found, stored = detail.partition(" DEFAULT {")
    if not found:
        return detail
    return f"{head} DEFAULT {_default_sql('{' + stored)}"


@functools.lru_cache(maxsize=256)
def _default_sql(stored: str) -> str:
    """SQL text of a stored DEFAULT (the same few defaults recur: now(), false, 0)."""
    return _expression(default_expression(stored))


def compare(
    before: Mapping[str, T], after: Mapping[str, T], changed: Callable[[T, T], str | None]
) -> list[str]:
    """One sentence per object a rollback left different: added, gone, or changed as
    ``changed(old, new)`` says (None: alike)."""
    sentences = [f"{key} still exists" for key in sorted(after.keys() - before.keys())]
    sentences += [
        f"{key} is gone (it existed before the migration)"
        for key in sorted(before.keys() - after.keys())
    ]
    for key in sorted(before.keys() & after.keys()):
        how = changed(before[key], after[key])
        if how is not None:
            sentences.append(f"{key} {how}")
    return sentences


def _expression(node: object) -> str:
    """SQL text of a DEFAULT expression, as PostgreSQL's deparser would print it."""
    # Only for messages: a few columns at most.
    from pglint.plan.sqltext import try_deparse

    return try_deparse(node) or "(an expression pglint cannot print)"
