"""Rules of the breaking family: changes that break application code still using the old schema.

A migration deploys before (or while) the old application code keeps running, so removing
or renaming something that code uses breaks it until the new code is out. The safe path is
expand/contract: stop using the object in the application and deploy, then remove it in a
later migration.

Objects created earlier in the migration never shipped, so removing or renaming them is not
reported. A drop without ``CASCADE`` of an object that the same file creates again (a view
or function redefined by drop-and-create) is a redefinition, not a removal. Statements of a
``down`` migration are not reported: reverting is supposed to drop what ``up`` created (the
engine skips the whole family there, see :data:`pglint.engine.REPORTED_IN_ROLLBACK`; the
down's catalog counts the up's objects as existing, so new-marks cannot exempt them).

What is new comes from the model: the catalog (objects the migration created before this
statement) and the file's timeline (:class:`~pglint.model.file.FileFacts`: sub-commands
earlier in the same ALTER TABLE, objects created again later in the file, tables renamed
aside for a replacement).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pglint.engine import Context
from pglint.model.catalog import Catalog, qualified, range_name
from pglint.model.effects import Effect
from pglint.model.file import FileFacts, Pos
from pglint.model.objects import (
    ROUTINE_KINDS,
    Key,
    Routine,
    dotted,
    rel_key,
    rename_keys,
    strings,
    type_names,
)
from pglint.model.statements import Node
from pglint.model.types import type_ref
from pglint.rules.registry import Hit, check

# --- what is new -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Known:
    """What the model knows about the objects one statement names."""

    file: FileFacts
    catalog: Catalog

    def new(self, key: Key, pos: Pos) -> bool:
        """Created by this migration before ``pos`` (or set aside for a replacement).

        For relations the file's timeline decides here (the catalog counts a view made
        by CREATE OR REPLACE as new); :func:`_table_new` adds the lock model's answer for
        the relations a statement touches.
        """
        if self.file.new(key, pos):
            return True
        return key[0] != "rel" and self.catalog.is_new(key)

    def again(self, key: Key, pos: Pos) -> bool:
        """Created or replaced again later in the file."""
        return self.file.again(key, pos)

    def dropped_later(self, key: Key, pos: Pos) -> bool:
        return self.file.dropped_later(key, pos)

    def function_new(self, fn: Routine, pos: Pos) -> bool:
        return self.file.routine_new(fn, pos) or self.catalog.is_new_routine(fn)

    def function_again(self, fn: Routine, pos: Pos) -> bool:
        return self.file.routine_again(fn, pos)


def _known(effect: Effect, ctx: Context) -> _Known | None:
    """The model's knowledge for ``effect``; None for statements of a ``down`` migration."""
    if effect.statement.part == "down":
        return None
    file = effect.file or FileFacts(())
    return _Known(file, ctx.catalog)


_FUNCTION_KINDS = ROUTINE_KINDS


def _shown(range_var: Node) -> str:
    return qualified(*range_name(range_var))


def _is_null(expr: Node) -> bool:
    return bool(expr.get("A_Const", {}).get("isnull"))


def _table_new(effect: Effect, relation: Node, objects: _Known, pos: Pos) -> bool:
    """The table (or view) of ``relation`` was created by this migration before ``pos``."""
    shown = _shown(relation)
    if any(t.new for t in effect.touches if t.relation == shown):
        return True
    return objects.new(("rel", rel_key(relation)), pos)


def _cascade(node: Node) -> bool:
    return node.get("behavior") == "DROP_CASCADE"


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _missing(what: str, names: list[str]) -> str:
    """PostgreSQL's error for a missing object, in parentheses: ``(relation "x" does not exist)``."""
    if len(names) != 1:
        return f"({what} … does not exist)"
    if what in ("function", "procedure"):
        return f"({what} {names[0]} does not exist)"
    return f'({what} "{names[0]}" does not exist)'


# --- DROP of whole objects ---------------------------------------------------------------------


