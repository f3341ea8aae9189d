"""Rules about columns, table rewrites and data changes.

Every check here reads the lock model's facts (which relation is touched, under which
lock, whether it is new) from the effect and adds what only this family needs: which
sub-command of an ``ALTER TABLE`` is the hazard and why. What earlier statements of the
migration did comes from the catalog: CHECK constraints that prove a column NOT NULL
(``Catalog.checks``) and columns added without a default (``Catalog.null_columns``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pglint.engine import Context
from pglint.model.catalog import Catalog, qualified, range_name
from pglint.model.effects import (
    VOLATILE_FUNCTIONS,
    Effect,
    Touch,
    add_column_rewrites,
    default_volatility,
    function_volatility,
)
from pglint.model.nodes import alter_commands, column_defs, mentions, statement_nodes
from pglint.model.objects import dotted, rel_key
from pglint.model.statements import Node
from pglint.model.types import TypeRef, type_ref
from pglint.rules.registry import Hit, check

_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial"})


# --- helpers ---------------------------------------------------------------------------------


def _touch_of(effect: Effect, range_var: Node) -> Touch | None:
    """The effect's touch of the relation named by ``range_var``, if it existed before."""
    name = qualified(*range_name(range_var))
    for touch in effect.existing:
        if touch.relation == name:
            return touch
    return None


def _table_key(relation: str) -> str:
    """Relation names compared across statements: ``public.t`` and ``t`` are one table."""
    return relation.removeprefix("public.")


def _constraints(coldef: Node) -> list[Node]:
    return [c["Constraint"] for c in coldef.get("constraints", ()) or () if "Constraint" in c]


def _of_kind(constraints: Iterable[Node], contype: str) -> Node | None:
    for con in constraints:
        if con.get("contype") == contype:
            return con
    return None


def _is_serial(coldef: Node) -> bool:
    type_name = coldef.get("typeName")
    if not type_name:
        return False
    return type_ref(type_name).name in _SERIAL_TYPES


def _is_stored_generated(con: Node) -> bool:
    # pglast reports generated_kind "s" (STORED) or "v" (VIRTUAL, PostgreSQL 18+).
    return con.get("contype") == "CONSTR_GENERATED" and con.get("generated_kind", "s") == "s"


def _is_null(expr: Node | None) -> bool:
    """``NULL`` or ``NULL::type``: a default PostgreSQL does not even store."""
    while expr and "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg")
    if not expr:
        return False
    return bool(expr.get("A_Const", {}).get("isnull"))


def _sql_type(coldef: Node) -> str:
    type_name = coldef.get("typeName")
    return str(type_ref(type_name)) if type_name else "?"


def _column_ref_name(expr: Node | None) -> str | None:
    fields = (expr or {}).get("ColumnRef", {}).get("fields", ())
    if fields and "String" in fields[-1]:
        return fields[-1]["String"]["sval"]
    return None


# --- adding-field-with-default ---------------------------------------------------------------


def _default_rewrite_reason(
    coldef: Node, pg: int, catalog: Catalog
) -> tuple[str, int | None] | None:
    """Why ``ADD COLUMN coldef`` rewrites the table (not counting stored generated
    columns, which have their own rule), with the location to point at; None if it does not.
    """
    constraints = _constraints(coldef)
    if _of_kind(constraints, "CONSTR_GENERATED") is not None:
        return None  # stored: adding-stored-generated-column; virtual (PG 18+): no rewrite
    if _of_kind(constraints, "CONSTR_PRIMARY") is not None:
        return None  # adding-serial-primary-key-field reports the rewrite with the index build
    if not add_column_rewrites(coldef, pg, catalog):
        return None
    if _is_serial(coldef):
        return (
            f"of type {_sql_type(coldef)} fills every existing row from a new sequence",
            coldef.get("typeName", {}).get("location"),
        )
    identity = _of_kind(constraints, "CONSTR_IDENTITY")
    if identity is not None:
        return (
            "with GENERATED AS IDENTITY fills every existing row from a new sequence",
            identity.get("location"),
        )
    type_name = coldef.get("typeName")
    if type_name and catalog.constrained_domain(type_ref(type_name)):
        return (
            f"of domain type {type_ref(type_name)}, which has CHECK or NOT NULL constraints, "
            "checks them against every existing row (even where the value is NULL)",
            type_name.get("location"),
        )
    default = _of_kind(constraints, "CONSTR_DEFAULT")
    if default is None or _is_null(default.get("raw_expr")):
        return None
    expr = default.get("raw_expr")
    at = default.get("location")
    if pg < 11:
        return (
            "with a DEFAULT writes the value into every existing row (before PostgreSQL 11 "
            "any non-NULL default does)",
            at,
        )
    if default_volatility(expr, catalog) == "volatile":
        return (
            f"with a DEFAULT {_volatile_part(expr, catalog)} computes and stores a value in every "
            "existing row",
            at,
        )
    return None


