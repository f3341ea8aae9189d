"""What a call in a migration is: an ``op`` method, a batch or connection method, a helper,
or a call pglint does not follow that may still run SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from pglint.sources.alembic.syntax import walk

if TYPE_CHECKING:
    import libcst as cst

    from pglint.sources.alembic.scope import Scope, TableName

#: ``op`` methods that run no SQL themselves.
IGNORED_OP_METHODS = frozenset(
    {
        "f",
        "get_bind",
        "get_context",
        "inline_literal",
        "implementation_for",
        "register_operation",
        "batch_alter_table",
        "context",
        "impl",
        "migration_context",
    }
)
#: Imported modules whose functions run no SQL.
_SAFE_MODULES = frozenset(
    {"logging", "warnings", "sys", "os", "time", "datetime", "json", "uuid", "re", "typing"}
)


class Target(NamedTuple):
    """``kind`` is ``op``, ``batch`` (a batch_alter_table object), ``bind`` (the connection)
    or ``helper`` (a function of the file); ``name`` the method or the helper's name."""

    kind: str
    name: str
    batch: TableName | None = None


def target(call: cst.Call, scope: Scope) -> Target | None:
    """What ``call`` is; None for a call that is none of the kinds of :class:`Target`."""
    import libcst as cst

    func = call.func
    if isinstance(func, cst.Name):
        if func.value in scope.module.functions and func.value not in scope.helpers:
            return Target("helper", func.value)
        return None
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    owner = func.value
    if _is_op(owner, scope):
        return Target("op", method)
    if isinstance(owner, cst.Name):
        if owner.value in scope.batches:
            return Target("batch", method, scope.batches[owner.value])
        if owner.value in scope.binds:
            return Target("bind", method)
    if isinstance(owner, cst.Call) and _is_op_call(owner, scope, "get_bind"):
        return Target("bind", method)
    return None


def _is_op(node: Any, scope: Scope) -> bool:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value in scope.ops or ("*" in scope.ops and node.value == "op")
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "op"
        and isinstance(node.value, cst.Name)
        and node.value.value in scope.alembic
    )


def _is_op_call(call: cst.Call, scope: Scope, *methods: str) -> bool:
    found = target(call, scope)
    return found is not None and found.kind == "op" and found.name in methods


def is_bind(node: Any, scope: Scope) -> bool:
    """Whether ``node`` is the migration's connection (a name of it, or ``op.get_bind()``)."""
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value in scope.binds
    if isinstance(node, cst.Call):
        return _is_op_call(node, scope, "get_bind")
    return False


def on_session(call: cst.Call, scope: Scope) -> bool:
    """Whether ``call`` is a method of an ORM session (whose commit() is the session's)."""
    import libcst as cst

    owner = call.func.value if isinstance(call.func, cst.Attribute) else None
    return isinstance(owner, cst.Name) and owner.value in scope.sessions


def runs_sql(node: Any, scope: Scope) -> bool:
    """Whether ``node`` holds a call that runs SQL (an op method, a connection, a helper)."""
    import libcst as cst

    for child in walk(node):
        if isinstance(child, cst.Call):
            found = target(child, scope)
            if found is not None and (
                found.kind == "helper" or found.name not in IGNORED_OP_METHODS
            ):
                return True
    return False


def suspicious(call: cst.Call, scope: Scope) -> str | None:
    """Why a call pglint does not follow may run SQL (it is given op or the connection, or
    it is an imported helper that is not a logging or standard-library call); None if not."""
    import libcst as cst

    given_op = given_bind = False
    for item in call.args:
        value = item.value
        if isinstance(value, cst.Name):
            given_op = given_op or value.value in scope.ops
            given_bind = given_bind or value.value in scope.binds
        elif isinstance(value, cst.Call):
            given_bind = given_bind or _is_op_call(value, scope, "get_bind", "get_context")
    func = call.func
    if not isinstance(func, (cst.Name, cst.Attribute)):
        # globals()["upgrade_%s" % name]() and other computed calls
        return "calls a function chosen at run time"
    if not (given_op or given_bind or _imported_helper(func, scope)):
        return None
    if any(isinstance(a.value, cst.Name) and a.value.value in scope.ops for a in call.args):
        return "is a helper defined outside this file and is given op"
    if any(is_bind(a.value, scope) for a in call.args):
        return "is given the migration's connection (a helper defined outside this file)"
    return "is a helper defined outside this file that may run SQL"


def _imported_helper(func: Any, scope: Scope) -> bool:
    import libcst as cst

    root = func
    while isinstance(root, cst.Attribute):
        root = root.value
    if isinstance(root, cst.Call):
        return target(root, scope) is not None
    if not isinstance(root, cst.Name):
        return False
    source = scope.module.imported.get(root.value)
    if source is None:
        return False
    top = source.split(".")[0]
    return top not in _SAFE_MODULES and top not in ("sqlalchemy", "alembic")