def _dropped_relations(
    effect: Effect, objects: _Known, redefinable: bool
) -> list[tuple[str, Node]]:
    """(display name, RangeVar) of the relations a DROP removes that existed before the file."""
    node = effect.node
    found = []
    for obj in node.get("objects", ()):
        names = strings(obj.get("List", {}).get("items"))
        if not names:
            continue
        rv = {"schemaname": names[-2] if len(names) > 1 else None, "relname": names[-1]}
        key = ("rel", rel_key(rv))
        if _table_new(effect, rv, objects, (effect.index, 0)):
            continue
        if redefinable and not _cascade(node) and objects.again(key, (effect.index, 0)):
            continue
        found.append((".".join(names), rv))
    return found


@check("ban-drop-database", kinds=("DropdbStmt",))
def ban_drop_database(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is None:
        return
    name = effect.node.get("dbname", "")
    if objects.new(("database", name), (effect.index, 0)):
        return
    yield Hit(
        f"DROP DATABASE {name} deletes the database with every table and row in it; "
        f"every application that connects to {name} stops working",
    )


@check("ban-drop-table", kinds=("DropStmt:OBJECT_TABLE", "DropStmt:OBJECT_FOREIGN_TABLE"))
def ban_drop_table(effect: Effect, ctx: Context) -> Iterator[Hit]:
    dropped = _existing_relations(effect, ctx, redefinable=False)
    if not dropped:
        return
    node = effect.node
    remove = node.get("removeType")
    one = len(dropped) == 1
    it, its = ("it", "its") if one else ("them", "their")
    if remove == "OBJECT_TABLE":
        what = (
            f"DROP TABLE deletes table{'' if one else 's'} {_listing(dropped)} and all {its} rows"
        )
    else:
        what = f"DROP FOREIGN TABLE removes foreign table{'' if one else 's'} {_listing(dropped)}"
    message = (
        f"{what}; application code that still reads or writes {it} fails "
        f"{_missing('relation', dropped)}"
    )
    if _cascade(node):
        message += (
            f"; CASCADE also drops the views that use {it} and the foreign keys "
            f"of other tables that reference {it}"
        )
    yield Hit(message)


@check("ban-drop-view", kinds=("DropStmt:OBJECT_VIEW", "DropStmt:OBJECT_MATVIEW"))
def ban_drop_view(effect: Effect, ctx: Context) -> Iterator[Hit]:
    dropped = _existing_relations(effect, ctx, redefinable=True)
    if not dropped:
        return
    node = effect.node
    remove = node.get("removeType")
    one = len(dropped) == 1
    it = "it" if one else "them"
    if remove == "OBJECT_VIEW":
        what = f"DROP VIEW removes view{'' if one else 's'} {_listing(dropped)}"
    else:
        what = (
            f"DROP MATERIALIZED VIEW removes materialized view{'' if one else 's'} "
            f"{_listing(dropped)} and {'its' if one else 'their'} stored rows"
        )
    message = f"{what}; queries that still select from {it} fail {_missing('relation', dropped)}"
    if _cascade(node):
        message += f"; CASCADE also drops the views built on {it}"
    yield Hit(message)


@check("ban-drop-sequence", kinds=("DropStmt:OBJECT_SEQUENCE",))
def ban_drop_sequence(effect: Effect, ctx: Context) -> Iterator[Hit]:
    dropped = _existing_relations(effect, ctx, redefinable=False)
    if not dropped:
        return
    node = effect.node
    one = len(dropped) == 1
    message = (
        f"DROP SEQUENCE removes sequence{'' if one else 's'} {_listing(dropped)}; "
        f"code that still calls nextval, currval or setval on {'it' if one else 'them'} "
        f"fails {_missing('relation', dropped)}"
    )
    if _cascade(node):
        message += (
            "; CASCADE also drops the column defaults that use "
            f"{'it' if one else 'them'}, so inserts that leave those columns out "
            "store NULL or fail"
        )
    yield Hit(message)


def _dropped_named(
    effect: Effect, objects: _Known, kind: str, redefinable: bool
) -> list[tuple[str, Node | None]]:
    """(display name, node) of non-relation objects (types, schemas, …) a DROP removes."""
    node = effect.node
    found = []
    for obj in node.get("objects", ()):
        names = type_names(obj)
        if not names:
            continue
        key = (kind, dotted(names) if kind == "type" else names[-1])
        pos = (effect.index, 0)
        if objects.new(key, pos):
            continue
        if redefinable and not _cascade(node) and objects.again(key, pos):
            continue
        found.append((".".join(names), obj))
    return found


def _existing_relations(effect: Effect, ctx: Context, redefinable: bool) -> list[str]:
    """Names of the existing relations a DROP removes (see :func:`_dropped_relations`)."""
    objects = _known(effect, ctx)
    if objects is None:
        return []
    return [name for name, _ in _dropped_relations(effect, objects, redefinable=redefinable)]


def _existing_named(effect: Effect, ctx: Context, kind: str) -> list[str]:
    """Names of the existing schemas, extensions, … a DROP of that ``kind`` removes (those
    this migration creates, or creates again after the drop, are left out)."""
    objects = _known(effect, ctx)
    if objects is None:
        return []
    return [name for name, _ in _dropped_named(effect, objects, kind, redefinable=True)]


def _first_location(found: list[tuple[str, Node | None]]) -> int | None:
    for _, obj in found:
        if obj and "TypeName" in obj:
            return obj["TypeName"].get("location")
    return None


#: DROP TYPE, and DROP of what a type is used with (see :func:`_drop_type_support`).
_DROP_TYPE_KINDS = tuple(
    f"DropStmt:{o}"
    for o in ("OBJECT_TYPE", "OBJECT_CAST", "OBJECT_OPERATOR", "OBJECT_OPCLASS", "OBJECT_OPFAMILY")
)


@check("ban-drop-type", kinds=_DROP_TYPE_KINDS)
def ban_drop_type(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is not None:
        yield from _drop_type_like(effect, objects, "OBJECT_TYPE", "type")
        yield from _drop_type_support(effect, objects)


@check("ban-drop-domain", kinds=("DropStmt:OBJECT_DOMAIN",))
def ban_drop_domain(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is not None:
        yield from _drop_type_like(effect, objects, "OBJECT_DOMAIN", "domain")


def _drop_type_like(effect: Effect, objects: _Known, remove: str, word: str) -> Iterator[Hit]:
    node = effect.node
    if node.get("removeType") != remove:
        return
    dropped = _dropped_named(effect, objects, "type", redefinable=True)
    if not dropped:
        return
    names = [name for name, _ in dropped]
    one = len(names) == 1
    it = "it" if one else "them"
    message = (
        f"DROP {word.upper()} removes {word}{'' if one else 's'} {_listing(names)}; "
        f"code that still casts to {it} or declares {it} (function arguments, "
        f"prepared statements) fails {_missing('type', names)}"
    )
    if _cascade(node):
        message += (
            f"; CASCADE also drops every table column of {'this' if one else 'these'} "
            f"{word}{'' if one else 's'}, with its data, and the functions that use {it}"
        )
    yield Hit(message, at=_first_location(dropped))


def _type_text(node: Node) -> str:
    return str(type_ref(node.get("TypeName", node)))


def _drop_type_support(effect: Effect, objects: _Known) -> Iterator[Hit]:
    """DROP CAST, OPERATOR, OPERATOR CLASS and OPERATOR FAMILY: what a type is used with."""
    node = effect.node
    remove = node.get("removeType")
    pos = (effect.index, 0)
    for obj in node.get("objects", ()):
        if remove == "OBJECT_CAST":
            types = [_type_text(t) for t in obj.get("List", {}).get("items", ())]
            if len(types) != 2:
                continue
            source, target = types
            if objects.new(("cast", source, target), pos):
                continue
            message = (
                f"DROP CAST removes the cast from {source} to {target}; code that converts "
                f"between them, explicitly or implicitly, fails (cannot cast type {source} "
                f"to {target})"
            )
            cascade = "the functions, views and defaults that use it"
        elif remove == "OBJECT_OPERATOR":
            op = Routine.of(obj)
            if objects.new(("operator", op.name), pos):
                continue
            message = (
                f"DROP OPERATOR removes operator {op.shown}; queries that still use it fail "
                "(operator does not exist)"
            )
            cascade = "the views, indexes, constraints and operator classes that use it"
        elif remove in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            method, *names = strings(obj.get("List", {}).get("items"))
            word = "operator class" if remove == "OBJECT_OPCLASS" else "operator family"
            key = (word, method, dotted(names))
            if objects.new(key, pos) or (not _cascade(node) and objects.again(key, pos)):
                continue
            message = (
                f"DROP {word.upper()} removes {word} {'.'.join(names)} (USING {method}); "
                "statements that still name it (index definitions, later migrations) fail"
            )
            cascade = "the indexes that use it, with the lookups and uniqueness they provide"
        else:
            break
        if _cascade(node):
            message += f"; CASCADE also drops {cascade}"
        yield Hit(message)


@check("ban-drop-schema", kinds=("DropStmt:OBJECT_SCHEMA",))
def ban_drop_schema(effect: Effect, ctx: Context) -> Iterator[Hit]:
    names = _existing_named(effect, ctx, "schema")
    if not names:
        return
    node = effect.node
    one = len(names) == 1
    message = (
        f"DROP SCHEMA removes schema{'' if one else 's'} {_listing(names)}; queries that "
        f"still name objects in {'it' if one else 'them'} fail"
    )
    if _cascade(node):
        message += (
            f"; CASCADE also drops every table, view, function and type in "
            f"{'it' if one else 'them'}, with all their data"
        )
    yield Hit(message)


@check("ban-drop-extension", kinds=("DropStmt:OBJECT_EXTENSION",))
def ban_drop_extension(effect: Effect, ctx: Context) -> Iterator[Hit]:
    names = _existing_named(effect, ctx, "extension")
    if not names:
        return
    node = effect.node
    one = len(names) == 1
    message = (
        f"DROP EXTENSION removes extension{'' if one else 's'} {_listing(names)} with "
        f"{'its' if one else 'their'} functions, types and operators; code that still "
        "uses them fails"
    )
    if _cascade(node):
        message += (
            "; CASCADE also drops every column, index, view and default that depends "
            "on them, with their data"
        )
    yield Hit(message)


_FUNCTION_WORDS = {
    "OBJECT_FUNCTION": ("function", "calls"),
    "OBJECT_PROCEDURE": ("procedure", "CALLs"),
    "OBJECT_ROUTINE": ("routine", "calls"),
    "OBJECT_AGGREGATE": ("aggregate", "uses"),
}


@check("ban-drop-function", kinds=tuple(f"DropStmt:{o}" for o in _FUNCTION_WORDS))
def ban_drop_function(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is None:
        return
    node = effect.node
    remove = node.get("removeType")
    if remove not in _FUNCTION_WORDS:
        return
    pos = (effect.index, 0)
    dropped = []
    for obj in node.get("objects", ()):
        fn = Routine.of(obj)
        if objects.function_new(fn, pos):
            continue
        if not _cascade(node) and objects.function_again(fn, pos):
            continue
        dropped.append(fn.shown)
    if not dropped:
        return
    word, verb = _FUNCTION_WORDS[remove]
    one = len(dropped) == 1
    it = "it" if one else "them"
    message = (
        f"DROP {word.upper()} removes {word}{'' if one else 's'} {_listing(dropped)}; "
        f"code that still {verb} {it} fails {_missing('procedure' if word == 'procedure' else 'function', dropped)}"
    )
    if _cascade(node):
        message += (
            f"; CASCADE also drops the triggers, views, column defaults, constraints "
            f"and indexes that use {it}"
        )
    yield Hit(message)


# --- ALTER TABLE / ALTER DOMAIN sub-commands ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cmd:
    """One ALTER TABLE sub-command on a table that existed before this file."""

    effect: Effect
    objects: _Known
    relation: Node
    table: str
    shown: str
    cmd: Node
    pos: Pos
    objtype: str

    @property
    def name(self) -> str:
        return self.cmd.get("name", "")

    def column_new(self) -> bool:
        return self.objects.new(("column", self.table, self.name), self.pos)


def _alter_cmds(effect: Effect, ctx: Context, subtypes: tuple[str, ...]) -> Iterator[_Cmd]:
    """ALTER TABLE sub-commands of these subtypes on tables not created by this migration
    (nor dropped later in the file: the DROP TABLE is the finding then)."""
    if effect.kind != "AlterTableStmt":
        return
    objects = _known(effect, ctx)
    if objects is None:
        return
    node = effect.node
    relation = node.get("relation", {})
    objtype = node.get("objtype", "OBJECT_TABLE")
    for number, wrapped in enumerate(node.get("cmds", ()), 1):
        cmd = wrapped.get("AlterTableCmd", {})
        if cmd.get("subtype") not in subtypes:
            continue
        pos = (effect.index, number)
        if objtype == "OBJECT_TYPE":
            if objects.new(("type", rel_key(relation)), pos):
                continue
        elif _table_new(effect, relation, objects, pos) or objects.dropped_later(
            ("rel", rel_key(relation)), pos
        ):
            continue
        yield _Cmd(
            effect, objects, relation, rel_key(relation), _shown(relation), cmd, pos, objtype
        )


def _domain_cmd(effect: Effect, ctx: Context, subtype: str) -> str | None:
    """The domain of an ALTER DOMAIN command of this subtype on a domain not created by
    this migration, else None."""
    node = effect.node
    if effect.kind != "AlterDomainStmt" or node.get("subtype") != subtype:
        return None
    objects = _known(effect, ctx)
    names = strings(node.get("typeName"))
    if objects is None or objects.new(("type", dotted(names)), (effect.index, 0)):
        return None
    return ".".join(names)


@check("ban-drop-column", kinds=("AlterTableStmt:AT_DropColumn",))
def ban_drop_column(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, ("AT_DropColumn",)):
        if c.column_new():
            continue
        if c.objtype == "OBJECT_TYPE":
            message = (
                f"Dropping attribute {c.name} of composite type {c.shown} removes it from "
                f"every stored value of the type; code that still reads or writes {c.name} "
                "fails"
            )
        else:
            message = (
                f"Dropping column {c.shown}.{c.name} deletes its data; application code that "
                f"still selects, inserts or updates {c.name} fails "
                f"{_missing('column', [c.name])}"
            )
        if _cascade(c.cmd):
            message += "; CASCADE also drops the views and foreign keys that use it"
        yield Hit(message, at=c.relation.get("location"))


@check("ban-drop-not-null", kinds=("AlterTableStmt:AT_DropNotNull", "AlterDomainStmt"))
def ban_drop_not_null(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, ("AT_DropNotNull",)):
        key = ("notnull", c.table, c.name)
        if c.column_new() or c.objects.new(key, c.pos) or c.objects.again(key, c.pos):
            continue
        yield Hit(
            f"Dropping NOT NULL on {c.shown}.{c.name} lets NULLs into a column that "
            "application code may assume always has a value; readers that do not handle "
            "NULL break as soon as one is written",
            at=c.relation.get("location"),
        )
    domain = _domain_cmd(effect, ctx, "N")
    if domain is not None:
        yield Hit(
            f"Dropping NOT NULL on domain {domain} lets NULLs into every column of that "
            "domain; readers that do not handle NULL break as soon as one is written",
        )


@check("ban-drop-default", kinds=("AlterTableStmt:AT_ColumnDefault", "AlterDomainStmt"))
def ban_drop_default(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, ("AT_ColumnDefault",)):
        definition = c.cmd.get("def")
        if definition and not _is_null(definition):
            continue
        key = ("default", c.table, c.name)
        if c.column_new() or c.objects.again(key, c.pos):
            continue
        how = "Dropping the default of" if not definition else "Setting the default to NULL on"
        yield Hit(
            f"{how} {c.shown}.{c.name}: inserts that leave {c.name} out now store NULL "
            "instead of the default, or fail if the column is NOT NULL",
            at=c.relation.get("location"),
        )
    domain = _domain_cmd(effect, ctx, "T")
    if domain is not None:
        definition = effect.node.get("def")
        if definition and not _is_null(definition):
            return
        yield Hit(
            f"Dropping the default of domain {domain}: inserts that leave out a column of "
            "that domain now store NULL instead of the default, or fail if it is NOT NULL",
        )


@check("ban-drop-generated-expression", kinds=("AlterTableStmt:AT_DropExpression",))
def ban_drop_generated_expression(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, ("AT_DropExpression",)):
        if c.column_new():
            continue
        yield Hit(
            f"DROP EXPRESSION turns generated column {c.shown}.{c.name} into a plain "
            "column: existing values stay, but rows inserted or updated from now on no longer "
            f"compute it, so code that reads {c.name} gets NULL or stale values",
            at=c.relation.get("location"),
        )


# PostgreSQL's default constraint names end with these suffixes.
_CONSTRAINT_SUFFIXES = (
    ("_pkey", "primary key"),
    ("_fkey", "foreign key"),
    ("_key", "unique constraint"),
    ("_check", "check constraint"),
    ("_excl", "exclusion constraint"),
)

_CONSTRAINT_LOSS = {
    "primary key": (
        "duplicate keys can be written, its index goes too (INSERT ... ON CONFLICT on "
        "those columns fails, lookups by key scan the table)"
    ),
    "unique constraint": (
        "duplicates can be written, its index goes too (INSERT ... ON CONFLICT on those "
        "columns fails, lookups scan the table)"
    ),
    "foreign key": "rows can point at missing rows, and ON DELETE actions stop running",
    "check constraint": "rows that fail its check can be written",
    "exclusion constraint": "conflicting rows can be written, and its index goes too",
}


@check(
    "ban-drop-constraint",
    kinds=(
        "AlterTableStmt:AT_DropConstraint",
        "AlterTableStmt:AT_AlterConstraint",
        "AlterDomainStmt",
    ),
)
def ban_drop_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, ("AT_DropConstraint",)):
        key = ("constraint", c.table, c.name)
        if c.objects.new(key, c.pos) or c.objects.again(key, c.pos):
            continue
        kind = next((k for s, k in _CONSTRAINT_SUFFIXES if c.name.endswith(s)), None)
        loss = _CONSTRAINT_LOSS.get(kind or "", "rows that break it can be written from now on")
        named = f"{kind} {c.name}" if kind else f"constraint {c.name}"
        message = (
            f"Dropping {named} on {c.shown} removes a guarantee application code may rely "
            f"on: {loss}"
        )
        if _cascade(c.cmd):
            message += "; CASCADE also drops the foreign keys of other tables that reference it"
        yield Hit(message, at=c.relation.get("location"))
    for c in _alter_cmds(effect, ctx, ("AT_AlterConstraint",)):
        change = (c.cmd.get("def") or {}).get("ATAlterConstraint", {})
        if not change.get("alterEnforceability") or change.get("is_enforced"):
            continue
        name = change.get("conname", "")
        key = ("constraint", c.table, name)
        if c.objects.new(key, c.pos) or c.objects.again(key, c.pos):
            continue
        yield Hit(
            f"ALTER CONSTRAINT {name} NOT ENFORCED on {c.shown} stops checking it, removing a "
            "guarantee application code may rely on: rows that break it can be written from "
            "now on",
            at=c.relation.get("location"),
        )
    objects = _known(effect, ctx)
    node = effect.node
    if objects is not None and effect.kind == "AlterDomainStmt" and node.get("subtype") == "X":
        names = strings(node.get("typeName"))
        domain, pos = dotted(names), (effect.index, 0)
        key = ("domconstraint", domain, node.get("name", ""))
        if objects.new(("type", domain), pos) or objects.new(key, pos) or objects.again(key, pos):
            return
        yield Hit(
            f"Dropping constraint {node.get('name', '')} of domain {'.'.join(names)} removes a "
            "guarantee application code may rely on: values that break it can be written "
            "from now on",
        )


def _identity_generated(cmd: Node) -> tuple[str | None, int | None]:
    """('a' or 'd', location) of the GENERATED ALWAYS / BY DEFAULT in an identity command."""
    definition = cmd.get("def") or {}
    if "Constraint" in definition:
        con = definition["Constraint"]
        return con.get("generated_when"), con.get("location")
    for item in definition.get("List", {}).get("items", ()):
        elem = item.get("DefElem", {})
        if elem.get("defname") == "generated":
            value = elem.get("arg", {}).get("Integer", {}).get("ival")
            return (chr(value) if isinstance(value, int) else None), elem.get("location")
    return None, None


_IDENTITY_COMMANDS = ("AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity")


@check("ban-alter-identity", kinds=tuple(f"AlterTableStmt:{c}" for c in _IDENTITY_COMMANDS))
def ban_alter_identity(effect: Effect, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(effect, ctx, _IDENTITY_COMMANDS):
        if c.column_new():
            continue
        column = f"{c.shown}.{c.name}"
        if c.cmd.get("subtype") == "AT_DropIdentity":
            if c.objects.again(("default", c.table, c.name), c.pos):
                continue
            yield Hit(
                f"Dropping the identity of {column} removes its value generator but keeps it "
                f"NOT NULL: inserts that leave {c.name} out now fail with a not-null violation",
                at=c.relation.get("location"),
                help=(
                    "First make every insert supply the column (or give it a DEFAULT) and "
                    "deploy that; drop the identity in a later migration."
                ),
            )
            continue
        generated, location = _identity_generated(c.cmd)
        if generated != "a":
            continue
        if c.cmd.get("subtype") == "AT_AddIdentity":
            change = f"Making {column} an identity column GENERATED ALWAYS"
        else:
            change = f"Switching identity column {column} to GENERATED ALWAYS"
        yield Hit(
            f"{change}: inserts that supply a value "
            f"for {c.name} now fail unless they say OVERRIDING SYSTEM VALUE, and updates that "
            f"set {c.name} fail",
            at=location if location is not None and location >= 0 else None,
        )


# --- renames and moves -------------------------------------------------------------------------

_RENAME_WORDS = {
    "OBJECT_INDEX": "index",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "domain",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
    "OBJECT_AGGREGATE": "aggregate",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_TABCONSTRAINT": "constraint",
    "OBJECT_DOMCONSTRAINT": "domain constraint",
    "OBJECT_TRIGGER": "trigger",
    "OBJECT_POLICY": "policy",
    "OBJECT_DATABASE": "database",
    "OBJECT_ROLE": "role",
}

#: What breaks when an object of this kind is renamed ({old} is its old name).
_RENAME_BREAKS = {
    "index": (
        "statements that still name {old} (later migrations, maintenance scripts, query hints) fail"
    ),
    "constraint": (
        "INSERT ... ON CONFLICT ON CONSTRAINT {old} fails, and error handling that matches "
        "the constraint name stops matching"
    ),
    "domain constraint": "error handling that matches the name {old} stops matching",
    "trigger": "statements that still name {old} (DISABLE TRIGGER, DROP TRIGGER) fail",
    "policy": "statements that still name {old} (ALTER POLICY, DROP POLICY) fail",
    "database": "connection strings that name {old} fail to connect",
    "role": (
        "applications that log in as {old} fail to connect (the rename also clears an MD5 password)"
    ),
}


def _rename_target(node: Node) -> tuple[str, str | None]:
    """(display name of the renamed object, table it belongs to if any) of a RenameStmt."""
    kind = node.get("renameType")
    relation = node.get("relation") or {}
    if kind in ("OBJECT_TABCONSTRAINT", "OBJECT_TRIGGER", "OBJECT_POLICY"):
        return node.get("subname", ""), _shown(relation)
    if relation:
        return _shown(relation), None
    if kind in _FUNCTION_KINDS:
        return Routine.of(node.get("object", {})).shown, None
    if kind == "OBJECT_DOMCONSTRAINT":
        return node.get("subname", ""), ".".join(type_names(node.get("object", {})))
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        return ".".join(type_names(node.get("object", {}))), None
    return node.get("subname", ""), None


def _rename_harmless(effect: Effect, objects: _Known) -> bool:
    """The renamed object is new, or the file creates a replacement under the old name."""
    node = effect.node
    kind = node.get("renameType")
    pos = (effect.index, 0)
    relation = node.get("relation") or {}
    if kind in ("OBJECT_TABCONSTRAINT", "OBJECT_TRIGGER", "OBJECT_POLICY") and _table_new(
        effect, relation, objects, pos
    ):
        return True
    if kind in _FUNCTION_KINDS:
        fn = Routine.of(node.get("object", {}))
        return objects.function_new(fn, pos) or objects.function_again(fn, pos)
    if kind == "OBJECT_DOMCONSTRAINT":
        domain = dotted(type_names(node.get("object", {})))
        key = ("domconstraint", domain, node.get("subname", ""))
        return (
            objects.new(("type", domain), pos) or objects.new(key, pos) or objects.again(key, pos)
        )
    return any(objects.new(old, pos) or objects.again(old, pos) for old, _ in rename_keys(node))


@check("renaming-object", kinds=("RenameStmt", "AlterEnumStmt"))
def renaming_object(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is None:
        return
    node = effect.node
    if effect.kind == "AlterEnumStmt":
        if not node.get("oldVal"):
            return
        enum_names = strings(node.get("typeName"))
        type_key = dotted(enum_names)
        pos = (effect.index, 0)
        if objects.new(("type", type_key), pos) or objects.new(
            ("enumvalue", type_key, node["oldVal"]), pos
        ):
            return
        yield Hit(
            f"Renaming value '{node['oldVal']}' of enum {'.'.join(enum_names)} to "
            f"'{node.get('newVal', '')}': code that still writes or compares "
            f"'{node['oldVal']}' fails (invalid input value for enum "
            f'{".".join(enum_names)}: "{node["oldVal"]}")',
        )
        return
    word = _RENAME_WORDS.get(node.get("renameType", ""))
    if word is None or _rename_harmless(effect, objects):
        return
    name, owner = _rename_target(node)
    on = f" on {owner}" if owner else ""
    old = name.partition("(")[0]
    breaks = _RENAME_BREAKS.get(word, "queries and code that still use the name {old} fail")
    yield Hit(
        f"Renaming {word} {name}{on} to {node.get('newname', '')}: " + breaks.format(old=old),
    )


_SCHEMA_WORDS = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "domain",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
    "OBJECT_AGGREGATE": "aggregate",
    "OBJECT_EXTENSION": "extension",
}


@check("ban-set-schema", kinds=("AlterObjectSchemaStmt",))
def ban_set_schema(effect: Effect, ctx: Context) -> Iterator[Hit]:
    objects = _known(effect, ctx)
    if objects is None:
        return
    node = effect.node
    objtype = node.get("objectType", "")
    word = _SCHEMA_WORDS.get(objtype)
    if word is None:
        return
    pos = (effect.index, 0)
    relation = node.get("relation")
    obj = node.get("object") or {}
    if relation:
        name = _shown(relation)
        new = _table_new(effect, relation, objects, pos)
    elif objtype in _FUNCTION_KINDS:
        fn = Routine.of(obj)
        name, new = fn.shown, objects.function_new(fn, pos)
    elif objtype == "OBJECT_EXTENSION":
        name = obj.get("String", {}).get("sval", "")
        new = objects.new(("extension", name), pos)
    else:
        names = type_names(obj)
        name, new = ".".join(names), objects.new(("type", dotted(names)), pos)
    if new:
        return
    target = node.get("newschema", "")
    if objtype == "OBJECT_EXTENSION":
        moved = f"Moving the objects of extension {name} to schema {target}"
        them = "its functions and types"
    else:
        moved, them = f"Moving {word} {name} to schema {target}", "it"
    yield Hit(
        f"{moved}: code that names {them} with the old schema fails, and so does code "
        f"that finds {them} through a search_path without {target}",
    )
