"""Rules of the schema family: column types and naming conventions.

These rules judge what a migration *defines* (a column's type, an object's name), not how
it locks; they apply to new and existing tables alike. The column types a statement
writes come from the model (:func:`pglint.model.columns.column_types`), temporary tables
from the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pglast.parser import ParseError, scan

from pglint.engine import Context
from pglint.model.catalog import Catalog, range_name
from pglint.model.columns import ColumnType, column_types, display_name, quote_ident
from pglint.model.effects import Effect
from pglint.model.locks import fact
from pglint.model.nodes import alter_commands
from pglint.model.statements import Node
from pglint.model.types import TypeRef, rewrites_on_change, type_ref
from pglint.rules.registry import Hit, check

# --- column definitions ----------------------------------------------------------------------
#
# The column types a statement writes come from the model (pglint.model.columns), found
# once per statement for all the rules below.

_COLUMN_KINDS = ("CreateStmt", "AlterTableStmt:AT_AddColumn", "AlterTableStmt:AT_AlterColumnType")

__all__ = ["ColumnType", "display_name", "quote_ident"]


_ALTER_TYPE = fact("AlterTableCmd:AT_AlterColumnType")


def _alter_type_cost(table: str, old: TypeRef, new: TypeRef) -> str:
    """What ``ALTER COLUMN … TYPE new`` on a column of type ``old`` costs, in words."""
    lock = _ALTER_TYPE.lock
    text = f"takes an {lock.sql_name} lock on {table}, blocking {lock.blocked}"
    if rewrites_on_change(old, new):
        text += ", while it rewrites the whole table"
    return text


# --- ban-char-field --------------------------------------------------------------------------


@check("ban-char-field", kinds=_COLUMN_KINDS)
def ban_char_field(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for col in column_types(effect.statement):
        # The keyword CHAR/CHARACTER parses as bpchar; a quoted "char" is PostgreSQL's
        # one-byte internal type, a different thing that this rule leaves alone.
        if not col.builtin or col.raw != "bpchar":
            continue
        if col.type.mods:
            length = col.type.mods[0]
            shown = f"char({length})"
            if col.type.schema == "pg_catalog" and length == 1 and not _has_length(col):
                shown = "char (which means char(1))"
            padding = f"padded with spaces to {length} character{'s' if length != 1 else ''}"
            limit = f"CHECK (char_length({quote_ident(col.column)}) <= {length})"
        else:
            shown, padding = "bpchar", "blank-padded"
            limit = "a CHECK constraint"
        yield Hit(
            f"column {col.where} {col.verb} {shown}{'[]' if col.type.array else ''}: values are "
            f"{padding}, trailing spaces are ignored in comparisons and dropped when the value "
            "is cast to text",
            at=col.location,
            help=f"Use text, with {limit} if the length must be limited.",
        )


def _has_length(col: ColumnType) -> bool:
    """Whether the length was written (char(1)) rather than implied (bare char)."""
    for mod in col.coldef.get("typeName", {}).get("typmods", ()) or ():
        if mod.get("A_Const", {}).get("location", -1) >= 0:
            return True
    return False


# --- prefer-bigint-over-int / prefer-bigint-over-smallint ------------------------------------

_INT_TYPES = frozenset({"integer", "serial"})
_SMALL_TYPES = frozenset({"smallint", "smallserial"})
_NARROW_TYPES = _INT_TYPES | _SMALL_TYPES
_BIGINT = TypeRef("bigint")


@dataclass(frozen=True, slots=True)
class BigintOptions:
    """Options of prefer-bigint-over-int."""

    #: Skip integer columns that reference an integer column (or a column of unknown type):
    #: a foreign key follows the key it points at, which has to be widened first.
    ignore_references: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.ignore_references, bool):
            raise ValueError("ignore-references must be true or false")


@check("prefer-bigint-over-int", kinds=_COLUMN_KINDS, options=BigintOptions)
def prefer_bigint_over_int(effect: Effect, ctx: Context) -> Iterator[Hit]:
    options = ctx.options or BigintOptions()
    for col in column_types(effect.statement):
        if not col.builtin or col.type.name not in _INT_TYPES:
            continue
        target = referenced_column(effect, col, ctx.catalog)
        # Widening a foreign key alone is no fix: with the option, only a mismatch with a
        # known bigint key is still reported.
        if (
            options.ignore_references
            and target is not None
            and (target[1] is None or target[1].name in _NARROW_TYPES)
        ):
            continue
        yield Hit(_narrow_message(col, "32", "2147483647", target), at=col.location)


@check("prefer-bigint-over-smallint", kinds=_COLUMN_KINDS)
def prefer_bigint_over_smallint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for col in column_types(effect.statement):
        if not col.builtin or col.type.name not in _SMALL_TYPES:
            continue
        target = referenced_column(effect, col, ctx.catalog)
        yield Hit(_narrow_message(col, "16", "32767", target), at=col.location)


def _narrow_message(
    col: ColumnType, bits: str, limit: str, target: tuple[str, TypeRef | None] | None
) -> str:
    text = (
        f"column {col.where} {col.verb} {col.type}: {bits}-bit values stop at {limit}, and "
        f"widening it to bigint later {_alter_type_cost(col.table, col.type, _BIGINT)}"
    )
    if target is not None and target[1] is not None:
        name, kind = target[0], target[1]
        if kind.name in _NARROW_TYPES:
            text += f" (it references {name}, {kind} too: widen both together)"
        else:
            text += f" (it references {name}, which is {kind})"
    return text


def referenced_column(
    effect: Effect, col: ColumnType, catalog: Catalog
) -> tuple[str, TypeRef | None] | None:
    """(qualified column, its type if known) that ``col`` references by a foreign key.

    Looks at REFERENCES on the column itself and at FOREIGN KEY constraints of the same
    statement; for ALTER COLUMN TYPE, at what the catalog knows of the column. None when
    the column is not a foreign key.
    """
    for pktable, pk_attrs, position in _foreign_keys(effect, col):
        table_name = display_name(*range_name(pktable))
        columns = _table_columns(effect, pktable, catalog)
        target: str | None  # None: a table whose primary key is unknown
        if pk_attrs:
            target = pk_attrs[min(position, len(pk_attrs) - 1)]
        else:
            target = _primary_key(effect, pktable, catalog, position)
        if target is None:
            return table_name, None
        found = columns.get(target) if columns is not None else None
        return f"{table_name}.{quote_ident(target)}", found
    if col.clause == "ALTER COLUMN TYPE":
        table = catalog.table_of(col.relation)
        column = table.columns.get(col.column) if table else None
        if column is not None and column.references:
            return column.references, None
    return None


def _foreign_keys(effect: Effect, col: ColumnType) -> Iterator[tuple[Node, list[str], int]]:
    """(referenced RangeVar, referenced columns, position of ``col``) per foreign key."""
    for wrapped in col.coldef.get("constraints", ()) or ():
        con = wrapped.get("Constraint", {})
        if con.get("contype") == "CONSTR_FOREIGN":
            yield con.get("pktable", {}), _strings(con.get("pk_attrs")), 0
    node = effect.node
    constraints: list[Node] = []
    if effect.kind == "CreateStmt":
        constraints = [e["Constraint"] for e in node.get("tableElts", ()) if "Constraint" in e]
    elif effect.kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            if cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in cmd.get("def", {}):
                constraints.append(cmd["def"]["Constraint"])
    for con in constraints:
        if con.get("contype") != "CONSTR_FOREIGN":
            continue
        fk_attrs = _strings(con.get("fk_attrs"))
        if col.column in fk_attrs:
            yield con.get("pktable", {}), _strings(con.get("pk_attrs")), fk_attrs.index(col.column)


def _strings(items: list[Node] | None) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items or ()]


def _is_same_table(effect: Effect, range_var: Node) -> bool:
    """Whether ``range_var`` names the table this CREATE TABLE defines (a self-reference)."""
    if effect.kind != "CreateStmt":
        return False
    own = range_name(effect.node.get("relation", {}))
    other = range_name(range_var)
    return own[1] == other[1] and (own[0] or "public") == (other[0] or "public")


def _table_columns(effect: Effect, range_var: Node, catalog: Catalog) -> dict[str, TypeRef] | None:
    if _is_same_table(effect, range_var):
        columns = {}
        for element in effect.node.get("tableElts", ()):
            coldef = element.get("ColumnDef")
            if coldef and coldef.get("typeName"):
                columns[coldef.get("colname", "")] = type_ref(coldef["typeName"])
        return columns
    table = catalog.table_of(range_var)
    if table is None:
        return None
    return {name: c.type for name, c in table.columns.items() if c.type is not None}


def _primary_key(effect: Effect, range_var: Node, catalog: Catalog, position: int) -> str | None:
    keys: list[str] = []
    if _is_same_table(effect, range_var):
        for element in effect.node.get("tableElts", ()):
            coldef = element.get("ColumnDef")
            if coldef:
                for wrapped in coldef.get("constraints", ()) or ():
                    if wrapped.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY":
                        keys = [coldef.get("colname", "")]
            con = element.get("Constraint")
            if con and con.get("contype") == "CONSTR_PRIMARY":
                keys = _strings(con.get("keys"))
    else:
        table = catalog.table_of(range_var)
        for con in table.constraints if table else ():
            if con.kind == "CONSTR_PRIMARY":
                keys = list(con.columns)
    return keys[min(position, len(keys) - 1)] if keys else None


# --- prefer-identity -------------------------------------------------------------------------

_SERIAL_BASE = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


@check("prefer-identity", kinds=_COLUMN_KINDS)
def prefer_identity(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for col in column_types(effect.statement):
        base = _SERIAL_BASE.get(col.type.name)
        if base is None or not col.builtin or col.type.array or col.clause == "ALTER COLUMN TYPE":
            continue
        yield Hit(
            f"column {col.where} {col.verb} {col.raw}: that is {base} plus a DEFAULT nextval() "
            "on a separate sequence; other roles need a USAGE grant on the sequence to insert, "
            "and copies made with CREATE TABLE … (LIKE … INCLUDING DEFAULTS) share it",
            at=col.location,
            help=f"Use {base} GENERATED BY DEFAULT AS IDENTITY "
            "(or GENERATED ALWAYS AS IDENTITY to reject hand-written values).",
        )


# --- prefer-timestamp-tz ---------------------------------------------------------------------


@check("prefer-timestamp-tz", kinds=_COLUMN_KINDS)
def prefer_timestamp_tz(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for col in column_types(effect.statement):
        if not col.builtin or col.type.name != "timestamp":
            continue
        yield Hit(
            f"column {col.where} {col.verb} {col.type} (without time zone): a time zone or UTC "
            "offset in input values is silently dropped, so the stored values are wall-clock "
            "readings that do not identify a moment in time",
            at=col.location,
        )


# --- prefer-text-field -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextFieldOptions:
    """Options of prefer-text-field."""

    #: Accept varchar(n) when n is at least this: a generous limit that only guards
    #: against absurd input is unlikely to be changed. None reports every varchar(n).
    allow_max_length: int | None = None

    def __post_init__(self) -> None:
        value = self.allow_max_length
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("allow-max-length must be an integer")
        if value is not None and value < 1:
            raise ValueError("allow-max-length must be at least 1")


@check("prefer-text-field", kinds=_COLUMN_KINDS, options=TextFieldOptions)
def prefer_text_field(effect: Effect, ctx: Context) -> Iterator[Hit]:
    options = ctx.options or TextFieldOptions()
    for col in column_types(effect.statement):
        if not col.builtin or col.type.name != "varchar" or not col.type.mods:
            continue
        length = col.type.mods[0]
        if options.allow_max_length is not None and length >= options.allow_max_length:
            continue
        shorter = TypeRef("varchar", (max(length - 1, 1),))
        lock = _ALTER_TYPE.lock
        shrink = (
            ", and lowering it also rewrites the table"
            if rewrites_on_change(TypeRef("varchar", (length,)), shorter)
            else ""
        )
        yield Hit(
            f"column {col.where} {col.verb} {col.type}: changing the limit later needs ALTER "
            f"COLUMN TYPE, which takes an {lock.sql_name} lock on {col.table} "
            f"(blocking {lock.blocked}){shrink}",
            at=col.location,
            help=f"Use text with CHECK (char_length({quote_ident(col.column)}) <= {length}); "
            "a new limit is "
            "then a NOT VALID constraint and VALIDATE CONSTRAINT, which does not block writes.",
        )


# --- prefer-jsonb ----------------------------------------------------------------------------


@check("prefer-jsonb", kinds=_COLUMN_KINDS)
def prefer_jsonb(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for col in column_types(effect.statement):
        if not col.builtin or col.type.name != "json":
            continue
        yield Hit(
            f"column {col.where} {col.verb} {col.type}: json stores the input text and "
            "re-parses it on every access, has no equality operator (no DISTINCT, GROUP BY or "
            "UNIQUE on it) and no GIN index support",
            at=col.location,
        )


# --- require-enum-value-ordering -------------------------------------------------------------


@check("require-enum-value-ordering", kinds=("AlterEnumStmt",))
def require_enum_value_ordering(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if not node.get("newVal") or node.get("oldVal") or node.get("newValNeighbor"):
        return
    names = _strings(node.get("typeName"))
    name = display_name(*names)
    labels = ctx.catalog.enums.get(".".join(names))
    if labels is None and len(names) == 2 and names[0] == "public":
        labels = ctx.catalog.enums.get(names[1])
    after = f" (after {_literal(labels[-1])})" if labels else ""
    label = _literal(node["newVal"])
    yield Hit(
        f"ALTER TYPE {name} ADD VALUE {label} puts the new label last{after}: comparisons, "
        f"ORDER BY, min() and max() on {name} sort it after every existing label",
        help=f"Place it explicitly: ADD VALUE {label} BEFORE 'existing_label' (or AFTER …); "
        "if it does belong last, say so with AFTER the current last label.",
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- require-table-schema --------------------------------------------------------------------


_SCHEMA_KINDS = (
    "CreateStmt",
    "CreateForeignTableStmt",
    "CreateTableAsStmt",
    "AlterTableStmt",
    "RenameStmt",
    "AlterObjectSchemaStmt",
    "DropStmt",
)


@check("require-table-schema", kinds=_SCHEMA_KINDS)
def require_table_schema(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for range_var, action in _table_names(effect):
        schema, name = range_name(range_var)
        if schema or not name or range_var.get("relpersistence") == "t":
            continue
        known = ctx.catalog.table(None, name)
        if known is not None and known.temporary:
            continue  # a temporary table created earlier: it lives in pg_temp
        yield Hit(
            f"table {quote_ident(name)} in {action} is not schema-qualified: it resolves "
            "through the session's search_path, which the migration runner decides",
            at=range_var.get("location"),
            help=f"Qualify the name with its schema, e.g. public.{quote_ident(name)}.",
        )


_ALTER_OBJECTS = (None, "OBJECT_TABLE", "OBJECT_FOREIGN_TABLE")


def _table_names(effect: Effect) -> Iterator[tuple[Node, str]]:
    """(RangeVar, clause) for each table the statement creates, alters or drops."""
    node, kind = effect.node, effect.kind
    if kind == "CreateStmt":
        yield node.get("relation", {}), "CREATE TABLE"
    elif kind == "CreateForeignTableStmt":
        yield node.get("base", {}).get("relation", {}), "CREATE FOREIGN TABLE"
    elif kind == "CreateTableAsStmt" and node.get("objtype") == "OBJECT_TABLE":
        yield node.get("into", {}).get("rel", {}), "CREATE TABLE AS"
    elif kind == "AlterTableStmt" and node.get("objtype") in _ALTER_OBJECTS:
        yield node.get("relation", {}), "ALTER TABLE"
    elif kind == "RenameStmt" and (
        node.get("renameType") in ("OBJECT_TABLE", "OBJECT_TABCONSTRAINT")
        or (
            node.get("renameType") == "OBJECT_COLUMN" and node.get("relationType") in _ALTER_OBJECTS
        )
    ):
        yield node.get("relation", {}), "ALTER TABLE … RENAME"
    elif kind == "AlterObjectSchemaStmt" and node.get("objectType") == "OBJECT_TABLE":
        yield node.get("relation", {}), "ALTER TABLE … SET SCHEMA"
    elif kind == "DropStmt" and node.get("removeType") in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        for obj in node.get("objects", ()):
            names = _strings(obj.get("List", {}).get("items"))
            if names:
                rv = {"relname": names[-1], "schemaname": names[0] if len(names) > 1 else None}
                yield rv, "DROP TABLE"


# --- identifier-too-long ---------------------------------------------------------------------

#: PostgreSQL keeps NAMEDATALEN - 1 bytes of an identifier (NAMEDATALEN is 64 by default).
MAX_IDENTIFIER_BYTES = 63


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class DefinedName:
    """A name a statement gives to a new (or renamed) object, as the parser kept it."""

    name: str  # already truncated by the parser if it was too long
    what: str  # "table", "column", "index", …
    location: int | None


_NAME_KINDS = (
    "CreateStmt",
    "CreateForeignTableStmt",
    "CreateTableAsStmt",
    "ViewStmt",
    "IndexStmt",
    "CreateSeqStmt",
    "CreateEnumStmt",
    "CompositeTypeStmt",
    "CreateDomainStmt",
    "CreateRangeStmt",
    "CreateFunctionStmt",
    "CreateTrigStmt",
    "CreatePolicyStmt",
    "RuleStmt",
    "CreateSchemaStmt",
    "CreateRoleStmt",
    "CreateStatsStmt",
    "CreateEventTrigStmt",
    "CreatePublicationStmt",
    "CreateSubscriptionStmt",
    "CreatedbStmt",
    "AlterTableStmt:AT_AddColumn",
    "AlterTableStmt:AT_AddConstraint",
    "AlterDomainStmt",
    "RenameStmt",
)


@check("identifier-too-long", kinds=_NAME_KINDS)
def identifier_too_long(effect: Effect, ctx: Context) -> Iterator[Hit]:
    defined = list(defined_names(effect.kind, effect.node))
    # The parser has already cut long names to 63 bytes; only names that may have been cut
    # are worth looking up in the source text.
    if not any(len(d.name.encode()) > MAX_IDENTIFIER_BYTES - 4 for d in defined):
        return
    long_names = long_identifiers(effect.statement.text)
    seen: set[tuple[str, str]] = set()
    for item in defined:
        original = long_names.get(item.name)
        if original is None or (item.what, item.name) in seen:
            continue
        seen.add((item.what, item.name))
        yield Hit(
            f'{item.what} name "{original}" is {len(original.encode())} bytes: PostgreSQL keeps '
            f'only the first {MAX_IDENTIFIER_BYTES}, so the {item.what} is named "{item.name}"',
            at=item.location,
            help=f"Shorten the name to at most {MAX_IDENTIFIER_BYTES} bytes.",
        )


def truncate_identifier(name: str) -> str:
    """``name`` cut to 63 bytes of UTF-8 at a character boundary, as PostgreSQL does."""
    data = name.encode()
    if len(data) <= MAX_IDENTIFIER_BYTES:
        return name
    return data[:MAX_IDENTIFIER_BYTES].decode("utf-8", errors="ignore")


def long_identifiers(text: str) -> dict[str, str]:
    """Identifiers in ``text`` longer than 63 bytes: truncated form → full (folded) form."""
    try:
        tokens = scan(text)
    except ParseError:
        return {}
    found: dict[str, str] = {}
    for token in tokens:
        if token.name != "IDENT":
            continue
        raw = text[token.start : token.end + 1]
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            ident = raw[1:-1].replace('""', '"')
        else:
            # Unquoted identifiers fold to lower case (ASCII letters only in UTF-8).
            ident = raw.translate(_ASCII_LOWER)
        if len(ident.encode()) > MAX_IDENTIFIER_BYTES:
            found.setdefault(truncate_identifier(ident), ident)
    return found


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def defined_names(kind: str, node: Node) -> Iterator[DefinedName]:
    """Names that a statement gives to objects it creates, adds or renames."""
    if kind == "CreateStmt":
        yield from _create_table_names(node, "table")
    elif kind == "CreateForeignTableStmt":
        yield from _create_table_names(node.get("base", {}), "foreign table")
    elif kind == "CreateTableAsStmt":
        into = node.get("into", {})
        rel = into.get("rel", {})
        what = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
        yield DefinedName(rel.get("relname", ""), what, rel.get("location"))
        for name in _strings(into.get("colNames")):
            yield DefinedName(name, "column", rel.get("location"))
    elif kind == "ViewStmt":
        view = node.get("view", {})
        yield DefinedName(view.get("relname", ""), "view", view.get("location"))
        for name in _strings(node.get("aliases")):
            yield DefinedName(name, "column", view.get("location"))
    elif kind == "IndexStmt":
        if node.get("idxname"):
            yield DefinedName(node["idxname"], "index", None)
    elif kind == "CreateSeqStmt":
        seq = node.get("sequence", {})
        yield DefinedName(seq.get("relname", ""), "sequence", seq.get("location"))
    elif kind in ("CreateEnumStmt", "CreateRangeStmt"):
        yield DefinedName(_last(node.get("typeName")), "type", None)
    elif kind == "CompositeTypeStmt":
        typevar = node.get("typevar", {})
        yield DefinedName(typevar.get("relname", ""), "type", typevar.get("location"))
        for element in node.get("coldeflist", ()):
            coldef = element.get("ColumnDef", {})
            yield DefinedName(coldef.get("colname", ""), "attribute", coldef.get("location"))
    elif kind == "CreateDomainStmt":
        yield DefinedName(_last(node.get("domainname")), "domain", None)
        yield from _constraint_names(node.get("constraints"))
    elif kind == "CreateFunctionStmt":
        what = "procedure" if node.get("is_procedure") else "function"
        yield DefinedName(_last(node.get("funcname")), what, None)
        for param in node.get("parameters", ()) or ():
            p = param.get("FunctionParameter", {})
            if p.get("name"):
                yield DefinedName(p["name"], "parameter", p.get("location"))
    elif kind in _SIMPLE_NAMES:
        field, what = _SIMPLE_NAMES[kind]
        value = node.get(field)
        if isinstance(value, list):
            value = _last(value)
        if value:
            yield DefinedName(value, what, None)
        if kind == "CreateSchemaStmt":
            for element in node.get("schemaElts", ()) or ():
                for sub_kind, sub_node in element.items():
                    yield from defined_names(sub_kind, sub_node)
    elif kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            definition = cmd.get("def", {})
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                yield from _column_names(definition["ColumnDef"])
            elif cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
                yield from _constraint_names([definition])
    elif kind == "AlterDomainStmt":
        if node.get("subtype") == "C" and node.get("def"):
            yield from _constraint_names([node["def"]])
    elif kind == "RenameStmt" and node.get("newname"):
        what = node.get("renameType", "OBJECT_").removeprefix("OBJECT_").lower()
        what = {"tabconstraint": "constraint", "matview": "materialized view"}.get(what, what)
        yield DefinedName(node["newname"], what.replace("_", " "), None)


_SIMPLE_NAMES = {
    "CreateTrigStmt": ("trigname", "trigger"),
    "CreateEventTrigStmt": ("trigname", "event trigger"),
    "CreatePolicyStmt": ("policy_name", "policy"),
    "RuleStmt": ("rulename", "rule"),
    "CreateSchemaStmt": ("schemaname", "schema"),
    "CreateRoleStmt": ("role", "role"),
    "CreateStatsStmt": ("defnames", "statistics object"),
    "CreatePublicationStmt": ("pubname", "publication"),
    "CreateSubscriptionStmt": ("subname", "subscription"),
    "CreatedbStmt": ("dbname", "database"),
}


def _last(items: list[Node] | None) -> str:
    names = _strings(items)
    return names[-1] if names else ""


def _create_table_names(node: Node, what: str) -> Iterator[DefinedName]:
    relation = node.get("relation", {})
    yield DefinedName(relation.get("relname", ""), what, relation.get("location"))
    for element in node.get("tableElts", ()):
        if "ColumnDef" in element:
            yield from _column_names(element["ColumnDef"])
        elif "Constraint" in element:
            yield from _constraint_names([element])


def _column_names(coldef: Node) -> Iterator[DefinedName]:
    yield DefinedName(coldef.get("colname", ""), "column", coldef.get("location"))
    yield from _constraint_names(coldef.get("constraints"))


def _constraint_names(items: list[Node] | None) -> Iterator[DefinedName]:
    for wrapped in items or ():
        con = wrapped.get("Constraint", {})
        if con.get("conname"):
            yield DefinedName(con["conname"], "constraint", con.get("location"))
