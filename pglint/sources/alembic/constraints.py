"""Constraints and indexes of SQLAlchemy and Alembic → their PostgreSQL clauses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.expressions import raw_sql
from pglint.sources.alembic.quoting import PLAIN_IDENT, ident, literal_sql, qualified
from pglint.sources.alembic.syntax import callee_last, is_none
from pglint.sources.alembic.values import (
    Dynamic,
    bind_args,
    bool_value,
    const,
    name_arg,
    opt_bool,
    opt_str,
    str_list,
    str_value,
)

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.scope import Scope


def columns_sql(columns: list[str]) -> str:
    """``(a, "B")``."""
    return f"({', '.join(ident(c) for c in columns)})"


def named(name: str | None) -> str:
    """The ``CONSTRAINT name `` prefix of a constraint with a name."""
    return f"CONSTRAINT {ident(name)} " if name else ""


def references(target: str, columns: list[str], bound: dict[str, Any], scope: Scope) -> str:
    """``REFERENCES`` clause of a foreign key, with its options from ``bound``."""
    sql = f"REFERENCES {target} {columns_sql(columns)}"
    match = opt_str(bound.get("match"), scope)
    if match:
        sql += f" MATCH {match}"
    ondelete = opt_str(bound.get("ondelete"), scope)
    if ondelete:
        sql += f" ON DELETE {ondelete}"
    onupdate = opt_str(bound.get("onupdate"), scope)
    if onupdate:
        sql += f" ON UPDATE {onupdate}"
    deferrable = bound.get("deferrable")
    if deferrable is not None and not is_none(deferrable):
        sql += " DEFERRABLE" if bool_value(deferrable, scope) else " NOT DEFERRABLE"
    initially = opt_str(bound.get("initially"), scope)
    if initially:
        sql += f" INITIALLY {initially}"
    return sql


def split_targets(targets: list[str]) -> tuple[str, list[str]]:
    """``["other.id"]`` / ``["s.other.id"]`` → (qualified table, [columns])."""
    if not targets:
        raise Dynamic("has a foreign key without target columns")
    tables = set()
    columns = []
    for target in targets:
        pieces = target.split(".")
        if len(pieces) < 2:
            raise Dynamic(f"has a foreign key target {target!r} without a table")
        columns.append(pieces[-1])
        tables.add(tuple(pieces[:-1]))
    if len(tables) != 1:
        raise Dynamic("has a foreign key to several tables")
    path = next(iter(tables))
    return qualified(path[-1], path[-2] if len(path) > 1 else None), columns


def table_constraint(node: cst.Call, kind: str, scope: Scope, unknown: list[str]) -> str:
    """A constraint object given to ``create_table()`` as its table-constraint clause
    (unnamed when its name cannot be known, the reason added to ``unknown``)."""
    if kind == "UniqueConstraint":
        bound = bind_args(node, ("*columns",))
        columns = [str_value(c, scope, "column name") for c in bound.get("*columns", ())]
        sql = f"UNIQUE {columns_sql(columns)}"
    elif kind == "CheckConstraint":
        bound = bind_args(node, ("sqltext",))
        sql = f"CHECK ({raw_sql(bound.get('sqltext'), scope, fallback='true')})"
    elif kind == "ForeignKeyConstraint":
        bound = bind_args(node, ("columns", "refcolumns"))
        local = str_list(bound.get("columns"), scope)
        table, remote = split_targets(str_list(bound.get("refcolumns"), scope))
        sql = f"FOREIGN KEY{columns_sql(local)} {references(table, remote, bound, scope)}"
    else:  # ExcludeConstraint
        bound = bind_args(node, ("*elements",))
        sql = exclude_sql(bound, scope)
    return named(name_arg(bound.get("name"), scope, "constraint", unknown)) + sql


def exclude_sql(bound: dict[str, Any], scope: Scope) -> str:
    """``EXCLUDE USING gist (...)`` of an ExcludeConstraint or create_exclude_constraint()."""
    parts = []
    for element in bound.get("*elements", ()):
        pair = const(element, scope.constants)
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise Dynamic("has an exclusion element pglint cannot read")
        parts.append(f"{ident(str(pair[0]))} WITH {pair[1]}")
    using = opt_str(bound.get("using"), scope) or "gist"
    sql = f"EXCLUDE USING {using} ({', '.join(parts)})"
    where = bound.get("where")
    if where is not None and not is_none(where):
        sql += f" WHERE ({raw_sql(where, scope, fallback='true')})"
    return sql


def index_name(table: str, columns: list[str]) -> str:
    """The name Alembic's naming gives an unnamed index (``ix_<table>_<columns>``)."""
    return f"ix_{table}_{'_'.join(columns)}"


