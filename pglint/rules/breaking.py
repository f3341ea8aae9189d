"""Rules of the breaking family: changes that break application code still using the old schema.

A migration deploys before (or while) the old application code keeps running, so removing
or renaming something that code uses breaks it until the new code is out. The safe path is
expand/contract: stop using the object in the application and deploy, then remove it in a
later migration.

Objects created earlier in the same file never shipped, so removing or renaming them is not
reported. A drop without ``CASCADE`` of an object that the same file creates again (a view
or function redefined by drop-and-create) is a redefinition, not a removal. Statements of a
``down`` migration are not reported: reverting is supposed to drop what ``up`` created.

These checks are file-scoped: they need what the file creates before and after each
statement (:class:`FileObjects`), which the catalog does not track for every kind of object
(functions, domains, schemas, extensions, columns, constraints, defaults).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pglint.engine import Context, FileView
from pglint.model.catalog import qualified, range_name
from pglint.model.effects import Effect
from pglint.model.statements import Node
from pglint.model.types import type_ref
from pglint.rules.registry import Hit, check

# --- what the file creates ---------------------------------------------------------------------

#: Where something happens in a file: (statement index, sub-command number).
Pos = tuple[int, int]

#: An object's identity: (kind, name, ...). Kinds: rel (tables, views, sequences, indexes:
#: one namespace), type (types and domains), schema, extension, database, role,
#: column/constraint/trigger/policy/default/notnull (table, name), domconstraint,
#: enumvalue. Functions are matched by name and argument types (:class:`Function`).
Key = tuple[str, ...]


def _plain(schema: str | None, name: str) -> str:
    """A name for matching: ``public`` is the default schema, so ``public.x`` is ``x``."""
    return name if schema in (None, "", "public") else f"{schema}.{name}"


def _strings(items: Iterable[Node] | None) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items or ()]


def _dotted(names: list[str]) -> str:
    """Matching name of a dotted name list (``['s', 'x']``)."""
    if not names:
        return ""
    return _plain(names[-2] if len(names) > 1 else None, names[-1])


def _rel(range_var: Node) -> str:
    return _plain(*range_name(range_var))


def _shown(range_var: Node) -> str:
    return qualified(*range_name(range_var))


def _type_names(node: Node) -> list[str]:
    """Name list of a TypeName node or a List of Strings (DROP TYPE / DOMAIN objects)."""
    if "TypeName" in node:
        return _strings(node["TypeName"].get("names"))
    if "List" in node:
        return _strings(node["List"].get("items"))
    if "String" in node:
        return [node["String"].get("sval", "")]
    return []


_IN_MODES = ("FUNC_PARAM_IN", "FUNC_PARAM_DEFAULT", "FUNC_PARAM_INOUT", "FUNC_PARAM_VARIADIC")


def _signature(params: Iterable[Node] | None) -> tuple[str, ...]:
    """Input argument types of FunctionParameter nodes, canonically spelled."""
    types = []
    for wrapped in params or ():
        param = wrapped.get("FunctionParameter", {})
        if param.get("mode", "FUNC_PARAM_DEFAULT") in _IN_MODES and param.get("argType"):
            types.append(str(type_ref(param["argType"])))
    return tuple(types)


@dataclass(frozen=True, slots=True)
class Function:
    """A function-like object named in a statement: name and input types (None: unspecified)."""

    name: str
    shown: str
    args: tuple[str, ...] | None

    @classmethod
    def of(cls, node: Node) -> Function:
        owa = node.get("ObjectWithArgs", node)
        names = _strings(owa.get("objname"))
        shown = ".".join(names)
        if owa.get("args_unspecified"):
            return cls(_dotted(names), shown, None)
        args = tuple(
            str(type_ref(t["TypeName"])) if "TypeName" in t else "NONE"
            for t in owa.get("objargs", ()) or ()
        )
        return cls(_dotted(names), f"{shown}({', '.join(args)})", args)

    def renamed(self, new: str) -> Function:
        schema = self.name.rpartition(".")[0] or None
        return Function(_plain(schema, new), new, self.args)

    def matches(self, name: str, args: tuple[str, ...] | None) -> bool:
        return name == self.name and (self.args is None or args is None or args == self.args)


@dataclass(slots=True)
class FileObjects:
    """Where each object is created in one file, to tell new objects and redefinitions.

    ``created`` holds definitions that make an object new (``CREATE``); ``defined`` also
    holds ``CREATE OR REPLACE``, which may replace an object that existed before.
    A name given by a rename counts as new when the object was new, or when the file
    creates a replacement under the old name (a swap: the old object is set aside).
    """

    created: dict[Key, list[Pos]] = field(default_factory=dict)
    defined: dict[Key, list[Pos]] = field(default_factory=dict)
    #: (name, input types or None, position, new) of functions, procedures and aggregates.
    functions: list[tuple[str, tuple[str, ...] | None, Pos, bool]] = field(default_factory=list)
    #: Where tables (and other relations) are dropped: changes to a table that the same file
    #: drops afterwards are covered by the finding on the DROP TABLE.
    dropped: dict[Key, list[Pos]] = field(default_factory=dict)
    _renames: list[tuple[Key, Key, Pos]] = field(default_factory=list)
    _function_renames: list[tuple[Function, Function, Pos]] = field(default_factory=list)

    @classmethod
    def of(cls, effects: Iterable[Effect]) -> FileObjects:
        found = cls()
        for effect in effects:
            found._scan(effect)
        # Renames depend on each other (a swap renames the old object aside, then the new
        # one into its name), so repeat until nothing changes.
        pending, functions = list(found._renames), list(found._function_renames)
        changed = True
        while changed:
            changed = False
            for item in list(pending):
                old, renamed, pos = item
                if found.new(old, pos) or found.again(old, pos):
                    found._add(renamed, pos)
                    pending.remove(item)
                    changed = True
            for fitem in list(functions):
                fn, fn_renamed, pos = fitem
                if found.function_new(fn, pos) or found.function_again(fn, pos):
                    found.functions.append((fn_renamed.name, fn_renamed.args, pos, True))
                    functions.remove(fitem)
                    changed = True
        return found

    # --- queries ------------------------------------------------------------------------------

    def new(self, key: Key, pos: Pos) -> bool:
        """Created by a statement of this file before ``pos``."""
        return any(p < pos for p in self.created.get(key, ()))

    def again(self, key: Key, pos: Pos) -> bool:
        """Created or replaced by a statement of this file after ``pos``."""
        return any(p > pos for p in self.defined.get(key, ()))

    def dropped_later(self, key: Key, pos: Pos) -> bool:
        """Dropped by a statement of this file after ``pos``."""
        return any(p > pos for p in self.dropped.get(key, ()))

    def function_new(self, fn: Function, pos: Pos) -> bool:
        return any(
            made and p < pos and fn.matches(name, args) for name, args, p, made in self.functions
        )

    def function_again(self, fn: Function, pos: Pos) -> bool:
        return any(p > pos and fn.matches(name, args) for name, args, p, _ in self.functions)

    # --- recording ----------------------------------------------------------------------------

    def _add(self, key: Key, pos: Pos, replace: bool = False) -> None:
        self.defined.setdefault(key, []).append(pos)
        if not replace:
            self.created.setdefault(key, []).append(pos)

    def _scan(self, effect: Effect) -> None:
        if effect.statement.part == "down":
            return
        node, kind, i = effect.node, effect.kind, effect.index
        pos = (i, 0)
        if kind == "CreateForeignTableStmt":
            node, kind = node.get("base", {}), "CreateStmt"
        if kind == "CreateStmt":
            self._add(("rel", _rel(node.get("relation", {}))), pos)
        elif kind == "CreateTableAsStmt":
            self._add(("rel", _rel(node.get("into", {}).get("rel", {}))), pos)
        elif kind == "SelectStmt" and node.get("intoClause"):
            self._add(("rel", _rel(node["intoClause"].get("rel", {}))), pos)
        elif kind == "ViewStmt":
            self._add(("rel", _rel(node.get("view", {}))), pos, bool(node.get("replace")))
        elif kind == "CreateSeqStmt":
            self._add(("rel", _rel(node.get("sequence", {}))), pos)
        elif kind == "IndexStmt" and node.get("idxname"):
            schema, _ = range_name(node.get("relation", {}))
            self._add(("rel", _plain(schema, node["idxname"])), pos)
        elif kind == "CompositeTypeStmt":
            self._add(("type", _rel(node.get("typevar", {}))), pos)
        elif kind in ("CreateEnumStmt", "CreateRangeStmt"):
            self._add(("type", _dotted(_strings(node.get("typeName")))), pos)
        elif kind == "CreateDomainStmt":
            self._add(("type", _dotted(_strings(node.get("domainname")))), pos)
        elif kind == "DefineStmt" and node.get("kind") == "OBJECT_TYPE":
            self._add(("type", _dotted(_strings(node.get("defnames")))), pos)
        elif kind == "DefineStmt" and node.get("kind") == "OBJECT_AGGREGATE":
            args = node.get("args") or [{}]
            params = args[0].get("List", {}).get("items", ()) if args[0] else ()
            name = _dotted(_strings(node.get("defnames")))
            self.functions.append((name, _signature(params), pos, not node.get("replace")))
        elif kind == "CreateFunctionStmt":
            name = _dotted(_strings(node.get("funcname")))
            sig = _signature(node.get("parameters"))
            self.functions.append((name, sig, pos, not node.get("replace")))
        elif kind == "CreateCastStmt":
            source, target = node.get("sourcetype", {}), node.get("targettype", {})
            self._add(("cast", _type_text(source), _type_text(target)), pos)
        elif kind == "DefineStmt" and node.get("kind") == "OBJECT_OPERATOR":
            self._add(("operator", _dotted(_strings(node.get("defnames")))), pos)
        elif kind in ("CreateOpClassStmt", "CreateOpFamilyStmt"):
            word = "operator class" if kind == "CreateOpClassStmt" else "operator family"
            names = node.get("opclassname") or node.get("opfamilyname")
            self._add((word, node.get("amname", ""), _dotted(_strings(names))), pos)
        elif kind == "CreateSchemaStmt":
            self._add(("schema", node.get("schemaname", "")), pos)
        elif kind == "CreateExtensionStmt":
            self._add(("extension", node.get("extname", "")), pos)
        elif kind == "CreatedbStmt":
            self._add(("database", node.get("dbname", "")), pos)
        elif kind == "CreateRoleStmt":
            self._add(("role", node.get("role", "")), pos)
        elif kind == "CreateTrigStmt":
            table = _rel(node.get("relation", {}))
            self._add(("trigger", table, node.get("trigname", "")), pos, bool(node.get("replace")))
        elif kind == "CreatePolicyStmt":
            self._add(("policy", _rel(node.get("table", {})), node.get("policy_name", "")), pos)
        elif kind == "AlterEnumStmt" and node.get("newVal") and not node.get("oldVal"):
            type_name = _dotted(_strings(node.get("typeName")))
            self._add(("enumvalue", type_name, node["newVal"]), pos)
        elif kind == "AlterDomainStmt" and node.get("subtype") == "C":
            con = node.get("def", {}).get("Constraint", {})
            if con.get("conname"):
                domain = _dotted(_strings(node.get("typeName")))
                self._add(("domconstraint", domain, con["conname"]), pos)
        elif kind == "AlterTableStmt":
            self._scan_alter_table(node, i)
        elif kind == "DropStmt" and node.get("removeType") in _REL_KINDS:
            for obj in node.get("objects", ()):
                key = ("rel", _dotted(_strings(obj.get("List", {}).get("items"))))
                self.dropped.setdefault(key, []).append(pos)
        elif kind == "RenameStmt":
            self._scan_rename(node, pos)

    def _scan_alter_table(self, node: Node, i: int) -> None:
        table = _rel(node.get("relation", {}))
        for number, wrapped in enumerate(node.get("cmds", ()), 1):
            cmd = wrapped.get("AlterTableCmd", {})
            subtype, name, pos = cmd.get("subtype"), cmd.get("name", ""), (i, number)
            definition = cmd.get("def") or {}
            if subtype == "AT_AddColumn" and "ColumnDef" in definition:
                self._add(("column", table, definition["ColumnDef"].get("colname", "")), pos)
            elif subtype == "AT_AddConstraint" and "Constraint" in definition:
                conname = definition["Constraint"].get("conname")
                if conname:
                    self._add(("constraint", table, conname), pos)
            elif subtype == "AT_AddIdentity" or (
                subtype == "AT_ColumnDefault" and definition and not _is_null(definition)
            ):
                # A default (or an identity) that inserts leaving the column out rely on.
                self._add(("default", table, name), pos, replace=True)
            elif subtype == "AT_SetNotNull":
                self._add(("notnull", table, name), pos)

    def _scan_rename(self, node: Node, pos: Pos) -> None:
        if node.get("renameType") in _FUNCTION_KINDS:
            fn = Function.of(node.get("object", {}))
            self._function_renames.append((fn, fn.renamed(node.get("newname", "")), pos))
            return
        for old, renamed in _rename_keys(node):
            self._renames.append((old, renamed, pos))


_FUNCTION_KINDS = ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_AGGREGATE")
_REL_KINDS = (
    "OBJECT_TABLE",
    "OBJECT_VIEW",
    "OBJECT_MATVIEW",
    "OBJECT_FOREIGN_TABLE",
    "OBJECT_SEQUENCE",
    "OBJECT_INDEX",
)


def _rename_keys(node: Node) -> list[tuple[Key, Key]]:
    """(old key, new key) of a RenameStmt, for the kinds FileObjects tracks."""
    kind = node.get("renameType")
    new = node.get("newname", "")
    relation = node.get("relation") or {}
    if kind in _REL_KINDS and relation:
        schema, name = range_name(relation)
        return [(("rel", _plain(schema, name)), ("rel", _plain(schema, new)))]
    if kind in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT", "OBJECT_TRIGGER", "OBJECT_POLICY"):
        sub = {"OBJECT_COLUMN": "column", "OBJECT_TABCONSTRAINT": "constraint"}.get(
            kind, kind.removeprefix("OBJECT_").lower()
        )
        table = _rel(relation)
        return [((sub, table, node.get("subname", "")), (sub, table, new))]
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        names = _type_names(node.get("object", {}))
        schema = names[-2] if len(names) > 1 else None
        return [(("type", _dotted(names)), ("type", _plain(schema, new)))]
    if kind in ("OBJECT_SCHEMA", "OBJECT_DATABASE", "OBJECT_ROLE"):
        sub = kind.removeprefix("OBJECT_").lower()
        return [((sub, node.get("subname", "")), (sub, new))]
    return []


def _is_null(expr: Node) -> bool:
    return bool(expr.get("A_Const", {}).get("isnull"))


_LAST: list[object] = [None, None]


def file_objects(view: FileView) -> FileObjects:
    """The :class:`FileObjects` of a file, computed once for all rules of this module."""
    if _LAST[0] is not view:
        _LAST[0], _LAST[1] = view, FileObjects.of(view.effects)
    return _LAST[1]  # type: ignore[return-value]


def _statements(view: FileView, kinds: tuple[str, ...]) -> Iterator[tuple[Effect, FileObjects]]:
    """The effects of the given kinds that run when migrating up."""
    objects = file_objects(view)
    for effect in view.effects:
        if effect.kind in kinds and effect.statement.part != "down":
            yield effect, objects


def _table_new(effect: Effect, relation: Node, objects: FileObjects, pos: Pos) -> bool:
    """The table (or view) of ``relation`` was created in this file before ``pos``."""
    shown = _shown(relation)
    if any(t.new for t in effect.touches if t.relation == shown):
        return True
    return objects.new(("rel", _rel(relation)), pos)


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
    effect: Effect, objects: FileObjects, redefinable: bool
) -> list[tuple[str, Node]]:
    """(display name, RangeVar) of the relations a DROP removes that existed before the file."""
    node = effect.node
    found = []
    for obj in node.get("objects", ()):
        names = _strings(obj.get("List", {}).get("items"))
        if not names:
            continue
        rv = {"schemaname": names[-2] if len(names) > 1 else None, "relname": names[-1]}
        key = ("rel", _rel(rv))
        if _table_new(effect, rv, objects, (effect.index, 0)):
            continue
        if redefinable and not _cascade(node) and objects.again(key, (effect.index, 0)):
            continue
        found.append((".".join(names), rv))
    return found


@check("ban-drop-database", scope="file")
def ban_drop_database(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropdbStmt",)):
        name = effect.node.get("dbname", "")
        if objects.new(("database", name), (effect.index, 0)):
            continue
        yield Hit(
            f"DROP DATABASE {name} deletes the database with every table and row in it; "
            f"every application that connects to {name} stops working",
            effect=effect,
        )


@check("ban-drop-table", scope="file")
def ban_drop_table(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        remove = node.get("removeType")
        if remove not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
            continue
        dropped = [name for name, _ in _dropped_relations(effect, objects, redefinable=False)]
        if not dropped:
            continue
        one = len(dropped) == 1
        it, its = ("it", "its") if one else ("them", "their")
        if remove == "OBJECT_TABLE":
            what = (
                f"DROP TABLE deletes table{'' if one else 's'} {_listing(dropped)} "
                f"and all {its} rows"
            )
        else:
            what = (
                f"DROP FOREIGN TABLE removes foreign table{'' if one else 's'} {_listing(dropped)}"
            )
        message = (
            f"{what}; application code that still reads or writes {it} fails "
            f"{_missing('relation', dropped)}"
        )
        if _cascade(node):
            message += (
                f"; CASCADE also drops the views that use {it} and the foreign keys "
                f"of other tables that reference {it}"
            )
        yield Hit(message, effect=effect)


@check("ban-drop-view", scope="file")
def ban_drop_view(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        remove = node.get("removeType")
        if remove not in ("OBJECT_VIEW", "OBJECT_MATVIEW"):
            continue
        dropped = [name for name, _ in _dropped_relations(effect, objects, redefinable=True)]
        if not dropped:
            continue
        one = len(dropped) == 1
        it = "it" if one else "them"
        if remove == "OBJECT_VIEW":
            what = f"DROP VIEW removes view{'' if one else 's'} {_listing(dropped)}"
        else:
            what = (
                f"DROP MATERIALIZED VIEW removes materialized view{'' if one else 's'} "
                f"{_listing(dropped)} and {'its' if one else 'their'} stored rows"
            )
        message = (
            f"{what}; queries that still select from {it} fail {_missing('relation', dropped)}"
        )
        if _cascade(node):
            message += f"; CASCADE also drops the views built on {it}"
        yield Hit(message, effect=effect)


@check("ban-drop-sequence", scope="file")
def ban_drop_sequence(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        if node.get("removeType") != "OBJECT_SEQUENCE":
            continue
        dropped = [name for name, _ in _dropped_relations(effect, objects, redefinable=False)]
        if not dropped:
            continue
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
        yield Hit(message, effect=effect)


def _dropped_named(
    effect: Effect, objects: FileObjects, kind: str, redefinable: bool
) -> list[tuple[str, Node | None]]:
    """(display name, node) of non-relation objects (types, schemas, …) a DROP removes."""
    node = effect.node
    found = []
    for obj in node.get("objects", ()):
        names = _type_names(obj)
        if not names:
            continue
        key = (kind, _dotted(names) if kind == "type" else names[-1])
        pos = (effect.index, 0)
        if objects.new(key, pos):
            continue
        if redefinable and not _cascade(node) and objects.again(key, pos):
            continue
        found.append((".".join(names), obj))
    return found


def _first_location(found: list[tuple[str, Node | None]]) -> int | None:
    for _, obj in found:
        if obj and "TypeName" in obj:
            return obj["TypeName"].get("location")
    return None


@check("ban-drop-type", scope="file")
def ban_drop_type(view: FileView, ctx: Context) -> Iterator[Hit]:
    yield from _drop_type_like(view, "OBJECT_TYPE", "type")
    yield from _drop_type_support(view)


@check("ban-drop-domain", scope="file")
def ban_drop_domain(view: FileView, ctx: Context) -> Iterator[Hit]:
    yield from _drop_type_like(view, "OBJECT_DOMAIN", "domain")


def _drop_type_like(view: FileView, remove: str, word: str) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        if node.get("removeType") != remove:
            continue
        dropped = _dropped_named(effect, objects, "type", redefinable=True)
        if not dropped:
            continue
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
        yield Hit(message, at=_first_location(dropped), effect=effect)


def _type_text(node: Node) -> str:
    return str(type_ref(node.get("TypeName", node)))


def _drop_type_support(view: FileView) -> Iterator[Hit]:
    """DROP CAST, OPERATOR, OPERATOR CLASS and OPERATOR FAMILY: what a type is used with."""
    for effect, objects in _statements(view, ("DropStmt",)):
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
                op = Function.of(obj)
                if objects.new(("operator", op.name), pos):
                    continue
                message = (
                    f"DROP OPERATOR removes operator {op.shown}; queries that still use it fail "
                    "(operator does not exist)"
                )
                cascade = "the views, indexes, constraints and operator classes that use it"
            elif remove in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
                method, *names = _strings(obj.get("List", {}).get("items"))
                word = "operator class" if remove == "OBJECT_OPCLASS" else "operator family"
                key = (word, method, _dotted(names))
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
            yield Hit(message, effect=effect)


@check("ban-drop-schema", scope="file")
def ban_drop_schema(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        if node.get("removeType") != "OBJECT_SCHEMA":
            continue
        names = [n for n, _ in _dropped_named(effect, objects, "schema", redefinable=True)]
        if not names:
            continue
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
        yield Hit(message, effect=effect)


@check("ban-drop-extension", scope="file")
def ban_drop_extension(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        if node.get("removeType") != "OBJECT_EXTENSION":
            continue
        names = [n for n, _ in _dropped_named(effect, objects, "extension", redefinable=True)]
        if not names:
            continue
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
        yield Hit(message, effect=effect)


_FUNCTION_WORDS = {
    "OBJECT_FUNCTION": ("function", "calls"),
    "OBJECT_PROCEDURE": ("procedure", "CALLs"),
    "OBJECT_ROUTINE": ("routine", "calls"),
    "OBJECT_AGGREGATE": ("aggregate", "uses"),
}


@check("ban-drop-function", scope="file")
def ban_drop_function(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("DropStmt",)):
        node = effect.node
        remove = node.get("removeType")
        if remove not in _FUNCTION_WORDS:
            continue
        pos = (effect.index, 0)
        dropped = []
        for obj in node.get("objects", ()):
            fn = Function.of(obj)
            if objects.function_new(fn, pos):
                continue
            if not _cascade(node) and objects.function_again(fn, pos):
                continue
            dropped.append(fn.shown)
        if not dropped:
            continue
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
        yield Hit(message, effect=effect)


# --- ALTER TABLE / ALTER DOMAIN sub-commands ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cmd:
    """One ALTER TABLE sub-command on a table that existed before this file."""

    effect: Effect
    objects: FileObjects
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


def _alter_cmds(view: FileView, subtypes: tuple[str, ...]) -> Iterator[_Cmd]:
    """ALTER TABLE sub-commands of these subtypes on tables not created earlier in the file."""
    for effect, objects in _statements(view, ("AlterTableStmt",)):
        node = effect.node
        relation = node.get("relation", {})
        for number, wrapped in enumerate(node.get("cmds", ()), 1):
            cmd = wrapped.get("AlterTableCmd", {})
            if cmd.get("subtype") not in subtypes:
                continue
            pos = (effect.index, number)
            objtype = node.get("objtype", "OBJECT_TABLE")
            if objtype == "OBJECT_TYPE":
                if objects.new(("type", _rel(relation)), pos):
                    continue
            elif _table_new(effect, relation, objects, pos) or objects.dropped_later(
                ("rel", _rel(relation)), pos
            ):
                continue
            yield _Cmd(
                effect, objects, relation, _rel(relation), _shown(relation), cmd, pos, objtype
            )


def _domain_cmds(view: FileView, subtype: str) -> Iterator[tuple[Effect, str]]:
    """ALTER DOMAIN commands of this subtype on domains not created earlier in the file."""
    for effect, objects in _statements(view, ("AlterDomainStmt",)):
        node = effect.node
        if node.get("subtype") != subtype:
            continue
        names = _strings(node.get("typeName"))
        if objects.new(("type", _dotted(names)), (effect.index, 0)):
            continue
        yield effect, ".".join(names)


@check("ban-drop-column", scope="file")
def ban_drop_column(view: FileView, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(view, ("AT_DropColumn",)):
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
        yield Hit(message, at=c.relation.get("location"), effect=c.effect)


@check("ban-drop-not-null", scope="file")
def ban_drop_not_null(view: FileView, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(view, ("AT_DropNotNull",)):
        key = ("notnull", c.table, c.name)
        if c.column_new() or c.objects.new(key, c.pos) or c.objects.again(key, c.pos):
            continue
        yield Hit(
            f"Dropping NOT NULL on {c.shown}.{c.name} lets NULLs into a column that "
            "application code may assume always has a value; readers that do not handle "
            "NULL break as soon as one is written",
            at=c.relation.get("location"),
            effect=c.effect,
        )
    for effect, domain in _domain_cmds(view, "N"):
        yield Hit(
            f"Dropping NOT NULL on domain {domain} lets NULLs into every column of that "
            "domain; readers that do not handle NULL break as soon as one is written",
            effect=effect,
        )


@check("ban-drop-default", scope="file")
def ban_drop_default(view: FileView, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(view, ("AT_ColumnDefault",)):
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
            effect=c.effect,
        )
    for effect, domain in _domain_cmds(view, "T"):
        definition = effect.node.get("def")
        if definition and not _is_null(definition):
            continue
        yield Hit(
            f"Dropping the default of domain {domain}: inserts that leave out a column of "
            "that domain now store NULL instead of the default, or fail if it is NOT NULL",
            effect=effect,
        )


@check("ban-drop-generated-expression", scope="file")
def ban_drop_generated_expression(view: FileView, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(view, ("AT_DropExpression",)):
        if c.column_new():
            continue
        yield Hit(
            f"DROP EXPRESSION turns generated column {c.shown}.{c.name} into a plain "
            "column: existing values stay, but rows inserted or updated from now on no longer "
            f"compute it, so code that reads {c.name} gets NULL or stale values",
            at=c.relation.get("location"),
            effect=c.effect,
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


@check("ban-drop-constraint", scope="file")
def ban_drop_constraint(view: FileView, ctx: Context) -> Iterator[Hit]:
    for c in _alter_cmds(view, ("AT_DropConstraint",)):
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
        yield Hit(message, at=c.relation.get("location"), effect=c.effect)
    for c in _alter_cmds(view, ("AT_AlterConstraint",)):
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
            effect=c.effect,
        )
    for effect, objects in _statements(view, ("AlterDomainStmt",)):
        node = effect.node
        if node.get("subtype") != "X":
            continue
        names = _strings(node.get("typeName"))
        domain, pos = _dotted(names), (effect.index, 0)
        key = ("domconstraint", domain, node.get("name", ""))
        if objects.new(("type", domain), pos) or objects.new(key, pos) or objects.again(key, pos):
            continue
        yield Hit(
            f"Dropping constraint {node.get('name', '')} of domain {'.'.join(names)} removes a "
            "guarantee application code may rely on: values that break it can be written "
            "from now on",
            effect=effect,
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


@check("ban-alter-identity", scope="file")
def ban_alter_identity(view: FileView, ctx: Context) -> Iterator[Hit]:
    subtypes = ("AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity")
    for c in _alter_cmds(view, subtypes):
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
                effect=c.effect,
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
            effect=c.effect,
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
        return Function.of(node.get("object", {})).shown, None
    if kind == "OBJECT_DOMCONSTRAINT":
        return node.get("subname", ""), ".".join(_type_names(node.get("object", {})))
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        return ".".join(_type_names(node.get("object", {}))), None
    return node.get("subname", ""), None


def _rename_harmless(effect: Effect, objects: FileObjects) -> bool:
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
        fn = Function.of(node.get("object", {}))
        return objects.function_new(fn, pos) or objects.function_again(fn, pos)
    if kind == "OBJECT_DOMCONSTRAINT":
        domain = _dotted(_type_names(node.get("object", {})))
        key = ("domconstraint", domain, node.get("subname", ""))
        return (
            objects.new(("type", domain), pos) or objects.new(key, pos) or objects.again(key, pos)
        )
    return any(objects.new(old, pos) or objects.again(old, pos) for old, _ in _rename_keys(node))


@check("renaming-object", scope="file")
def renaming_object(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("RenameStmt", "AlterEnumStmt")):
        node = effect.node
        if effect.kind == "AlterEnumStmt":
            if not node.get("oldVal"):
                continue
            type_names = _strings(node.get("typeName"))
            type_key = _dotted(type_names)
            pos = (effect.index, 0)
            if objects.new(("type", type_key), pos) or objects.new(
                ("enumvalue", type_key, node["oldVal"]), pos
            ):
                continue
            yield Hit(
                f"Renaming value '{node['oldVal']}' of enum {'.'.join(type_names)} to "
                f"'{node.get('newVal', '')}': code that still writes or compares "
                f"'{node['oldVal']}' fails (invalid input value for enum "
                f'{".".join(type_names)}: "{node["oldVal"]}")',
                effect=effect,
            )
            continue
        word = _RENAME_WORDS.get(node.get("renameType", ""))
        if word is None or _rename_harmless(effect, objects):
            continue
        name, owner = _rename_target(node)
        on = f" on {owner}" if owner else ""
        old = name.partition("(")[0]
        breaks = _RENAME_BREAKS.get(word, "queries and code that still use the name {old} fail")
        yield Hit(
            f"Renaming {word} {name}{on} to {node.get('newname', '')}: " + breaks.format(old=old),
            effect=effect,
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


@check("ban-set-schema", scope="file")
def ban_set_schema(view: FileView, ctx: Context) -> Iterator[Hit]:
    for effect, objects in _statements(view, ("AlterObjectSchemaStmt",)):
        node = effect.node
        objtype = node.get("objectType", "")
        word = _SCHEMA_WORDS.get(objtype)
        if word is None:
            continue
        pos = (effect.index, 0)
        relation = node.get("relation")
        obj = node.get("object") or {}
        if relation:
            name = _shown(relation)
            new = _table_new(effect, relation, objects, pos)
        elif objtype in _FUNCTION_KINDS:
            fn = Function.of(obj)
            name, new = fn.shown, objects.function_new(fn, pos)
        elif objtype == "OBJECT_EXTENSION":
            name = obj.get("String", {}).get("sval", "")
            new = objects.new(("extension", name), pos)
        else:
            names = _type_names(obj)
            name, new = ".".join(names), objects.new(("type", _dotted(names)), pos)
        if new:
            continue
        target = node.get("newschema", "")
        if objtype == "OBJECT_EXTENSION":
            moved = f"Moving the objects of extension {name} to schema {target}"
            them = "its functions and types"
        else:
            moved, them = f"Moving {word} {name} to schema {target}", "it"
        yield Hit(
            f"{moved}: code that names {them} with the old schema fails, and so does code "
            f"that finds {them} through a search_path without {target}",
            effect=effect,
        )
