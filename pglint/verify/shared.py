"""Which statements verify must not run on a server named with ``--dsn``.

Roles, databases, tablespaces and parameter privileges are shared by every database of a
cluster (https://www.postgresql.org/docs/current/manage-ag-overview.html): a statement that
changes one changes the user's server, not the scratch database, and dropping the scratch
database does not undo it. :func:`server_wide` names those statements. Code pglint cannot
read ahead of time (a ``DO`` block with dynamic ``EXECUTE``, a call of a function written in
SQL or a procedural language) may run any of them: :func:`opaque` says why such a statement
is not run either. The throwaway cluster verify starts itself runs everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from pglast.parser import ParseError, parse_plpgsql_json, parse_sql_json

from pglint.model.statements import Node

#: Statements that always change the whole server.
SERVER_WIDE = frozenset(
    {
        "CreatedbStmt",
        "DropdbStmt",
        "AlterDatabaseStmt",
        "AlterDatabaseSetStmt",
        "AlterDatabaseRefreshCollStmt",
        "AlterSystemStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "AlterTableSpaceOptionsStmt",
        "AlterRoleStmt",
        "AlterRoleSetStmt",
        "DropRoleStmt",
        "GrantRoleStmt",
        # Both also change shared objects: REASSIGN OWNED gives away the role's databases
        # and tablespaces, DROP OWNED revokes its privileges on them.
        "ReassignOwnedStmt",
        "DropOwnedStmt",
    }
)

#: Object types that live in the shared catalogues.
SHARED_OBJECTS = frozenset({"OBJECT_ROLE", "OBJECT_DATABASE", "OBJECT_TABLESPACE"})

#: Statements that change the whole server when they name a shared object, and the field
#: that holds its type.
_ON_OBJECT = {
    "CommentStmt": "objtype",
    "SecLabelStmt": "objtype",
    "GrantStmt": "objtype",
    "AlterOwnerStmt": "objectType",
    "RenameStmt": "renameType",
}

#: Built-in functions that act beyond the current database (other sessions, the server's
#: files, replication, configuration).
SERVER_FUNCTIONS = frozenset(
    {
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_switch_wal",
        "pg_promote",
        "pg_create_physical_replication_slot",
        "pg_create_logical_replication_slot",
        "pg_drop_replication_slot",
        "pg_copy_physical_replication_slot",
        "pg_copy_logical_replication_slot",
        "pg_replication_origin_create",
        "pg_replication_origin_drop",
        "pg_stat_reset_shared",
        "pg_stat_reset_slru",
        "pg_backup_start",
        "pg_backup_stop",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_wal_replay_pause",
        "pg_wal_replay_resume",
        "lo_import",
        "lo_export",
        "dblink",
        "dblink_exec",
        "dblink_connect",
        "dblink_send_query",
    }
)

SHARED_NOTE = (
    "roles, databases and tablespaces are shared by every database of the --dsn server, "
    "so verify does not run what may change them (it runs on the throwaway server verify "
    "starts without --dsn)"
)


def server_wide(kind: str, node: Node) -> bool:
    """Whether a statement changes objects shared by the whole server."""
    if kind in SERVER_WIDE:
        return True
    field = _ON_OBJECT.get(kind)
    if field is None:
        return False
    objtype = node.get(field)
    return objtype in SHARED_OBJECTS or (kind == "GrantStmt" and objtype == "OBJECT_PARAMETER_ACL")


#: Answers whether a function (schema or None, name) is code pglint cannot read: the
#: reason, :data:`MISSING` when no such function exists, or None when it is built in.
FunctionCheck = Callable[[str | None, str], str | None]

MISSING = "missing"


def opaque(kind: str, node: Node, functions: FunctionCheck, in_do: bool = False) -> str | None:
    """Why a statement runs code pglint cannot analyse, or None."""
    if kind == "DoStmt":
        return _do_block(node, functions)
    return _calls(node, functions, in_do)


def _calls(node: object, functions: FunctionCheck, in_do: bool) -> str | None:
    for schema, name in _function_names(node):
        if name in SERVER_FUNCTIONS:
            return f"it calls {name}(), which acts beyond the scratch database"
        reason = functions(schema, name)
        if reason == MISSING:
            # At the top level PostgreSQL rejects the call; a DO block may create the
            # function before it calls it.
            if in_do:
                return f"its DO block calls {name}(), which does not exist before it runs"
        elif reason is not None:
            return reason
    return None


def _function_names(node: object) -> Iterator[tuple[str | None, str]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is None and "funccall" in item:
                call = item["funccall"]  # CallStmt holds its FuncCall bare
            if isinstance(call, dict):
                names = [n.get("String", {}).get("sval", "") for n in call.get("funcname", ())]
                if names:
                    yield (names[-2] if len(names) > 1 else None), names[-1]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_DYNAMIC = ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors")


def _do_block(node: Node, functions: FunctionCheck) -> str | None:
    body, language = None, "plpgsql"
    for arg in node.get("args", ()):
        elem = arg.get("DefElem", {})
        value = elem.get("arg", {}).get("String", {}).get("sval")
        if elem.get("defname") == "as":
            body = value
        elif elem.get("defname") == "language" and value:
            language = value.lower()
    if language != "plpgsql":
        return f"it is a DO block in {language}, which pglint cannot read"
    if body is None:
        return "pglint cannot read its DO block"
    try:
        tree = json.loads(
            parse_plpgsql_json(
                "CREATE FUNCTION pglint_do() RETURNS void LANGUAGE plpgsql AS $pglint_body$"
                + body.replace("$pglint_body$", "")
                + "$pglint_body$"
            )
        )
    except (ParseError, ValueError):
        return "pglint cannot parse its DO block"
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(key in item for key in _DYNAMIC) or (
                "PLpgSQL_stmt_open" in item and "dynquery" in item["PLpgSQL_stmt_open"]
            ):
                return "its DO block runs SQL built at run time (EXECUTE), which pglint cannot see"
            expr = item.get("PLpgSQL_expr")
            if expr is not None:
                reason = _expression(expr, functions)
                if reason is not None:
                    return reason
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _expression(expr: dict, functions: FunctionCheck) -> str | None:
    """Why one PL/pgSQL expression or statement may change shared objects, or None."""
    query, mode = expr.get("query", ""), expr.get("parseMode", 0)
    if mode == 1:
        return None  # a type name
    if mode >= 3:
        # An assignment (``x := h(2)``, ``x = h(2)``): read its value as a SELECT.
        _, sep, rest = query.partition(":=")
        query = "SELECT " + (rest if sep else query.partition("=")[2])
    elif mode == 2:
        query = "SELECT " + query  # an expression (``g()``)
    try:
        tree = json.loads(parse_sql_json(query))
    except (ParseError, ValueError):
        return "pglint cannot parse a statement of its DO block"
    for raw in tree.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        if server_wide(kind, node):
            return "its DO block changes objects shared by the whole server"
        reason = opaque(kind, node, functions, in_do=True)
        if reason is not None:
            return reason
    return None