def index_sql(
    name: str | None,
    table: str,
    schema: str | None,
    elements: list[Any],
    bound: dict[str, Any],
    scope: Scope,
) -> str:
    """``CREATE INDEX`` with the ``postgresql_*`` options in ``bound``; ``name`` None: the
    name Alembic's naming gives, ``""``: unnamed (a name pglint cannot know)."""
    ops = bound.get("postgresql_ops")
    opclasses = const(ops, scope.constants) if ops is not None else {}
    if not isinstance(opclasses, dict):
        opclasses = {}
    rendered = []
    plain: list[str] = []
    for element in elements:
        value = _index_element(element, scope)
        plain.append(value.strip('"'))
        opclass = opclasses.get(value.strip('"'))
        rendered.append(f"{value} {opclass}" if isinstance(opclass, str) else value)
    if name is None:
        name = index_name(table, [p for p in plain if PLAIN_IDENT.fullmatch(p)] or ["expr"])
    unique = "UNIQUE " if opt_bool(bound.get("unique"), scope) else ""
    concurrently = "CONCURRENTLY " if opt_bool(bound.get("postgresql_concurrently"), scope) else ""
    exists = "IF NOT EXISTS " if opt_bool(bound.get("if_not_exists"), scope) and name else ""
    label = f"{ident(name)} " if name else ""
    sql = f"CREATE {unique}INDEX {concurrently}{exists}{label}ON {qualified(table, schema)}"
    using = opt_str(bound.get("postgresql_using"), scope)
    if using:
        sql += f" USING {using}"
    sql += f" ({', '.join(rendered) or 'id'})"
    include = bound.get("postgresql_include")
    if include is not None and not is_none(include):
        sql += f" INCLUDE {columns_sql(str_list(include, scope))}"
    if opt_bool(bound.get("postgresql_nulls_not_distinct"), scope):
        sql += " NULLS NOT DISTINCT"
    with_params = bound.get("postgresql_with")
    if with_params is not None:
        params = const(with_params, scope.constants)
        if isinstance(params, dict) and params:
            pairs = ", ".join(f"{k} = {literal_sql(v)}" for k, v in params.items())
            sql += f" WITH ({pairs})"
    tablespace = opt_str(bound.get("postgresql_tablespace"), scope)
    if tablespace:
        sql += f" TABLESPACE {ident(tablespace)}"
    where = bound.get("postgresql_where")
    if where is not None and not is_none(where):
        sql += f" WHERE {raw_sql(where, scope, fallback='true')}"
    return sql


def index_object(
    node: cst.Call, table: str, schema: str | None, scope: Scope, unknown: list[str]
) -> str:
    """``CREATE INDEX`` of an ``sa.Index(...)`` given to ``create_table()``."""
    bound = bind_args(node, ("name", "*expressions"))
    name = name_arg(bound.get("name"), scope, "index", unknown)
    return index_sql(name, table, schema, list(bound.get("*expressions", ())), bound, scope)


def _index_element(node: Any, scope: Scope) -> str:
    try:
        value = const(node, scope.constants)
    except Dynamic:
        value = None
    if isinstance(value, str):
        return ident(value)
    if callee_last(node) in ("column", "desc", "asc"):
        return raw_sql(node, scope)
    return f"({raw_sql(node, scope)})"
