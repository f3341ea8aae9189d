"""The objects a migration has created or changed so far.

The analyser feeds every statement through :meth:`Catalog.apply`. Objects created by
the migration being linted are *new* (empty and unused, so locking them is harmless);
objects replayed from earlier migrations are existing ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TypeVar

from pglint.model.statements import Node, Statement
from pglint.model.types import TypeRef, type_ref


def qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def range_name(range_var: Node) -> tuple[str | None, str]:
    """(schema, name) of a pglast ``RangeVar``."""
    return range_var.get("schemaname"), range_var.get("relname", "")


@dataclass(slots=True)
class Column:
    name: str
    type: TypeRef | None
    not_null: bool = False
    has_default: bool = False
    references: str | None = None


@dataclass(slots=True)
class Constraint:
    name: str | None
    kind: str  # CONSTR_CHECK, CONSTR_FOREIGN, CONSTR_UNIQUE, CONSTR_PRIMARY, CONSTR_EXCLUSION
    columns: tuple[str, ...] = ()
    valid: bool = True
    not_null_column: str | None = None  # for CHECK (col IS NOT NULL)
    references: str | None = None  # the referenced table of a FOREIGN KEY
    expr: Node | None = field(default=None, repr=False, compare=False)  # a CHECK's expression


@dataclass(slots=True)
class Table:
    schema: str | None
    name: str
    new: bool
    kind: str = "table"  # table, view, matview, partitioned
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    #: Partitioned tables: ``range``, ``list`` or ``hash`` and the key columns (``(expr)``
    #: for an expression), and the DEFAULT partition's qualified name, if one is known.
    partition_strategy: str | None = None
    partition_key: tuple[str, ...] = ()
    default_partition: str | None = None
    #: Partitions: the parent's qualified name.
    parent: str | None = None
    #: Views and materialized views: their query (a parse-tree node).
    query: Node | None = field(default=None, repr=False, compare=False)

    @property
    def qualified(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def sources(self) -> tuple[str, ...]:
        """Views and materialized views: the relations their query reads."""
        return query_relations(self.query) if self.query is not None else ()


@dataclass(slots=True)
class Index:
    schema: str | None
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    new: bool


@dataclass(slots=True)
class Catalog:
    """Tables, indexes, types and other named objects known so far."""

    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    types: dict[str, bool] = field(default_factory=dict)  # name → new
    enums: dict[str, list[str]] = field(default_factory=dict)
    sequences: dict[str, bool] = field(default_factory=dict)
    functions: dict[str, bool] = field(default_factory=dict)
    new_objects: set[str] = field(default_factory=set)

    #: Tables this catalog may change in place (id → table); None: all of them. After
    #: :meth:`copy` both catalogs share their tables, and each clones a table before its
    #: first change (copy on write).
    _owned: dict[int, Table] | None = field(default=None, repr=False, compare=False)

    def copy(self) -> Catalog:
        """An independent copy, cheap to take: tables are cloned only when changed.

        Parse-tree nodes, TypeRefs and Index objects are never changed in place, so they
        are shared. ``copy.deepcopy`` of a catalog comes here too.
        """
        self._owned = {}
        return Catalog(
            dict(self.tables),
            dict(self.indexes),
            dict(self.types),
            {key: list(values) for key, values in self.enums.items()},
            dict(self.sequences),
            dict(self.functions),
            set(self.new_objects),
            {},
        )

    def writable(self, table: Table) -> Table:
        """``table`` itself if this catalog owns it, else its clone put in its place."""
        owned = self._owned
        if owned is None or owned.get(id(table)) is table:
            return table
        clone = _copy_table(table)
        owned[id(clone)] = clone
        key = table.qualified
        if self.tables.get(key) is table:
            self.tables[key] = clone
        else:  # pragma: no cover - tables are always kept under their qualified name
            for key, value in list(self.tables.items()):
                if value is table:
                    self.tables[key] = clone
        return clone

    def __deepcopy__(self, memo: dict[int, object]) -> Catalog:
        return self.copy()

    # --- look-ups -------------------------------------------------------------------------

    def table(self, schema: str | None, name: str) -> Table | None:
        found = self.tables.get(qualified(schema, name))
        if found is None and schema in (None, "public"):
            found = self.tables.get(name if schema else qualified("public", name))
        return found

    def table_of(self, range_var: Node) -> Table | None:
        return self.table(*range_name(range_var))

    def is_new_table(self, range_var: Node) -> bool:
        found = self.table_of(range_var)
        return bool(found and found.new)

    def is_new_relation(self, schema: str | None, name: str) -> bool:
        """A table, view or index created by the migration being linted."""
        found = self.table(schema, name)
        if found is not None:
            return found.new
        index = self.index(schema, name)
        return bool(index and index.new)

    def index(self, schema: str | None, name: str) -> Index | None:
        return self.indexes.get(qualified(schema, name)) or (
            self.indexes.get(name) if schema in (None, "public") else None
        )

    # --- updates --------------------------------------------------------------------------

    def apply(self, statement: Statement, new: bool = True) -> None:
        """Record what ``statement`` creates, drops or renames."""
        handler = _HANDLERS.get(statement.kind)
        if handler is not None:
            handler(self, statement.node, new)

    def _add_table(self, schema: str | None, name: str, new: bool, kind: str = "table") -> Table:
        table = Table(schema, name, new, kind)
        self.tables[qualified(schema, name)] = table
        if self._owned is not None:
            self._owned[id(table)] = table
        return table

    def _table_to_change(self, range_var: Node) -> Table | None:
        """The table a statement changes, made writable (see :meth:`writable`)."""
        found = self.table_of(range_var)
        return self.writable(found) if found is not None else None


def _shallow(obj: _T) -> _T:
    """A new dataclass instance with the same field values (containers shared)."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    return cls(*[getattr(obj, name) for name in names])


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_T = TypeVar("_T")


