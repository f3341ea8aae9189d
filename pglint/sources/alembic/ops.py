"""``op.*`` calls → the SQL Alembic sends to PostgreSQL for them.

Each generator takes the call, the scope and, for a ``batch_op`` method, the batch's table;
it returns the SQL statements, or raises :class:`Dynamic` when an argument that shapes the
SQL cannot be known.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeGuard

from pglint.sources.alembic.calls import is_bind
from pglint.sources.alembic.columns import (
    Column,
    column,
    column_index_sql,
    column_sql,
    serial_column,
)
from pglint.sources.alembic.constraints import (
    columns_sql,
    exclude_sql,
    index_object,
    index_sql,
    named,
    references,
    table_constraint,
)
from pglint.sources.alembic.expressions import default_sql, raw_sql
from pglint.sources.alembic.quoting import ident, qualified, quote
from pglint.sources.alembic.scope import TableName
from pglint.sources.alembic.sqla_types import column_type, enum_type
from pglint.sources.alembic.syntax import callee_last, elements, is_false, is_none
from pglint.sources.alembic.values import (
    Dynamic,
    arg,
    bind_args,
    bool_value,
    const,
    known_name,
    kwarg_const,
    name_arg,
    opt_bool,
    opt_str,
    opt_str_list,
    str_list,
    str_value,
)

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.scope import Scope

#: An op method's translation: (call, scope, batch table or None) → SQL statements.
Translation = Callable[["cst.Call", "Scope", "TableName | None"], list[str]]


def _table_args(
    call: cst.Call,
    scope: Scope,
    batch: TableName | None,
    params: tuple[str, ...],
    table: str = "table_name",
    schema: str = "schema",
) -> tuple[dict[str, Any], str, str | None]:
    """The arguments by name, and the table and schema they name; a batch method takes
    them from its batch (and has no ``table`` parameter)."""
    if batch is not None:
        return bind_args(call, tuple(p for p in params if p != table)), *batch
    bound = bind_args(call, params)
    name = str_value(bound.get(table), scope, "table name")
    return bound, name, opt_str(bound.get(schema), scope)


def _flag(bound: dict[str, Any], scope: Scope, key: str, clause: str) -> str:
    """``clause`` when the flag argument ``key`` is true, else ``""``."""
    return clause if opt_bool(bound.get(key), scope) else ""


def _create_table(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, None, ("table_name", "*columns"))
    table_sql = qualified(table, schema)
    columns: list[Column] = []
    pk_name: str | None = None
    pk_columns: list[str] = []
    constraints: list[str] = []
    indexes: list[str] = []
    unknown: list[str] = []
    for item in bound.get("*columns", ()):
        kind = callee_last(item)
        if kind == "Column":
            columns.append(column(item, scope))
        elif kind == "PrimaryKeyConstraint":
            args = bind_args(item, ("*columns",))
            pk_columns = [str_value(c, scope, "column name") for c in args.get("*columns", ())]
            pk_name = name_arg(args.get("name"), scope, "constraint", unknown)
        elif kind in (
            "UniqueConstraint",
            "CheckConstraint",
            "ForeignKeyConstraint",
            "ExcludeConstraint",
        ):
            constraints.append(table_constraint(item, kind, scope, unknown))
        elif kind == "Index":
            indexes.append(index_object(item, table, schema, scope, unknown))
        else:
            raise Dynamic("has a create_table() argument that is not a Column or a constraint")
    enums: list[str] = []
    seen_enums: set[tuple[str, str | None]] = set()
    for found in columns:
        enum = found.enum
        if enum is not None and enum.create and (enum.name, enum.schema) not in seen_enums:
            seen_enums.add((enum.name, enum.schema))
            enums.append(enum.create_sql())
    for found in columns:
        if found.primary_key and found.name not in pk_columns:
            pk_columns.append(found.name)
    serial = serial_column(columns, pk_columns)
    parts = [column_sql(c, c is serial, c.name in pk_columns) for c in columns]
    if pk_columns:
        parts.append(f"{named(pk_name)}PRIMARY KEY {columns_sql(pk_columns)}")
    parts.extend(constraints)
    parts.extend(f"UNIQUE ({ident(c.name)})" for c in columns if c.unique and not c.index)
    for found in columns:
        parts.extend(found.foreign_keys)
    exists = _flag(bound, scope, "if_not_exists", "IF NOT EXISTS ")
    prefixes = opt_str_list(bound.get("prefixes"), scope)
    head = "CREATE " + "".join(f"{p} " for p in prefixes) + "TABLE "
    partition = opt_str(bound.get("postgresql_partition_by"), scope)
    tail = f" PARTITION BY {partition}" if partition else ""
    sqls = [*enums, f"{head}{exists}{table_sql} ({', '.join(parts)}){tail}"]
    sqls.extend(column_index_sql(c, table, table_sql) for c in columns if c.index)
    sqls.extend(indexes)
    return known_name(sqls, unknown + [r for c in columns for r in c.unknown_names])


def _add_column(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, batch, ("table_name", "column"))
    node = bound.get("column")
    if node is None or callee_last(node) != "Column":
        raise Dynamic("adds a column pglint cannot read (not a literal sa.Column(...))")
    found = column(node, scope)
    table_sql = qualified(table, schema)
    serial = found.primary_key and serial_column([found], [found.name]) is not None
    exists = _flag(bound, scope, "if_not_exists", "IF NOT EXISTS ")
    definition = column_sql(found, serial, found.primary_key)
    sqls = [f"ALTER TABLE {table_sql} ADD COLUMN {exists}{definition}"]
    sqls.extend(f"ALTER TABLE {table_sql} ADD {fk}" for fk in found.foreign_keys)
    if found.unique and not found.index:
        sqls.append(f"ALTER TABLE {table_sql} ADD UNIQUE ({ident(found.name)})")
    if found.index:
        sqls.append(column_index_sql(found, table, table_sql))
    return known_name(sqls, found.unknown_names)


def _drop_column(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, batch, ("table_name", "column_name"))
    name = str_value(bound.get("column_name"), scope, "column name")
    exists = _flag(bound, scope, "if_exists", "IF EXISTS ")
    return [f"ALTER TABLE {qualified(table, schema)} DROP COLUMN {exists}{ident(name)}"]


def _drop_table(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, batch, ("table_name",))
    exists = _flag(bound, scope, "if_exists", "IF EXISTS ")
    return [f"DROP TABLE {exists}{qualified(table, schema)}"]


def _rename_table(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound = bind_args(call, ("old_table_name", "new_table_name"))
    old = str_value(bound.get("old_table_name"), scope, "table name")
    new = str_value(bound.get("new_table_name"), scope, "table name")
    schema = opt_str(bound.get("schema"), scope)
    return [f"ALTER TABLE {qualified(old, schema)} RENAME TO {ident(new)}"]


def _alter_column(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, batch, ("table_name", "column_name"))
    name = ident(str_value(bound.get("column_name"), scope, "column name"))
    head = f"ALTER TABLE {qualified(table, schema)}"
    sqls = []
    type_node = bound.get("type_")
    if type_node is not None and not is_none(type_node):
        type_sql = column_type(type_node, scope).sql
        using = bound.get("postgresql_using")
        clause = (
            f" USING {raw_sql(using, scope)}" if using is not None and not is_none(using) else ""
        )
        sqls.append(f"{head} ALTER COLUMN {name} TYPE {type_sql}{clause}")
    nullable = bound.get("nullable")
    if nullable is not None and not is_none(nullable):
        action = "DROP" if bool_value(nullable, scope) else "SET"
        sqls.append(f"{head} ALTER COLUMN {name} {action} NOT NULL")
    if "server_default" in bound:
        default = bound["server_default"]
        if is_none(default):
            sqls.append(f"{head} ALTER COLUMN {name} DROP DEFAULT")
        elif not is_false(default):
            rendered = default_sql(default, scope)
            if rendered is not None:
                sqls.append(f"{head} ALTER COLUMN {name} SET DEFAULT {rendered}")
    comment = bound.get("comment")
    if comment is not None and not is_false(comment):
        text = "NULL" if is_none(comment) else quote(str_value(comment, scope, "comment"))
        sqls.append(f"COMMENT ON COLUMN {qualified(table, schema)}.{name} IS {text}")
    new_name = bound.get("new_column_name")
    if new_name is not None and not is_none(new_name):
        sqls.append(f"{head} RENAME {name} TO {ident(str_value(new_name, scope, 'column name'))}")
    return sqls


def _create_index(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    params = ("index_name", "table_name", "columns")
    bound, table, schema = _table_args(call, scope, batch, params)
    columns = bound.get("columns")
    items = elements(columns) if columns is not None else []
    unknown: list[str] = []
    name = name_arg(bound.get("index_name"), scope, "index", unknown)
    return known_name([index_sql(name, table, schema, items, bound, scope)], unknown)


def _drop_index(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    # The table is optional here (PostgreSQL drops an index by its name).
    bound = bind_args(call, ("index_name", "table_name") if batch is None else ("index_name",))
    name = str_value(bound.get("index_name"), scope, "index name")
    schema = opt_str(bound.get("schema"), scope) if batch is None else batch.schema
    concurrently = _flag(bound, scope, "postgresql_concurrently", "CONCURRENTLY ")
    exists = _flag(bound, scope, "if_exists", "IF EXISTS ")
    return [f"DROP INDEX {concurrently}{exists}{qualified(name, schema)}"]


_FOREIGN_KEY_PARAMS = (
    "constraint_name",
    "source_table",
    "referent_table",
    "local_cols",
    "remote_cols",
    "onupdate",
    "ondelete",
    "deferrable",
    "initially",
    "match",
    "source_schema",
    "referent_schema",
)


def _create_foreign_key(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(
        call, scope, batch, _FOREIGN_KEY_PARAMS, "source_table", "source_schema"
    )
    unknown: list[str] = []
    name = name_arg(bound.get("constraint_name"), scope, "constraint", unknown)
    referent = str_value(bound.get("referent_table"), scope, "table name")
    local = str_list(bound.get("local_cols"), scope)
    remote = str_list(bound.get("remote_cols"), scope)
    referent_sql = qualified(referent, opt_str(bound.get("referent_schema"), scope))
    reference = references(referent_sql, remote, bound, scope)
    not_valid = _flag(bound, scope, "postgresql_not_valid", " NOT VALID")
    sql = (
        f"ALTER TABLE {qualified(table, schema)} ADD {named(name)}FOREIGN KEY"
        f"{columns_sql(local)} {reference}{not_valid}"
    )
    return known_name([sql], unknown)


def _add_constraint(
    call: cst.Call, scope: Scope, batch: TableName | None, third: str, clause: Callable
) -> list[str]:
    """``ALTER TABLE ... ADD [CONSTRAINT name] <clause(bound)>``; ``third``: the parameter
    after the constraint and table names."""
    params = ("constraint_name", "table_name", third)
    bound, table, schema = _table_args(call, scope, batch, params)
    body = clause(bound, scope)
    unknown: list[str] = []
    name = named(name_arg(bound.get("constraint_name"), scope, "constraint", unknown))
    return known_name([f"ALTER TABLE {qualified(table, schema)} ADD {name}{body}"], unknown)


def _key_clause(keyword: str, bound: dict[str, Any], scope: Scope) -> str:
    return f"{keyword} {columns_sql(str_list(bound.get('columns'), scope))}"


def _check_clause(bound: dict[str, Any], scope: Scope) -> str:
    condition = raw_sql(bound.get("condition"), scope, fallback="true")
    return f"CHECK ({condition}){_flag(bound, scope, 'postgresql_not_valid', ' NOT VALID')}"


def _drop_constraint(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    params = ("constraint_name", "table_name", "type_")
    bound, table, schema = _table_args(call, scope, batch, params)
    name = str_value(bound.get("constraint_name"), scope, "constraint name")
    exists = _flag(bound, scope, "if_exists", "IF EXISTS ")
    return [f"ALTER TABLE {qualified(table, schema)} DROP CONSTRAINT {exists}{ident(name)}"]


def _create_table_comment(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    bound, table, schema = _table_args(call, scope, batch, ("table_name", "comment"))
    comment = bound.get("comment")
    text = (
        "NULL"
        if comment is None or is_none(comment)
        else quote(str_value(comment, scope, "comment"))
    )
    return [f"COMMENT ON TABLE {qualified(table, schema)} IS {text}"]


def _drop_table_comment(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    _, table, schema = _table_args(call, scope, batch, ("table_name",))
    return [f"COMMENT ON TABLE {qualified(table, schema)} IS NULL"]


def table_name(call: cst.Call, scope: Scope) -> TableName | None:
    """The table an ``sa.table("name", ..., schema=...)`` call names (None: not a string)."""
    name = const(call.args[0].value, scope.constants)
    if not isinstance(name, str):
        return None
    schema = kwarg_const(call, "schema", scope)
    return TableName(name, schema if isinstance(schema, str) else None)


def _is_table_call(node: Any) -> TypeGuard[cst.Call]:
    import libcst as cst

    return (
        isinstance(node, cst.Call) and callee_last(node) in ("table", "Table") and bool(node.args)
    )


def _bulk_insert(call: cst.Call, scope: Scope, batch: TableName | None) -> list[str]:
    """One ``INSERT`` stands for the rows (their values do not matter to the rules)."""
    import libcst as cst

    bound = bind_args(call, ("table", "rows", "multiinsert"))
    node = bound.get("table")
    found: TableName | None = None
    if isinstance(node, cst.Name):
        found = scope.tables.get(node.value)
        value = scope.module.constants.get(node.value)
        if found is None and _is_table_call(value):
            found = table_name(value, scope)
    elif _is_table_call(node):
        found = table_name(node, scope)
    if found is None:
        raise Dynamic("inserts into a table pglint cannot name")
    rows = bound.get("rows")
    if isinstance(rows, (cst.List, cst.Tuple)) and not rows.elements:
        return []
    return [f"INSERT INTO {qualified(*found)} DEFAULT VALUES"]


GENERATORS: dict[str, Translation] = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_foreign_key": _create_foreign_key,
    "create_unique_constraint": partial(
        _add_constraint, third="columns", clause=partial(_key_clause, "UNIQUE")
    ),
    "create_primary_key": partial(
        _add_constraint, third="columns", clause=partial(_key_clause, "PRIMARY KEY")
    ),
    "create_check_constraint": partial(_add_constraint, third="condition", clause=_check_clause),
    "create_exclude_constraint": partial(_add_constraint, third="*elements", clause=exclude_sql),
    "drop_constraint": _drop_constraint,
    "create_table_comment": _create_table_comment,
    "drop_table_comment": _drop_table_comment,
    "bulk_insert": _bulk_insert,
}


def enum_ddl(call: cst.Call, scope: Scope) -> list[str] | None:
    """``postgresql.ENUM(..., name="x").create(op.get_bind())`` → CREATE TYPE (``.drop``:
    DROP TYPE); None for any other call."""
    import libcst as cst

    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in ("create", "drop"):
        return None
    if not call.args or not is_bind(call.args[0].value, scope):
        return None
    owner: cst.BaseExpression | None = func.value
    if isinstance(owner, cst.Name):
        owner = scope.constants.get(owner.value)
    if not isinstance(owner, cst.Call) or callee_last(owner) not in ("Enum", "ENUM"):
        return None
    try:
        enum = enum_type(owner, scope).enum
    except Dynamic:
        return None
    if enum is None:
        return None
    if func.attr.value == "create":
        return [enum.create_sql()]
    try:
        checkfirst = opt_bool(arg(call, 1, "checkfirst"), scope)
    except Dynamic:
        checkfirst = False  # not known: the plain DROP TYPE
    exists = "IF EXISTS " if checkfirst else ""
    return [f"DROP TYPE {exists}{qualified(enum.name, enum.schema)}"]
