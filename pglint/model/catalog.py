"""The objects a migration has created or changed so far.

The analyser feeds every statement through :meth:`Catalog.apply`. Objects created by
the migration being linted are *new* (empty and unused, so locking them is harmless);
objects replayed from earlier migrations are existing ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from pglint.model.nodes import RELATION_OBJECTS, alter_commands
from pglint.model.objects import (
    CREATE,
    DEFINE,
    DROP,
    ENSURE,
    RENAME,
    Event,
    Key,
    Routine,
    dotted,
    events_of,
    plain,
    rel_key,
    signature,
    strings,
    type_names,
)
from pglint.model.statements import Node, Statement
from pglint.model.types import TypeRef, rewrites_on_change, type_ref

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def range_name(range_var: Node) -> tuple[str | None, str]:
    """(schema, name) of a pglast ``RangeVar``."""
    return range_var.get("schemaname"), range_var.get("relname", "")


@dataclass(frozen=True, slots=True)
class Column:
    """A table's column. Columns and constraints never change in place (a change puts a
    new one in the table's place), so copies of a table share them."""

    name: str
    type: TypeRef | None
    not_null: bool = False
    has_default: bool = False
    references: str | None = None
    #: The DEFAULT expression as PostgreSQL stores it, in a comparable form (see
    #: :func:`stored_default`); None: no default, or an identity, serial or generated one.
    default: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str | None
    kind: str  # CONSTR_CHECK, CONSTR_FOREIGN, CONSTR_UNIQUE, CONSTR_PRIMARY, CONSTR_EXCLUSION
    columns: tuple[str, ...] = ()
    valid: bool = True
    not_null_column: str | None = None  # for CHECK (col IS NOT NULL)
    references: str | None = None  # the referenced table of a FOREIGN KEY
    expr: Node | None = field(default=None, repr=False, compare=False)  # a CHECK's expression
    #: A FOREIGN KEY's referenced columns as written (empty: the referenced primary key).
    ref_columns: tuple[str, ...] = ()