def _volatile_part(expr: Node | None, catalog: Catalog) -> str:
    """What makes a default volatile, for the message."""
    stack: list[object] = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "SubLink" in item:
                return "with a subquery (treated as volatile)"
            call = item.get("FuncCall")
            if call is not None:
                names = _strings(call.get("funcname"))
                if function_volatility(names, catalog) == "volatile":
                    if names[-1:] and names[-1] in VOLATILE_FUNCTIONS:
                        return f"calling the volatile function {names[-1]}()"
                    if catalog.function_volatility(dotted(names)) == "volatile":
                        return (
                            f"calling {'.'.join(names)}(), which its CREATE FUNCTION declares "
                            "volatile (VOLATILE is the default)"
                        )
                    return (
                        f"calling {'.'.join(names)}() (volatility unknown to pglint, so "
                        "assumed volatile)"
                    )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return "that is volatile"


@check("adding-field-with-default", kinds=("AlterTableStmt:AT_AddColumn",))
def adding_field_with_default(effect: Effect, ctx: Context) -> Iterator[Hit]:
    touch = _touch_of(effect, effect.node.get("relation", {}))
    if touch is None:
        return
    for coldef in column_defs(effect.node):
        found = _default_rewrite_reason(coldef, ctx.pg, ctx.catalog)
        if found is None:
            continue
        reason, at = found
        column = coldef.get("colname", "?")
        help_text = None
        if _is_serial(coldef):
            help_text = (
                f"Add {column} as a plain nullable bigint, CREATE SEQUENCE and ALTER COLUMN "
                f"{column} SET DEFAULT nextval(...) (new rows only), then backfill existing "
                "rows in batches."
            )
        elif _of_kind(_constraints(coldef), "CONSTR_IDENTITY") is not None:
            help_text = (
                f"Add {column} as a plain nullable bigint, backfill existing rows in batches, "
                f"make it NOT NULL, then ALTER COLUMN {column} ADD GENERATED … AS IDENTITY "
                "(new rows only)."
            )
        elif ctx.catalog.constrained_domain(type_ref(coldef.get("typeName") or {})):
            base = ctx.catalog.base_type(type_ref(coldef["typeName"]))
            help_text = (
                f"Add {column} as {base} (or a domain without constraints), then add the check "
                "as a table CHECK constraint NOT VALID and VALIDATE it in a later migration."
            )
        yield Hit(
            f"ADD COLUMN {column} on existing table {touch.relation} {reason}: the table "
            f"is rewritten under an {touch.lock.sql_name} lock, blocking {touch.lock.blocked} "
            "until the rewrite finishes",
            at=at,
            help=help_text,
        )


# --- adding-stored-generated-column ----------------------------------------------------------


@check("adding-stored-generated-column", kinds=("AlterTableStmt:AT_AddColumn",))
def adding_stored_generated_column(effect: Effect, ctx: Context) -> Iterator[Hit]:
    touch = _touch_of(effect, effect.node.get("relation", {}))
    if touch is None:
        return
    columns: list[str] = []
    at: int | None = None
    for coldef in column_defs(effect.node):
        generated = _of_kind(_constraints(coldef), "CONSTR_GENERATED")
        if generated is None or not _is_stored_generated(generated):
            continue
        columns.append(coldef.get("colname", "?"))
        if at is None:
            at = generated.get("location")
    if not columns:
        return
    # One ALTER TABLE rewrites once, however many columns it adds: one finding.
    names = ", ".join(columns[:4]) + (f" and {len(columns) - 4} more" if len(columns) > 4 else "")
    plural = "s" if len(columns) > 1 else ""
    yield Hit(
        f"ADD COLUMN of stored generated column{plural} {names} computes and stores the value "
        f"for every existing row of {touch.relation}: the table is rewritten under an "
        f"{touch.lock.sql_name} lock, blocking {touch.lock.blocked} until the rewrite finishes",
        at=at,
    )