def _copy_table(t: Table) -> Table:
    table = _shallow(t)
    table.columns = {key: _shallow(c) for key, c in t.columns.items()}
    table.constraints = [_shallow(c) for c in t.constraints]
    return table


def _column_from_def(coldef: Node) -> tuple[Column, list[Constraint]]:
    type_name = coldef.get("typeName")
    column = Column(coldef.get("colname", ""), type_ref(type_name) if type_name else None)
    constraints: list[Constraint] = []
    for wrapped in coldef.get("constraints", ()):
        con = wrapped.get("Constraint", {})
        contype = con.get("contype")
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            column.not_null = True
        if contype in ("CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"):
            column.has_default = True
        if contype == "CONSTR_FOREIGN":
            pk = con.get("pktable", {})
            column.references = qualified(*range_name(pk))
        if contype in ("CONSTR_CHECK", "CONSTR_FOREIGN", "CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            constraints.append(
                Constraint(
                    con.get("conname"),
                    contype,
                    (column.name,),
                    not con.get("skip_validation", False),
                    not_null_column=not_null_check_column(con.get("raw_expr"))
                    if contype == "CONSTR_CHECK"
                    else None,
                    references=qualified(*range_name(con.get("pktable", {})))
                    if contype == "CONSTR_FOREIGN"
                    else None,
                    expr=con.get("raw_expr") if contype == "CONSTR_CHECK" else None,
                )
            )
    if column.type is not None and column.type.name in ("serial", "bigserial", "smallserial"):
        column.has_default = column.not_null = True
    return column, constraints