@dataclass(slots=True)
class Table:
    schema: str | None
    name: str
    new: bool
    kind: str = "table"  # table, view, matview, partitioned, foreign
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    #: Partitioned tables: ``range``, ``list`` or ``hash`` and the key columns (``(expr)``
    #: for an expression), and the DEFAULT partition's qualified name, if one is known.
    partition_strategy: str | None = None
    partition_key: tuple[str, ...] = ()
    default_partition: str | None = None
    #: Partitions: the parent's qualified name.
    parent: str | None = None
    #: Views and materialized views: their query (a parse-tree node).
    query: Node | None = field(default=None, repr=False, compare=False)
    #: A temporary table (``CREATE TEMP TABLE``): gone at the end of the session.
    temporary: bool = False
    #: :attr:`sources`, once computed (the query of a view never changes in place).
    _sources: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def qualified(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def sources(self) -> tuple[str, ...]:
        """Views and materialized views: the relations their query reads."""
        if self.query is None:
            return ()
        if self._sources is None:
            self._sources = query_relations(self.query)
        return self._sources


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain: its base type and constraints (CHECK names, NOT NULL)."""

    base: TypeRef | None
    checks: tuple[str, ...] = ()
    not_null: bool = False


@dataclass(slots=True)
class Index:
    schema: str | None
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    new: bool
    #: Columns named in the index's expressions or its WHERE predicate.
    mentions: frozenset[str] = frozenset()
    #: The columns of its INCLUDE list.
    included: frozenset[str] = frozenset()

    @property
    def uses(self) -> frozenset[str]:
        """Columns it uses beyond its key columns (DROP COLUMN of any drops the index)."""
        return self.mentions | self.included


#: Per-table object kinds in :attr:`Catalog.objects`: ``(kind, table, name)``.
TABLE_PARTS = ("column", "constraint", "default", "notnull", "trigger", "policy", "rule")
_TABLE_PART_SET = frozenset(TABLE_PARTS)

#: In :attr:`Catalog.checks`: a validated constraint whose expression is unknown.
UNKNOWN_CHECK: frozenset[str] | None = None


@dataclass(slots=True)
class Catalog:
    """Tables, indexes, types and other named objects known so far.

    ``new`` flags say whether the migration being linted created an object: such an
    object is empty and no running client uses it yet. ``CREATE OR REPLACE`` (and ``IF
    NOT EXISTS`` for schemas and extensions) may have found an existing object, so it does
    not make one new. ``IF NOT EXISTS`` of an object the catalog knows changes nothing
    (PostgreSQL skips the statement). :meth:`release` marks everything as existing once a migration has
    shipped.
    """

    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    #: Every type, domains included: name as written → new.
    types: dict[str, bool] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    sequences: dict[str, bool] = field(default_factory=dict)
    #: Kept empty: functions are in :attr:`routines` (matched by argument types).
    functions: dict[str, bool] = field(default_factory=dict)
    new_objects: set[str] = field(default_factory=set)
    #: Named objects other than relations, types and routines (see
    #: :mod:`pglint.model.objects` for the keys): schemas, extensions, roles, databases,
    #: casts, operators, domain constraints, enum labels, and per table the columns,
    #: constraints, defaults and NOT NULLs that migrations added, triggers, policies and
    #: rules. Key → new. Tables the catalog does not know get entries too.
    objects: dict[Key, bool] = field(default_factory=dict)
    #: Functions, procedures and aggregates → new.
    routines: dict[Routine, bool] = field(default_factory=dict)
    #: Objects the migration being linted created or replaced (views, routines, triggers,
    #: rules, …, including ``CREATE OR REPLACE``), released with the new flags.
    defined: set[Key] = field(default_factory=set)
    #: CHECK constraints that prove columns NOT NULL, per table (matching name, known to
    #: the catalog or not): constraint name → (columns, validated). The columns are
    #: :data:`UNKNOWN_CHECK` for a validated constraint the migrations never showed.
    checks: dict[str, dict[str, tuple[frozenset[str] | None, bool]]] = field(default_factory=dict)
    #: (table, column) of columns the migration added without a default to a table that
    #: already had rows, and that no UPDATE has assigned since: NULL in every existing row.
    null_columns: set[tuple[str, str]] = field(default_factory=set)
    #: Functions the migrations created → (``volatile``, ``stable`` or ``immutable`` as
    #: declared, CREATE FUNCTION's default being ``volatile``; the body of a volatile SQL
    #: function PostgreSQL may inline, as SQL text or a parsed ``RETURN`` / ``BEGIN
    #: ATOMIC`` body, else None).
    volatility: dict[Routine, tuple[str, str | Node | None]] = field(default_factory=dict)
    #: Domains, under their key in :attr:`types`.
    domains: dict[str, Domain] = field(default_factory=dict)

    #: Tables this catalog may change in place (id → table); None: all of them. After
    #: :meth:`copy` both catalogs share their tables, and each clones a table before its
    #: first change (copy on write).
    _owned: dict[int, Table] | None = field(default=None, repr=False, compare=False)
    #: Whether :meth:`release` has been called: the migration-set runner says when a
    #: migration has shipped (see :meth:`pglint.model.effects.Analyser.reset_file`).
    _released: bool = field(default=False, repr=False, compare=False)
    #: Extended statistics objects (matching name, see ``plain``) → their table's
    #: qualified name: DROP STATISTICS locks that table.
    statistics: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Catalog:
        """An independent copy, cheap to take: tables are cloned only when changed.

        Parse-tree nodes, TypeRefs, Index objects, enum label lists and per-table CHECK
        maps are never changed in place, so they are shared. ``copy.deepcopy`` of a
        catalog comes here too.
        """
        self._owned = {}
        return Catalog(
            dict(self.tables),
            dict(self.indexes),
            dict(self.types),
            dict(self.enums),
            dict(self.sequences),
            dict(self.functions),
            set(self.new_objects),
            dict(self.objects),
            dict(self.routines),
            set(self.defined),
            dict(self.checks),
            set(self.null_columns),
            dict(self.volatility),
            dict(self.domains),
            {},
            self._released,
            dict(self.statistics),
        )

    def release(self) -> None:
        """Mark every object as existing: the migration that created it has shipped."""
        self._released = True
        for table in list(filter(_is_new, self.tables.values())):
            self.writable(table).new = False
        for key in [k for k, i in self.indexes.items() if i.new]:
            self.indexes[key] = replace(self.indexes[key], new=False)
        for mapping in (self.types, self.sequences, self.functions):
            _mark_existing(mapping)
        self.release_objects()

    def release_objects(self) -> None:
        """Mark the named objects (:attr:`objects`, :attr:`routines`) as existing, forget
        what the migration defined and which columns it left NULL, and drop temporary
        tables (a new file runs in a new session)."""
        # Both grow with every migration of a set: change only the new ones in place.
        _mark_existing(self.objects)
        _mark_existing(self.routines)
        self.defined.clear()
        self.null_columns.clear()
        # Temporary tables end with the session that created them, and their indexes too.
        ended = {key for key, t in self.tables.items() if t.temporary}
        for key in ended:
            del self.tables[key]
        if ended:
            for key in [k for k, i in self.indexes.items() if i.table in ended]:
                del self.indexes[key]

    def writable(self, table: Table) -> Table:
        """``table`` itself if this catalog owns it, else its clone put in its place."""
        owned = self._owned
        if owned is None or owned.get(id(table)) is table:
            return table
        clone = _copy_table(table)
        owned[id(clone)] = clone
        key = table.qualified
        if self.tables.get(key) is table:
            self.tables[key] = clone
        else:  # pragma: no cover - tables are always kept under their qualified name
            for key, value in list(self.tables.items()):
                if value is table:
                    self.tables[key] = clone
        return clone

    def __deepcopy__(self, memo: dict[int, object]) -> Catalog:
        return self.copy()

    # --- look-ups -------------------------------------------------------------------------

    def table(self, schema: str | None, name: str) -> Table | None:
        found = self.tables.get(qualified(schema, name))
        if found is None and schema in (None, "public"):
            found = self.tables.get(name if schema else qualified("public", name))
        return found

    def table_of(self, range_var: Node) -> Table | None:
        return self.table(*range_name(range_var))

    def is_new_table(self, range_var: Node) -> bool:
        found = self.table_of(range_var)
        return bool(found and found.new)

    def is_new_relation(self, schema: str | None, name: str) -> bool:
        """A table, view or index created by the migration being linted."""
        found = self.table(schema, name)
        if found is not None:
            return found.new
        index = self.index(schema, name)
        return bool(index and index.new)

    def index(self, schema: str | None, name: str) -> Index | None:
        return self.indexes.get(qualified(schema, name)) or (
            self.indexes.get(name) if schema in (None, "public") else None
        )

    def sequence_key(self, schema: str | None, name: str) -> str | None:
        """The key of a known sequence, ``public.s`` and ``s`` being the same."""
        for key in _variants(schema, name):
            if key in self.sequences:
                return key
        return None

    def type_key(self, names: list[str] | str) -> str | None:
        """The key of a known type (enum, composite, domain, range, base type)."""
        if isinstance(names, str):
            schema, _, name = names.rpartition(".")
        else:
            schema, name = (names[-2] if len(names) > 1 else ""), (names[-1] if names else "")
        for key in _variants(schema or None, name):
            if key in self.types:
                return key
        return None

    def is_new_type(self, names: list[str] | str) -> bool:
        key = self.type_key(names)
        return bool(key is not None and self.types[key])

    def is_new(self, key: Key) -> bool:
        """Whether the migration being linted created the object ``key`` (see
        :mod:`pglint.model.objects`); unknown objects existed before it."""
        kind = key[0]
        if kind == "rel":
            schema, _, name = key[1].rpartition(".")
            if self.is_new_relation(schema or None, name):
                return True
            found = self.sequence_key(schema or None, name)
            return bool(found is not None and self.sequences[found])
        if kind == "type":
            return self.is_new_type(key[1])
        return self.objects.get(key, False)

    def domain(self, ref: TypeRef | None) -> Domain | None:
        """The domain a column type names, if the catalog knows it (arrays of one are not)."""
        if ref is None or ref.array or not self.domains:
            return None
        key = self.type_key([ref.schema, ref.name] if ref.schema else [ref.name])
        return self.domains.get(key) if key is not None else None

    def constrained_domain(self, ref: TypeRef | None) -> bool:
        """Whether ``ref`` is a known domain with a CHECK or NOT NULL, its own or its base
        domain's (PostgreSQL checks them for every row ADD COLUMN fills, even with NULL)."""
        domain = self.domain(ref)
        for _ in range(16):  # domains over domains; a cycle cannot exist
            if domain is None:
                return False
            if domain.checks or domain.not_null:
                return True
            domain = self.domain(domain.base)
        return False

    def base_type(self, ref: TypeRef | None) -> TypeRef | None:
        """``ref`` with known domains resolved to their base type."""
        for _ in range(16):
            domain = self.domain(ref)
            if domain is None or domain.base is None:
                return ref
            ref = domain.base
        return ref

    def tables_using_domain(self, names: list[str]) -> list[Table]:
        """The tables with a column of the domain ``names`` or of a known domain over it
        (ALTER DOMAIN checks them all; arrays of a domain are not checked)."""
        target = dotted(names)
        found = []
        for table in self.tables.values():
            for column in table.columns.values():
                ref = column.type
                for _ in range(16):
                    if ref is None or ref.array or plain(ref.schema, ref.name) == target:
                        break
                    domain = self.domain(ref)
                    ref = domain.base if domain is not None else None
                if ref is not None and not ref.array:
                    found.append(table)
                    break
        return found

    def type_change_rewrites(self, old: TypeRef | None, new: TypeRef) -> bool | None:
        """:func:`~pglint.model.types.rewrites_on_change` with known domains: a change to
        a domain with constraints rewrites; otherwise domains count as their base type
        (measured on PostgreSQL 15: ``int`` → an unconstrained domain over ``int`` keeps
        every row, a domain → its base type too)."""
        if self.domains and old != new:
            if self.constrained_domain(new):
                return True
            old, new = self.base_type(old), self.base_type(new) or new
        return rewrites_on_change(old, new)

    def function_volatility(self, name: str) -> str | None:
        """How volatile the functions named ``name`` (matching form) are, the most volatile
        overload counting; None if the migrations created none."""
        found = [v for r, (v, _) in self.volatility.items() if r.name == name]
        if not found:
            return None
        return max(found, key=_VOLATILITY_ORDER.index)

    def inline_body(self, name: str) -> str | Node | None:
        """The body of the one function named ``name`` if it is a volatile SQL function
        PostgreSQL may inline (see :func:`_inline_body`)."""
        found = [body for r, (_, body) in self.volatility.items() if r.name == name]
        return found[0] if len(found) == 1 else None

    def is_new_routine(self, routine: Routine) -> bool:
        """Whether a plain CREATE of this migration made a routine that ``routine`` names."""
        return any(new and known.matches(routine) for known, new in self.routines.items())

    def defined_here(self, key: Key) -> bool:
        """Whether the migration being linted created or replaced the object ``key``."""
        return key in self.defined

    def proves_not_null(self, table: str, column: str) -> bool | None:
        """Whether a validated CHECK proves ``column`` of ``table`` (matching name) NOT NULL:
        True if one does, None if only an unknown validated constraint might, else False."""
        verdict: bool | None = False
        for columns, valid in self.checks.get(table, {}).values():
            if not valid:
                continue
            if columns is None:
                verdict = None
            elif column in columns:
                return True
        return verdict

    # --- updates --------------------------------------------------------------------------

    def apply(self, statement: Statement, new: bool = True) -> list[Event]:
        """Record what ``statement`` creates, drops or renames. Returns the ``IF NOT
        EXISTS`` creates PostgreSQL skips because the catalog knows the object: it stays
        as it was (existing, same columns)."""
        kind = statement.kind
        events = events_of(statement)
        skipped = [e for e in events if e.if_missing and self.knows(e.key)] if events else []
        if kind == "AlterTableStmt":
            _track_columns(self, statement.node)
        elif kind == "UpdateStmt":
            _assigned(self, statement.node)
        handler = _HANDLERS.get(kind)
        if handler is not None and not (skipped and skipped[0].sub == 0):
            handler(self, statement.node, new)
        for event in events:
            if not (skipped and event in skipped):
                _apply_event(self, event, new)
        return skipped

    def knows(self, key: Key) -> bool:
        """Whether the object ``key`` (a relation, column, schema, …) is known to exist."""
        kind = key[0]
        if kind in ("rel", "column"):
            schema, _, name = key[1].rpartition(".")
            if kind == "column":
                table = self.table(schema or None, name)
                return key in self.objects or (table is not None and key[2] in table.columns)
            return (
                self.table(schema or None, name) is not None
                or self.index(schema or None, name) is not None
                or self.sequence_key(schema or None, name) is not None
            )
        return key in self.objects

    def _add_table(self, schema: str | None, name: str, new: bool, kind: str = "table") -> Table:
        table = Table(schema, name, new, kind)
        self.tables[qualified(schema, name)] = table
        if self._owned is not None:
            self._owned[id(table)] = table
        return table

    def _table_to_change(self, range_var: Node) -> Table | None:
        """The table a statement changes, made writable (see :meth:`writable`)."""
        found = self.table_of(range_var)
        return self.writable(found) if found is not None else None


_VOLATILITY_ORDER = ("immutable", "stable", "volatile")


def _declared_volatility(options: list[Node] | None) -> str | None:
    """The IMMUTABLE / STABLE / VOLATILE option of CREATE or ALTER FUNCTION, if given."""
    for wrapped in options or ():
        option = wrapped.get("DefElem", {})
        if option.get("defname") == "volatility":
            value = option.get("arg", {}).get("String", {}).get("sval")
            return value if value in _VOLATILITY_ORDER else None
    return None


def _create_function(catalog: Catalog, node: Node, new: bool) -> None:
    if node.get("is_procedure"):
        return
    routine = Routine(dotted(strings(node.get("funcname"))), signature(node.get("parameters")))
    declared = _declared_volatility(node.get("options")) or "volatile"
    body = _inline_body(node) if declared == "volatile" else None
    catalog.volatility[routine] = (declared, body)


#: Options after which PostgreSQL does not inline a SQL function (``inline_function``).
_NOT_INLINED = frozenset({"security", "strict", "set"})


def _inline_body(node: Node) -> str | Node | None:
    """The body of a SQL function PostgreSQL may inline into a calling expression (not
    SECURITY DEFINER, STRICT, SET or set-returning): then a column default calling it
    is as volatile as the body (measured on PostgreSQL 15: a VOLATILE ``SELECT now()``
    function does not rewrite, ``RETURN random()`` does)."""
    if node.get("returnType", {}).get("setof"):
        return None
    text: str | None = None
    for wrapped in node.get("options", ()):
        option = wrapped.get("DefElem", {})
        name, arg = option.get("defname"), option.get("arg", {})
        if name == "language" and arg.get("String", {}).get("sval", "").lower() != "sql":
            return None
        if name in _NOT_INLINED and arg.get("Boolean", {"boolval": True}).get("boolval"):
            return None
        if name == "as":
            items = arg.get("List", {}).get("items", ())
            text = items[0].get("String", {}).get("sval") if len(items) == 1 else None
    body = node.get("sql_body")
    return body if body is not None else text


def _alter_function(catalog: Catalog, node: Node, new: bool) -> None:
    actions = node.get("actions")
    declared = _declared_volatility(actions)
    inlined = not any(
        a.get("DefElem", {}).get("defname") in _NOT_INLINED
        and a["DefElem"].get("arg", {}).get("Boolean", {"boolval": True}).get("boolval")
        for a in actions or ()
    )
    routine = Routine.of(node.get("func") or {})
    for known in [r for r in catalog.volatility if r.matches(routine)]:
        volatility, body = catalog.volatility[known]
        catalog.volatility[known] = (declared or volatility, body if inlined else None)


_is_new = attrgetter("new")


def _mark_existing(flags: dict[_K, bool]) -> None:
    """Set every new flag of ``flags`` to False, in place (only the new ones are written;
    found with ``compress``, in C: the maps grow with every migration of a set)."""
    for key in list(compress(flags.keys(), flags.values())):
        flags[key] = False


def _shallow(obj: _T) -> _T:
    """A new dataclass instance with the same field values (containers shared)."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return cls(*[getattr(obj, name) for name in names])


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_T = TypeVar("_T", bound="DataclassInstance")
_K = TypeVar("_K")
_N = TypeVar("_N")


#: Suffix of the name PostgreSQL gives an unnamed constraint: ``<table>_<columns>_<suffix>``.
_DEFAULT_SUFFIX = {"CONSTR_FOREIGN": "fkey", "CONSTR_UNIQUE": "key", "CONSTR_EXCLUSION": "excl"}


def constraint_name(table: Table, con: Constraint) -> str | None:
    """A constraint's name: as written, or the one PostgreSQL generates for an unnamed
    primary key, unique, exclusion or foreign key constraint (``child_t_id_fkey``)."""
    if con.name is not None:
        return con.name
    if con.kind == "CONSTR_PRIMARY":
        return f"{table.name}_pkey"
    if con.kind in _DEFAULT_SUFFIX and con.columns:
        return f"{table.name}_{'_'.join(con.columns)}_{_DEFAULT_SUFFIX[con.kind]}"
    return None


def _copy_table(t: Table) -> Table:
    table = _shallow(t)
    table.columns = dict(t.columns)
    table.constraints = list(t.constraints)
    return table


def _column_from_def(coldef: Node) -> tuple[Column, list[Constraint]]:
    type_name = coldef.get("typeName")
    name = coldef.get("colname", "")
    column_type = type_ref(type_name) if type_name else None
    not_null = has_default = False
    references: str | None = None
    default: str | None = None
    constraints: list[Constraint] = []
    for wrapped in coldef.get("constraints", ()):
        con = wrapped.get("Constraint", {})
        contype = con.get("contype")
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            not_null = True
        if contype in ("CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"):
            has_default = True
        if contype == "CONSTR_DEFAULT":
            default = stored_default(con.get("raw_expr"))
        if contype == "CONSTR_FOREIGN":
            pk = con.get("pktable", {})
            references = qualified(*range_name(pk))
        if contype in ("CONSTR_CHECK", "CONSTR_FOREIGN", "CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            constraints.append(
                Constraint(
                    con.get("conname"),
                    contype,
                    (name,),
                    not con.get("skip_validation", False),
                    not_null_column=not_null_check_column(con.get("raw_expr"))
                    if contype == "CONSTR_CHECK"
                    else None,
                    references=qualified(*range_name(con.get("pktable", {})))
                    if contype == "CONSTR_FOREIGN"
                    else None,
                    expr=con.get("raw_expr") if contype == "CONSTR_CHECK" else None,
                    ref_columns=_names_of(con.get("pk_attrs")),
                )
            )
    if column_type is not None and column_type.name in ("serial", "bigserial", "smallserial"):
        has_default = not_null = True
    return Column(name, column_type, not_null, has_default, references, default), constraints


_LOCATION = re.compile(r',"location":-?\d+|"location":-?\d+,?')


def stored_default(expr: Node | None) -> str | None:
    """A DEFAULT expression as PostgreSQL keeps it, as comparable text (the parse tree's
    JSON without locations; :func:`default_expression` turns it back into a tree).

    A constant's cast is dropped (PostgreSQL coerces the constant to the column's type
    either way), and ``DEFAULT NULL`` is no default.
    """
    while expr is not None and "TypeCast" in expr and "A_Const" in expr["TypeCast"].get("arg", {}):
        expr = expr["TypeCast"]["arg"]
    if expr is None or expr.get("A_Const", {}).get("isnull"):
        return None
    return _LOCATION.sub("", json.dumps(expr, separators=(",", ":"), sort_keys=True))


def default_expression(stored: str) -> Node:
    """The parse tree of a :func:`stored_default` text (without locations)."""
    return json.loads(stored)


def not_null_check_column(expr: Node | None) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` expression, else None."""
    test = (expr or {}).get("NullTest")
    if not test or test.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = test.get("arg", {}).get("ColumnRef", {}).get("fields", ())
    if len(fields) == 1 and "String" in fields[0]:
        return fields[0]["String"]["sval"]
    return None