# --- adding-not-nullable-field ---------------------------------------------------------------


def _not_null_help(column: str, pg: int) -> str:
    if pg >= 18:
        return (
            f"Add CONSTRAINT … NOT NULL {column} NOT VALID, then VALIDATE CONSTRAINT it "
            "(SHARE UPDATE EXCLUSIVE, reads and writes go on)."
        )
    if pg >= 12:
        return (
            f"Add CHECK ({column} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it (SHARE UPDATE "
            f"EXCLUSIVE), then SET NOT NULL (no scan) and drop the CHECK."
        )
    return (
        f"Before PostgreSQL 12 SET NOT NULL always scans: enforce it with CHECK ({column} IS NOT "
        "NULL) added NOT VALID and then validated with VALIDATE CONSTRAINT."
    )


@check(
    "adding-not-nullable-field",
    kinds=("AlterTableStmt:AT_SetNotNull", "AlterTableStmt:AT_AddConstraint"),
)
def adding_not_nullable_field(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    touch = _touch_of(effect, relation)
    if touch is not None:
        yield from _set_not_null_hits(effect, touch, ctx, rel_key(relation))


def _set_not_null_hits(effect: Effect, touch: Touch, ctx: Context, table: str) -> Iterator[Hit]:
    pg = ctx.pg
    scanned: list[str] = []
    for cmd in alter_commands(effect.node):
        subtype = cmd.get("subtype")
        con = cmd.get("def", {}).get("Constraint")
        if subtype == "AT_SetNotNull":
            column = cmd.get("name", "?")
            if pg >= 12:
                if not touch.scan:
                    continue  # the model found a validated CHECK in the catalog
                if ctx.catalog.proves_not_null(table, column) is not False:
                    # A validated CHECK proves it, or one whose expression pglint never saw
                    # (added by an earlier migration: most likely the NOT NULL check of the
                    # usual pattern; Squawk makes the same assumption).
                    continue
            scanned.append(column)
        elif (
            subtype == "AT_AddConstraint"
            and con
            and con.get("contype") == "CONSTR_NOTNULL"
            and not con.get("skip_validation")
        ):
            keys = [k.get("String", {}).get("sval", "?") for k in con.get("keys", ()) or ()]
            column = ", ".join(keys) or "?"
            yield Hit(
                f"ADD CONSTRAINT … NOT NULL {column} on {touch.relation} scans the whole table "
                f"under an {touch.lock.sql_name} lock, blocking {touch.lock.blocked} until "
                "every row is checked",
                at=con.get("location"),
                help=_not_null_help(column, pg),
            )
    if scanned:
        # One ALTER TABLE checks all its SET NOT NULL columns in a single scan: one finding.
        columns = ", ".join(f"{touch.relation}.{c}" for c in scanned)
        yield Hit(
            f"SET NOT NULL on {columns} scans the whole table under an "
            f"{touch.lock.sql_name} lock, blocking {touch.lock.blocked} until every row "
            "is checked",
            help=_not_null_help(scanned[0] if len(scanned) == 1 else "col", pg),
        )


# --- adding-required-field -------------------------------------------------------------------


@check("adding-required-field", kinds=("AlterTableStmt:AT_AddColumn",))
def adding_required_field(effect: Effect, ctx: Context) -> Iterator[Hit]:
    touch = _touch_of(effect, effect.node.get("relation", {}))
    if touch is None:
        return
    for coldef in column_defs(effect.node):
        constraints = _constraints(coldef)
        kinds = {c.get("contype") for c in constraints}
        if kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}:
            continue
        if _is_serial(coldef):
            continue
        required = _of_kind(constraints, "CONSTR_NOTNULL") or _of_kind(
            constraints, "CONSTR_PRIMARY"
        )
        if required is None:
            continue
        column = coldef.get("colname", "?")
        what = "NOT NULL" if required.get("contype") == "CONSTR_NOTNULL" else "PRIMARY KEY"
        if ctx.pg >= 11:
            help_text = (
                f"Give {column} a constant DEFAULT (stored in the catalogue, no rewrite on "
                "PostgreSQL 11+), or add it nullable, backfill, then make it NOT NULL."
            )
        else:
            help_text = (
                f"Add {column} nullable, backfill it in batches, then enforce NOT NULL with a "
                "validated CHECK constraint (a DEFAULT rewrites the table before PostgreSQL 11)."
            )
        yield Hit(
            f"ADD COLUMN {column} {what} without a DEFAULT on existing table {touch.relation} "
            "fails if the table has any row, and afterwards every INSERT that does not set "
            f"{column} (such as those of the application version still running) fails",
            at=required.get("location"),
            help=help_text,
        )


