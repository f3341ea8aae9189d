"""What a statement creates, replaces, drops or renames, as events on named objects.

One function, :func:`object_events`, reads a statement's parse tree once and lists its
events. The :class:`~pglint.model.catalog.Catalog` applies them to know which objects
exist and which the migration created; :class:`~pglint.model.file.FileFacts` lines them up
over a whole file for the questions that look ahead ("is it created again later?").

Objects are named by a :data:`Key`: ``(kind, name, ...)`` with names in their matching
form (:func:`plain`: ``public`` is the default schema, so ``public.x`` is ``x``). Kinds:

* ``rel``: tables, views, materialized views, foreign tables, sequences and indexes (one
  namespace in PostgreSQL, ``pg_class``);
* ``type``: every type, domains included (``pg_type``);
* ``schema``, ``extension``, ``database``, ``role``;
* per table: ``column``, ``constraint``, ``default``, ``notnull``, ``trigger``,
  ``policy``, ``rule`` (``(kind, table, name)``);
* ``domconstraint`` (domain, name), ``enumvalue`` (type, label);
* ``cast`` (source, target), ``operator``, ``operator class`` / ``operator family``
  (access method, name).

Functions, procedures and aggregates are matched by name *and* input argument types
(:class:`Routine`), as PostgreSQL resolves them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pglint.model.statements import Node, Statement
from pglint.model.types import type_ref

Key = tuple[str, ...]

#: Event actions. ``create``: the object did not exist before (a plain ``CREATE``);
#: ``define``: created or replaced, so it may have existed (``CREATE OR REPLACE``,
#: ``SET DEFAULT``); ``ensure``: created unless it existed (``IF NOT EXISTS`` of schemas
#: and extensions; the catalog counts it as possibly existing, the file's timeline as
#: made by the file unless the catalog knew it); ``drop``; ``rename``.
CREATE, DEFINE, ENSURE, DROP, RENAME = "create", "define", "ensure", "drop", "rename"


def plain(schema: str | None, name: str) -> str:
    """A name for matching: ``public`` is the default schema, so ``public.x`` is ``x``."""
    return name if schema in (None, "", "public") else f"{schema}.{name}"


def strings(items: Iterable[Node] | None) -> list[str]:
    """The values of a list of pglast ``String`` nodes."""
    return [n.get("String", {}).get("sval", "") for n in items or ()]


def dotted(names: list[str]) -> str:
    """Matching name of a dotted name list (``['s', 'x']``)."""
    if not names:
        return ""
    return plain(names[-2] if len(names) > 1 else None, names[-1])


def rel_key(range_var: Node) -> str:
    """Matching name of a ``RangeVar``."""
    return plain(range_var.get("schemaname"), range_var.get("relname", ""))


def type_names(node: Node) -> list[str]:
    """Name list of a TypeName node or a List of Strings (DROP TYPE / DOMAIN objects)."""
    if "TypeName" in node:
        return strings(node["TypeName"].get("names"))
    if "List" in node:
        return strings(node["List"].get("items"))
    if "String" in node:
        return [node["String"].get("sval", "")]
    return []


def arg_type(type_name: Node) -> str:
    """An argument type as PostgreSQL matches it: canonical name, no length, ``[]`` kept."""
    ref = type_ref(type_name)
    schema = "" if ref.schema in (None, "pg_catalog", "public") else f"{ref.schema}."
    return schema + ref.name + ("[]" if ref.array else "")


_IN_MODES = ("FUNC_PARAM_IN", "FUNC_PARAM_DEFAULT", "FUNC_PARAM_INOUT", "FUNC_PARAM_VARIADIC")


def signature(params: Iterable[Node] | None) -> tuple[str, ...]:
    """Input argument types of ``FunctionParameter`` nodes (OUT and TABLE ones left out)."""
    types = []
    for wrapped in params or ():
        param = wrapped.get("FunctionParameter", {})
        if param.get("mode", "FUNC_PARAM_DEFAULT") in _IN_MODES and param.get("argType"):
            types.append(arg_type(param["argType"]))
    return tuple(types)


@dataclass(frozen=True, slots=True)
class Routine:
    """A function, procedure or aggregate: matching name and input types (None: not given).

    ``shown`` is the name as written, with the argument types when they were given.
    """

    name: str
    args: tuple[str, ...] | None
    shown: str = field(default="", compare=False)

    @classmethod
    def of(cls, node: Node) -> Routine:
        """The routine an ``ObjectWithArgs`` names (DROP, ALTER, RENAME, GRANT)."""
        owa = node.get("ObjectWithArgs", node)
        names = strings(owa.get("objname"))
        shown = ".".join(names)
        if owa.get("args_unspecified"):
            return cls(dotted(names), None, shown)
        objargs = owa.get("objargs", ()) or ()
        args = tuple(arg_type(t["TypeName"]) if "TypeName" in t else "NONE" for t in objargs)
        written = [str(type_ref(t["TypeName"])) if "TypeName" in t else "NONE" for t in objargs]
        return cls(dotted(names), args, f"{shown}({', '.join(written)})")

    def renamed(self, new: str) -> Routine:
        schema = self.name.rpartition(".")[0] or None
        return Routine(plain(schema, new), self.args, new)

    def matches(self, other: Routine) -> bool:
        """Same name, and the same input types where both are known."""
        return self.name == other.name and (
            self.args is None or other.args is None or self.args == other.args
        )

    @property
    def key(self) -> Key:
        return ("routine", self.name, ",".join(self.args or ()))


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a statement does to a named object.

    ``sub`` is the number of the ALTER TABLE sub-command (from 1), 0 for the statement as
    a whole. ``key`` is the object (for routines, ``routine`` holds name and arguments);
    ``new_key`` / ``new_routine`` are the name a rename gives. ``if_missing``: a create
    with ``IF NOT EXISTS``, which PostgreSQL skips (a NOTICE) when the object exists.
    """

    sub: int
    action: str
    key: Key
    new_key: Key | None = None
    routine: Routine | None = None
    new_routine: Routine | None = None
    if_missing: bool = False