def _constraint(con: Node) -> Constraint:
    columns = tuple(
        k.get("String", {}).get("sval", "") for k in con.get("keys", ()) or con.get("fk_attrs", ())
    )
    if con.get("contype") == "CONSTR_FOREIGN":
        columns = tuple(k.get("String", {}).get("sval", "") for k in con.get("fk_attrs", ()))
    check = con.get("contype") == "CONSTR_CHECK"
    return Constraint(
        con.get("conname"),
        con.get("contype", ""),
        columns,
        valid=not con.get("skip_validation", False),
        not_null_column=not_null_check_column(con.get("raw_expr")) if check else None,
        references=qualified(*range_name(con.get("pktable", {})))
        if con.get("contype") == "CONSTR_FOREIGN"
        else None,
        expr=con.get("raw_expr") if check else None,
        ref_columns=_names_of(con.get("pk_attrs")),
    )


def _names_of(items: list[Node] | None) -> tuple[str, ...]:
    return tuple(k.get("String", {}).get("sval", "") for k in items or ())


_STRATEGIES = {
    "PARTITION_STRATEGY_RANGE": "range",
    "PARTITION_STRATEGY_LIST": "list",
    "PARTITION_STRATEGY_HASH": "hash",
}


def _attach(catalog: Catalog, parent: Table | None, child: Table | None, bound: Node) -> None:
    """Record that ``child`` became a partition of ``parent`` (DEFAULT when the bound says so)."""
    if parent is None or child is None:
        return
    child = catalog.writable(child)
    child.parent = parent.qualified
    if bound.get("is_default"):
        catalog.writable(parent).default_partition = child.qualified