# --- adding-serial-primary-key-field ---------------------------------------------------------


@check(
    "adding-serial-primary-key-field",
    kinds=("AlterTableStmt:AT_AddConstraint", "AlterTableStmt:AT_AddColumn"),
)
def adding_serial_primary_key_field(effect: Effect, ctx: Context) -> Iterator[Hit]:
    touch = _touch_of(effect, effect.node.get("relation", {}))
    if touch is None:
        return
    blocked = f"an {touch.lock.sql_name} lock, blocking {touch.lock.blocked}"
    for cmd in alter_commands(effect.node):
        definition = cmd.get("def", {})
        subtype = cmd.get("subtype")
        if subtype == "AT_AddConstraint" and "Constraint" in definition:
            con = definition["Constraint"]
            if con.get("contype") != "CONSTR_PRIMARY" or con.get("indexname"):
                continue
            keys = [k.get("String", {}).get("sval", "?") for k in con.get("keys", ()) or ()]
            yield Hit(
                f"ADD PRIMARY KEY ({', '.join(keys)}) on existing table {touch.relation} builds "
                f"the primary key index (and checks the columns for NULLs) under {blocked} "
                "for the whole build",
                at=con.get("location"),
            )
        elif subtype == "AT_AddColumn" and "ColumnDef" in definition:
            coldef = definition["ColumnDef"]
            con = _of_kind(_constraints(coldef), "CONSTR_PRIMARY")
            if con is None:
                continue
            column = coldef.get("colname", "?")
            if add_column_rewrites(coldef, ctx.pg, ctx.catalog):
                work = "rewrites the table to fill the column and builds the primary key index"
            else:
                work = "builds the primary key index"
            yield Hit(
                f"ADD COLUMN {column} {_sql_type(coldef)} PRIMARY KEY on existing table "
                f"{touch.relation} {work} under {blocked} until it finishes",
                at=con.get("location"),
                help=(
                    f"Add {column} without PRIMARY KEY, fill it in batches, CREATE UNIQUE INDEX "
                    "CONCURRENTLY on it, make it NOT NULL, then ADD CONSTRAINT … PRIMARY KEY "
                    "USING INDEX."
                ),
            )


# --- changing-column-type --------------------------------------------------------------------


def _trivial_using(expr: Node | None, column: str, new: TypeRef) -> bool:
    """``USING col`` or ``USING col::newtype``: the same conversion as no USING at all."""
    cast = (expr or {}).get("TypeCast")
    if cast is not None:
        if type_ref(cast.get("typeName", {})) != new:
            return False
        expr = cast.get("arg")
    return _column_ref_name(expr) == column


