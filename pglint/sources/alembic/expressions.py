"""SQL expressions given to Alembic: strings, ``sa.text()``, ``sa.func.*``, server defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.quoting import ident, literal_sql, quote
from pglint.sources.alembic.sqla_types import column_type
from pglint.sources.alembic.syntax import callee_last, dotted
from pglint.sources.alembic.values import Dynamic, const

if TYPE_CHECKING:
    from pglint.sources.alembic.scope import Scope

#: SQLAlchemy's ANSI functions, rendered without parentheses.
_NO_PARENS = frozenset(
    {
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "current_user",
        "session_user",
        "user",
    }
)


def raw_sql(node: Any, scope: Scope, fallback: str | None = None) -> str:
    """SQL of an expression given as a string, ``text()`` or simple SQLAlchemy functions.

    ``fallback`` stands in for what cannot be read; without one, that raises :class:`Dynamic`.
    """
    import libcst as cst

    if node is None:
        if fallback is not None:
            return fallback
        raise Dynamic("has an expression pglint cannot read")
    try:
        value = const(node, scope.constants)
    except Dynamic:
        value = Dynamic
    if isinstance(value, str):
        return value
    if value is not Dynamic and not isinstance(value, (list, tuple, dict)):
        return literal_sql(value)
    if isinstance(node, cst.Call):
        parts = (dotted(node.func) or "").split(".")
        last = parts[-1]
        if last in ("text", "literal_column", "column") and node.args:
            inner = const(node.args[0].value, scope.constants)
            if isinstance(inner, str):
                return inner if last != "column" else ident(inner)
        if last in ("true", "false", "null"):
            return {"true": "true", "false": "false", "null": "NULL"}[last]
        if last in ("desc", "asc") and node.args:
            return f"{raw_sql(node.args[0].value, scope, fallback)} {last.upper()}"
        if "func" in parts[:-1]:
            if last.lower() in _NO_PARENS and not node.args:
                return last.upper()
            args = ", ".join(
                raw_sql(a.value, scope, "NULL") for a in node.args if a.keyword is None
            )
            return f"{last}({args})"
        if last == "cast" and len(node.args) >= 2:
            value_sql = raw_sql(node.args[0].value, scope, fallback)
            return f"CAST({value_sql} AS {column_type(node.args[1].value, scope).sql})"
    if fallback is not None:
        return fallback
    raise Dynamic("has an expression pglint cannot read")


def default_sql(node: Any, scope: Scope) -> str | None:
    """The SQL of a ``server_default``; None for one that sets no DEFAULT (FetchedValue).

    What cannot be read becomes ``'?'``: a default is there, its value is unknown.
    """
    import libcst as cst

    if isinstance(node, cst.Call):
        last = callee_last(node)
        if last == "FetchedValue":
            return None
        if last == "DefaultClause" and node.args:
            return default_sql(node.args[0].value, scope)
        try:
            return raw_sql(node, scope, fallback="'?'")
        except Dynamic:
            return "'?'"
    try:
        value = const(node, scope.constants)
    except Dynamic:
        return "'?'"
    if isinstance(value, str):
        return quote(value)
    return literal_sql(value)