def _detach(catalog: Catalog, parent: Table | None, child: Table | None) -> None:
    if child is not None:
        catalog.writable(child).parent = None
    if parent is not None and child is not None and parent.default_partition == child.qualified:
        catalog.writable(parent).default_partition = None


def _create_table(catalog: Catalog, node: Node, new: bool) -> None:
    schema, name = range_name(node.get("relation", {}))
    spec = node.get("partspec")
    kind = "partitioned" if spec else "table"
    table = catalog._add_table(schema, name, new, kind)
    table.temporary = node.get("relation", {}).get("relpersistence") == "t"
    if spec:
        table.partition_strategy = _STRATEGIES.get(spec.get("strategy", ""))
        table.partition_key = tuple(
            p.get("PartitionElem", {}).get("name") or "(expr)" for p in spec.get("partParams", ())
        )
    if node.get("partbound") and node.get("inhRelations"):
        parent = catalog.table_of(node["inhRelations"][0].get("RangeVar", {}))
        _attach(catalog, parent, table, node["partbound"])
    for element in node.get("tableElts", ()):
        if "ColumnDef" in element:
            column, constraints = _column_from_def(element["ColumnDef"])
            table.columns[column.name] = column
            table.constraints.extend(constraints)
        elif "Constraint" in element:
            con = _constraint(element["Constraint"])
            table.constraints.append(con)
            if con.kind == "CONSTR_PRIMARY":
                for col in con.columns:
                    if col in table.columns:
                        table.columns[col] = replace(table.columns[col], not_null=True)


def query_relations(query: object) -> tuple[str, ...]:
    """Qualified names of the relations a query reads (CTE names excluded), in order."""
    found: list[str] = []
    ctes: set[str] = set()
    stack = [query]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            range_var = item.get("RangeVar")
            if range_var is not None:
                name = qualified(*range_name(range_var))
                if name not in found:
                    found.append(name)
                continue
            cte = item.get("CommonTableExpr")
            if cte is not None and cte.get("ctename"):
                ctes.add(cte["ctename"])
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return tuple(name for name in found if name not in ctes)


def _create_table_as(catalog: Catalog, node: Node, new: bool) -> None:
    into = node.get("into", {})
    into = into.get("IntoClause", into)
    schema, name = range_name(into.get("rel", {}))
    kind = "matview" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    table = catalog._add_table(schema, name, new, kind)
    table.temporary = into.get("rel", {}).get("relpersistence") == "t"
    if kind == "matview":
        table.query = node.get("query")


def _create_view(catalog: Catalog, node: Node, new: bool) -> None:
    schema, name = range_name(node.get("view", {}))
    existing = catalog.table(schema, name)
    # A view the catalog has not seen counts as new even with OR REPLACE: in a migration
    # set the replayed history shows every earlier view. (Rules that must not trust that,
    # such as renaming-object, ask the file's timeline, where OR REPLACE creates nothing.)
    table = catalog._add_table(schema, name, existing.new if existing else new, "view")
    table.query = node.get("query")


def _create_index(catalog: Catalog, node: Node, new: bool) -> None:
    schema, table = range_name(node.get("relation", {}))
    name = node.get("idxname") or f"{table}_idx"
    columns = tuple(
        p.get("IndexElem", {}).get("name") or "(expr)" for p in node.get("indexParams", ())
    )
    params = node.get("indexParams", ())
    expressions = [p.get("IndexElem", {}).get("expr") for p in params]
    mentions = frozenset(column_refs([e for e in expressions if e], node.get("whereClause")))
    included = frozenset(column_refs(node.get("indexIncludingParams")))
    catalog.indexes[qualified(schema, name)] = Index(
        schema,
        name,
        qualified(schema, table),
        columns,
        bool(node.get("unique")),
        new,
        mentions,
        included,
    )


