"""Index rules that need the schema as a whole: what exists once a migration has run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pglint.model.catalog import Catalog, Table, qualified, range_name
from pglint.model.effects import Effect
from pglint.model.nodes import alter_commands
from pglint.model.statements import Node
from pglint.rules.registry import Hit, check

if TYPE_CHECKING:
    from pglint.engine import Context, FileView


def _names(items: list[Node] | None) -> tuple[str, ...]:
    return tuple(item.get("String", {}).get("sval", "") for item in items or ())


def _foreign_keys(effect: Effect) -> Iterator[tuple[Node, tuple[str, ...], Node]]:
    """(referencing table RangeVar, columns, constraint node) for each FK the statement adds."""
    node = effect.node
    if effect.kind == "CreateStmt":
        relation = node.get("relation", {})
        for element in node.get("tableElts", ()):
            if "ColumnDef" in element:
                column = element["ColumnDef"]
                for wrapped in column.get("constraints", ()):
                    con = wrapped.get("Constraint", {})
                    if con.get("contype") == "CONSTR_FOREIGN":
                        yield relation, (column.get("colname", ""),), con
            elif element.get("Constraint", {}).get("contype") == "CONSTR_FOREIGN":
                con = element["Constraint"]
                yield relation, _names(con.get("fk_attrs")), con
    elif effect.kind == "AlterTableStmt":
        relation = node.get("relation", {})
        for cmd in alter_commands(node):
            definition = cmd.get("def", {})
            if cmd.get("subtype") == "AT_AddConstraint":
                con = definition.get("Constraint", {})
                if con.get("contype") == "CONSTR_FOREIGN":
                    yield relation, _names(con.get("fk_attrs")), con
            elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                column = definition["ColumnDef"]
                for wrapped_con in column.get("constraints", ()):
                    con = wrapped_con.get("Constraint", {})
                    if con.get("contype") == "CONSTR_FOREIGN":
                        yield relation, (column.get("colname", ""),), con


def _covered(catalog: Catalog, table: Table, columns: tuple[str, ...]) -> bool:
    """Whether an index or a key of ``table`` starts with exactly ``columns`` (in any order)."""
    wanted = set(columns)
    width = len(columns)
    names = (table.qualified, table.name)
    for index in catalog.indexes.values():
        if index.table in names and set(index.columns[:width]) == wanted:
            return True
    for con in table.constraints:
        if con.kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") and set(con.columns[:width]) == wanted:
            return True
    return False


@check("foreign-key-missing-index", scope="file")
def foreign_key_missing_index(view: FileView, ctx: Context) -> Iterator[Hit]:
    """Runs after the whole file, so an index created after the foreign key counts."""
    for effect in view.effects:
        if effect.kind not in ("CreateStmt", "AlterTableStmt"):
            continue
        for relation, columns, con in _foreign_keys(effect):
            if not columns or not all(columns):
                continue
            schema, name = range_name(relation)
            table = ctx.catalog.table(schema, name)
            target = qualified(*range_name(con.get("pktable", {})))
            listed = ", ".join(columns)
            where = qualified(schema, name)
            if table is None:
                history = " (the table's earlier history is unknown: lint the whole migration folder to see its indexes)"
            elif _covered(ctx.catalog, table, columns):
                continue
            else:
                history = ""
            yield Hit(
                f"foreign key {where} ({listed}) → {target} has no index on {where} starting with "
                f"({listed}){history}: every DELETE or key UPDATE on {target} scans {where} to "
                "check for referencing rows, and so does each cascaded action",
                at=con.get("location"),
                effect=effect,
                help=f"CREATE INDEX CONCURRENTLY ON {where} ({listed}); in a migration of its own, "
                "outside a transaction.",
            )