REL_KINDS = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_INDEX": "index",
}
ROUTINE_KINDS = ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_AGGREGATE")
_ON_TABLE = {"OBJECT_TRIGGER": "trigger", "OBJECT_POLICY": "policy", "OBJECT_RULE": "rule"}


def _is_null(expr: Node | None) -> bool:
    return bool((expr or {}).get("A_Const", {}).get("isnull"))


def _type_text(node: Node) -> str:
    return str(type_ref(node.get("TypeName", node)))


def object_events(statement: Statement) -> list[Event]:
    """The events of ``statement``, in the order PostgreSQL performs them."""
    handler = _EVENTS.get(statement.kind)
    return handler(statement.node) if handler is not None else []


def events_of(statement: Statement) -> list[Event]:
    """:func:`object_events`, computed once per statement (the catalog and the file's
    timeline both read them)."""
    memo = statement.memo
    found = memo.get("events")
    if found is None:
        handler = _EVENTS.get(statement.kind)
        found = memo["events"] = handler(statement.node) if handler is not None else []
    return found


def _create_rel(field: str):
    def events(node: Node) -> list[Event]:
        key = ("rel", rel_key(node.get(field) or {}))
        return [Event(0, CREATE, key, if_missing=bool(node.get("if_not_exists")))]

    return events


def _create_foreign_table(node: Node) -> list[Event]:
    base = node.get("base", {})
    key = ("rel", rel_key(base.get("relation", {})))
    return [Event(0, CREATE, key, if_missing=bool(base.get("if_not_exists")))]


def _create_table_as(node: Node) -> list[Event]:
    into = node.get("into", {})
    into = into.get("IntoClause", into)
    key = ("rel", rel_key(into.get("rel", {})))
    return [Event(0, CREATE, key, if_missing=bool(node.get("if_not_exists")))]


def _select(node: Node) -> list[Event]:
    into = node.get("intoClause")
    return [Event(0, CREATE, ("rel", rel_key(into.get("rel", {}))))] if into else []


def _view(node: Node) -> list[Event]:
    action = DEFINE if node.get("replace") else CREATE
    return [Event(0, action, ("rel", rel_key(node.get("view", {}))))]


def _index(node: Node) -> list[Event]:
    if not node.get("idxname"):
        return []
    schema = node.get("relation", {}).get("schemaname")
    key = ("rel", plain(schema, node["idxname"]))
    return [Event(0, CREATE, key, if_missing=bool(node.get("if_not_exists")))]


def _create_type(field: str):
    def events(node: Node) -> list[Event]:
        return [Event(0, CREATE, ("type", dotted(strings(node.get(field)))))]

    return events


def _composite(node: Node) -> list[Event]:
    return [Event(0, CREATE, ("type", rel_key(node.get("typevar", {}))))]


def _define(node: Node) -> list[Event]:
    kind = node.get("kind")
    name = dotted(strings(node.get("defnames")))
    if kind == "OBJECT_TYPE":
        return [Event(0, CREATE, ("type", name))]
    if kind == "OBJECT_OPERATOR":
        return [Event(0, CREATE, ("operator", name))]
    if kind == "OBJECT_AGGREGATE":
        args = node.get("args") or [{}]
        params = args[0].get("List", {}).get("items", ()) if args[0] else ()
        sig = signature(params)
        routine = Routine(name, sig, ".".join(strings(node.get("defnames"))))
        action = DEFINE if node.get("replace") else CREATE
        return [Event(0, action, routine.key, routine=routine)]
    return []