def column_refs(*nodes: object) -> tuple[str, ...]:
    """Column names that parse-tree nodes use, each once: the last name of each
    ``ColumnRef`` (not ``t.*``), and the plain column names of ``IndexElem`` nodes (an
    INCLUDE list)."""
    found: dict[str, None] = {}
    stack = list(nodes)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("ColumnRef")
            if ref is not None:
                fields = ref.get("fields", ())
                if fields and "String" in fields[-1]:
                    found[fields[-1]["String"].get("sval", "")] = None
                continue
            if item.get("IndexElem", {}).get("name"):
                found[item["IndexElem"]["name"]] = None
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return tuple(found)


def _alter_table(catalog: Catalog, node: Node, new: bool) -> None:
    table = catalog._table_to_change(node.get("relation", {}))
    if table is None:
        _alter_unknown_table(catalog, node)
        return
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype")
        definition = cmd.get("def", {})
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            column, constraints = _column_from_def(definition["ColumnDef"])
            if cmd.get("missing_ok") and column.name in table.columns:
                continue  # ADD COLUMN IF NOT EXISTS of a column it has: skipped
            table.columns[column.name] = column
            table.constraints.extend(constraints)
        elif subtype == "AT_DropColumn":
            table.columns.pop(cmd.get("name", ""), None)
            _drop_column_dependents(catalog, table, {cmd.get("name", "")})
        elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
            col = table.columns.get(cmd.get("name", ""))
            type_name = definition["ColumnDef"].get("typeName")
            if col is not None and type_name:
                table.columns[col.name] = replace(col, type=type_ref(type_name))
        elif subtype in ("AT_SetNotNull", "AT_DropNotNull"):
            col = table.columns.get(cmd.get("name", ""))
            if col is not None:
                table.columns[col.name] = replace(col, not_null=subtype == "AT_SetNotNull")
        elif subtype == "AT_ColumnDefault":  # SET DEFAULT expr, or DROP DEFAULT (no def)
            col = table.columns.get(cmd.get("name", ""))
            if col is not None:
                expr = stored_default(cmd.get("def"))
                table.columns[col.name] = replace(col, has_default=expr is not None, default=expr)
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            con = _constraint(definition["Constraint"])
            if definition["Constraint"].get("indexname"):
                con = _adopt_index(catalog, table, con, definition["Constraint"]["indexname"])
            table.constraints.append(con)
        elif subtype == "AT_ValidateConstraint":
            name = cmd.get("name")
            table.constraints = [
                replace(c, valid=True) if c.name == name else c for c in table.constraints
            ]
        elif subtype == "AT_DropConstraint":
            name = cmd.get("name")
            dropped = [c for c in table.constraints if constraint_name(table, c) == name]
            table.constraints = [c for c in table.constraints if c not in dropped]
            for con in dropped:
                # An inline REFERENCES is also on its column (pglint verify: DROP TABLE then
                # no longer locks the table it referenced).
                if con.kind == "CONSTR_FOREIGN" and con.name is None and len(con.columns) == 1:
                    col = table.columns.get(con.columns[0])
                    if col is not None:
                        table.columns[col.name] = replace(col, references=None)
        elif subtype == "AT_AttachPartition":
            part = definition.get("PartitionCmd", {})
            child = catalog.table_of(part.get("name", {}))
            _attach(catalog, table, child, part.get("bound") or {})
        elif subtype == "AT_DetachPartition":
            part = definition.get("PartitionCmd", {})
            _detach(catalog, table, catalog.table_of(part.get("name", {})))


def _alter_unknown_table(catalog: Catalog, node: Node) -> None:
    """ALTER TABLE of a table the catalog does not know: what it does to known indexes."""
    if node.get("objtype") != "OBJECT_TABLE" or not catalog.indexes:
        return
    table = Table(*range_name(node.get("relation", {})), new=False)  # a stand-in
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype")
        con = (cmd.get("def") or {}).get("Constraint") or {}
        if subtype == "AT_DropColumn":
            _drop_column_dependents(catalog, table, {cmd.get("name", "")})
        elif subtype == "AT_AddConstraint" and con.get("indexname"):
            _adopt_index(catalog, table, _constraint(con), con["indexname"])


def _adopt_index(catalog: Catalog, table: Table, con: Constraint, index_name: str) -> Constraint:
    """ADD UNIQUE / PRIMARY KEY USING INDEX: the index becomes the constraint's (renamed to
    the constraint's name, which is the index's when none is given) and goes with it, so
    the catalog keeps it as the constraint's, like the index of an inline UNIQUE."""
    name = con.name or index_name
    index = catalog.index(table.schema, index_name)
    if index is None or _plain_name(index.table) != plain(table.schema, table.name):
        return replace(con, name=name)
    del catalog.indexes[qualified(index.schema, index.name)]
    return replace(con, name=name, columns=con.columns or index.columns)


def _involves(con: Constraint, columns: set[str]) -> bool:
    if not columns.isdisjoint(con.columns):
        return True
    return con.expr is not None and not columns.isdisjoint(column_refs(con.expr))


def _drop_column_dependents(catalog: Catalog, table: Table, columns: set[str]) -> None:
    """DROP COLUMN also drops the table's indexes and constraints that involve the column
    (PostgreSQL docs, ALTER TABLE: no CASCADE needed). ``table`` is writable."""
    dropped = [c for c in table.constraints if _involves(c, columns)]
    if dropped:
        table.constraints = [c for c in table.constraints if c not in dropped]
    for key in _indexes_of(catalog, table):
        index = catalog.indexes[key]
        if not (
            columns.isdisjoint(index.columns)
            and columns.isdisjoint(index.mentions)
            and columns.isdisjoint(index.included)
        ):
            del catalog.indexes[key]


def _rename(catalog: Catalog, node: Node, new: bool) -> None:
    rename_type = node.get("renameType")
    relation = node.get("relation") or {}
    if rename_type in RELATION_OBJECTS and relation:
        _rename_relation(catalog, relation, node.get("newname", ""))
        return
    if rename_type != "OBJECT_COLUMN":
        return
    table = catalog._table_to_change(relation)
    if table is None:
        return
    column = table.columns.pop(node.get("subname", ""), None)
    if column is not None:
        column = replace(column, name=node.get("newname", column.name))
        table.columns[column.name] = column
        _rename_column_uses(catalog, table, node.get("subname", ""), column.name)


def _rename_column_uses(catalog: Catalog, table: Table, old: str, new: str) -> None:
    """Indexes and constraints follow a renamed column (PostgreSQL refers to it by number),
    so a later DROP COLUMN of its old name leaves them alone."""

    def renamed(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if n == old else n for n in names)

    table.constraints = [
        replace(c, columns=renamed(c.columns), expr=_renamed_refs(c.expr, old, new))
        if old in c.columns or (c.expr is not None and old in column_refs(c.expr))
        else c
        for c in table.constraints
    ]
    for key in _indexes_of(catalog, table):
        index = catalog.indexes[key]
        if old in index.columns or old in index.uses:
            catalog.indexes[key] = replace(
                index,
                columns=renamed(index.columns),
                mentions=frozenset(renamed(tuple(index.mentions))),
                included=frozenset(renamed(tuple(index.included))),
            )