@check("changing-column-type", kinds=("AlterTableStmt:AT_AlterColumnType",))
def changing_column_type(effect: Effect, ctx: Context) -> Iterator[Hit]:
    relation = effect.node.get("relation", {})
    touch = _touch_of(effect, relation)
    if touch is None:
        return
    table = ctx.catalog.table_of(relation)
    for cmd in alter_commands(effect.node):
        coldef = cmd.get("def", {}).get("ColumnDef")
        if cmd.get("subtype") != "AT_AlterColumnType" or coldef is None:
            continue
        column = cmd.get("name", "?")
        type_name = coldef.get("typeName")
        if not type_name:
            continue
        new = type_ref(type_name)
        old: TypeRef | None = None
        if table is not None and column in table.columns:
            old = table.columns[column].type
        using = coldef.get("raw_default")
        computed = using is not None and not _trivial_using(using, column, new)
        changes = ctx.catalog.type_change_rewrites(old, new)
        lock = f"an {touch.lock.sql_name} lock, blocking {touch.lock.blocked}"
        if changes is False and not computed:
            continue
        if computed:
            yield Hit(
                f"ALTER COLUMN {column} TYPE {new} USING an expression on {touch.relation} "
                f"recomputes every row: the table and its indexes are rewritten under {lock} "
                "until the rewrite finishes",
                at=coldef.get("location"),
            )
        elif old != new and ctx.catalog.constrained_domain(new):
            yield Hit(
                f"ALTER COLUMN {column} TYPE {new} on {touch.relation}: {new} is a domain with "
                f"CHECK or NOT NULL constraints, so every row is converted and checked: the "
                f"table and its indexes are rewritten under {lock} until the rewrite finishes",
                at=coldef.get("location"),
            )
        elif changes is None:
            yield Hit(
                f"ALTER COLUMN {column} TYPE {new} on {touch.relation}: the old type of "
                f"{column} is unknown to pglint, so assume the table and its indexes are "
                f"rewritten under {lock} until the rewrite finishes",
                at=coldef.get("location"),
            )
        else:
            yield Hit(
                f"ALTER COLUMN {column} TYPE from {old} to {new} on {touch.relation} is not a "
                f"binary-coercible change: the table and its indexes are rewritten under {lock} "
                "until the rewrite finishes",
                at=coldef.get("location"),
            )


# --- renaming-column / renaming-table --------------------------------------------------------