def _function(node: Node) -> list[Event]:
    names = strings(node.get("funcname"))
    sig = signature(node.get("parameters"))
    routine = Routine(dotted(names), sig, f"{'.'.join(names)}({', '.join(sig)})")
    return [Event(0, DEFINE if node.get("replace") else CREATE, routine.key, routine=routine)]


def _cast(node: Node) -> list[Event]:
    source, target = node.get("sourcetype", {}), node.get("targettype", {})
    return [Event(0, CREATE, ("cast", _type_text(source), _type_text(target)))]


def _opclass(word: str, field: str):
    def events(node: Node) -> list[Event]:
        names = dotted(strings(node.get(field)))
        return [Event(0, CREATE, (word, node.get("amname", ""), names))]

    return events


def _maybe_existing(kind: str, field: str):
    """``CREATE SCHEMA`` / ``CREATE EXTENSION``: IF NOT EXISTS may find an existing one."""

    def events(node: Node) -> list[Event]:
        if node.get("if_not_exists"):
            return [Event(0, ENSURE, (kind, node.get(field) or ""), if_missing=True)]
        return [Event(0, CREATE, (kind, node.get(field) or ""))]

    return events


def _named(kind: str, field: str):
    def events(node: Node) -> list[Event]:
        return [Event(0, CREATE, (kind, node.get(field) or ""))]

    return events


def _trigger(node: Node) -> list[Event]:
    key = ("trigger", rel_key(node.get("relation", {})), node.get("trigname", ""))
    return [Event(0, DEFINE if node.get("replace") else CREATE, key)]


def _policy(node: Node) -> list[Event]:
    return [
        Event(0, CREATE, ("policy", rel_key(node.get("table", {})), node.get("policy_name", "")))
    ]


def _rule(node: Node) -> list[Event]:
    key = ("rule", rel_key(node.get("relation", {})), node.get("rulename", ""))
    return [Event(0, DEFINE if node.get("replace") else CREATE, key)]


def _alter_enum(node: Node) -> list[Event]:
    type_name = dotted(strings(node.get("typeName")))
    new, old = node.get("newVal"), node.get("oldVal")
    if new and not old:
        return [Event(0, CREATE, ("enumvalue", type_name, new))]
    if new and old:
        return [Event(0, RENAME, ("enumvalue", type_name, old), ("enumvalue", type_name, new))]
    return []


def _alter_domain(node: Node) -> list[Event]:
    domain = dotted(strings(node.get("typeName")))
    subtype = node.get("subtype")
    if subtype == "C":
        con = (node.get("def") or {}).get("Constraint", {})
        if con.get("conname"):
            return [Event(0, CREATE, ("domconstraint", domain, con["conname"]))]
    elif subtype == "X" and node.get("name"):
        return [Event(0, DROP, ("domconstraint", domain, node["name"]))]
    return []


def _alter_table(node: Node) -> list[Event]:
    table = rel_key(node.get("relation", {}))
    events = []
    for number, wrapped in enumerate(node.get("cmds", ()), 1):
        cmd = wrapped.get("AlterTableCmd", {})
        subtype, name = cmd.get("subtype"), cmd.get("name", "")
        definition = cmd.get("def") or {}
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            key = ("column", table, definition["ColumnDef"].get("colname", ""))
            events.append(Event(number, CREATE, key, if_missing=bool(cmd.get("missing_ok"))))
        elif subtype == "AT_DropColumn":
            events.append(Event(number, DROP, ("column", table, name)))
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            conname = definition["Constraint"].get("conname")
            if conname:
                events.append(Event(number, CREATE, ("constraint", table, conname)))
        elif subtype == "AT_DropConstraint":
            events.append(Event(number, DROP, ("constraint", table, name)))
        elif subtype == "AT_AddIdentity" or (
            subtype == "AT_ColumnDefault" and definition and not _is_null(definition)
        ):
            # A default (or an identity) that inserts leaving the column out rely on.
            events.append(Event(number, DEFINE, ("default", table, name)))
        elif subtype in ("AT_ColumnDefault", "AT_DropIdentity"):
            events.append(Event(number, DROP, ("default", table, name)))
        elif subtype == "AT_SetNotNull":
            events.append(Event(number, CREATE, ("notnull", table, name)))
        elif subtype == "AT_DropNotNull":
            events.append(Event(number, DROP, ("notnull", table, name)))
    return events