def _renamed_refs(node: _N, old: str, new: str) -> _N:
    """A copy of a parse-tree node whose column references to ``old`` name ``new``."""
    if isinstance(node, list):
        return [_renamed_refs(item, old, new) for item in node]  # type: ignore[return-value]
    if not isinstance(node, dict):
        return node
    ref = node.get("ColumnRef")
    if ref is not None:
        fields = list(ref.get("fields", ()))
        if fields and fields[-1].get("String", {}).get("sval") == old:
            fields[-1] = {"String": {"sval": new}}
            return {"ColumnRef": {**ref, "fields": fields}}  # type: ignore[return-value]
        return node
    return {k: _renamed_refs(v, old, new) for k, v in node.items()}  # type: ignore[return-value]


def _rename_relation(catalog: Catalog, relation: Node, newname: str) -> None:
    """ALTER TABLE / VIEW / INDEX / SEQUENCE … RENAME TO: whichever the name is."""
    schema, name = range_name(relation)
    found = catalog.table(schema, name)
    if found is not None:
        table = catalog.writable(found)
        old = table.qualified
        del catalog.tables[old]
        table.name = newname or table.name
        catalog.tables[table.qualified] = table

        def follows(item: Column | Constraint) -> bool:
            return bool(item.references) and _plain_name(item.references or "") == _plain_name(old)

        for other in list(catalog.tables.values()):
            if other.default_partition == old:
                catalog.writable(other).default_partition = table.qualified
            if other.parent == old:
                catalog.writable(other).parent = table.qualified
            # Foreign keys follow the renamed table (pglint verify: a later DROP of the
            # constraint or column locks the table under its new name).
            items: tuple[Column | Constraint, ...] = (*other.constraints, *other.columns.values())
            if any(map(follows, items)):
                other = catalog.writable(other)
                other.constraints = [
                    replace(c, references=table.qualified) if follows(c) else c
                    for c in other.constraints
                ]
                other.columns = {
                    key: replace(c, references=table.qualified) if follows(c) else c
                    for key, c in other.columns.items()
                }
        for key, index in list(catalog.indexes.items()):
            if _plain_name(index.table) == _plain_name(old):
                catalog.indexes[key] = replace(index, table=table.qualified)
        return
    found_index = catalog.index(schema, name)
    if found_index is not None:
        del catalog.indexes[qualified(found_index.schema, found_index.name)]
        renamed = replace(found_index, name=newname)
        catalog.indexes[qualified(renamed.schema, renamed.name)] = renamed
        return
    sequence = catalog.sequence_key(schema, name)
    if sequence is not None:
        value = catalog.sequences.pop(sequence)
        catalog.sequences[qualified(sequence.rpartition(".")[0] or None, newname)] = value


def _drop(catalog: Catalog, node: Node, new: bool) -> None:
    kind = node.get("removeType")
    cascade = node.get("behavior") == "DROP_CASCADE"
    if cascade and kind in ("OBJECT_SCHEMA", "OBJECT_TYPE", "OBJECT_DOMAIN"):
        _drop_cascade(catalog, kind, node.get("objects", ()))
        return
    for obj in node.get("objects", ()):
        names = [n.get("String", {}).get("sval", "") for n in obj.get("List", {}).get("items", ())]
        if not names:
            continue
        schema, name = (names[-2] if len(names) > 1 else None), names[-1]
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            table = catalog.table(schema, name)
            if table is not None:
                _drop_relation(catalog, table, cascade, named=True)
        elif kind == "OBJECT_INDEX":
            found = catalog.index(schema, name)
            if found is not None:
                catalog.indexes.pop(qualified(found.schema, found.name), None)
        elif kind == "OBJECT_SEQUENCE":
            sequence = catalog.sequence_key(schema, name)
            if sequence is not None:
                del catalog.sequences[sequence]
        elif kind == "OBJECT_STATISTIC_EXT":
            catalog.statistics.pop(plain(schema, name), None)


def _create_stats(catalog: Catalog, node: Node, new: bool) -> None:
    names = [n.get("String", {}).get("sval", "") for n in node.get("defnames", ())]
    relations = [r["RangeVar"] for r in node.get("relations", ()) if "RangeVar" in r]
    if names and len(relations) == 1:
        schema = names[-2] if len(names) > 1 else None
        catalog.statistics[plain(schema, names[-1])] = qualified(*range_name(relations[0]))


def _drop_relation(catalog: Catalog, table: Table, cascade: bool, named: bool = False) -> None:
    """Drop a relation with its indexes, and what PostgreSQL drops with it: the partitions
    of a partitioned table, and with CASCADE the views and materialized views that read
    it and the foreign keys of other tables that reference it (checked on PostgreSQL 15)."""
    if catalog.tables.get(table.qualified) is not table:
        return  # already dropped (a view reached twice)
    del catalog.tables[table.qualified]
    parent = catalog.tables.get(table.parent) if table.parent else None
    _detach(catalog, parent, table)
    own = plain(table.schema, table.name)
    for key in _indexes_of(catalog, table):
        del catalog.indexes[key]
    if not named:  # (the statement's own DROP event forgets the named relation's parts)
        _forget_table_parts(catalog, own)
    if not cascade and table.kind != "partitioned":
        return  # nothing else goes with it
    for other in list(catalog.tables.values()):
        if other.parent == table.qualified or (cascade and own in map(_plain_name, other.sources)):
            _drop_relation(catalog, other, cascade)
            continue
        if not cascade:
            continue
        items: tuple[Column | Constraint, ...] = (*other.constraints, *other.columns.values())
        if any(_plain_name(c.references or "") == own for c in items):
            other = catalog.writable(other)
            other.constraints = [
                c for c in other.constraints if _plain_name(c.references or "") != own
            ]
            other.columns = {
                k: replace(c, references=None) if _plain_name(c.references or "") == own else c
                for k, c in other.columns.items()
            }


def _drop_cascade(catalog: Catalog, kind: str, objects: list[Node]) -> None:
    """DROP SCHEMA … CASCADE drops everything in the schema; DROP TYPE / DOMAIN … CASCADE
    drops the columns of that type (and their indexes and constraints)."""
    for obj in objects:
        if kind == "OBJECT_SCHEMA":
            _drop_schema_contents(catalog, obj.get("String", {}).get("sval", ""))
            continue
        names = type_names(obj)
        if not names:
            continue
        for table, columns in _columns_of_type(catalog, dotted(names)):
            table = catalog.writable(table)
            for column in columns:
                del table.columns[column]
            _drop_column_dependents(catalog, table, set(columns))


def _drop_schema_contents(catalog: Catalog, schema: str) -> None:
    def inside(key: str | None) -> bool:
        return (key or "public") == schema

    for table in list(catalog.tables.values()):
        if inside(table.schema):
            _drop_relation(catalog, table, cascade=True)
    for key in [k for k, i in catalog.indexes.items() if inside(i.schema)]:
        del catalog.indexes[key]
    for mapping in (catalog.sequences, catalog.types, catalog.enums):
        for key in [k for k in mapping if inside(k.rpartition(".")[0])]:
            del mapping[key]


def _create_enum(catalog: Catalog, node: Node, new: bool) -> None:
    names = [n.get("String", {}).get("sval", "") for n in node.get("typeName", ())]
    key = ".".join(names)
    catalog.types[key] = new
    catalog.enums[key] = [v.get("String", {}).get("sval", "") for v in node.get("vals", ())]