def not_null_check_column(expr: Node | None) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` expression, else None."""
    test = (expr or {}).get("NullTest")
    if not test or test.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = test.get("arg", {}).get("ColumnRef", {}).get("fields", ())
    if len(fields) == 1 and "String" in fields[0]:
        return fields[0]["String"]["sval"]
    return None


def _constraint(con: Node) -> Constraint:
    columns = tuple(
        k.get("String", {}).get("sval", "") for k in con.get("keys", ()) or con.get("fk_attrs", ())
    )
    if con.get("contype") == "CONSTR_FOREIGN":
        columns = tuple(k.get("String", {}).get("sval", "") for k in con.get("fk_attrs", ()))
    check = con.get("contype") == "CONSTR_CHECK"
    return Constraint(
        con.get("conname"),
        con.get("contype", ""),
        columns,
        valid=not con.get("skip_validation", False),
        not_null_column=not_null_check_column(con.get("raw_expr")) if check else None,
        references=qualified(*range_name(con.get("pktable", {})))
        if con.get("contype") == "CONSTR_FOREIGN"
        else None,
        expr=con.get("raw_expr") if check else None,
    )


_STRATEGIES = {
    "PARTITION_STRATEGY_RANGE": "range",
    "PARTITION_STRATEGY_LIST": "list",
    "PARTITION_STRATEGY_HASH": "hash",
}


def _attach(catalog: Catalog, parent: Table | None, child: Table | None, bound: Node) -> None:
    """Record that ``child`` became a partition of ``parent`` (DEFAULT when the bound says so)."""
    if parent is None or child is None:
        return
    child = catalog.writable(child)
    child.parent = parent.qualified
    if bound.get("is_default"):
        catalog.writable(parent).default_partition = child.qualified


def _detach(catalog: Catalog, parent: Table | None, child: Table | None) -> None:
    if child is not None:
        catalog.writable(child).parent = None
    if parent is not None and child is not None and parent.default_partition == child.qualified:
        catalog.writable(parent).default_partition = None


def _create_table(catalog: Catalog, node: Node, new: bool) -> None:
    schema, name = range_name(node.get("relation", {}))
    spec = node.get("partspec")
    kind = "partitioned" if spec else "table"
    table = catalog._add_table(schema, name, new, kind)
    if spec:
        table.partition_strategy = _STRATEGIES.get(spec.get("strategy", ""))
        table.partition_key = tuple(
            p.get("PartitionElem", {}).get("name") or "(expr)" for p in spec.get("partParams", ())
        )
    if node.get("partbound") and node.get("inhRelations"):
        parent = catalog.table_of(node["inhRelations"][0].get("RangeVar", {}))
        _attach(catalog, parent, table, node["partbound"])
    for element in node.get("tableElts", ()):
        if "ColumnDef" in element:
            column, constraints = _column_from_def(element["ColumnDef"])
            table.columns[column.name] = column
            table.constraints.extend(constraints)
        elif "Constraint" in element:
            con = _constraint(element["Constraint"])
            table.constraints.append(con)
            if con.kind == "CONSTR_PRIMARY":
                for col in con.columns:
                    if col in table.columns:
                        table.columns[col].not_null = True


def query_relations(query: object) -> tuple[str, ...]:
    """Qualified names of the relations a query reads (CTE names excluded), in order."""
    found: list[str] = []
    ctes: set[str] = set()
    stack = [query]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            range_var = item.get("RangeVar")
            if range_var is not None:
                name = qualified(*range_name(range_var))
                if name not in found:
                    found.append(name)
                continue
            cte = item.get("CommonTableExpr")
            if cte is not None and cte.get("ctename"):
                ctes.add(cte["ctename"])
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return tuple(name for name in found if name not in ctes)


def _create_table_as(catalog: Catalog, node: Node, new: bool) -> None:
    into = node.get("into", {})
    into = into.get("IntoClause", into)
    schema, name = range_name(into.get("rel", {}))
    kind = "matview" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    table = catalog._add_table(schema, name, new, kind)
    if kind == "matview":
        table.query = node.get("query")


def _create_view(catalog: Catalog, node: Node, new: bool) -> None:
    schema, name = range_name(node.get("view", {}))
    existing = catalog.table(schema, name)
    table = catalog._add_table(schema, name, existing.new if existing else new, "view")
    table.query = node.get("query")


def _create_index(catalog: Catalog, node: Node, new: bool) -> None:
    schema, table = range_name(node.get("relation", {}))
    name = node.get("idxname") or f"{table}_idx"
    columns = tuple(
        p.get("IndexElem", {}).get("name") or "(expr)" for p in node.get("indexParams", ())
    )
    catalog.indexes[qualified(schema, name)] = Index(
        schema, name, qualified(schema, table), columns, bool(node.get("unique")), new
    )


def _alter_table(catalog: Catalog, node: Node, new: bool) -> None:
    table = catalog._table_to_change(node.get("relation", {}))
    if table is None:
        return
    for wrapped in node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        subtype = cmd.get("subtype")
        definition = cmd.get("def", {})
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            column, constraints = _column_from_def(definition["ColumnDef"])
            table.columns[column.name] = column
            table.constraints.extend(constraints)
        elif subtype == "AT_DropColumn":
            table.columns.pop(cmd.get("name", ""), None)
        elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
            col = table.columns.get(cmd.get("name", ""))
            type_name = definition["ColumnDef"].get("typeName")
            if col is not None and type_name:
                col.type = type_ref(type_name)
        elif subtype == "AT_SetNotNull":
            col = table.columns.get(cmd.get("name", ""))
            if col is not None:
                col.not_null = True
        elif subtype == "AT_DropNotNull":
            col = table.columns.get(cmd.get("name", ""))
            if col is not None:
                col.not_null = False
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            table.constraints.append(_constraint(definition["Constraint"]))
        elif subtype == "AT_ValidateConstraint":
            for con in table.constraints:
                if con.name == cmd.get("name"):
                    con.valid = True
        elif subtype == "AT_DropConstraint":
            table.constraints = [c for c in table.constraints if c.name != cmd.get("name")]
        elif subtype == "AT_AttachPartition":
            part = definition.get("PartitionCmd", {})
            child = catalog.table_of(part.get("name", {}))
            _attach(catalog, table, child, part.get("bound") or {})
        elif subtype == "AT_DetachPartition":
            part = definition.get("PartitionCmd", {})
            _detach(catalog, table, catalog.table_of(part.get("name", {})))


def _rename(catalog: Catalog, node: Node, new: bool) -> None:
    if node.get("renameType") not in ("OBJECT_TABLE", "OBJECT_COLUMN"):
        return
    table = catalog._table_to_change(node.get("relation", {}))
    if table is None:
        return
    if node["renameType"] == "OBJECT_TABLE":
        old = table.qualified
        del catalog.tables[old]
        table.name = node.get("newname", table.name)
        catalog.tables[table.qualified] = table
        for other in list(catalog.tables.values()):
            if other.default_partition == old:
                catalog.writable(other).default_partition = table.qualified
            if other.parent == old:
                catalog.writable(other).parent = table.qualified
    else:
        column = table.columns.pop(node.get("subname", ""), None)
        if column is not None:
            column.name = node.get("newname", column.name)
            table.columns[column.name] = column


def _drop(catalog: Catalog, node: Node, new: bool) -> None:
    kind = node.get("removeType")
    for obj in node.get("objects", ()):
        names = [n.get("String", {}).get("sval", "") for n in obj.get("List", {}).get("items", ())]
        if not names:
            continue
        schema, name = (names[-2] if len(names) > 1 else None), names[-1]
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            table = catalog.table(schema, name)
            if table is not None:
                catalog.tables.pop(table.qualified, None)
                parent = catalog.tables.get(table.parent) if table.parent else None
                _detach(catalog, parent, table)
        elif kind == "OBJECT_INDEX":
            index = catalog.index(schema, name)
            if index is not None:
                catalog.indexes.pop(qualified(index.schema, index.name), None)


def _create_enum(catalog: Catalog, node: Node, new: bool) -> None:
    names = [n.get("String", {}).get("sval", "") for n in node.get("typeName", ())]
    key = ".".join(names)
    catalog.types[key] = new
    catalog.enums[key] = [v.get("String", {}).get("sval", "") for v in node.get("vals", ())]


def _create_type(catalog: Catalog, node: Node, new: bool) -> None:
    names = [
        n.get("String", {}).get("sval", "")
        for n in node.get("typevar", {})
        and [
            *(
                [{"String": {"sval": node["typevar"]["schemaname"]}}]
                if node["typevar"].get("schemaname")
                else []
            ),
            {"String": {"sval": node["typevar"].get("relname", "")}},
        ]
    ]
    catalog.types[".".join(names)] = new


def _create_seq(catalog: Catalog, node: Node, new: bool) -> None:
    catalog.sequences[qualified(*range_name(node.get("sequence", {})))] = new


_HANDLERS = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "ViewStmt": _create_view,
    "IndexStmt": _create_index,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "DropStmt": _drop,
    "CreateEnumStmt": _create_enum,
    "CompositeTypeStmt": _create_type,
    "CreateSeqStmt": _create_seq,
}
