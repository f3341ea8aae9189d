"""``sa.Column(...)`` → a PostgreSQL column definition, as SQLAlchemy renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pglint.sources.alembic.constraints import index_name, named, references, split_targets
from pglint.sources.alembic.expressions import default_sql, raw_sql
from pglint.sources.alembic.quoting import ident
from pglint.sources.alembic.sqla_types import SERIAL, EnumType, column_type
from pglint.sources.alembic.syntax import callee_last, is_none
from pglint.sources.alembic.values import (
    Dynamic,
    bind_args,
    bool_value,
    const,
    name_arg,
    opt_bool,
    str_value,
)

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.scope import Scope

#: Positional arguments of ``sa.Column`` that are not its type.
_CONSTRAINT_ARGS = frozenset(
    {
        "ForeignKey",
        "Identity",
        "Computed",
        "Sequence",
        "CheckConstraint",
        "FetchedValue",
        "DefaultClause",
        "UniqueConstraint",
    }
)


@dataclass(slots=True)
class Column:
    name: str
    type_sql: str
    type_base: str | None = None  # integer/bigint/smallint: the column may be a SERIAL
    nullable: bool | None = None
    primary_key: bool = False
    default: str | None = None
    identity: str | None = None
    computed: str | None = None
    foreign_keys: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    unique: bool = False
    index: bool = False
    autoincrement: object = "auto"
    client_default: bool = False
    enum: EnumType | None = None
    #: Why a constraint name could not be known (the constraint is then unnamed).
    unknown_names: list[str] = field(default_factory=list)


def column(node: cst.Call, scope: Scope) -> Column:
    """Read an ``sa.Column(name, type, *constraints, **options)`` call."""
    import libcst as cst

    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if any(a.star for a in node.args):
        raise Dynamic("builds a column with * or ** arguments")
    name_node = keywords.get("name")
    rest = positional
    if name_node is None and positional:
        try:
            first = const(positional[0], scope.constants)
        except Dynamic:
            first = None
        if isinstance(first, str):
            name_node, rest = positional[0], positional[1:]
    if name_node is None:
        raise Dynamic("defines a column without a name pglint can read")
    found = Column(str_value(name_node, scope, "column name"), "integer")
    type_node = keywords.get("type_")
    extras = []
    for item in rest:
        if type_node is None and callee_last(item) not in _CONSTRAINT_ARGS:
            type_node = item
        else:
            extras.append(item)
    if type_node is not None:
        found.type_sql, found.type_base, found.enum = column_type(type_node, scope)
    for extra in extras:
        kind = callee_last(extra)
        if kind == "Sequence":
            found.client_default = True
        if not isinstance(extra, cst.Call):
            continue
        if kind == "ForeignKey":
            bound = bind_args(extra, ("column",))
            target = str_value(bound.get("column"), scope, "foreign key target")
            table, remote = split_targets([target])
            fk = f"FOREIGN KEY({ident(found.name)}) {references(table, remote, bound, scope)}"
            name = name_arg(bound.get("name"), scope, "constraint", found.unknown_names)
            found.foreign_keys.append(named(name) + fk)
        elif kind == "Identity":
            always = opt_bool(bind_args(extra, ("always",)).get("always"), scope)
            found.identity = f"GENERATED {'ALWAYS' if always else 'BY DEFAULT'} AS IDENTITY"
        elif kind == "Computed":
            bound = bind_args(extra, ("sqltext", "persisted"))
            expression = raw_sql(bound.get("sqltext"), scope, fallback="NULL")
            found.computed = f"GENERATED ALWAYS AS ({expression}) STORED"
        elif kind == "CheckConstraint":
            bound = bind_args(extra, ("sqltext",))
            check = f"CHECK ({raw_sql(bound.get('sqltext'), scope, fallback='true')})"
            name = name_arg(bound.get("name"), scope, "constraint", found.unknown_names)
            found.checks.append(named(name) + check)
        elif kind == "DefaultClause" and extra.args:
            found.default = default_sql(extra.args[0].value, scope)
    for key, value in keywords.items():
        if key == "nullable":
            found.nullable = bool_value(value, scope) if not is_none(value) else None
        elif key == "primary_key":
            found.primary_key = opt_bool(value, scope)
        elif key == "server_default":
            if not is_none(value):
                found.default = default_sql(value, scope)
        elif key == "unique":
            found.unique = opt_bool(value, scope)
        elif key == "index":
            found.index = opt_bool(value, scope)
        elif key == "autoincrement":
            try:
                found.autoincrement = const(value, scope.constants)
            except Dynamic:
                found.autoincrement = "auto"
        elif key == "default":
            found.client_default = not is_none(value)
    return found


def serial_column(columns: list[Column], pk_columns: list[str]) -> Column | None:
    """The column SQLAlchemy renders as SERIAL (its ``_autoincrement_column`` on PostgreSQL)."""
    in_pk = [c for c in columns if c.name in pk_columns]

    def eligible(candidate: Column, explicit: bool) -> bool:
        if candidate.type_base not in SERIAL or candidate.identity or candidate.computed:
            return False
        if explicit:
            return True
        return (
            not candidate.client_default
            and candidate.default is None
            and not candidate.foreign_keys
        )

    for candidate in in_pk:
        if candidate.autoincrement is True and eligible(candidate, True):
            return candidate
    if len(pk_columns) == 1 and len(in_pk) == 1:
        candidate = in_pk[0]
        if candidate.autoincrement in ("auto", "ignore_fk") and eligible(candidate, False):
            return candidate
    return None


def column_sql(found: Column, serial: bool, in_pk: bool) -> str:
    """The column definition (its checks inline, its foreign keys left to the caller)."""
    type_sql = SERIAL[found.type_base] if serial and found.type_base else found.type_sql
    parts = [ident(found.name), type_sql]
    if found.default is not None:
        parts.append(f"DEFAULT {found.default}")
    if found.computed:
        parts.append(found.computed)
    if found.identity:
        parts.append(found.identity)
    nullable = found.nullable
    if nullable is None:
        nullable = not (found.primary_key or in_pk)
    if not nullable and not found.identity:
        parts.append("NOT NULL")
    parts.extend(found.checks)
    return " ".join(parts)


def column_index_sql(found: Column, table: str, table_sql: str) -> str:
    """``CREATE INDEX`` of a column declared with ``index=True``."""
    unique = "UNIQUE " if found.unique else ""
    name = ident(index_name(table, [found.name]))
    return f"CREATE {unique}INDEX {name} ON {table_sql} ({ident(found.name)})"