def _create_type(catalog: Catalog, node: Node, new: bool) -> None:
    typevar = node.get("typevar", {})
    catalog.types[qualified(typevar.get("schemaname"), typevar.get("relname", ""))] = new


def _create_named_type(field: str):
    """CREATE DOMAIN, CREATE TYPE … AS RANGE and base or shell types (CREATE TYPE x)."""

    def handler(catalog: Catalog, node: Node, new: bool) -> None:
        if field == "defnames" and node.get("kind") != "OBJECT_TYPE":
            return
        names = [n.get("String", {}).get("sval", "") for n in node.get(field, ())]
        if names:
            key = catalog.type_key(names) or ".".join(names)
            catalog.types[key] = catalog.types.get(key, False) or new
            # (A base type is declared twice: first as a shell, then with its functions.)

    return handler


def _create_domain(catalog: Catalog, node: Node, new: bool) -> None:
    _create_named_type("domainname")(catalog, node, new)
    names = strings(node.get("domainname"))
    key = catalog.type_key(names)
    if key is None:  # pragma: no cover - the line above adds it
        return
    base = node.get("typeName")
    domain = Domain(type_ref(base) if base else None)
    for wrapped in node.get("constraints", ()):
        domain = _domain_constraint(domain, names[-1], wrapped.get("Constraint", {}))
    catalog.domains[key] = domain


def _domain_constraint(domain: Domain, name: str, con: Node) -> Domain:
    contype = con.get("contype")
    if contype == "CONSTR_NOTNULL":
        return replace(domain, not_null=True)
    if contype == "CONSTR_CHECK":
        return replace(domain, checks=(*domain.checks, con.get("conname") or f"{name}_check"))
    return domain


def _alter_domain(catalog: Catalog, node: Node, new: bool) -> None:
    """ALTER DOMAIN: constraints added (NOT VALID ones too: new values are checked) or
    dropped, SET / DROP NOT NULL."""
    names = strings(node.get("typeName"))
    key = catalog.type_key(names)
    domain = catalog.domains.get(key) if key is not None else None
    if key is None or domain is None:
        return
    subtype = node.get("subtype")
    if subtype == "C":
        con = (node.get("def") or {}).get("Constraint", {})
        domain = _domain_constraint(domain, names[-1], con)
    elif subtype == "X":
        domain = replace(domain, checks=tuple(c for c in domain.checks if c != node.get("name")))
    elif subtype in ("O", "N"):
        domain = replace(domain, not_null=subtype == "O")
    catalog.domains[key] = domain


def _alter_enum(catalog: Catalog, node: Node, new: bool) -> None:
    names = [n.get("String", {}).get("sval", "") for n in node.get("typeName", ())]
    key = catalog.type_key(names)
    if key is None:
        return
    labels = catalog.enums.get(key)
    value = node.get("newVal")
    if labels is None or not value:
        return
    old = node.get("oldVal")
    if old:  # RENAME VALUE
        catalog.enums[key] = [value if label == old else label for label in labels]
        return
    if value in labels:
        return  # ADD VALUE IF NOT EXISTS of a label it has
    neighbor = node.get("newValNeighbor")
    if neighbor in labels:
        at = labels.index(neighbor) + (1 if node.get("newValIsAfter") else 0)
    else:
        at = len(labels)
    catalog.enums[key] = [*labels[:at], value, *labels[at:]]


def _create_seq(catalog: Catalog, node: Node, new: bool) -> None:
    catalog.sequences[qualified(*range_name(node.get("sequence", {})))] = new


def _create_foreign_table(catalog: Catalog, node: Node, new: bool) -> None:
    base = node.get("base", {})
    _create_table(catalog, base, new)
    table = catalog.table_of(base.get("relation", {}))
    if table is not None:
        table.kind = "foreign"


def _select_into(catalog: Catalog, node: Node, new: bool) -> None:
    into = node.get("intoClause")
    if into:
        rel = into.get("rel", {})
        table = catalog._add_table(*range_name(rel), new)
        table.temporary = rel.get("relpersistence") == "t"


_HANDLERS = {
    "CreateStmt": _create_table,
    "CreateForeignTableStmt": _create_foreign_table,
    "CreateTableAsStmt": _create_table_as,
    "SelectStmt": _select_into,
    "ViewStmt": _create_view,
    "IndexStmt": _create_index,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "DropStmt": _drop,
    "CreateEnumStmt": _create_enum,
    "AlterEnumStmt": _alter_enum,
    "CompositeTypeStmt": _create_type,
    "CreateDomainStmt": _create_domain,
    "AlterDomainStmt": _alter_domain,
    "CreateRangeStmt": _create_named_type("typeName"),
    "DefineStmt": _create_named_type("defnames"),
    "CreateSeqStmt": _create_seq,
    "CreateStatsStmt": _create_stats,
    "CreateFunctionStmt": _create_function,
    "AlterFunctionStmt": _alter_function,
}


# --- named objects (events from pglint.model.objects) -----------------------------------------


def _plain_name(name: str) -> str:
    schema, _, bare = name.rpartition(".")
    return plain(schema or None, bare)


def _indexes_of(catalog: Catalog, table: Table) -> list[str]:
    """The keys of the indexes on ``table`` (a list: the caller may delete them)."""
    names = _variants(table.schema, table.name)
    return [key for key, index in catalog.indexes.items() if index.table in names]


def _variants(schema: str | None, name: str) -> tuple[str, ...]:
    """The keys a name may be stored under: ``public.x`` and ``x`` are one object."""
    if schema in (None, "", "public"):
        return (name, f"public.{name}")
    return (f"{schema}.{name}",)


def _apply_event(catalog: Catalog, event: Event, new: bool) -> None:
    kind = event.key[0]
    if event.routine is not None:
        _routine_event(catalog, event, new)
    elif kind == "rel":
        _relation_event(catalog, event, new)
    elif kind == "type":
        _type_event(catalog, event)
    else:
        _object_event(catalog, event, new)


def _relation_event(catalog: Catalog, event: Event, new: bool) -> None:
    """Relations themselves are kept by the handlers above; here, what belongs to them."""
    name = event.key[1]
    if event.action in (CREATE, DEFINE):
        if new:
            catalog.defined.add(event.key)
    elif event.action == DROP:
        _forget_table_parts(catalog, name)
    elif event.action == RENAME and event.new_key is not None:
        _rename_table_parts(catalog, name, event.new_key[1])


def _forget_table_parts(catalog: Catalog, table: str) -> None:
    for key in [k for k in catalog.objects if k[0] in _TABLE_PART_SET and k[1] == table]:
        del catalog.objects[key]
    catalog.checks.pop(table, None)
    catalog.null_columns = {c for c in catalog.null_columns if c[0] != table}


def _rename_table_parts(catalog: Catalog, old: str, new: str) -> None:
    for key in [k for k in catalog.objects if k[0] in _TABLE_PART_SET and k[1] == old]:
        renamed = (key[0], new, *key[2:])  # not inline: mypy reads d[(a, *b)] as 3.11 syntax
        catalog.objects[renamed] = catalog.objects.pop(key)
    if old in catalog.checks:
        catalog.checks[new] = catalog.checks.pop(old)
    catalog.null_columns = {(new if t == old else t, c) for t, c in catalog.null_columns}


