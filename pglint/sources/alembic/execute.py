"""``op.execute(...)`` / ``connection.execute(...)``: the SQL string → located statements."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.strings import SqlText, literal, remap, without_binds
from pglint.sources.alembic.syntax import callee_last, dotted
from pglint.sources.alembic.values import Dynamic, Known, arg
from pglint.sources.sql import parse_sql

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.output import Output
    from pglint.sources.alembic.scope import Scope
    from pglint.sources.alembic.spans import Spans

#: Methods of a SQL string or ``text()`` that keep its SQL.
_CHAINED = ("bindparams", "columns", "execution_options", "strip", "rstrip", "lstrip")


def execute(out: Output, call: cst.Call, scope: Scope, text_binds: bool, label: str) -> None:
    """The statements of the SQL ``call`` runs; ``text_binds``: ``:name`` is a bind parameter
    (SQLAlchemy's text(), which ``op.execute`` and ``connection.execute`` apply)."""
    node = arg(call, 0, "sqltext") or arg(call, 0, "statement")
    if node is None:
        out.note(call, "has no SQL argument pglint can read", label)
        return
    try:
        sql = sql_text(node, scope, text_binds, out.spans)
    except Dynamic as error:
        out.note(call, f"runs {error}", label)
        return
    value = sql.value
    binds = False
    if sql.bind_params:
        value, binds = without_binds(value)
    exact = sql.exact()
    parsed = parse_sql(
        value, base=exact if exact is not None else 0, part=out.role, origin="python"
    )
    if binds and parsed.problems:
        out.note(
            call, "runs SQL with bind parameters that does not parse without their values", label
        )
        return
    if exact is None:
        parsed = remap(parsed, sql)
    # In an autocommit block, one query of several statements runs as one implicit
    # transaction.
    wrap = scope.autocommit and sum(1 for s in parsed.statements if not s.nested) > 1
    span = out.spans(call)
    if wrap:
        out.marker("BEGIN", span)
    out.add(parsed.statements, parsed.problems)
    if wrap:
        out.marker("COMMIT", span)


def sql_text(node: Any, scope: Scope, binds: bool, spans: Spans) -> SqlText:
    """The SQL an argument holds, located in the file; :class:`Dynamic` when it is built at
    run time (f-strings, ``%``, ``.format()``, variables pglint cannot follow)."""
    import libcst as cst

    if isinstance(node, cst.SimpleString):
        found = literal(node.value, spans(node)[0])
        if found is None:
            raise Dynamic("SQL given as bytes")
        return replace(found, bind_params=binds)
    if isinstance(node, cst.ConcatenatedString):
        return sql_text(node.left, scope, binds, spans) + sql_text(node.right, scope, binds, spans)
    if isinstance(node, cst.FormattedString):
        raise Dynamic("SQL built with an f-string")
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            try:
                return sql_text(node.left, scope, binds, spans) + sql_text(
                    node.right, scope, binds, spans
                )
            except Dynamic:
                raise Dynamic("SQL built by concatenating values pglint cannot know") from None
        if isinstance(node.operator, cst.Modulo):
            raise Dynamic("SQL built with % formatting")
        raise Dynamic("SQL computed by an expression")
    if isinstance(node, cst.Name):
        value = scope.constants.get(node.value)
        if isinstance(value, Known):
            if isinstance(value.value, str):
                return SqlText(value.value, (), spans(node)[0], binds)
            raise Dynamic(f"SQL taken from {node.value}, which is not a string")
        if value is not None and node.value not in scope.unknown:
            try:
                return sql_text(value, scope, binds, spans)
            except Dynamic as error:
                raise Dynamic(f"SQL taken from the variable {node.value} ({error})") from None
        raise Dynamic(f"SQL taken from the variable {node.value}")
    if isinstance(node, cst.Call):
        callee = dotted(node.func) or ""
        last = callee_last(node)
        if (
            isinstance(node.func, cst.Attribute)
            and last in _CHAINED
            and isinstance(
                node.func.value, (cst.Call, cst.SimpleString, cst.ConcatenatedString, cst.Name)
            )
        ):
            return sql_text(node.func.value, scope, binds, spans)
        if last == "format" and isinstance(node.func, cst.Attribute):
            raise Dynamic("SQL built with str.format()")
        if last in ("text", "literal_column") and node.args:
            return sql_text(node.args[0].value, scope, True, spans)
        if last in ("dedent", "cleandoc") and node.args:
            return sql_text(node.args[0].value, scope, binds, spans)
        if last in ("read", "read_text", "open"):
            raise Dynamic("SQL read from a file")
        if last in ("update", "insert", "delete", "select") or callee.endswith("values"):
            raise Dynamic("a SQLAlchemy expression pglint does not translate")
        raise Dynamic(f"SQL returned by {callee or 'a call'}()")
    raise Dynamic("SQL computed by an expression")
