"""Function bodies → statements: the calls in order, through ``if``/``try``, loops over
literal lists, helper functions of the file, ``batch_alter_table`` and ``autocommit_block``.

Alembic runs ``upgrade()`` in one transaction, except the statements of an
``autocommit_block()``: the output holds a ``COMMIT`` before each such block and a
``BEGIN`` after it (see :class:`~pglint.sources.alembic.output.Output`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.calls import IGNORED_OP_METHODS, is_bind, on_session, runs_sql
from pglint.sources.alembic.calls import suspicious as why_suspicious
from pglint.sources.alembic.calls import target as target_of
from pglint.sources.alembic.execute import execute
from pglint.sources.alembic.ops import GENERATORS, enum_ddl, table_name
from pglint.sources.alembic.output import Output
from pglint.sources.alembic.scope import ModuleNames, Scope, TableName
from pglint.sources.alembic.syntax import as_name, body, dotted, parameters, target_names, walk
from pglint.sources.alembic.values import Dynamic, Known, UnknownName, arg, const, kwarg_const
from pglint.sources.sql import ParsedSql

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.spans import Spans

#: Calls given the connection that only read the catalog (reflection).
_READ_ONLY_CALLS = frozenset({"inspect", "from_engine", "Inspector", "MetaData", "reflect"})
#: Parameter names taken for the migration's connection.
_BIND_PARAMETERS = ("connection", "conn", "bind")
#: Longest literal list a loop is unrolled over.
_MAX_UNROLL = 50
#: Deepest helper call followed.
_MAX_DEPTH = 4


def read_function(
    names: ModuleNames, spans: Spans, fn: cst.FunctionDef | None, role: str
) -> ParsedSql:
    """The statements ``fn`` (``upgrade`` or ``downgrade``) runs, between the transaction
    markers Alembic implies; nothing for a missing function or one without statements."""
    if fn is None:
        return ParsedSql()
    scope = Scope.start(names, (fn.name.value,))
    for param, _ in parameters(fn):
        if param == "op":
            scope.ops.add(param)
        elif param in _BIND_PARAMETERS:
            scope.binds.add(param)
        else:
            scope.unknown.add(param)
    scope.constants.update({k: v for k, v in names.constants.items() if k not in scope.unknown})
    scope.constants.update(_local_constants(fn, scope))
    out = Output(spans, role)
    _Walker(out).block(body(fn), scope)
    return ParsedSql(out.finish(spans.line(fn.name)), out.problems)


def _local_constants(fn: cst.FunctionDef, scope: Scope) -> dict[str, Any]:
    """Names assigned once in ``fn`` → their value node; the others become unknown."""
    import libcst as cst

    counts: dict[str, int] = {}
    values: dict[str, Any] = {}
    for node in walk(fn.body):
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = (
                [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            )
            for target in targets:
                for name in target_names(target):
                    counts[name] = counts.get(name, 0) + (1 if node.value is not None else 0)
                    if isinstance(node, cst.AugAssign):
                        counts[name] += 1
                    values[name] = node.value
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in target_names(node.target):
                counts[name] = counts.get(name, 0) + 2
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            for name in target_names(node.asname.name):
                counts[name] = counts.get(name, 0) + 2
    local = {}
    for name, count in counts.items():
        if count == 1 and values.get(name) is not None:
            local[name] = values[name]
        else:
            scope.constants.pop(name, None)
            scope.unknown.add(name)
    return local


class _Walker:
    """Reads statements in order into one :class:`Output`."""

    def __init__(self, out: Output) -> None:
        self.out = out

    def block(self, statements: Sequence[Any], scope: Scope) -> None:
        for stmt in statements:
            self.statement(stmt, scope)

    def statement(self, stmt: Any, scope: Scope) -> None:
        import libcst as cst

        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small, scope)
        elif isinstance(stmt, cst.BaseSmallStatement):
            self.small(stmt, scope)
        elif isinstance(stmt, cst.With):
            self.with_block(stmt, scope)
        elif isinstance(stmt, cst.If):
            self.block(stmt.body.body, scope)
            orelse = stmt.orelse
            while orelse is not None:
                self.block(orelse.body.body, scope)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(stmt.body.body, scope)
            for handler in stmt.handlers:
                self.block(handler.body.body, scope)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body.body, scope)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body.body, scope)
        elif isinstance(stmt, cst.For):
            self.for_loop(stmt, scope)
        elif isinstance(stmt, cst.While):
            if runs_sql(stmt, scope):
                reason = "runs op calls a number of times pglint cannot know"
                self.out.note_first_line(stmt, reason, "while")
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return
        elif runs_sql(stmt, scope):
            self.out.note_first_line(stmt, "runs op calls in a way pglint does not follow", "code")

    def small(self, small: Any, scope: Scope) -> None:
        import libcst as cst

        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call):
                self.call(value, scope)
            elif runs_sql(value, scope):
                reason = "runs op calls in an expression pglint does not follow"
                self.out.note_first_line(value, reason, "code")
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            if small.value is None:
                return
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            names = [t.value for t in targets if isinstance(t, cst.Name)]
            self.assignment(names, small.value, scope)
        elif isinstance(small, cst.ImportFrom) and not small.relative:
            if dotted(small.module) == "alembic" and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if dotted(alias.name) == "op":
                        scope.ops.add(as_name(alias) or "op")
        elif isinstance(small, (cst.Return, cst.AugAssign)):
            returned = small.value
            if isinstance(returned, cst.Call) and target_of(returned, scope):
                self.call(returned, scope)

    def assignment(self, names: list[str], value: Any, scope: Scope) -> None:
        """``name = <value>``: remember connections, sessions and tables; run the call."""
        import libcst as cst

        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            if isinstance(value, cst.Attribute) and value.attr.value in ("bind", "connection"):
                scope.binds.update(names)
            return
        callee = dotted(value.func) or ""
        last = callee.rsplit(".", 1)[-1]
        target = target_of(value, scope)
        if target is not None and target.kind in ("op", "batch"):
            if target.name == "get_bind":
                scope.binds.update(names)
                return
            if target.name == "get_context":
                return
        if last in ("table", "Table") and value.args:
            try:
                table = table_name(value, scope)
            except Dynamic:
                return
            if table is not None:
                scope.tables.update(dict.fromkeys(names, table))
            return
        if last in _READ_ONLY_CALLS:
            return
        if last in ("Session", "sessionmaker", "session") or any(
            is_bind(item.value, scope) for item in value.args
        ):
            # An ORM session (or anything else) on the migration's connection: its execute()
            # is read like the connection's, the rest of what it does cannot be seen.
            scope.binds.update(names)
            scope.sessions.update(names)
            self.out.note(
                value,
                "opens a session on the migration's connection, and the queries and writes of "
                "its ORM methods are not SQL pglint can read",
                callee or "session",
            )
            return
        if target == ("op", "create_table", None) and value.args:
            try:
                table = table_name(value, scope)
            except Dynamic:
                table = None
            if table is not None:
                scope.tables.update(dict.fromkeys(names, table))
        if target is not None:
            self.call(value, scope)
        elif runs_sql(value, scope):
            reason = "runs op calls in an expression pglint does not follow"
            self.out.note_first_line(value, reason, "code")

    def with_block(self, stmt: cst.With, scope: Scope) -> None:
        """``with op.batch_alter_table(...) as batch_op`` and ``autocommit_block()``."""
        import libcst as cst

        inner = scope.copy()
        autocommit: cst.Call | None = None
        for item in stmt.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "autocommit_block":
                autocommit = call
                continue
            target = target_of(call, scope)
            if target is None or target.name != "batch_alter_table":
                continue
            label = "op.batch_alter_table"
            try:
                table = const(arg(call, 0, "table_name"), scope.constants)
                schema = kwarg_const(call, "schema", scope)
                recreate = kwarg_const(call, "recreate", scope)
            except Dynamic as error:
                reason = f"batch_alter_table() on a table pglint cannot name ({error})"
                self.out.note(call, reason, label)
                table = recreate = None
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                name = item.asname.name.value
                inner.unknown.discard(name)
                if isinstance(table, str):
                    inner.batches[name] = TableName(
                        table, schema if isinstance(schema, str) else None
                    )
                else:
                    inner.unknown.add(name)
            if recreate == "always":
                reason = (
                    "recreates the table (recreate='always'): the copy of the table is not analysed"
                )
                self.out.note(call, reason, label)
        if autocommit is None:
            self.block(stmt.body.body, inner)
            return
        span = self.out.spans.line(autocommit)
        self.out.marker("COMMIT", span)
        inner.autocommit = True
        self.block(stmt.body.body, inner)
        self.out.marker("BEGIN", span)

    def for_loop(self, stmt: cst.For, scope: Scope) -> None:
        """A loop over a literal list runs its body once per item; other loops: a note."""
        import libcst as cst

        if not runs_sql(stmt.body, scope):
            return
        try:
            values = const(stmt.iter, scope.constants)
        except Dynamic:
            values = None
        if (
            isinstance(values, (list, tuple))
            and len(values) <= _MAX_UNROLL
            and isinstance(stmt.target, cst.Name)
            and stmt.orelse is None
        ):
            name = stmt.target.value
            for value in values:
                inner = scope.copy()
                inner.constants[name] = Known(value)
                inner.unknown.discard(name)
                self.block(stmt.body.body, inner)
            return
        reason = "runs op calls for values pglint cannot know (not a literal list)"
        self.out.note_first_line(stmt, reason, "for")

    def call(self, call: cst.Call, scope: Scope) -> None:
        target = target_of(call, scope)
        if target is None:
            enum = enum_ddl(call, scope)
            if enum is not None:
                self.out.emit(call, enum, dotted(call.func) or "create")
                return
            reason = why_suspicious(call, scope)
            if reason is not None:
                self.out.note(call, reason, dotted(call.func) or "this call")
            return
        if target.kind == "helper":
            self.helper(call, target.name, scope)
            return
        method = target.name
        label = f"op.{method}" if target.kind == "op" else dotted(call.func) or method
        if target.kind == "bind":
            if method in ("execute", "exec_driver_sql"):
                execute(self.out, call, scope, method == "execute", label)
            elif method in ("commit", "rollback") and not on_session(call, scope):
                self.out.note(
                    call,
                    "ends the migration's transaction part-way",
                    label,
                    message=f"{label}(…) ends the migration's transaction part-way: the "
                    "statements after it run in a new transaction, which pglint does not model",
                )
            return
        if method == "execute":
            execute(self.out, call, scope, True, label)
            return
        generate = GENERATORS.get(method)
        if generate is None:
            if method not in IGNORED_OP_METHODS:
                self.out.note(call, "is an operation pglint does not translate to SQL", label)
            return
        try:
            sqls = generate(call, scope, target.batch)
        except UnknownName as error:
            # The statement is checked all the same, with the object unnamed: a later
            # statement that names it finds nothing, as for an object of unseen history.
            message = (
                f"{label}(…) {error}: pglint checked the statement as if the object had no "
                "name, so statements that name it are not matched to it"
            )
            self.out.note(call, str(error), label, message)
            self.out.emit(call, error.sqls, label)
            return
        except Dynamic as error:
            self.out.note(call, str(error), label)
            return
        self.out.emit(call, sqls, label)

    def helper(self, call: cst.Call, name: str, scope: Scope) -> None:
        """A function of the file called from the body: its body, with the arguments bound."""
        import libcst as cst

        if scope.depth >= _MAX_DEPTH:
            self.out.note(call, "calls helpers too deeply nested to follow", name)
            return
        fn = scope.module.functions[name]
        inner = Scope.start(scope.module, (*scope.helpers, name))
        inner.constants.update(scope.module.constants)
        inner.autocommit = scope.autocommit
        params = parameters(fn)
        bound: dict[str, Any] = {}
        for index, item in enumerate(call.args):
            if item.star:
                self.out.note(call, "passes arguments with * or ** to a helper", name)
                return
            if item.keyword is not None:
                bound[item.keyword.value] = item.value
            elif index < len(params):
                bound[params[index][0]] = item.value
        for pname, default in params:
            inner.constants.pop(pname, None)
            value = bound.get(pname, default)
            if value is None:
                inner.unknown.add(pname)
                continue
            given = value.value if isinstance(value, cst.Name) else None
            if given in scope.ops:
                inner.ops.add(pname)
            elif given in scope.binds:
                inner.binds.add(pname)
            elif given in scope.batches:
                inner.batches[pname] = scope.batches[given]
            else:
                try:
                    inner.constants[pname] = Known(const(value, scope.constants))
                except Dynamic:
                    inner.unknown.add(pname)
        inner.constants.update(_local_constants(fn, inner))
        self.block(body(fn), inner)
