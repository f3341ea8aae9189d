"""Which statements verify must not run on a server named with ``--dsn``.

Roles, databases, tablespaces and parameter privileges are shared by every database of a
cluster (https://www.postgresql.org/docs/current/manage-ag-overview.html): a statement that
changes one changes the user's server, not the scratch database, and dropping the scratch
database does not undo it. :func:`server_wide` names those statements. Code may run them
unseen: :func:`opaque` reads ``DO`` blocks and (through a :data:`FunctionCheck` that fetches
bodies from the server) the functions a statement calls, and says why one is not run
(dynamic ``EXECUTE``, a shared-object statement inside, a language pglint cannot read).
The throwaway cluster verify starts itself runs everything.
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


#: Answers whether a function (schema or None, name) runs code that may change shared
#: objects: the reason, :data:`MISSING` when no such function exists, or None.
FunctionCheck = Callable[[str | None, str], str | None]

MISSING = "missing"


def opaque(kind: str, node: Node, functions: FunctionCheck, in_do: bool = False) -> str | None:
    """Why a statement may run code that changes shared objects, or None.

    The calls of a function's body are checked too (``functions`` reads them); creating
    a function runs nothing, but creating a trigger or event trigger is checked as a call
    of its function, which then runs on every change (or DDL) without being named.
    """
    if kind == "DoStmt":
        return _do_block(node, functions)
    if kind == "CreateFunctionStmt":
        return None
    if kind in ("CreateTrigStmt", "CreateEventTrigStmt"):
        return _call(_qualified(node.get("funcname", ())), functions, in_do)
    for call in _function_names(node):
        reason = _call(call, functions, in_do)
        if reason is not None:
            return reason
    return None


def _call(call: tuple[str | None, str], functions: FunctionCheck, in_do: bool) -> str | None:
    schema, name = call
    if name in SERVER_FUNCTIONS:
        return f"it calls {name}(), which acts beyond the scratch database"
    reason = functions(schema, name)
    if reason == MISSING:
        # At the top level PostgreSQL rejects the call; a DO block may create the
        # function before it calls it.
        return (
            f"it calls {name}(), which does not exist yet, so pglint cannot read it"
            if in_do
            else None
        )
    return reason


def _qualified(names: object) -> tuple[str | None, str]:
    parts = [n.get("String", {}).get("sval", "") for n in names] if isinstance(names, list) else []
    if not parts:
        return None, ""
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _function_names(node: object) -> Iterator[tuple[str | None, str]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is None and "funccall" in item:
                call = item["funccall"]  # CallStmt holds its FuncCall bare
            if isinstance(call, dict) and call.get("funcname"):
                yield _qualified(call["funcname"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


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
    source = (
        "CREATE FUNCTION pglint_do() RETURNS void LANGUAGE plpgsql AS $pglint_body$"
        + body.replace("$pglint_body$", "")
        + "$pglint_body$"
    )
    return plpgsql_body(source, "its DO block", functions)


_DYNAMIC = ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors")


def plpgsql_body(source: str, what: str, functions: FunctionCheck) -> str | None:
    """Why a PL/pgSQL function (``source``: its CREATE FUNCTION) may change shared objects.
    ``what`` names it in the reason ("its DO block")."""
    try:
        tree = json.loads(parse_plpgsql_json(source))
    except (ParseError, ValueError):
        return f"pglint cannot parse {what}"
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(key in item for key in _DYNAMIC) or (
                "PLpgSQL_stmt_open" in item and "dynquery" in item["PLpgSQL_stmt_open"]
            ):
                return f"{what} runs SQL built at run time (EXECUTE), which pglint cannot see"
            expr = item.get("PLpgSQL_expr")
            if expr is not None:
                reason = _expression(expr, what, functions)
                if reason is not None:
                    return reason
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def sql_body(source: str, what: str, functions: FunctionCheck) -> str | None:
    """Why SQL statements (a SQL function's body, or its whole CREATE FUNCTION for a
    ``BEGIN ATOMIC`` one) may change shared objects."""
    try:
        tree = json.loads(parse_sql_json(source))
    except (ParseError, ValueError):
        return f"pglint cannot parse {what}"
    for raw in tree.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        # BEGIN ATOMIC: the statements in the function's body.
        body = node.get("sql_body") if kind == "CreateFunctionStmt" else {kind: node}
        reason = _statements(body, what, functions)
        if reason is not None:
            return reason
    return None


def _statements(tree: object, what: str, functions: FunctionCheck) -> str | None:
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for kind, node in item.items():
                if kind.endswith("Stmt") and isinstance(node, dict):
                    if server_wide(kind, node):
                        return f"{what} changes objects shared by the whole server"
                    reason = opaque(kind, node, functions, in_do=True)
                    if reason is not None:
                        return reason
                    continue
                stack.append(node)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _expression(expr: dict, what: str, functions: FunctionCheck) -> str | None:
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
        return f"pglint cannot parse a statement of {what}"
    return _statements([raw["stmt"] for raw in tree.get("stmts", ())], what, functions)
