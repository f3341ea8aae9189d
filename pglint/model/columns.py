"""The column types a statement writes: in CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.

Several schema rules judge the same column definitions (char, int, serial, timestamp,
varchar, json); :func:`column_types` finds them once per statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pglint.model.catalog import range_name
from pglint.model.nodes import alter_commands
from pglint.model.statements import Node, Statement
from pglint.model.types import TypeRef, type_ref

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")


def quote_ident(name: str) -> str:
    """``name`` as it must be written in SQL: double-quoted unless it is plain lower case."""
    if _PLAIN_IDENTIFIER.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def display_name(*parts: str | None) -> str:
    """A possibly qualified name for messages, quoted where SQL would need quotes."""
    return ".".join(quote_ident(p) for p in parts if p)


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class ColumnType:
    """One column type a statement writes: in CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE."""

    table: str  # as written, schema-qualified if it was
    column: str
    type: TypeRef
    raw: str  # the type's own name as the parser gives it (bpchar, "char", int4, serial…)
    builtin: bool  # unqualified or pg_catalog: PostgreSQL's type, not a user type of that name
    clause: str  # "CREATE TABLE", "ADD COLUMN" or "ALTER COLUMN TYPE"
    location: int | None  # of the type name
    coldef: Node
    relation: Node

    @property
    def where(self) -> str:
        return f"{self.table}.{quote_ident(self.column)}"

    @property
    def verb(self) -> str:
        return "is changed to" if self.clause == "ALTER COLUMN TYPE" else "is"


def column_types(statement: Statement) -> tuple[ColumnType, ...]:
    """Column types written by a CREATE TABLE or ALTER TABLE statement, computed once.

    Temporary tables are skipped (scratch space of the migration, gone at session end), and
    so are foreign tables (their column types mirror the remote table) and typed tables,
    partitions and ``LIKE`` copies (no types written here).
    """
    memo = statement.memo
    found = memo.get("column_types")
    if found is None:
        found = memo["column_types"] = tuple(_column_types(statement.kind, statement.node))
    return found


def _column_types(kind: str, node: Node) -> list[ColumnType]:
    found: list[ColumnType] = []
    if kind == "CreateStmt":
        relation = node.get("relation", {})
        if relation.get("relpersistence") == "t":
            return found
        table = display_name(*range_name(relation))
        for element in node.get("tableElts", ()):
            coldef = element.get("ColumnDef")
            if coldef is not None:
                column = coldef.get("colname", "")
                col = _column_type(table, relation, coldef, column, "CREATE TABLE")
                if col is not None:
                    found.append(col)
    elif kind == "AlterTableStmt":
        if node.get("objtype") not in (None, "OBJECT_TABLE"):
            return found
        relation = node.get("relation", {})
        table = ""
        for cmd in alter_commands(node):
            coldef = cmd.get("def", {}).get("ColumnDef")
            if coldef is None:
                continue
            subtype = cmd.get("subtype")
            if subtype == "AT_AddColumn":
                column, clause = coldef.get("colname", ""), "ADD COLUMN"
            elif subtype == "AT_AlterColumnType":
                column, clause = cmd.get("name", ""), "ALTER COLUMN TYPE"
            else:
                continue
            table = table or display_name(*range_name(relation))
            col = _column_type(table, relation, coldef, column, clause)
            if col is not None:
                found.append(col)
    return found


def _column_type(
    table: str, relation: Node, coldef: Node, column: str, clause: str
) -> ColumnType | None:
    type_name = coldef.get("typeName")
    if not type_name or not type_name.get("names") or type_name.get("pct_type"):
        return None
    names = type_name["names"]
    ref = type_ref(type_name)
    return ColumnType(
        table=table,
        column=column,
        type=ref,
        raw=names[-1].get("String", {}).get("sval", ""),
        builtin=ref.schema in (None, "pg_catalog"),
        clause=clause,
        location=type_name.get("location"),
        coldef=coldef,
        relation=relation,
    )
