"""Opt-in restriction rules for strict compatibility policies.

Each rule reports one kind of change that alters what clients which are already running
(older application versions, logical-replication subscribers, CDC consumers) see or may
do. None of them is about locks: they are for teams that forbid such changes outright or
review each one.

Objects the migration created are exempt: no client uses them yet. What is new comes
from the model's catalog (``ctx.catalog``, ``Touch.new``): tables, views, indexes, types,
sequences, functions, policies, triggers, rules, roles, extensions, schemas, databases and
added columns alike (see :class:`_New`). Like the rest of the breaking family, the rules
do not check statements of a down migration (see :data:`pglint.engine.REPORTED_IN_ROLLBACK`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pglint.engine import Context
from pglint.model.catalog import Catalog, qualified, range_name
from pglint.model.effects import Effect, default_volatility
from pglint.model.nodes import alter_commands, column_defs, mentions, statement_nodes
from pglint.model.objects import Routine, dotted, plain, rel_key, signature
from pglint.model.statements import Node
from pglint.model.types import type_ref
from pglint.rules.registry import Hit, check

# --- small parse-tree helpers ----------------------------------------------------------------


def _sval(node: Node | None) -> str:
    return (node or {}).get("String", {}).get("sval", "")


def _names(items: Iterable[Node] | None) -> list[str]:
    return [_sval(n) for n in items or ()]


def _rv(range_var: Node) -> str:
    """Display name of a RangeVar: ``schema.name`` or ``name``."""
    return qualified(*range_name(range_var))


def _loc(node: object) -> int | None:
    """The first non-negative ``location`` in a parse subtree (depth first)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            at = item.get("location")
            if isinstance(at, int) and at >= 0:
                return at
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def _column_refs(expr: object) -> set[str]:
    """Names of the columns an expression reads (last field of each ColumnRef)."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("ColumnRef")
            if ref is not None:
                fields = [f for f in ref.get("fields", ()) if "String" in f]
                if fields:
                    found.add(_sval(fields[-1]))
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _role(spec: Node) -> str:
    spec = spec.get("RoleSpec", spec)
    kind = spec.get("roletype", "")
    if kind == "ROLESPEC_CSTRING":
        return spec.get("rolename", "")
    return {
        "ROLESPEC_PUBLIC": "PUBLIC",
        "ROLESPEC_CURRENT_USER": "CURRENT_USER",
        "ROLESPEC_SESSION_USER": "SESSION_USER",
        "ROLESPEC_CURRENT_ROLE": "CURRENT_ROLE",
    }.get(kind, "?")


def _join(items: Iterable[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _signature(params: Iterable[Node] | None) -> tuple[str, ...]:
    """Input argument types of a CREATE FUNCTION parameter list (OUT/TABLE ones excluded)."""
    types = []
    for wrapped in params or ():
        param = wrapped.get("FunctionParameter", {})
        if param.get("mode") in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"):
            continue
        ref = type_ref(param.get("argType", {}))
        types.append(ref.name + ("[]" if ref.array else ""))
    return tuple(types)


def _object_signature(obj: Node) -> tuple[str, ...] | None:
    """Argument types named by an ObjectWithArgs, or None when the list is left out."""
    if obj.get("args_unspecified"):
        return None
    types = []
    for wrapped in obj.get("objargs", ()) or ():
        ref = type_ref(wrapped.get("TypeName", wrapped))
        types.append(ref.name + ("[]" if ref.array else ""))
    return tuple(types)


def _function_name(obj: Node) -> str:
    name = ".".join(_names(obj.get("objname")))
    sig = _object_signature(obj)
    return name if sig is None else f"{name}({', '.join(sig)})"


def _catalog_sequence_is_new(catalog: Catalog, schema: str | None, name: str) -> bool:
    if catalog.is_new(("rel", plain(schema, name))):
        return True
    # The implicit sequence of a serial column of a table created by this migration.
    for table in catalog.tables.values():
        same_schema = (table.schema or "public") == (schema or "public")
        if (
            table.new
            and same_schema
            and any(f"{table.name}_{c}_seq" == name for c in table.columns)
        ):
            return True
    return False


def _default_expr(coldef: Node) -> Node | None:
    for wrapped in coldef.get("constraints", ()) or ():
        con = wrapped.get("Constraint", {})
        if con.get("contype") == "CONSTR_DEFAULT":
            return con.get("raw_expr")
    return coldef.get("raw_default")


def _is_null(expr: Node | None) -> bool:
    return expr is None or bool(expr.get("A_Const", {}).get("isnull"))


def _fills_itself(coldef: Node) -> bool:
    """The column gets a non-NULL value on INSERT without the client naming it."""
    kinds = {w.get("Constraint", {}).get("contype") for w in coldef.get("constraints", ()) or ()}
    if kinds & {"CONSTR_IDENTITY", "CONSTR_GENERATED"}:
        return True
    type_name = coldef.get("typeName")
    if type_name and type_ref(type_name).name in ("serial", "bigserial", "smallserial"):
        return True
    return not _is_null(_default_expr(coldef))


# --- objects the migration created ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _New:
    """Whether the migration being linted created an object (the catalog's new flags).

    Functions, roles, extensions, schemas, triggers and rules count only when a plain
    CREATE made them: ``CREATE OR REPLACE`` and ``IF NOT EXISTS`` may have found an
    existing one.
    """

    catalog: Catalog

    def relation(self, effect: Effect, range_var: Node) -> bool:
        if self.catalog.is_new(("rel", rel_key(range_var))):
            return True
        name = _rv(range_var)
        return any(t.new for t in effect.touches if t.relation == name)

    def function(self, obj: Node) -> bool:
        return self.catalog.is_new_routine(Routine.of(obj))

    def type(self, names: list[str]) -> bool:
        return self.catalog.is_new_type(names)

    def role(self, name: str) -> bool:
        return self.catalog.is_new(("role", name))

    def schema(self, name: str) -> bool:
        return self.catalog.is_new(("schema", name))

    def database(self, name: str) -> bool:
        return self.catalog.is_new(("database", name))

    def extension(self, name: str) -> bool:
        return self.catalog.is_new(("extension", name))

    def on_table(self, kind: str, range_var: Node, name: str) -> bool:
        """A policy, trigger or rule of the table."""
        return self.catalog.is_new((kind, rel_key(range_var), name))

    def column(self, range_var: Node, name: str) -> bool:
        return self.catalog.is_new(("column", rel_key(range_var), name))

    def replaced(self, key: tuple[str, ...]) -> bool:
        """Created or replaced earlier in this migration."""
        return self.catalog.defined_here(key)


# --- ban-add-column ---------------------------------------------------------------------------


@check("ban-add-column", kinds=("AlterTableStmt:AT_AddColumn",))
def ban_add_column(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("objtype") not in (None, "OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        return
    relation = node.get("relation", {})
    if ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    what = "foreign table" if node.get("objtype") == "OBJECT_FOREIGN_TABLE" else "table"
    for coldef in column_defs(node):
        column = coldef.get("colname", "")
        yield Hit(
            f"ADD COLUMN {column} changes the row shape of existing {what} {table}: "
            f"SELECT * and COPY without a column list now carry an extra column (COPY FROM "
            f"data of the old shape fails), unqualified references to {column} in joins with "
            f"{table} can become ambiguous, and logical-replication subscribers whose "
            f"{table} lacks {column} stop applying changes",
            at=coldef.get("location"),
        )


# --- ban-add-composite-attribute --------------------------------------------------------------


@check("ban-add-composite-attribute", kinds=("AlterTableStmt:AT_AddColumn",))
def ban_add_composite_attribute(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("objtype") != "OBJECT_TYPE":
        return
    relation = node.get("relation", {})
    schema, name = range_name(relation)
    if ctx.catalog.is_new_type([n for n in (schema, name) if n]):
        return
    type_name = _rv(relation)
    for coldef in column_defs(node):
        attribute = coldef.get("colname", "")
        yield Hit(
            f"ADD ATTRIBUTE {attribute} changes the shape of existing composite type "
            f"{type_name}: clients that parse its values as row literals get one more field, "
            f"and ROW(...)::{type_name} casts built for the old attributes fail with too "
            f"few columns",
            at=coldef.get("location"),
        )


# --- ban-add-enum-value -----------------------------------------------------------------------


@check("ban-add-enum-value", kinds=("AlterEnumStmt",))
def ban_add_enum_value(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("oldVal") or not node.get("newVal"):
        return  # RENAME VALUE
    names = _names(node.get("typeName"))
    if ctx.catalog.is_new_type(names):
        return
    enum = ".".join(names)
    value = node["newVal"]
    yield Hit(
        f"ADD VALUE '{value}' to existing enum {enum}: clients that map every label of {enum} "
        f"fail when they first read '{value}', and logical-replication subscribers whose "
        f"{enum} lacks '{value}' stop applying changes"
    )


# --- ban-alter-database-options ---------------------------------------------------------------

_DATABASE_OPTIONS = {
    "connection_limit": "CONNECTION LIMIT",
    "allow_connections": "ALLOW_CONNECTIONS",
}


def _default_change(setstmt: Node, owner: str) -> str:
    """What ``SET name`` / ``RESET name`` / ``RESET ALL`` on ``owner`` does to session defaults."""
    kind = setstmt.get("kind", "")
    name = setstmt.get("name", "")
    if kind == "VAR_RESET_ALL":
        return f"removes every session default set for {owner}"
    if kind == "VAR_RESET":
        return f"removes the default of {name} set for {owner}"
    return f"changes the default of {name} for {owner}"


def _setting(setstmt: Node) -> str:
    kind = setstmt.get("kind", "")
    name = setstmt.get("name", "")
    if kind == "VAR_RESET_ALL":
        return "RESET ALL"
    if kind == "VAR_RESET":
        return f"RESET {name}"
    return f"SET {name}"


@check("ban-alter-database-options", kinds=("AlterDatabaseSetStmt", "AlterDatabaseStmt"))
def ban_alter_database_options(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    node = effect.node
    if effect.kind == "AlterDatabaseSetStmt":
        database = node.get("dbname", "")
        if defined.database(database):
            return
        setstmt = node.get("setstmt", {})
        yield Hit(
            f"ALTER DATABASE {database} {_setting(setstmt)} "
            f"{_default_change(setstmt, f'database {database}')}: sessions opened after "
            f"the migration run with different settings than those already connected",
        )
    elif effect.kind == "AlterDatabaseStmt":
        database = node.get("dbname", "")
        if defined.database(database):
            return
        for wrapped in node.get("options", ()):
            option = wrapped.get("DefElem", {})
            label = _DATABASE_OPTIONS.get(option.get("defname", ""))
            if label is None:
                continue
            yield Hit(
                f"ALTER DATABASE {database} {label} limits who may connect to existing "
                f"database {database}: new connections of running clients (reconnects, "
                f"pool growth) can be refused",
                at=option.get("location"),
            )


# --- ban-alter-extension ----------------------------------------------------------------------


@check("ban-alter-extension", kinds=("AlterExtensionStmt",))
def ban_alter_extension(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "AlterExtensionStmt":
        return
    name = effect.node.get("extname", "")
    if defined.extension(name):
        return
    version = ""
    for wrapped in effect.node.get("options", ()):
        option = wrapped.get("DefElem", {})
        if option.get("defname") == "new_version":
            version = f" TO '{_sval(option.get('arg'))}'"
    yield Hit(
        f"ALTER EXTENSION {name} UPDATE{version} runs the extension's upgrade scripts "
        f"in place: functions, types and operators that running clients call can "
        f"change behaviour, signature or disappear",
    )


# --- ban-alter-function-options ---------------------------------------------------------------


def _function_option(option: Node) -> str | None:
    """SQL spelling of an ALTER FUNCTION action, or None for planner-only ones."""
    name = option.get("defname", "")
    arg = option.get("arg") or {}
    flag = arg.get("Boolean", {}).get("boolval", False)
    if name == "volatility":
        return _sval(arg).upper()
    if name == "strict":
        return "STRICT" if flag else "CALLED ON NULL INPUT"
    if name == "security":
        return "SECURITY DEFINER" if flag else "SECURITY INVOKER"
    if name == "leakproof":
        return "LEAKPROOF" if flag else "NOT LEAKPROOF"
    if name == "parallel":
        return f"PARALLEL {_sval(arg).upper()}"
    if name == "set":
        return _setting(arg.get("VariableSetStmt", {}))
    return None  # COST, ROWS, SUPPORT only change planner estimates


@check("ban-alter-function-options", kinds=("AlterFunctionStmt",))
def ban_alter_function_options(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "AlterFunctionStmt":
        return
    node = effect.node
    func = node.get("func", {})
    if defined.function(func):
        return
    changes = [c for c in map(_function_option, _defelems(node.get("actions"))) if c]
    if not changes:
        return
    what = {"OBJECT_PROCEDURE": "PROCEDURE", "OBJECT_ROUTINE": "ROUTINE"}.get(
        node.get("objtype", ""), "FUNCTION"
    )
    yield Hit(
        f"ALTER {what} {_function_name(func)} {', '.join(changes)} changes an existing "
        f"{what.lower()} in place: every caller, including running clients and the "
        f"views, triggers and defaults that use it, gets the new behaviour at once",
    )


def _defelems(items: Iterable[Node] | None) -> list[Node]:
    return [w.get("DefElem", {}) for w in items or () if "DefElem" in w]


# --- ban-alter-generated-expression -----------------------------------------------------------


@check("ban-alter-generated-expression", kinds=("AlterTableStmt",))
def ban_alter_generated_expression(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    if ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    for wrapped in effect.node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        if cmd.get("subtype") != "AT_SetExpression":
            continue
        column = cmd.get("name", "")
        yield Hit(
            f"SET EXPRESSION on generated column {table}.{column} recomputes it for every "
            f"existing row: clients reading {column} get different values than before, "
            f"clients that compute the same value themselves disagree with the database, "
            f"and logical-replication subscribers keep computing it with their own expression",
            at=_loc(cmd.get("def")),
        )


# --- ban-alter-policy-condition / ban-alter-policy-roles --------------------------------------


def _existing_policy(effect: Effect, defined: _New) -> bool:
    node = effect.node
    table = node.get("table", {})
    if defined.relation(effect, table):
        return False
    return not defined.on_table("policy", table, node.get("policy_name", ""))


@check("ban-alter-policy-condition", kinds=("AlterPolicyStmt",))
def ban_alter_policy_condition(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "AlterPolicyStmt" or not _existing_policy(effect, defined):
        return
    node = effect.node
    name, table = node.get("policy_name", ""), _rv(node.get("table", {}))
    if node.get("qual") is not None:
        yield Hit(
            f"ALTER POLICY {name} ON {table} USING changes which existing rows of {table} "
            f"the policy lets its roles see, update and delete: running clients' queries "
            f"return different rows and their UPDATEs and DELETEs reach different rows",
            at=_loc(node["qual"]),
        )
    if node.get("with_check") is not None:
        yield Hit(
            f"ALTER POLICY {name} ON {table} WITH CHECK changes which new rows the "
            f"policy accepts: INSERTs and UPDATEs that running clients make today can fail "
            f"with 'new row violates row-level security policy'",
            at=_loc(node["with_check"]),
        )


@check("ban-alter-policy-roles", kinds=("AlterPolicyStmt",))
def ban_alter_policy_roles(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "AlterPolicyStmt" or not _existing_policy(effect, defined):
        return
    node = effect.node
    roles = node.get("roles")
    if not roles:
        return
    name, table = node.get("policy_name", ""), _rv(node.get("table", {}))
    yield Hit(
        f"ALTER POLICY {name} ON {table} TO {', '.join(_role(r) for r in roles)} changes "
        f"which roles the policy applies to: roles taken out of it lose the rows of "
        f"{table} it gave them (or escape the rows it held back, if it is restrictive), "
        f"roles added gain or lose rows the other way",
        at=_loc(roles),
    )


# --- ban-alter-role-options -------------------------------------------------------------------

_LOGIN_OPTIONS = {
    "password": "PASSWORD",
    "validUntil": "VALID UNTIL",
    "canlogin": "LOGIN",
    "connectionlimit": "CONNECTION LIMIT",
}
_PRIVILEGE_OPTIONS = {
    "inherit": "INHERIT",
    "bypassrls": "BYPASSRLS",
    "superuser": "SUPERUSER",
    "createdb": "CREATEDB",
    "createrole": "CREATEROLE",
    "isreplication": "REPLICATION",
}


def _role_option(option: Node) -> str:
    name = option.get("defname", "")
    label = _LOGIN_OPTIONS.get(name) or _PRIVILEGE_OPTIONS.get(name) or name.upper()
    boolean = (option.get("arg") or {}).get("Boolean")
    if boolean is not None and not boolean.get("boolval", False):
        return "NO" + label
    return label


@check("ban-alter-role-options", kinds=("AlterRoleStmt", "AlterRoleSetStmt"))
def ban_alter_role_options(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    node = effect.node
    if effect.kind == "AlterRoleStmt" and node.get("action", 1) == 1:
        role = _role(node.get("role", {}))
        if defined.role(role):
            return
        options = [o for o in _defelems(node.get("options")) if o.get("defname") != "rolemembers"]
        if not options:
            return
        consequences = []
        if any(o.get("defname") in _LOGIN_OPTIONS for o in options):
            consequences.append(f"new connections as {role} can be refused")
        if any(o.get("defname") in _PRIVILEGE_OPTIONS for o in options):
            consequences.append(
                f"sessions of {role} get different privileges and can see other rows"
            )
        if not consequences:
            consequences.append(f"sessions of {role} behave differently")
        yield Hit(
            f"ALTER ROLE {role} {' '.join(_role_option(o) for o in options)} changes "
            f"existing role {role}: {' and '.join(consequences)}",
            at=options[0].get("location"),
        )
    elif effect.kind == "AlterRoleSetStmt":
        role = _role(node["role"]) if node.get("role") else "ALL"
        if defined.role(role):
            return
        setstmt = node.get("setstmt", {})
        where = f" IN DATABASE {node['database']}" if node.get("database") else ""
        who = "every role" if role == "ALL" else f"role {role}"
        yield Hit(
            f"ALTER ROLE {role}{where} {_setting(setstmt)} "
            f"{_default_change(setstmt, who + where.lower())}: its sessions opened after "
            f"the migration run with different settings than those already connected",
        )


# --- ban-alter-row-level-security -------------------------------------------------------------

_RLS = {
    "AT_EnableRowSecurity": (
        "ENABLE ROW LEVEL SECURITY",
        "queries by roles other than the owner and BYPASSRLS roles now see and change only "
        "the rows its policies allow, and no rows at all if it has no policy",
    ),
    "AT_DisableRowSecurity": (
        "DISABLE ROW LEVEL SECURITY",
        "its policies stop applying, so every role with privileges on it sees and changes all rows",
    ),
    "AT_ForceRowSecurity": (
        "FORCE ROW LEVEL SECURITY",
        "its policies now apply to the table owner too, so clients connected as the owner "
        "see and change fewer rows",
    ),
    "AT_NoForceRowSecurity": (
        "NO FORCE ROW LEVEL SECURITY",
        "the table owner bypasses its policies again and sees and changes all rows",
    ),
}


@check("ban-alter-row-level-security", kinds=("AlterTableStmt",))
def ban_alter_row_level_security(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    if ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    for wrapped in effect.node.get("cmds", ()):
        found = _RLS.get(wrapped.get("AlterTableCmd", {}).get("subtype", ""))
        if found is not None:
            yield Hit(f"{found[0]} on existing table {table}: {found[1]}")


# --- ban-alter-sequence-values ----------------------------------------------------------------

_SEQUENCE_OPTIONS = {
    "restart": (
        "RESTART",
        "RESTART moves the next value, and below values already handed out INSERTs fail "
        "with duplicate keys",
    ),
    "increment": (
        "INCREMENT BY",
        "INCREMENT BY changes the step, so clients that reserve blocks of ids sized to the "
        "old step (ORM pooled id generators) can hand out duplicate ids",
    ),
    "minvalue": ("MINVALUE", "MINVALUE/MAXVALUE narrow the range, so nextval() can fail"),
    "maxvalue": ("MAXVALUE", "MINVALUE/MAXVALUE narrow the range, so nextval() can fail"),
    "as": ("AS", "AS changes the type and its limits, so nextval() can fail"),
    "cycle": ("CYCLE", "CYCLE makes it wrap around and hand out used values again"),
    "cache": (
        "CACHE",
        "CACHE changes how many values each session reserves, so ids stop following the "
        "order of the calls across sessions",
    ),
}


def _sequence_changes(options: Iterable[Node]) -> tuple[list[str], list[str]]:
    labels, consequences = [], []
    for option in options:
        found = _SEQUENCE_OPTIONS.get(option.get("defname", ""))
        if found is None:
            continue  # OWNED BY, START (used only by a later RESTART), generated
        type_name = (option.get("arg") or {}).get("TypeName")
        if type_name and type_ref(type_name).name == "bigint":
            continue  # AS bigint only widens the range
        labels.append(found[0])
        if found[1] not in consequences:
            consequences.append(found[1])
    return labels, consequences


def _setval_target(call: Node) -> Node | None:
    args = call.get("args", ())
    return args[0] if args else None


def _string_arg(node: Node | None) -> str | None:
    while node and "TypeCast" in node:
        node = node["TypeCast"].get("arg")
    const = (node or {}).get("A_Const", {})
    return const.get("sval", {}).get("sval") if "sval" in const else None


def _setval_is_new(catalog: Catalog, target: Node | None) -> bool:
    literal = _string_arg(target)
    if literal is not None:
        parts = literal.replace('"', "").split(".")
        return _catalog_sequence_is_new(catalog, parts[-2] if len(parts) > 1 else None, parts[-1])
    call = (target or {}).get("FuncCall", {})
    if _names(call.get("funcname"))[-1:] == ["pg_get_serial_sequence"]:
        table = _string_arg((call.get("args") or [None])[0])
        if table is not None:
            parts = table.replace('"', "").split(".")
            rv = {"schemaname": parts[-2] if len(parts) > 1 else None, "relname": parts[-1]}
            return catalog.is_new_table(rv)
    return False


def _setval_calls(effect: Effect) -> list[Node]:
    """The setval() calls of a SELECT (found in the statement's node index)."""
    statement = effect.statement
    if not mentions(statement, "setval"):
        return []
    calls = statement_nodes(statement).of("FuncCall")
    return [c for c in calls if _names(c.get("funcname"))[-1:] == ["setval"]]


@check("ban-alter-sequence-values", kinds=("AlterSeqStmt", "AlterTableStmt", "SelectStmt"))
def ban_alter_sequence_values(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if effect.kind == "AlterSeqStmt":
        sequence = node.get("sequence", {})
        if _catalog_sequence_is_new(ctx.catalog, *range_name(sequence)):
            return
        options = _defelems(node.get("options"))
        labels, consequences = _sequence_changes(options)
        if labels:
            name = _rv(sequence)
            yield Hit(
                f"ALTER SEQUENCE {name} {', '.join(labels)} changes the values existing "
                f"sequence {name} hands out to running clients: {'; '.join(consequences)}",
                at=options[0].get("location"),
            )
    elif effect.kind == "AlterTableStmt":
        relation = node.get("relation", {})
        if ctx.catalog.is_new_table(relation):
            return
        for cmd in alter_commands(node):
            if cmd.get("subtype") != "AT_SetIdentity":
                continue
            options = _defelems(cmd.get("def", {}).get("List", {}).get("items"))
            labels, consequences = _sequence_changes(options)
            if labels:
                column = f"{_rv(relation)}.{cmd.get('name', '')}"
                labels = [label if label == "RESTART" else f"SET {label}" for label in labels]
                yield Hit(
                    f"ALTER COLUMN {cmd.get('name', '')} {', '.join(labels)} changes the "
                    f"values the identity sequence of existing column {column} hands out "
                    f"to running clients: {'; '.join(consequences)}",
                    at=options[0].get("location"),
                )
    else:
        for call in _setval_calls(effect):
            target = _setval_target(call)
            if _setval_is_new(ctx.catalog, target):
                continue
            literal = _string_arg(target)
            name = f"sequence {literal}" if literal else "the sequence"
            yield Hit(
                f"setval() moves {name} to a new value: if it lands below values already "
                f"handed out, INSERTs of running clients fail with duplicate keys; above, "
                f"clients see a jump in ids",
                at=call.get("location"),
            )


# --- ban-alter-system-options -----------------------------------------------------------------


@check("ban-alter-system-options", kinds=("AlterSystemStmt",))
def ban_alter_system_options(effect: Effect, ctx: Context) -> Iterator[Hit]:
    setstmt = effect.node.get("setstmt", {})
    what = _setting(setstmt)
    if what == "RESET ALL":
        target = "without any of the settings ALTER SYSTEM made"
    elif what.startswith("RESET"):
        target = f"with the configuration file's {setstmt.get('name', '')}"
    else:
        target = f"with the new {setstmt.get('name', '')}"
    yield Hit(
        f"ALTER SYSTEM {what} rewrites postgresql.auto.conf for the whole server: after the "
        f"next configuration reload (or restart) every session of every database, including "
        f"running clients, runs {target}"
    )


# --- ban-alter-view-options -------------------------------------------------------------------

_VIEW_OPTIONS = {
    "check_option": (
        "rows written through {view} must satisfy its WHERE clause, so INSERTs and UPDATEs "
        "through it that succeed today fail with 'new row violates check option'",
        "rows written through {view} no longer have to satisfy its WHERE clause, so writes "
        "can create rows that vanish from it",
    ),
    "security_invoker": (
        "privileges and row-level security on the underlying tables are checked for the "
        "querying role instead of the view owner, so clients can get 'permission denied' "
        "or fewer rows",
        "privileges and row-level security on the underlying tables are checked for the "
        "view owner instead of the querying role, so clients can see rows they could not",
    ),
    "security_barrier": (
        "the planner stops pushing client conditions into the view, which can make "
        "queries on {view} much slower",
        "the planner may evaluate client conditions before the view's own, so leaky "
        "functions can see rows the view hides",
    ),
}


@check("ban-alter-view-options", kinds=("AlterTableStmt",))
def ban_alter_view_options(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    relation = node.get("relation", {})
    known = ctx.catalog.table_of(relation)
    if node.get("objtype") != "OBJECT_VIEW" and not (known and known.kind == "view"):
        return
    if known is not None and known.new:
        return
    view = _rv(relation)
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype", "")
        if subtype not in ("AT_SetRelOptions", "AT_ResetRelOptions"):
            continue
        for option in _defelems(cmd.get("def", {}).get("List", {}).get("items")):
            name = option.get("defname", "")
            texts = _VIEW_OPTIONS.get(name)
            if texts is None:
                continue
            turned_on = subtype == "AT_SetRelOptions" and _option_on(option)
            verb = "SET" if subtype == "AT_SetRelOptions" else "RESET"
            yield Hit(
                f"{verb} ({name}) on existing view {view}: "
                + texts[0 if turned_on else 1].format(view=view),
                at=option.get("location"),
            )


def _option_on(option: Node) -> bool:
    arg = option.get("arg")
    if arg is None:
        return True
    if "TypeName" in arg:  # check_option = local | cascaded
        return True
    text = _sval(arg) or str(arg.get("Integer", {}).get("ival", ""))
    boolean = arg.get("Boolean")
    if boolean is not None:
        return bool(boolean.get("boolval", False))
    return text.lower() not in ("false", "off", "no", "0")


# --- ban-create-policy ------------------------------------------------------------------------


@check("ban-create-policy", kinds=("CreatePolicyStmt",))
def ban_create_policy(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    table = node.get("table", {})
    if ctx.catalog.is_new_table(table):
        return
    name, target = node.get("policy_name", ""), _rv(table)
    roles = ", ".join(_role(r) for r in node.get("roles", ())) or "PUBLIC"
    command = (node.get("cmd_name") or "all").upper()
    if node.get("permissive"):
        yield Hit(
            f"CREATE POLICY {name} ON existing table {target} adds a permissive policy "
            f"({command}, TO {roles}): once row level security is on, those roles see and "
            f"change every row it matches on top of what other policies allow"
        )
    else:
        yield Hit(
            f"CREATE POLICY {name} AS RESTRICTIVE ON existing table {target} ({command}, "
            f"TO {roles}): every row those roles read or write must now also pass it, so "
            f"running clients see fewer rows and writes can fail with 'new row violates "
            f"row-level security policy'"
        )


# --- ban-detach-inheritance -------------------------------------------------------------------


@check("ban-detach-inheritance", kinds=("AlterTableStmt",))
def ban_detach_inheritance(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    if ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    for wrapped in effect.node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        subtype = cmd.get("subtype")
        definition = cmd.get("def", {})
        if subtype == "AT_DropInherit":
            parent = definition.get("RangeVar", {})
            if ctx.catalog.is_new_table(parent):
                continue
            name = _rv(parent)
            yield Hit(
                f"NO INHERIT {name} takes existing table {table} out of the inheritance tree "
                f"of {name}: queries on {name} stop returning the rows of {table}, and "
                f"UPDATEs and DELETEs on {name} no longer reach them",
                at=parent.get("location"),
            )
        elif subtype == "AT_DetachPartition":
            partition = definition.get("PartitionCmd", {}).get("name", {})
            if ctx.catalog.is_new_table(partition):
                continue
            name = _rv(partition)
            yield Hit(
                f"DETACH PARTITION {name} takes the rows of {name} out of partitioned table "
                f"{table}: queries on {table} stop returning them, and INSERTs into {table} "
                f"for the range of {name} fail with 'no partition of relation found for row' "
                f"(or land in the default partition)",
                at=partition.get("location"),
            )


# --- ban-disable-trigger ----------------------------------------------------------------------

_DISABLING = {
    "AT_DisableTrig": "DISABLE TRIGGER {name}",
    "AT_DisableTrigAll": "DISABLE TRIGGER ALL",
    "AT_DisableTrigUser": "DISABLE TRIGGER USER",
    "AT_EnableReplicaTrig": "ENABLE REPLICA TRIGGER {name}",
    "AT_EnableAlwaysTrig": "ENABLE ALWAYS TRIGGER {name}",
    "AT_DisableRule": "DISABLE RULE {name}",
    "AT_EnableReplicaRule": "ENABLE REPLICA RULE {name}",
    "AT_EnableAlwaysRule": "ENABLE ALWAYS RULE {name}",
}


def _restores(subtype: str, name: str, later: Node) -> bool:
    """Whether ALTER TABLE command ``later`` turns back on what ``subtype``/``name`` turned off."""
    back = later.get("subtype", "")
    same = later.get("name", "") == name
    if subtype in ("AT_DisableTrig", "AT_EnableReplicaTrig", "AT_EnableAlwaysTrig"):
        return (back == "AT_EnableTrig" and same) or back in (
            "AT_EnableTrigAll",
            "AT_EnableTrigUser",
        )
    if subtype == "AT_DisableTrigUser":
        return back in ("AT_EnableTrigUser", "AT_EnableTrigAll")
    if subtype == "AT_DisableTrigAll":
        return back == "AT_EnableTrigAll"
    return back == "AT_EnableRule" and same


def _trigger_message(subtype: str, name: str, table: str) -> str:
    label = _DISABLING[subtype].format(name=name)
    if subtype == "AT_DisableTrigAll":
        effect = (
            "every trigger stops firing for all sessions, including the internal ones that "
            "enforce its foreign keys, so side effects running clients rely on stop and "
            "referential integrity is not checked"
        )
    elif subtype == "AT_DisableTrigUser":
        effect = (
            "every user trigger stops firing for all sessions, so the side effects running "
            "clients rely on (audit rows, derived columns, validation) silently stop"
        )
    elif subtype == "AT_DisableTrig":
        effect = (
            f"{name} stops firing for all sessions, so the side effects running clients rely "
            f"on (audit rows, derived columns, validation) silently stop"
        )
    elif subtype == "AT_EnableReplicaTrig":
        effect = (
            f"{name} now fires only in sessions with session_replication_role = replica, so "
            f"it stops firing for ordinary clients"
        )
    elif subtype == "AT_EnableAlwaysTrig":
        effect = (
            f"{name} now also fires for changes applied by logical replication, so "
            f"replicated rows get its side effects a second time"
        )
    elif subtype == "AT_DisableRule":
        effect = f"rule {name} stops rewriting queries on {table} for all sessions"
    elif subtype == "AT_EnableReplicaRule":
        effect = (
            f"rule {name} now applies only in sessions with session_replication_role = "
            f"replica, so it stops rewriting ordinary clients' queries"
        )
    else:
        effect = f"rule {name} now also rewrites changes applied by logical replication"
    return f"{label} on existing table {table}: {effect}"


@check("ban-disable-trigger", kinds=("AlterTableStmt",))
def ban_disable_trigger(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    relation = effect.node.get("relation", {})
    if defined.relation(effect, relation):
        return
    table = _rv(relation)
    for wrapped in effect.node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        subtype, name = cmd.get("subtype", ""), cmd.get("name", "")
        if subtype not in _DISABLING:
            continue
        if "Rule" in subtype:
            if defined.on_table("rule", relation, name):
                continue
        elif name and defined.on_table("trigger", relation, name):
            continue
        if effect.in_transaction and _restored_later(effect, rel_key(relation), subtype, name):
            continue
        yield Hit(_trigger_message(subtype, name, table))


def _restored_later(effect: Effect, table: str, subtype: str, name: str) -> bool:
    """The same transaction turns the trigger or rule back on before it commits.

    ALTER TABLE ... DISABLE TRIGGER holds SHARE ROW EXCLUSIVE until commit, so no other
    session can write to the table while the trigger is off.
    """
    file = effect.file
    if file is None:
        return False
    current = file.transaction(effect.index)
    for later in range(effect.index + 1, len(file.statements)):
        if file.transaction(later) != current:
            return False
        other = file.statements[later]
        if other.kind != "AlterTableStmt" or rel_key(other.node.get("relation", {})) != table:
            continue
        for wrapped in other.node.get("cmds", ()):
            if _restores(subtype, name, wrapped.get("AlterTableCmd", {})):
                return True
    return False


# --- ban-drop-index ---------------------------------------------------------------------------


@check("ban-drop-index", kinds=("DropStmt",))
def ban_drop_index(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("removeType") != "OBJECT_INDEX":
        return
    for obj in node.get("objects", ()):
        names = _names(obj.get("List", {}).get("items"))
        if not names:
            continue
        schema, name = (names[-2] if len(names) > 1 else None), names[-1]
        index = ctx.catalog.index(schema, name)
        if index is not None:
            table = ctx.catalog.table(*_split(index.table))
            if index.new or (table is not None and table.new):
                continue
        label = ".".join(names)
        if index is not None and index.unique:
            columns = ", ".join(index.columns)
            yield Hit(
                f"DROP INDEX {label} removes a unique index of {index.table}: duplicate "
                f"({columns}) values are accepted from now on, and running clients' "
                f"INSERT ... ON CONFLICT ({columns}) fails with 'there is no unique or "
                f"exclusion constraint matching the ON CONFLICT specification'"
            )
        else:
            where = f" of {index.table}" if index is not None else ""
            yield Hit(
                f"DROP INDEX {label}{where}: running clients' queries that use it switch to "
                f"other plans, possibly full scans; if it is unique, duplicates are accepted "
                f"and INSERT ... ON CONFLICT on its columns fails"
            )


def _split(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    return schema or None, table


# --- ban-drop-policy / ban-drop-trigger -------------------------------------------------------


def _dropped(effect: Effect, kind: str) -> Iterator[tuple[Node, str]]:
    """(table RangeVar, object name) for each object of a DROP POLICY/RULE/TRIGGER."""
    if effect.node.get("removeType") != kind:
        return
    for obj in effect.node.get("objects", ()):
        names = _names(obj.get("List", {}).get("items"))
        if len(names) < 2:
            continue
        table = names[:-1]
        rv = {"schemaname": table[0] if len(table) > 1 else None, "relname": table[-1]}
        yield rv, names[-1]


@check("ban-drop-policy", kinds=("DropStmt",))
def ban_drop_policy(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "DropStmt":
        return
    for rv, name in _dropped(effect, "OBJECT_POLICY"):
        if defined.relation(effect, rv) or defined.on_table("policy", rv, name):
            continue
        table = _rv(rv)
        yield Hit(
            f"DROP POLICY {name} ON existing table {table}: if it is permissive, the "
            f"roles it applied to lose the rows of {table} it gave them (queries return "
            f"fewer rows, writes fail); if it is restrictive, they gain the rows it held back",
        )
    for rv, name in _dropped(effect, "OBJECT_RULE"):
        if defined.relation(effect, rv) or defined.on_table("rule", rv, name):
            continue
        table = _rv(rv)
        yield Hit(
            f"DROP RULE {name} ON existing relation {table}: queries on {table} are no "
            f"longer rewritten by it, so writes through a view it made updatable fail and "
            f"the actions it added stop happening",
        )


@check("ban-drop-trigger", kinds=("DropStmt",))
def ban_drop_trigger(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    if effect.kind != "DropStmt":
        return
    for rv, name in _dropped(effect, "OBJECT_TRIGGER"):
        if defined.relation(effect, rv) or defined.on_table("trigger", rv, name):
            continue
        yield Hit(
            f"DROP TRIGGER {name} ON existing table {_rv(rv)}: what it did on each write "
            f"(audit rows, derived columns, validation, notifications) silently stops "
            f"for every running client",
        )


# --- ban-new-write-restriction ----------------------------------------------------------------

_NOT_VALID = " (NOT VALID only skips the rows already there)"


@check(
    "ban-new-write-restriction",
    kinds=("AlterTableStmt", "IndexStmt", "CreateTrigStmt", "AlterDomainStmt"),
)
def ban_new_write_restriction(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if effect.kind == "IndexStmt":
        yield from _unique_index(node, ctx)
    elif effect.kind == "CreateTrigStmt":
        yield from _new_trigger(node, ctx)
    elif effect.kind == "AlterDomainStmt":
        yield from _domain_restriction(node, ctx)
    elif node.get("objtype") in (None, "OBJECT_TABLE"):
        # Not foreign tables: PostgreSQL does not enforce their constraints.
        relation = node.get("relation", {})
        for cmd in alter_commands(node):
            if cmd.get("subtype") == "AT_AttachPartition":
                yield from _attach_partition(relation, cmd, ctx)
            elif not ctx.catalog.is_new_table(relation):
                yield from _table_restriction(relation, cmd, ctx)


def _unique_index(node: Node, ctx: Context) -> Iterator[Hit]:
    relation = node.get("relation", {})
    if not node.get("unique") or ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    columns = ", ".join(
        p.get("IndexElem", {}).get("name") or "(expression)" for p in node.get("indexParams", ())
    )
    partial = " among rows matching its WHERE clause" if node.get("whereClause") else ""
    concurrently = (
        ", even though CONCURRENTLY keeps writes flowing while it builds"
        if node.get("concurrent")
        else ""
    )
    label = " ".join(w for w in ("CREATE UNIQUE INDEX", node.get("idxname")) if w)
    yield Hit(
        f"{label} on existing table {table}: INSERTs and UPDATEs that duplicate an existing "
        f"({columns}){partial} now fail with a unique violation{concurrently}",
        at=relation.get("location"),
    )


_TRIGGER_EVENTS = ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))


def _new_trigger(node: Node, ctx: Context) -> Iterator[Hit]:
    relation = node.get("relation", {})
    timing = node.get("timing", 0)
    if ctx.catalog.is_new_table(relation) or timing & 64:  # INSTEAD OF widens, not restricts
        return
    events = " OR ".join(word for bit, word in _TRIGGER_EVENTS if node.get("events", 0) & bit)
    when = "BEFORE" if timing & 2 else "AFTER"
    function = ".".join(_names(node.get("funcname")))
    kind = "CONSTRAINT TRIGGER" if node.get("isconstraint") else "TRIGGER"
    skip = " (or a BEFORE row trigger returns NULL)" if when == "BEFORE" and node.get("row") else ""
    yield Hit(
        f"CREATE {kind} {node.get('trigname', '')} {when} {events} on existing table "
        f"{_rv(relation)}: {function}() now runs inside running clients' writes, and when it "
        f"raises an error{skip} those writes fail or are skipped",
        at=relation.get("location"),
    )


def _domain_restriction(node: Node, ctx: Context) -> Iterator[Hit]:
    names = _names(node.get("typeName"))
    if ctx.catalog.is_new_type(names):
        return
    domain = ".".join(names)
    subtype = node.get("subtype")
    if subtype == "O":
        yield Hit(
            f"ALTER DOMAIN {domain} SET NOT NULL: writes that store NULL in any column of "
            f"type {domain} now fail"
        )
    elif subtype == "C":
        con = node.get("def", {}).get("Constraint", {})
        if con.get("contype") not in ("CONSTR_CHECK", "CONSTR_NOTNULL"):
            return
        note = _NOT_VALID if con.get("skip_validation") else ""
        label = f"ADD CONSTRAINT {con['conname']}" if con.get("conname") else "ADD"
        kind = "CHECK" if con.get("contype") == "CONSTR_CHECK" else "NOT NULL"
        yield Hit(
            f"ALTER DOMAIN {domain} {label} {kind}: writes of values that fail it into any "
            f"column of type {domain} now fail{note}",
            at=con.get("location"),
        )


def _attach_partition(relation: Node, cmd: Node, ctx: Context) -> Iterator[Hit]:
    partition = cmd.get("def", {}).get("PartitionCmd", {}).get("name", {})
    if ctx.catalog.is_new_table(partition):
        return
    name, parent = _rv(partition), _rv(relation)
    yield Hit(
        f"ATTACH PARTITION {name} to {parent}: direct writes into existing table {name} "
        f"must now fall inside its partition bound and satisfy the unique indexes and "
        f"foreign keys of {parent}, so some that succeed today fail",
        at=partition.get("location"),
    )


def _table_restriction(relation: Node, cmd: Node, ctx: Context) -> Iterator[Hit]:
    table = _rv(relation)
    known = ctx.catalog.table_of(relation)
    subtype = cmd.get("subtype")
    definition = cmd.get("def", {})
    if subtype == "AT_AddConstraint" and "Constraint" in definition:
        yield from _added_constraint(table, definition["Constraint"], known, ctx)
    elif subtype == "AT_SetNotNull":
        column = cmd.get("name", "")
        if known is not None and column in known.columns and known.columns[column].not_null:
            return
        yield Hit(
            f"SET NOT NULL on {table}.{column}: INSERTs and UPDATEs of running clients that "
            f"store NULL in {column} now fail, including INSERTs that leave {column} out "
            f"when it has no default"
        )
    elif subtype == "AT_AddColumn" and "ColumnDef" in definition:
        yield from _added_column(table, definition["ColumnDef"])
    elif subtype == "AT_AlterConstraint":
        yield from _altered_constraint(table, definition.get("ATAlterConstraint", {}))
    elif subtype == "AT_SetIdentity":
        for option in _defelems(definition.get("List", {}).get("items")):
            value = option.get("arg", {}).get("Integer", {}).get("ival")
            if option.get("defname") == "generated" and value == ord("a"):
                column = cmd.get("name", "")
                yield Hit(
                    f"SET GENERATED ALWAYS on {table}.{column}: INSERTs and UPDATEs that "
                    f"write their own value into {column} now fail (they need OVERRIDING "
                    f"SYSTEM VALUE)",
                    at=option.get("location"),
                )
    elif subtype == "AT_AddIdentity":
        con = definition.get("Constraint", {})
        if con.get("generated_when") == "a":
            column = cmd.get("name", "")
            yield Hit(
                f"ADD GENERATED ALWAYS AS IDENTITY on existing column {table}.{column}: "
                f"INSERTs and UPDATEs that write their own value into {column} now fail",
                at=con.get("location"),
            )


def _added_constraint(table: str, con: Node, known, ctx: Context) -> Iterator[Hit]:
    contype = con.get("contype", "")
    name = con.get("conname")
    label = f"ADD CONSTRAINT {name}" if name else "ADD"
    note = _NOT_VALID if con.get("skip_validation") else ""
    at = con.get("location")
    if contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not con.get("is_enforced"):
        return  # NOT ENFORCED (PostgreSQL 18)
    if contype == "CONSTR_CHECK":
        yield Hit(
            f"{label} CHECK on existing table {table}: INSERTs and UPDATEs of running clients "
            f"whose row fails the check now fail with a check violation{note}",
            at=at,
        )
    elif contype == "CONSTR_FOREIGN":
        parent = _rv(con.get("pktable", {}))
        columns = ", ".join(_names(con.get("fk_attrs")))
        parent_side = (
            f"DELETEs and key UPDATEs on {parent} that would leave rows of {table} dangling fail"
            if con.get("fk_del_action", "a") in ("a", "r")
            else f"DELETEs on {parent} now also change rows of {table}"
        )
        yield Hit(
            f"{label} FOREIGN KEY ({columns}) REFERENCES {parent} on existing table {table}: "
            f"writes to {table} whose ({columns}) has no match in {parent} now fail, and "
            f"{parent_side}{note}",
            at=at,
        )
    elif contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_EXCLUSION"):
        index_name = con.get("indexname")
        if index_name and contype == "CONSTR_UNIQUE":
            return  # USING INDEX: the unique index already enforces it
        if index_name:
            index = ctx.catalog.index(None, index_name)
            if (
                index is not None
                and known is not None
                and all(c in known.columns and known.columns[c].not_null for c in index.columns)
            ):
                return
            yield Hit(
                f"{label} PRIMARY KEY USING INDEX {index_name} on existing table {table}: "
                f"the index's columns become NOT NULL, so writes that store NULL in them fail",
                at=at,
            )
            return
        columns = ", ".join(_names(con.get("keys"))) or "..."
        if contype == "CONSTR_EXCLUSION":
            yield Hit(
                f"{label} EXCLUDE on existing table {table}: INSERTs and UPDATEs whose row "
                f"conflicts with an existing row under its operators now fail",
                at=at,
            )
        else:
            word = "PRIMARY KEY" if contype == "CONSTR_PRIMARY" else "UNIQUE"
            nulls = " or leave them NULL" if contype == "CONSTR_PRIMARY" else ""
            yield Hit(
                f"{label} {word} ({columns}) on existing table {table}: INSERTs and UPDATEs "
                f"that duplicate an existing ({columns}){nulls} now fail",
                at=at,
            )
    elif contype == "CONSTR_NOTNULL":
        columns = ", ".join(_names(con.get("keys")))
        yield Hit(
            f"{label} NOT NULL {columns} on existing table {table}: INSERTs and UPDATEs that "
            f"store NULL in {columns} now fail",
            at=at,
        )


def _added_column(table: str, coldef: Node) -> Iterator[Hit]:
    """Constraints on a new column that reject writes of clients that do not know it."""
    column = coldef.get("colname", "")
    default = _default_expr(coldef)
    fills = _fills_itself(coldef)
    for wrapped in coldef.get("constraints", ()) or ():
        con = wrapped.get("Constraint", {})
        contype = con.get("contype")
        at = con.get("location")
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY") and not fills:
            yield Hit(
                f"ADD COLUMN {column} {'PRIMARY KEY' if contype == 'CONSTR_PRIMARY' else 'NOT NULL'} "
                f"without a default on existing table {table}: INSERTs of running clients do "
                f"not name {column} and now fail with a not-null violation",
                at=at,
            )
        elif contype == "CONSTR_CHECK":
            others = sorted(_column_refs(con.get("raw_expr")) - {column})
            if others:
                yield Hit(
                    f"ADD COLUMN {column} CHECK on existing table {table}: the check also "
                    f"reads {', '.join(others)}, so running clients' writes to those columns "
                    f"can now fail with a check violation",
                    at=at,
                )
        elif contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            same_value = (not _is_null(default) and default_volatility(default) != "volatile") or (
                _is_null(default) and not fills and con.get("nulls_not_distinct")
            )
            if same_value:
                yield Hit(
                    f"ADD COLUMN {column} UNIQUE on existing table {table}: every INSERT of "
                    f"running clients stores the same default in {column}, so the second one "
                    f"fails as a duplicate",
                    at=at,
                )
        elif contype == "CONSTR_FOREIGN":
            if not con.get("is_enforced", True):
                continue
            parent = _rv(con.get("pktable", {}))
            yield Hit(
                f"ADD COLUMN {column} REFERENCES {parent} on existing table {table}: once rows "
                f"of {table} point at rows of {parent}, running clients' DELETEs and key "
                f"UPDATEs of those rows in {parent} fail",
                at=at,
            )


def _altered_constraint(table: str, alter: Node) -> Iterator[Hit]:
    name = alter.get("conname", "")
    if alter.get("alterEnforceability") and alter.get("is_enforced"):
        yield Hit(
            f"ALTER CONSTRAINT {name} ENFORCED on existing table {table}: writes that violate "
            f"{name} are rejected from now on"
        )
    if alter.get("alterDeferrability"):
        if not alter.get("deferrable"):
            yield Hit(
                f"ALTER CONSTRAINT {name} NOT DEFERRABLE on existing table {table}: "
                f"transactions that defer {name} to commit (SET CONSTRAINTS or INITIALLY "
                f"DEFERRED) now fail at the statement that breaks it"
            )
        elif not alter.get("initdeferred"):
            yield Hit(
                f"ALTER CONSTRAINT {name} INITIALLY IMMEDIATE on existing table {table}: if "
                f"{name} was INITIALLY DEFERRED, transactions that rely on it being checked "
                f"at commit now fail at the statement that breaks it"
            )


# --- ban-replace-view-function ----------------------------------------------------------------


def _replaced(effect: Effect) -> tuple[tuple[str, ...], str, str] | None:
    """(object key, kind word, display name) of a CREATE OR REPLACE statement."""
    node, kind = effect.node, effect.kind
    if not node.get("replace"):
        return None
    if kind == "ViewStmt":
        view = node.get("view", {})
        return ("rel", rel_key(view)), "VIEW", _rv(view)
    if kind == "CreateFunctionStmt":
        names = _names(node.get("funcname"))
        params = node.get("parameters")
        shown = f"{'.'.join(names)}({', '.join(_signature(params))})"
        word = "PROCEDURE" if node.get("is_procedure") else "FUNCTION"
        return Routine(dotted(names), signature(params)).key, word, shown
    if kind == "CreateTrigStmt":
        rv = node.get("relation", {})
        name = node.get("trigname", "")
        return ("trigger", rel_key(rv), name), "TRIGGER", f"{name} ON {_rv(rv)}"
    if kind == "RuleStmt":
        rv = node.get("relation", {})
        name = node.get("rulename", "")
        return ("rule", rel_key(rv), name), "RULE", f"{name} ON {_rv(rv)}"
    if kind == "DefineStmt" and node.get("kind") == "OBJECT_AGGREGATE":
        names = _names(node.get("defnames"))
        args = node.get("args") or [{}]
        params = args[0].get("List", {}).get("items", ()) if args[0] else ()
        return Routine(dotted(names), signature(params)).key, "AGGREGATE", ".".join(names)
    return None


_REPLACE_EFFECT = {
    "VIEW": "running clients' next queries on it return the new definition's rows, and "
    "columns added at the end appear in SELECT *",
    "FUNCTION": "every caller, including running clients and the views, triggers and "
    "defaults that use it, gets the new body at once",
    "PROCEDURE": "every running client that CALLs it gets the new body at once",
    "TRIGGER": "every write of running clients fires the new definition from now on",
    "RULE": "running clients' queries are rewritten by the new definition from now on",
    "AGGREGATE": "every query of running clients that uses it gets the new definition",
}


@check(
    "ban-replace-view-function",
    kinds=("ViewStmt", "CreateFunctionStmt", "CreateTrigStmt", "RuleStmt", "DefineStmt"),
)
def ban_replace_view_function(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    found = _replaced(effect)
    if found is None:
        return
    key, word, name = found
    if defined.replaced(key):
        return  # defined earlier in this migration (and reported there, if it replaced)
    if word == "VIEW" and defined.relation(effect, effect.node.get("view", {})):
        return
    if word in ("TRIGGER", "RULE") and defined.relation(effect, effect.node["relation"]):
        return
    yield Hit(
        f"CREATE OR REPLACE {word} {name} replaces the existing definition in place "
        f"if there is one: {_REPLACE_EFFECT[word]}, with no way to keep the old one for "
        f"clients that still expect it",
    )


# --- ban-replica-identity ---------------------------------------------------------------------


@check("ban-replica-identity", kinds=("AlterTableStmt",))
def ban_replica_identity(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    if ctx.catalog.is_new_table(relation):
        return
    table = _rv(relation)
    for wrapped in effect.node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        if cmd.get("subtype") != "AT_ReplicaIdentity":
            continue
        identity = cmd.get("def", {}).get("ReplicaIdentityStmt", {})
        kind = identity.get("identity_type")
        if kind == "n":
            text = (
                f"REPLICA IDENTITY NOTHING on existing table {table}: if {table} is in a "
                f"publication that publishes updates or deletes, every UPDATE and DELETE of "
                f"running clients on it fails"
            )
        elif kind == "f":
            text = (
                f"REPLICA IDENTITY FULL on existing table {table}: UPDATEs and DELETEs now log "
                f"the whole old row, so subscribers and change-data-capture consumers receive "
                f"full old rows instead of the key, and subscribers without a usable index "
                f"scan {table} for every change"
            )
        elif kind == "i":
            text = (
                f"REPLICA IDENTITY USING INDEX {identity.get('name', '')} on existing table "
                f"{table}: the old-row key sent to subscribers and change-data-capture "
                f"consumers becomes that index's columns, so consumers keyed on the old "
                f"identity mis-apply or reject changes"
            )
        else:
            text = (
                f"REPLICA IDENTITY DEFAULT on existing table {table}: the old-row key sent to "
                f"subscribers and change-data-capture consumers becomes the primary key, and "
                f"without one UPDATEs and DELETEs on a published {table} fail"
            )
        yield Hit(text)


# --- ban-revoke -------------------------------------------------------------------------------

_GRANT_OBJECTS = {
    "OBJECT_TABLE": "TABLE",
    "OBJECT_SEQUENCE": "SEQUENCE",
    "OBJECT_FUNCTION": "FUNCTION",
    "OBJECT_PROCEDURE": "PROCEDURE",
    "OBJECT_ROUTINE": "ROUTINE",
    "OBJECT_SCHEMA": "SCHEMA",
    "OBJECT_DATABASE": "DATABASE",
    "OBJECT_TYPE": "TYPE",
    "OBJECT_DOMAIN": "DOMAIN",
    "OBJECT_FOREIGN_SERVER": "FOREIGN SERVER",
    "OBJECT_FDW": "FOREIGN DATA WRAPPER",
    "OBJECT_LANGUAGE": "LANGUAGE",
    "OBJECT_LARGEOBJECT": "LARGE OBJECT",
    "OBJECT_TABLESPACE": "TABLESPACE",
    "OBJECT_PARAMETER_ACL": "PARAMETER",
}


def _privileges(node: Node) -> str:
    privileges = []
    for wrapped in node.get("privileges") or ():
        priv = wrapped.get("AccessPriv", {})
        text = (priv.get("priv_name") or "all").upper()
        if priv.get("cols"):
            text += f" ({', '.join(_names(priv['cols']))})"
        privileges.append(text)
    return ", ".join(privileges) or "ALL"


def _granted_object_is_new(effect: Effect, defined: _New, objtype: str, obj: Node) -> bool:
    if "RangeVar" in obj:
        return defined.relation(effect, obj["RangeVar"])
    if "ObjectWithArgs" in obj:
        return defined.function(obj["ObjectWithArgs"])
    if "List" in obj:
        return defined.type(_names(obj["List"].get("items")))
    name = _sval(obj)
    if objtype == "OBJECT_SCHEMA":
        return defined.schema(name)
    if objtype == "OBJECT_DATABASE":
        return defined.database(name)
    return False


def _object_label(obj: Node) -> str:
    if "RangeVar" in obj:
        return _rv(obj["RangeVar"])
    if "ObjectWithArgs" in obj:
        return _function_name(obj["ObjectWithArgs"])
    if "List" in obj:
        return ".".join(_names(obj["List"].get("items")))
    return _sval(obj) or "?"


@check(
    "ban-revoke",
    kinds=("GrantStmt", "GrantRoleStmt", "AlterRoleStmt", "AlterDefaultPrivilegesStmt"),
)
def ban_revoke(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    node = effect.node
    if effect.kind == "GrantStmt" and not node.get("is_grant"):
        hit = _revoke_privileges(effect, defined)
    elif effect.kind == "GrantRoleStmt" and not node.get("is_grant"):
        granted = [
            p.get("AccessPriv", {}).get("priv_name", "") for p in node.get("granted_roles", ())
        ]
        grantees = [_role(r) for r in node.get("grantee_roles", ())]
        admin = any(o.get("defname") == "admin" for o in _defelems(node.get("opt")))
        hit = _revoke_membership(effect, defined, granted, grantees, admin)
    elif effect.kind == "AlterRoleStmt" and node.get("action") == -1:
        members = []
        for option in _defelems(node.get("options")):
            if option.get("defname") == "rolemembers":
                members += [
                    _role(r) for r in option.get("arg", {}).get("List", {}).get("items", ())
                ]
        group = _role(node.get("role", {}))
        hit = _revoke_membership(effect, defined, [group], members, False) if members else None
    elif effect.kind == "AlterDefaultPrivilegesStmt" and not node.get("action", {}).get("is_grant"):
        hit = _revoke_defaults(effect, defined)
    else:
        hit = None
    if hit is not None:
        yield hit


def _revoke_privileges(effect: Effect, defined: _New) -> Hit | None:
    node = effect.node
    grantees = [_role(r) for r in node.get("grantees", ())]
    if grantees and all(defined.role(g) for g in grantees):
        return None
    objtype = node.get("objtype", "")
    word = _GRANT_OBJECTS.get(objtype, objtype.removeprefix("OBJECT_"))
    objects = node.get("objects", ())
    if node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        schemas = _names(objects)
        if schemas and all(defined.schema(s) for s in schemas):
            return None
        target = f"ALL {word}S IN SCHEMA {', '.join(schemas)}"
    else:
        if objects and all(_granted_object_is_new(effect, defined, objtype, o) for o in objects):
            return None
        target = f"{word} {', '.join(_object_label(o) for o in objects)}"
    privileges = _privileges(node)
    who = ", ".join(grantees)
    if node.get("grant_option"):
        text = (
            f"REVOKE GRANT OPTION FOR {privileges} ON {target} FROM {who}: {who} can no "
            f"longer pass these privileges on"
            + (
                ", and the privileges they granted are revoked too (CASCADE)"
                if node.get("behavior") == "DROP_CASCADE"
                else ""
            )
        )
    else:
        text = (
            f"REVOKE {privileges} ON {target} FROM {who}: running clients connected as "
            f"{who if who != 'PUBLIC' else 'any role that relied on PUBLIC'} fail with "
            f"'permission denied' where they use these privileges"
        )
    return Hit(text)


def _revoke_membership(
    effect: Effect, defined: _New, granted: list[str], grantees: list[str], admin: bool
) -> Hit | None:
    if all(defined.role(g) for g in granted) or all(defined.role(g) for g in grantees):
        return None
    roles, who = ", ".join(granted), ", ".join(grantees)
    if admin:
        return Hit(
            f"REVOKE ADMIN OPTION FOR {roles} FROM {who}: {who} can no longer grant or revoke "
            f"membership in {roles}",
        )
    return Hit(
        f"REVOKE {roles} FROM {who}: sessions of {who} lose the privileges they had through "
        f"membership in {roles}, so running clients' queries can fail with 'permission denied'",
    )


def _revoke_defaults(effect: Effect, defined: _New) -> Hit | None:
    node = effect.node
    action = node.get("action", {})
    grantees = [_role(r) for r in action.get("grantees", ())]
    if grantees and all(defined.role(g) for g in grantees):
        return None
    word = _GRANT_OBJECTS.get(action.get("objtype", ""), "OBJECT") + "S"
    scope = ""
    for option in _defelems(node.get("options")):
        items = option.get("arg", {}).get("List", {}).get("items", ())
        if option.get("defname") == "schemas":
            scope += f" in schema {', '.join(_names(items))}"
        elif option.get("defname") == "roles":
            scope += f" by {', '.join(_role(r) for r in items)}"
    who = ", ".join(grantees)
    return Hit(
        f"ALTER DEFAULT PRIVILEGES REVOKE {_privileges(action)} ON {word} FROM {who}: "
        f"{word.lower()} created from now on{scope} no longer give {who} these privileges, so "
        f"clients that expect to use objects added by later migrations get 'permission denied'",
    )


# --- ban-set-default --------------------------------------------------------------------------


@check("ban-set-default", kinds=("AlterDomainStmt", "AlterTableStmt"))
def ban_set_default(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = _New(ctx.catalog)
    node = effect.node
    if effect.kind == "AlterDomainStmt":
        names = _names(node.get("typeName"))
        if node.get("subtype") != "T" or _is_null(node.get("def")):
            return
        if defined.type(names):
            return
        domain = ".".join(names)
        yield Hit(
            f"ALTER DOMAIN {domain} SET DEFAULT: INSERTs of running clients that leave out "
            f"a column of type {domain} (with no default of its own) now store the new "
            f"default instead of the old one or NULL",
            at=_loc(node["def"]),
        )
        return
    if effect.kind != "AlterTableStmt":
        return
    if node.get("objtype") not in (None, "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_FOREIGN_TABLE"):
        return
    relation = node.get("relation", {})
    if defined.relation(effect, relation):
        return
    table = _rv(relation)
    added: set[str] = set()
    what = "view" if node.get("objtype") == "OBJECT_VIEW" else "table"
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype")
        if subtype == "AT_AddColumn":
            added.add(cmd.get("def", {}).get("ColumnDef", {}).get("colname", ""))
            continue
        if subtype != "AT_ColumnDefault" or _is_null(cmd.get("def")):
            continue  # DROP DEFAULT / SET DEFAULT NULL: ban-drop-default
        column = cmd.get("name", "")
        if column in added or defined.column(relation, column):
            continue  # a column this migration added: no client relies on it yet
        yield Hit(
            f"SET DEFAULT on existing column {table}.{column}: INSERTs of running clients "
            f"that leave out {column} now store the new default instead of the old one "
            f"(or NULL)"
            + (f"; on a {what}, this applies to INSERTs through it" if what == "view" else ""),
            at=_loc(cmd["def"]),
        )