def _type_event(catalog: Catalog, event: Event) -> None:
    """Types are created by the handlers above (with their enum labels); drops and renames."""
    if event.action not in (DROP, RENAME):
        return
    key = catalog.type_key(event.key[1])
    if key is None:
        return
    new = catalog.types.pop(key)
    labels = catalog.enums.pop(key, None)
    domain = catalog.domains.pop(key, None)
    if event.action == RENAME and event.new_key is not None:
        catalog.types[event.new_key[1]] = new
        if labels is not None:
            catalog.enums[event.new_key[1]] = labels
        if domain is not None:
            catalog.domains[event.new_key[1]] = domain
        _retype_columns(catalog, event.key[1], event.new_key[1])


def _columns_of_type(catalog: Catalog, name: str) -> list[tuple[Table, list[str]]]:
    """Each table with columns of type ``name`` (as :func:`plain` spells it), and those
    columns' names."""
    found = []
    for table in catalog.tables.values():
        columns = [
            c.name
            for c in table.columns.values()
            if c.type is not None and plain(c.type.schema, c.type.name) == name
        ]
        if columns:
            found.append((table, columns))
    return found


def _retype_columns(catalog: Catalog, old: str, new: str) -> None:
    """Columns follow a renamed type (they refer to it, not to its name)."""
    schema, _, name = new.rpartition(".")
    for table, names in _columns_of_type(catalog, old):
        table = catalog.writable(table)
        for column in names:
            col = table.columns[column]
            assert col.type is not None
            retyped = replace(col.type, name=name, schema=schema or None)
            table.columns[column] = replace(col, type=retyped)


def _object_event(catalog: Catalog, event: Event, new: bool) -> None:
    key, objects = event.key, catalog.objects
    if event.action == CREATE:
        objects[key] = new
        if new:
            catalog.defined.add(key)
    elif event.action in (DEFINE, ENSURE):
        objects[key] = new and objects.get(key, False)
        if new:
            catalog.defined.add(key)
    elif event.action == DROP:
        objects.pop(key, None)
        if key[0] == "column":
            objects.pop(("default", *key[1:]), None)
            objects.pop(("notnull", *key[1:]), None)
            catalog.null_columns.discard((key[1], key[2]))
    elif event.action == RENAME and event.new_key is not None:
        if key in objects:
            objects[event.new_key] = objects.pop(key)
        if key[0] == "column":
            table, old, renamed = key[1], key[2], event.new_key[2]
            for part in ("default", "notnull"):
                if (part, table, old) in objects:
                    objects[(part, table, renamed)] = objects.pop((part, table, old))
            if (table, old) in catalog.null_columns:
                catalog.null_columns.discard((table, old))
                catalog.null_columns.add((table, renamed))


def _routine_event(catalog: Catalog, event: Event, new: bool) -> None:
    routine, routines = event.routine, catalog.routines
    assert routine is not None
    if event.action == CREATE:
        routines.pop(routine, None)
        routines[routine] = new
    elif event.action == DEFINE:
        routines[routine] = new and routines.get(routine, False)
    elif event.action == DROP:
        for known in [r for r in routines if r.matches(routine)]:
            del routines[known]
        for known in [r for r in catalog.volatility if r.matches(routine)]:
            del catalog.volatility[known]
    elif event.action == RENAME and event.new_routine is not None:
        for known in [r for r in routines if r.matches(routine)]:
            routines[known.renamed(event.new_routine.shown)] = routines.pop(known)
        for known in [r for r in catalog.volatility if r.matches(routine)]:
            renamed = known.renamed(event.new_routine.shown)
            catalog.volatility[renamed] = catalog.volatility.pop(known)
    if new and event.action in (CREATE, DEFINE):
        catalog.defined.add(routine.key)


# --- columns the migration left NULL, CHECKs that prove NOT NULL -------------------------------

_FILLED_BY = frozenset({"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"})
_SERIALS = frozenset({"serial", "bigserial", "smallserial"})


def not_null_columns(expr: Node | None) -> set[str]:
    """Columns a CHECK expression proves NOT NULL: ``c IS NOT NULL``, also inside ``AND``.

    PostgreSQL proves SET NOT NULL from a CHECK by weak implication, so a strict operator
    (``c > 0``) does not count: the CHECK passes when ``c`` is NULL.
    """
    column = not_null_check_column(expr)
    if column is not None:
        return {column}
    boolexpr = (expr or {}).get("BoolExpr", {})
    if boolexpr.get("boolop") == "AND_EXPR":
        found: set[str] = set()
        for arg in boolexpr.get("args", ()):
            found |= not_null_columns(arg)
        return found
    return set()


def _track_columns(catalog: Catalog, node: Node) -> None:
    """ALTER TABLE on any table, known or not: NULL-filled new columns and NOT NULL CHECKs."""
    relation = node.get("relation", {})
    schema, name = range_name(relation)
    table = rel_key(relation)
    had_rows = node.get("objtype") != "OBJECT_TYPE" and not catalog.is_new_relation(schema, name)
    checks: dict[str, tuple[frozenset[str] | None, bool]] | None = None
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype")
        definition = cmd.get("def") or {}
        cmd_name = cmd.get("name", "")
        if subtype == "AT_AddColumn" and "ColumnDef" in definition and had_rows:
            coldef = definition["ColumnDef"]
            if cmd.get("missing_ok") and catalog.knows(("column", table, coldef.get("colname"))):
                continue
            kinds = {c.get("Constraint", {}).get("contype") for c in coldef.get("constraints", ())}
            type_name = coldef.get("typeName")
            serial = bool(type_name) and type_ref(type_name).name in _SERIALS
            if not kinds & _FILLED_BY and not serial:
                catalog.null_columns.add((table, coldef.get("colname", "")))
            continue
        if subtype == "AT_DropColumn":
            catalog.null_columns.discard((table, cmd_name))
            continue
        if subtype not in ("AT_AddConstraint", "AT_ValidateConstraint", "AT_DropConstraint"):
            continue
        if checks is None:  # a new map: copies of the catalog share the old one
            checks = catalog.checks[table] = dict(catalog.checks.get(table, ()))
        con = definition.get("Constraint")
        if subtype == "AT_AddConstraint" and con and con.get("contype") == "CONSTR_CHECK":
            columns = not_null_columns(con.get("raw_expr"))
            if columns:
                label = con.get("conname") or f"{table}_{'_'.join(sorted(columns))}_check"
                checks[label] = (frozenset(columns), not con.get("skip_validation", False))
        elif subtype == "AT_ValidateConstraint" and cmd_name in checks:
            checks[cmd_name] = (checks[cmd_name][0], True)
        elif subtype == "AT_ValidateConstraint":
            known = catalog.table_of(relation)
            if known is None or not any(c.name == cmd_name for c in known.constraints):
                # Added by a migration pglint has not seen: its expression is unknown.
                checks[cmd_name] = (UNKNOWN_CHECK, True)
        elif subtype == "AT_DropConstraint":
            checks.pop(cmd_name, None)


def _assigned(catalog: Catalog, node: Node) -> None:
    """UPDATE … SET col = …: the column no longer holds NULL in every row."""
    if not catalog.null_columns:
        return
    table = rel_key(node.get("relation") or {})
    for wrapped in node.get("targetList", ()) or ():
        target = wrapped.get("ResTarget")
        if target and target.get("name"):
            catalog.null_columns.discard((table, target["name"]))