def _drop(node: Node) -> list[Event]:
    remove = node.get("removeType", "")
    events = []
    for obj in node.get("objects", ()):
        if remove in ROUTINE_KINDS:
            routine = Routine.of(obj)
            events.append(Event(0, DROP, routine.key, routine=routine))
            continue
        if remove == "OBJECT_CAST":
            types = [_type_text(t) for t in obj.get("List", {}).get("items", ())]
            if len(types) == 2:
                events.append(Event(0, DROP, ("cast", *types)))
            continue
        if remove == "OBJECT_OPERATOR":
            events.append(Event(0, DROP, ("operator", Routine.of(obj).name)))
            continue
        names = type_names(obj)
        if not names:
            continue
        if remove in REL_KINDS:
            events.append(Event(0, DROP, ("rel", dotted(names))))
        elif remove in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            events.append(Event(0, DROP, ("type", dotted(names))))
        elif remove in ("OBJECT_SCHEMA", "OBJECT_EXTENSION"):
            events.append(Event(0, DROP, (remove.removeprefix("OBJECT_").lower(), names[-1])))
        elif remove in _ON_TABLE and len(names) > 1:
            events.append(Event(0, DROP, (_ON_TABLE[remove], dotted(names[:-1]), names[-1])))
        elif remove in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            word = "operator class" if remove == "OBJECT_OPCLASS" else "operator family"
            events.append(Event(0, DROP, (word, names[0], dotted(names[1:]))))
    return events


def _dropdb(node: Node) -> list[Event]:
    return [Event(0, DROP, ("database", node.get("dbname", "")))]


def _droprole(node: Node) -> list[Event]:
    events = []
    for spec in node.get("roles", ()):
        name = spec.get("RoleSpec", spec).get("rolename")
        if name:
            events.append(Event(0, DROP, ("role", name)))
    return events


_RENAMED_PARTS = {
    "OBJECT_COLUMN": "column",
    "OBJECT_TABCONSTRAINT": "constraint",
    "OBJECT_TRIGGER": "trigger",
    "OBJECT_POLICY": "policy",
    "OBJECT_RULE": "rule",
}


def rename_keys(node: Node) -> list[tuple[Key, Key]]:
    """(old key, new key) of a RenameStmt, for every kind except routines."""
    kind = node.get("renameType")
    new = node.get("newname", "")
    relation = node.get("relation") or {}
    if kind in REL_KINDS and relation:
        schema = relation.get("schemaname")
        return [(("rel", rel_key(relation)), ("rel", plain(schema, new)))]
    if kind in _RENAMED_PARTS and relation:
        sub, table = _RENAMED_PARTS[kind], rel_key(relation)
        return [((sub, table, node.get("subname", "")), (sub, table, new))]
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        names = type_names(node.get("object", {}))
        schema = names[-2] if len(names) > 1 else None
        return [(("type", dotted(names)), ("type", plain(schema, new)))]
    if kind == "OBJECT_DOMCONSTRAINT":
        domain = dotted(type_names(node.get("object", {})))
        old = node.get("subname", "")
        return [(("domconstraint", domain, old), ("domconstraint", domain, new))]
    if kind in ("OBJECT_SCHEMA", "OBJECT_DATABASE", "OBJECT_ROLE"):
        sub = kind.removeprefix("OBJECT_").lower()
        return [((sub, node.get("subname", "")), (sub, new))]
    return []


def _rename(node: Node) -> list[Event]:
    if node.get("renameType") in ROUTINE_KINDS:
        routine = Routine.of(node.get("object", {}))
        renamed = routine.renamed(node.get("newname", ""))
        return [Event(0, RENAME, routine.key, renamed.key, routine, renamed)]
    return [Event(0, RENAME, old, new) for old, new in rename_keys(node)]


_EVENTS = {
    "CreateStmt": _create_rel("relation"),
    "CreateForeignTableStmt": _create_foreign_table,
    "CreateTableAsStmt": _create_table_as,
    "SelectStmt": _select,
    "ViewStmt": _view,
    "CreateSeqStmt": _create_rel("sequence"),
    "IndexStmt": _index,
    "CompositeTypeStmt": _composite,
    "CreateEnumStmt": _create_type("typeName"),
    "CreateRangeStmt": _create_type("typeName"),
    "CreateDomainStmt": _create_type("domainname"),
    "DefineStmt": _define,
    "CreateFunctionStmt": _function,
    "CreateCastStmt": _cast,
    "CreateOpClassStmt": _opclass("operator class", "opclassname"),
    "CreateOpFamilyStmt": _opclass("operator family", "opfamilyname"),
    "CreateSchemaStmt": _maybe_existing("schema", "schemaname"),
    "CreateExtensionStmt": _maybe_existing("extension", "extname"),
    "CreatedbStmt": _named("database", "dbname"),
    "CreateRoleStmt": _named("role", "role"),
    "CreateTrigStmt": _trigger,
    "CreatePolicyStmt": _policy,
    "RuleStmt": _rule,
    "AlterEnumStmt": _alter_enum,
    "AlterDomainStmt": _alter_domain,
    "AlterTableStmt": _alter_table,
    "DropStmt": _drop,
    "DropdbStmt": _dropdb,
    "DropRoleStmt": _droprole,
    "RenameStmt": _rename,
}