@check("renaming-column", kinds=("RenameStmt:OBJECT_COLUMN",))
def renaming_column(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    touch = _touch_of(effect, node.get("relation", {}))
    if touch is None:
        return
    old, new = node.get("subname", "?"), node.get("newname", "?")
    yield Hit(
        f"Renaming column {touch.relation}.{old} to {new} breaks every query of the running "
        f"application that still uses {old} (it also takes an {touch.lock.sql_name} lock)"
    )


@check("renaming-table", kinds=("RenameStmt:OBJECT_TABLE",))
def renaming_table(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    touch = _touch_of(effect, node.get("relation", {}))
    if touch is None:
        return
    new = node.get("newname", "?")
    yield Hit(
        f"Renaming table {touch.relation} to {new} breaks every query of the running "
        f"application that still uses {touch.relation} (it also takes an "
        f"{touch.lock.sql_name} lock)"
    )


# --- ban-duplicate-column-assignments --------------------------------------------------------

_SQL_VALUE_NAMES = {
    "SVFOP_CURRENT_DATE": "current_date",
    "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time",
    "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp",
    "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime",
    "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp",
    "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user",
    "SVFOP_USER": "user",
    "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_CATALOG": "current_catalog",
    "SVFOP_CURRENT_SCHEMA": "current_schema",
}


def _figure_colname(expr: Node | None) -> tuple[str | None, int]:
    """PostgreSQL's name for an unnamed select-list entry (FigureColname): (name, strength).

    Strength 2 is a real name, 1 a fallback (``case``, a cast's type name), 0 none, which
    PostgreSQL turns into ``?column?``. ``(None, -1)`` marks ``*``, whose names are unknown.
    """
    if not isinstance(expr, dict) or len(expr) != 1:
        return None, 0
    ((kind, node),) = expr.items()
    if kind == "ColumnRef":
        fields = node.get("fields", ())
        if fields and "A_Star" in fields[-1]:
            return None, -1
        if fields and "String" in fields[-1]:
            return fields[-1]["String"]["sval"], 2
    elif kind == "A_Indirection":
        for item in reversed(node.get("indirection", ())):
            if "String" in item:
                return item["String"]["sval"], 2
            if "A_Star" in item:
                return None, -1
        return _figure_colname(node.get("arg"))
    elif kind == "FuncCall":
        names = node.get("funcname", ())
        if names and "String" in names[-1]:
            return names[-1]["String"]["sval"], 2
    elif kind == "A_Expr" and node.get("kind") == "AEXPR_NULLIF":
        return "nullif", 2
    elif kind == "TypeCast":
        name, strength = _figure_colname(node.get("arg"))
        if strength > 1 or strength < 0:
            return name, strength
        names = node.get("typeName", {}).get("names", ())
        if names and "String" in names[-1]:
            return names[-1]["String"]["sval"], 1
    elif kind == "CollateClause":
        return _figure_colname(node.get("arg"))
    elif kind == "GroupingFunc":
        return "grouping", 2
    elif kind == "SubLink":
        link = node.get("subLinkType")
        if link == "EXISTS_SUBLINK":
            return "exists", 2
        if link == "ARRAY_SUBLINK":
            return "array", 2
        if link == "EXPR_SUBLINK":
            targets = _select_targets(node.get("subselect"))
            if targets:
                name = targets[0].get("name")
                if name:
                    return name, 2
                found, strength = _figure_colname(targets[0].get("val"))
                if strength > 0:
                    return found, 2
    elif kind == "CaseExpr":
        name, strength = _figure_colname(node.get("defresult"))
        if strength > 1:
            return name, strength
        return "case", 1
    elif kind == "A_ArrayExpr":
        return "array", 2
    elif kind == "RowExpr":
        return "row", 2
    elif kind == "CoalesceExpr":
        return "coalesce", 2
    elif kind == "MinMaxExpr":
        return ("greatest" if node.get("op") == "IS_GREATEST" else "least"), 2
    elif kind == "SQLValueFunction":
        name = _SQL_VALUE_NAMES.get(node.get("op", ""))
        if name:
            return name, 2
    return None, 0


def _select_targets(select: Node | None) -> list[Node]:
    """The ``ResTarget`` fields naming a query's output columns (a set operation's left arm)."""
    node = (select or {}).get("SelectStmt", select or {})
    while node.get("op", "SETOP_NONE") != "SETOP_NONE" and node.get("larg"):
        larg = node["larg"]
        node = larg.get("SelectStmt", larg)
    return [t["ResTarget"] for t in node.get("targetList", ()) or () if "ResTarget" in t]


def _output_names(targets: list[Node], aliases: list[str]) -> list[tuple[str, int | None]] | None:
    """(name, location) of each output column, or None when a ``*`` hides some names."""
    out: list[tuple[str, int | None]] = []
    for index, target in enumerate(targets):
        if index < len(aliases):
            out.append((aliases[index], target.get("location")))
            continue
        name = target.get("name")
        if not name:
            name, strength = _figure_colname(target.get("val"))
            if strength < 0:
                return None
            name = name or "?column?"
        out.append((name, target.get("location")))
    return out


def _strings(items: Iterable[Node] | None) -> list[str]:
    return [i.get("String", {}).get("sval", "") for i in items or ()]


def _duplicates(
    entries: Iterable[tuple[str, int | None, bool]], what: str
) -> Iterator[tuple[str, int | None]]:
    """(message, location) for each repeated column; entries are (name, location, partial).

    Partial assignments (``a.x``, ``a[1]``) to one column may repeat; any whole assignment
    next to another assignment of the same column is an error.
    """
    seen: dict[str, list[tuple[int | None, bool]]] = {}
    for name, location, partial in entries:
        seen.setdefault(name, []).append((location, partial))
    for name, uses in seen.items():
        if len(uses) < 2 or all(partial for _, partial in uses):
            continue
        for location, _ in uses[1:]:
            yield f"column {name} appears {len(uses)} times in {what}", location


def _assignments(targets: Iterable[Node] | None) -> list[tuple[str, int | None, bool]]:
    found = []
    for wrapped in targets or ():
        target = wrapped.get("ResTarget")
        if target and target.get("name"):
            found.append((target["name"], target.get("location"), bool(target.get("indirection"))))
    return found


def _duplicate_findings(kind: str, node: Node) -> Iterator[tuple[str, int | None]]:
    if kind == "UpdateStmt":
        yield from _duplicates(_assignments(node.get("targetList")), "the SET list of UPDATE")
    elif kind == "InsertStmt":
        yield from _duplicates(_assignments(node.get("cols")), "the column list of INSERT")
        yield from _duplicates(
            _assignments((node.get("onConflictClause") or {}).get("targetList")),
            "the SET list of ON CONFLICT DO UPDATE",
        )
    elif kind == "MergeWhenClause":
        what = "INSERT" if node.get("commandType") == "CMD_INSERT" else "UPDATE"
        yield from _duplicates(
            _assignments(node.get("targetList")), f"the {what} list of a MERGE WHEN clause"
        )
    elif kind == "CreateStmt":
        columns = [e["ColumnDef"] for e in node.get("tableElts", ()) or () if "ColumnDef" in e]
        yield from _duplicates(
            ((c.get("colname", ""), c.get("location"), False) for c in columns),
            "the column definitions of CREATE TABLE",
        )
    elif kind == "AlterTableStmt":
        added = [
            cmd["def"]["ColumnDef"]
            for cmd in alter_commands(node)
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in cmd.get("def", {})
        ]
        yield from _duplicates(
            ((c.get("colname", ""), c.get("location"), False) for c in added),
            "the ADD COLUMN clauses of ALTER TABLE",
        )
    elif kind in ("ViewStmt", "CreateTableAsStmt") or (
        kind == "SelectStmt" and node.get("intoClause")
    ):
        if kind == "ViewStmt":
            aliases, query, what = _strings(node.get("aliases")), node.get("query"), "CREATE VIEW"
        elif kind == "CreateTableAsStmt":
            into = node.get("into", {})
            aliases, query = _strings(into.get("colNames")), node.get("query")
            what = (
                "CREATE MATERIALIZED VIEW"
                if node.get("objtype") == "OBJECT_MATVIEW"
                else "CREATE TABLE AS"
            )
        else:
            aliases = _strings(node.get("intoClause", {}).get("colNames"))
            query, what = {"SelectStmt": node}, "SELECT INTO"
        names = _output_names(_select_targets(query), aliases)
        if names is not None:
            yield from _duplicates(
                ((n, loc, False) for n, loc in names), f"the output columns of {what}"
            )


#: Statements that hold assignment lists or column lists, directly or (the last ones) in
#: queries, rule actions and function bodies they contain.
_DUPLICATE_KINDS = (
    "UpdateStmt",
    "InsertStmt",
    "MergeStmt",
    "DeleteStmt",
    "SelectStmt",
    "CreateStmt",
    "AlterTableStmt:AT_AddColumn",
    "ViewStmt",
    "CreateTableAsStmt",
    "RuleStmt",
    "ExplainStmt",
    "CopyStmt",
    "PrepareStmt",
    "DeclareCursorStmt",
    "CreateSchemaStmt",
    "CreateFunctionStmt",
)
#: Node types whose lists are checked.
_LISTS = (
    "UpdateStmt",
    "InsertStmt",
    "MergeWhenClause",
    "CreateStmt",
    "AlterTableStmt",
    "ViewStmt",
    "CreateTableAsStmt",
    "SelectStmt",
)
#: Statements that hold no other statement except in a WITH clause (DDL: not at all).
_FLAT = frozenset({"UpdateStmt", "InsertStmt", "MergeStmt", "DeleteStmt", "SelectStmt"})
_DDL = frozenset({"CreateStmt", "AlterTableStmt"})
#: Statements whose nested statements can only be queries (SELECT, INSERT, UPDATE, DELETE,
#: MERGE): of those, only an INSERT, an UPDATE, a MERGE or a SELECT INTO has a list to check,
#: and none can be written without its keyword (a view's text rarely spells one).
_QUERIES_ONLY = frozenset(
    {"ViewStmt", "CreateTableAsStmt", "RuleStmt", "CopyStmt", "PrepareStmt", "DeclareCursorStmt"}
)
_LIST_WORDS = ("insert", "update", "merge", "into")


@check("ban-duplicate-column-assignments", kinds=_DUPLICATE_KINDS)
def ban_duplicate_column_assignments(effect: Effect, ctx: Context) -> Iterator[Hit]:
    statement = effect.statement
    node = statement.node
    if statement.kind in _DDL or (
        statement.kind in _FLAT and not node.get("larg") and not mentions(statement, "with")
    ):
        nodes = [(statement.kind, node)]
        for clause in node.get("mergeWhenClauses", ()) or ():
            nodes.append(("MergeWhenClause", clause.get("MergeWhenClause", {})))
    elif statement.kind in _QUERIES_ONLY and not mentions(statement, *_LIST_WORDS):
        nodes = [(statement.kind, node)]  # no walk: nothing nested has a list to check
    else:
        index = statement_nodes(statement)
        nodes = [(kind, node) for kind in _LISTS for node in index.of(kind)]
    for kind, node in nodes:
        for message, location in _duplicate_findings(kind, node):
            yield Hit(f"{message}: PostgreSQL rejects the statement", at=location)


# --- unbatched-data-backfill -----------------------------------------------------------------


_TRUE_TEXT = frozenset({"t", "true", "y", "yes", "on", "1"})


def _const_value(expr: Node) -> dict[str, object]:
    return {k: v for k, v in expr["A_Const"].items() if k != "location"}


def _is_true(expr: Node | None) -> bool:
    """A WHERE clause that is always true: ``true``, ``'t'::boolean``, ``1 = 1``."""
    if not expr:
        return False
    if expr.get("A_Const", {}).get("boolval", {}).get("boolval"):
        return True
    cast = expr.get("TypeCast")
    if cast is not None:
        names = _strings(cast.get("typeName", {}).get("names"))
        text = cast.get("arg", {}).get("A_Const", {}).get("sval", {}).get("sval", "")
        return names[-1:] in (["bool"], ["boolean"]) and text.lower() in _TRUE_TEXT
    a_expr = expr.get("A_Expr")
    if a_expr and a_expr.get("kind") == "AEXPR_OP" and _strings(a_expr.get("name")) == ["="]:
        left, right = a_expr.get("lexpr", {}), a_expr.get("rexpr", {})
        if "A_Const" in left and "A_Const" in right:
            return _const_value(left) == _const_value(right)
    return False


def _whole_table(effect: Effect, touch: Touch, ctx: Context) -> str | None:
    """Why an UPDATE/DELETE touches every row, or None if it does not (or we cannot tell)."""
    where = effect.node.get("whereClause")
    if where is None:
        if effect.node.get("fromClause") or effect.node.get("usingClause"):
            return None  # the join decides which rows: not knowable here
        return "has no WHERE clause"
    if _is_true(where):
        return "has a WHERE clause that is always true"
    test = where.get("NullTest")
    if test and test.get("nulltesttype") == "IS_NULL":
        column = _column_ref_name(test.get("arg"))
        if column and (_table_key(touch.relation), column) in ctx.catalog.null_columns:
            return f"filters on {column} IS NULL, and {column} was added without a default earlier in this file, so every row matches"
    return None


@check("unbatched-data-backfill", kinds=("UpdateStmt", "DeleteStmt"))
def unbatched_data_backfill(effect: Effect, ctx: Context) -> Iterator[Hit]:
    # Columns added without a default to pre-existing tables earlier in the migration are
    # NULL in every existing row until an UPDATE assigns them (Catalog.null_columns).
    touch = _touch_of(effect, effect.node.get("relation", {}))
    if touch is None:
        return
    why = _whole_table(effect, touch, ctx)
    if why is None:
        return
    verb = "UPDATE" if effect.kind == "UpdateStmt" else "DELETE"
    until = "the migration commits" if effect.in_transaction else "the statement ends"
    yield Hit(
        f"{verb} of existing table {touch.relation} {why}: it changes every row in one "
        f"statement, holding a row lock on each (blocking concurrent updates and deletes "
        f"of those rows until {until}) and leaving a dead version of every row behind",
        at=effect.node.get("relation", {}).get("location"),
    )
