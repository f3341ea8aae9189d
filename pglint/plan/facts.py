"""Facts the builder gathers while walking the statements, for the generated SQL.

Each holds SQL-ready pieces (quoted names, deparsed expressions) so that the
validation, monitoring and rollback generators only assemble them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ForeignKey:
    child: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]  # empty when neither written nor known from the catalog
    name: str
    not_valid: bool
    step: int
    child_new: bool  # the child table is created by these migrations
    nullable: bool  # some key column accepts NULL
    match_full: bool = False  # MATCH FULL: a partly NULL key is a violation too


@dataclass(frozen=True, slots=True)
class UniqueKey:
    table: str
    keys_sql: tuple[str, ...]  # quoted columns or parenthesised expressions
    predicate_sql: str | None
    nulls_not_distinct: bool
    name: str
    step: int
    table_new: bool
    what: str  # "unique index", "primary key", "unique constraint"


@dataclass(frozen=True, slots=True)
class NotNull:
    table: str
    column: str
    step: int
    how: str  # "SET NOT NULL", "ADD COLUMN … NOT NULL", "CHECK (… IS NOT NULL)"


@dataclass(frozen=True, slots=True)
class NotValid:
    table: str
    name: str
    kind: str  # check, foreign key
    step: int
    check_sql: str | None  # the CHECK expression
    validated_at: int | None  # step of the VALIDATE CONSTRAINT in these migrations
    columns: tuple[str, ...] = ()  # the columns the CHECK reads


@dataclass(frozen=True, slots=True)
class DataChange:
    kind: str  # insert, update, delete, merge, create_as, truncate, copy
    table: str
    step: int
    table_new: bool
    source_sql: str | None = None  # the SELECT an INSERT or CREATE TABLE AS reads
    value_rows: int | None = None  # INSERT … VALUES: number of rows
    where_sql: str | None = None
    from_sql: str | None = None  # UPDATE … FROM / DELETE … USING
    alias: str | None = None
    set_columns: tuple[str, ...] = ()
    backfill_columns: tuple[str, ...] = ()  # set where the WHERE tests them IS NULL
    sources: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # columns of the table its WHERE and SET read or write
