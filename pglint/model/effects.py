"""What each statement does to the database: locks, rewrites, scans, transaction state.

:class:`Analyser` walks a file's statements in order, keeping the transaction state,
the timeouts in force and the :class:`Catalog` of objects seen so far, and turns each
statement into an :class:`Effect`. Rules only read effects; they never re-derive these
facts from the parse tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pglint.model.catalog import (
    Catalog,
    Constraint,
    Table,
    column_refs,
    constraint_name,
    qualified,
    query_relations,
    range_name,
)
from pglint.model.file import FileFacts
from pglint.model.locks import LockFact, LockMode, fact
from pglint.model.nodes import TABLE_LIKE_OBJECTS, alter_commands
from pglint.model.objects import dotted, plain, rel_key
from pglint.model.pg_functions import NON_VOLATILE
from pglint.model.statements import Node, Statement
from pglint.model.transaction import TransactionState
from pglint.model.types import type_ref


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class Touch:
    """What one statement does to one relation."""

    relation: str
    lock: LockMode
    rewrite: bool = False
    scan: bool = False
    new: bool = False
    action: str = ""
    location: int | None = None
    #: The lock taken on the relation's index(es) when it blocks more than ``lock`` does:
    #: the planner locks every index of a table it plans a query for, so REINDEX (SHARE on
    #: the table, ACCESS EXCLUSIVE on the index) blocks reads too (pg-truth: reindex_*).
    index_lock: LockMode | None = None
    #: The lock taken on a partition every query on this partitioned table must lock too
    #: (its DEFAULT partition, when ATTACH PARTITION checks it): queries on the parent wait
    #: for it (measured on PostgreSQL 15: attach_partition_with_default, probe).
    partition_lock: LockMode | None = None
    #: False for a materialized view: only REFRESH (and DDL) write it, so no application
    #: write waits for its locks (REFRESH … CONCURRENTLY's EXCLUSIVE lock lets reads run).
    writable: bool = True

    @property
    def blocks_reads(self) -> bool:
        """Plain SELECTs on the relation must wait (through the table or an index lock)."""
        return (
            self.lock.blocks_reads
            or bool(self.index_lock and self.index_lock.blocks_reads)
            or bool(self.partition_lock and self.partition_lock.blocks_reads)
        )

    @property
    def blocks_writes(self) -> bool:
        """INSERT, UPDATE and DELETE on the relation must wait."""
        return self.writable and (
            self.lock.blocks_writes
            or bool(self.index_lock and self.index_lock.blocks_writes)
            or bool(self.partition_lock and self.partition_lock.blocks_writes)
        )

    @property
    def blocked(self) -> str:
        """What the statement blocks on this relation, in words (see LockMode.blocked)."""
        if self.blocks_reads:
            return "reads and writes" if self.writable else "reads"
        return self.lock.blocked


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class Effect:
    """One statement with the facts the model derived for it."""

    statement: Statement
    index: int
    touches: tuple[Touch, ...]
    in_transaction: bool
    explicit_transaction: bool
    lock_timeout: bool
    statement_timeout: bool
    held: tuple[Touch, ...] = ()
    transactional: bool = True
    #: The transaction the statement runs in, numbered from 1 in each file; None when it
    #: runs in autocommit (a transaction of its own). Statements with the same number share
    #: one transaction, its locks and its fate.
    transaction: int | None = None
    #: The migration tool runs the file in a transaction it opens itself
    #: (assume-in-transaction, or the layout says so): the file starts inside it. Not for
    #: a file sent as one query, whose implicit transaction block BEGIN can take over.
    tool_transaction: bool = False
    #: The whole file, for the few questions that look ahead (:class:`FileFacts`).
    file: FileFacts | None = field(default=None, repr=False, compare=False)
    #: Touches of relations that existed before this migration.
    existing: tuple[Touch, ...] = field(init=False, repr=False, compare=False)
    #: Facts rules derive from the effect, computed once on first use (like Statement.memo).
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.existing = tuple([t for t in self.touches if not t.new]) if self.touches else ()

    @property
    def kind(self) -> str:
        return self.statement.kind

    @property
    def node(self) -> Node:
        return self.statement.node

    @property
    def lock(self) -> LockMode | None:
        """The strongest lock taken on an existing relation, if any."""
        modes = [t.lock for t in self.touches if not t.new]
        return max(modes) if modes else None

    @property
    def rewrites(self) -> bool:
        return any(t.rewrite for t in self.touches if not t.new)

    @property
    def scans(self) -> bool:
        return any(t.scan for t in self.touches if not t.new)


class Analyser:
    """Turns statements into effects, in order, for one file (or one migration set)."""

    def __init__(
        self, pg: int, assume_in_transaction: bool = False, catalog: Catalog | None = None
    ):
        self.pg = pg
        self.assume_in_transaction = assume_in_transaction
        self.catalog = catalog if catalog is not None else Catalog()
        self._state = TransactionState(implicit=assume_in_transaction)
        self._file: FileFacts | None = None
        self._files = 0
        self._stated = False  # the current file's transaction mode comes from its layout
        self._one_query = False  # the file is one multi-statement simple Query

    def reset_file(
        self,
        assume_in_transaction: bool | None = None,
        stated: bool = False,
        one_query: bool = False,
    ) -> None:
        """Start a new file: a fresh session and transaction state, catalog kept.

        ``one_query``: the tool sends the file as one simple Query; with
        ``assume_in_transaction`` (several statements) they run in PostgreSQL's implicit
        transaction blocks rather than in a transaction of the tool's.

        Until the caller releases the catalog itself (:meth:`Catalog.release`, when a
        migration has shipped), a file after the first on this analyser counts as a later
        migration: the named objects earlier files created (:attr:`Catalog.objects`,
        :attr:`Catalog.routines`) are existing ones now.
        """
        if assume_in_transaction is not None:
            self.assume_in_transaction = assume_in_transaction
        self._stated = stated
        self._one_query = one_query and self.assume_in_transaction
        self._state = TransactionState(
            implicit=self.assume_in_transaction, one_query=self._one_query
        )
        self._files += 1
        if self._files > 1 and not self.catalog._released:
            self.catalog.release_objects()

    @property
    def in_transaction(self) -> bool:
        return self._state.in_transaction

    @property
    def open_explicit_transaction(self) -> bool:
        return self._state.depth > 0

    def effects(self, statements: Iterable[Statement]) -> Iterator[Effect]:
        """Yield one effect per statement; the catalog is updated after each yield."""
        statements = tuple(statements)
        self._file = FileFacts(statements, self._state.implicit, self._stated, self._one_query)
        for index, statement in enumerate(statements):
            effect = self.effect(statement, index)
            yield effect
            self.advance(effect)

    def effect(self, statement: Statement, index: int) -> Effect:
        state = self._state
        file = self._file
        if file is None or index >= len(file.statements) or file.statements[index] is not statement:
            # Called on its own, not from effects(): nothing is known about the rest.
            file = FileFacts((statement,) if index == 0 else (), state.implicit)
        state.enter(statement)
        touches, transactional = _touches(statement, self.catalog, self.pg)
        return Effect(
            statement=statement,
            index=index,
            touches=tuple(touches),
            in_transaction=state.in_transaction,
            explicit_transaction=state.explicit,
            lock_timeout=state.lock_timeout,
            statement_timeout=state.statement_timeout,
            held=state.held_locks,
            transactional=transactional,
            transaction=state.number if state.in_transaction else None,
            tool_transaction=self.assume_in_transaction and not self._one_query,
            file=file,
        )

    def advance(self, effect: Effect) -> None:
        """Apply a statement's consequences: transaction state, timeouts, catalog."""
        self._state.apply(effect.statement, effect.touches)
        skipped = self.catalog.apply(effect.statement, new=True)
        if skipped and effect.file is not None:
            effect.file.skipped.update((effect.index, e.sub) for e in skipped)


# --- per-statement lock facts ----------------------------------------------------------------


def _names(items: Iterable[Node]) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items]


_FALSE_WORDS = frozenset({"false", "off", "no", "0"})


def _def_flag(options: Iterable[Node], flag: str) -> bool:
    """Whether a ``(flag [value])`` option is on: a bare flag is on, ``false``/``off``/0 off."""
    for option in options or ():
        elem = option.get("DefElem", {})
        if elem.get("defname") != flag:
            continue
        arg = elem.get("arg")
        if arg is None:
            return True
        if "Boolean" in arg:
            return bool(arg["Boolean"].get("boolval", False))
        if "Integer" in arg:
            return bool(arg["Integer"].get("ival", 0))
        if "String" in arg:
            return arg["String"].get("sval", "").lower() not in _FALSE_WORDS
        const = arg.get("A_Const", {})
        if "boolval" in const:
            return bool(const["boolval"].get("boolval", False))
        return True
    return False


def _split_name(names: list[str]) -> tuple[str | None, str]:
    return (names[-2] if len(names) > 1 else None), names[-1]


def _range_var(names: list[str]) -> Node:
    schema, name = _split_name(names)
    return {"schemaname": schema, "relname": name}


def _touch(
    catalog: Catalog,
    range_var: Node,
    f: LockFact,
    action: str,
    *,
    rewrite: bool | None = None,
    scan: bool | None = None,
    lock: LockMode | None = None,
    index_lock: LockMode | None = None,
) -> Touch:
    schema, name = range_name(range_var)
    return Touch(
        relation=qualified(schema, name),
        lock=lock or f.lock,
        rewrite=f.rewrite if rewrite is None else rewrite,
        scan=f.scan if scan is None else scan,
        new=catalog.is_new_relation(schema, name),
        action=action,
        location=range_var.get("location"),
        index_lock=index_lock,
    )


def _named_touch(
    catalog: Catalog,
    name: str,
    lock: LockMode,
    action: str,
    *,
    scan: bool = False,
    location: int | None = None,
    rewrite: bool = False,
) -> Touch:
    """A touch of a relation known by its qualified name (from the catalog, not the statement)."""
    schema, _, relname = name.rpartition(".")
    return Touch(
        relation=name,
        lock=lock,
        rewrite=rewrite,
        scan=scan,
        new=catalog.is_new_relation(schema or None, relname),
        action=action,
        location=location,
    )


_STABLE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "current_user",
        "current_schema",
        "session_user",
        "current_setting",
        "lower",
        "upper",
        "to_jsonb",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "array",
        "coalesce",
        "make_interval",
        "to_timestamp",
        "to_char",
        "concat",
        "length",
        "timezone",
        "date_trunc",
        "abs",
        "md5",
        "inet",
        "pg_catalog",
        "jsonb",
        "json",
        "array_fill",
        "nullif",
        "greatest",
        "least",
    }
)
#: Functions PostgreSQL (or a common extension) declares VOLATILE; also the wording of
#: rewrite messages. Other functions are judged by :data:`NON_VOLATILE` (PostgreSQL's
#: own) and the catalog (functions the migrations created).
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setseed",
        "random_normal",
        "gen_random_bytes",
    }
)


def function_volatility(names: list[str], catalog: Catalog | None = None, depth: int = 0) -> str:
    """``volatile``, ``stable`` or ``immutable`` for a function called by ``names``.

    Built-in functions as PostgreSQL declares them; functions the catalog knows as
    declared by their CREATE FUNCTION, or as volatile as their body when PostgreSQL
    inlines it (a one-expression SQL function). Unknown functions count as volatile:
    PostgreSQL rewrites the table for a volatile default, and a linter that cannot see
    the function's definition must assume the worst.
    """
    name = names[-1] if names else ""
    if name in VOLATILE_FUNCTIONS:
        return "volatile"
    if catalog is not None and catalog.volatility:
        declared = catalog.function_volatility(dotted(names))
        if declared == "volatile" and depth < 8:
            expr = _inlined_expression(catalog.inline_body(dotted(names)))
            if expr is not None and default_volatility(expr, catalog, depth + 1) != "volatile":
                return "stable"
        if declared is not None:
            return declared
    if name in _STABLE_FUNCTIONS or name in NON_VOLATILE:
        return "stable"
    return "volatile"


_SELECT_CLAUSES = (
    "fromClause",
    "whereClause",
    "groupClause",
    "havingClause",
    "windowClause",
    "sortClause",
    "limitCount",
    "limitOffset",
    "distinctClause",
    "withClause",
    "valuesLists",
)


def _inlined_expression(body: str | Node | None) -> Node | None:
    """The expression PostgreSQL inlines for a SQL function body: ``SELECT expr`` alone
    (no FROM, WHERE, …) or ``RETURN expr``; None for any other body."""
    if body is None:
        return None
    if isinstance(body, str):
        from pglast.parser import ParseError, parse_sql_json

        try:
            parsed = json.loads(parse_sql_json(body)).get("stmts", [])
        except ParseError:
            return None
        statements = [p.get("stmt", {}) for p in parsed]
    elif "ReturnStmt" in body:
        return body["ReturnStmt"].get("returnval")
    else:  # BEGIN ATOMIC: a List of one List of statements
        items = body.get("List", {}).get("items", ())
        statements = items[0].get("List", {}).get("items", []) if len(items) == 1 else []
    if len(statements) != 1 or "SelectStmt" not in statements[0]:
        return None
    select = statements[0]["SelectStmt"]
    targets = select.get("targetList", ())
    if len(targets) != 1 or select.get("op", "SETOP_NONE") != "SETOP_NONE":
        return None
    if any(select.get(clause) for clause in _SELECT_CLAUSES):
        return None
    return targets[0].get("ResTarget", {}).get("val")


def default_volatility(expr: Node | None, catalog: Catalog | None = None, depth: int = 0) -> str:
    """``constant``, ``stable`` or ``volatile`` for a column default expression (see
    :func:`function_volatility`; ``stable`` covers immutable functions too)."""
    if expr is None:
        return "constant"
    verdict = "constant"
    stack: list[object] = [expr]  # nodes, lists and the scalars in them
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = _names(call.get("funcname", ()))
                if function_volatility(names, catalog, depth) == "volatile":
                    return "volatile"
                verdict = "stable"
            if "SQLValueFunction" in item:
                verdict = "stable"
            if "SubLink" in item:
                return "volatile"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return verdict


def _column_default(coldef: Node) -> tuple[Node | None, set[str]]:
    """(default expression, set of constraint kinds) of a ColumnDef."""
    default = None
    kinds: set[str] = set()
    for wrapped in coldef.get("constraints", ()):
        con = wrapped.get("Constraint", {})
        kinds.add(con.get("contype", ""))
        if con.get("contype") == "CONSTR_DEFAULT":
            default = con.get("raw_expr")
    return default, kinds


def _stored_generated(coldef: Node) -> bool:
    """A ``GENERATED ALWAYS AS (…) STORED`` column (PostgreSQL 18's VIRTUAL ones store nothing)."""
    for wrapped in coldef.get("constraints", ()):
        con = wrapped.get("Constraint", {})
        if con.get("contype") == "CONSTR_GENERATED" and con.get("generated_kind", "s") == "s":
            return True
    return False


def _is_null(expr: Node | None) -> bool:
    return expr is None or bool("A_Const" in expr and expr["A_Const"].get("isnull"))


def add_column_rewrites(coldef: Node, pg: int, catalog: Catalog | None = None) -> bool:
    """Whether ``ADD COLUMN`` with this definition rewrites the table.

    PostgreSQL 11 stores non-volatile defaults in the catalogue ("fast default"); before
    that any non-NULL default rewrote. Serial, identity and stored generated columns are
    computed per row and always rewrite (pg-truth: add_column_serial, _identity,
    _generated_stored); virtual generated columns (PostgreSQL 18) store nothing. A domain
    with constraints is checked row by row, so it rewrites with or without a default
    (measured on PostgreSQL 15; ``ATExecAddColumn`` skips the fast default for it).
    """
    default, kinds = _column_default(coldef)
    type_name = coldef.get("typeName")
    if type_name and type_ref(type_name).name in ("serial", "bigserial", "smallserial"):
        return True
    if type_name and catalog is not None and catalog.constrained_domain(type_ref(type_name)):
        return True
    if "CONSTR_IDENTITY" in kinds or _stored_generated(coldef):
        return True
    if _is_null(default):
        return False
    if pg < 11:
        return True
    return default_volatility(default, catalog) == "volatile"


def _add_column_scans(coldef: Node, rewrite: bool) -> bool:
    """Whether ``ADD COLUMN`` reads every row (besides a rewrite, which reads them anyway).

    A CHECK is tested against every row even though the new column is all NULL
    (pg-truth: add_column_with_check); an inline UNIQUE or PRIMARY KEY builds an index; a
    NOT NULL column without a default is verified row by row (and fails on a non-empty
    table); a REFERENCES with a non-NULL default validates every row
    (pg-truth: add_column_with_fk_and_default, add_column_with_fk).
    """
    if rewrite:
        return True
    default, kinds = _column_default(coldef)
    if kinds & {"CONSTR_CHECK", "CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_EXCLUSION"}:
        return True
    generated = kinds & {"CONSTR_IDENTITY", "CONSTR_GENERATED"}
    if "CONSTR_NOTNULL" in kinds and _is_null(default) and not generated:
        return True
    return "CONSTR_FOREIGN" in kinds and not _is_null(default)


# --- partition bounds proven by CHECK constraints ----------------------------------------------


def _const(node: Node | None) -> object:
    """The Python value of a numeric or string constant (``'…'::date`` stays a string)."""
    if not node:
        return None
    if "TypeCast" in node:
        return _const(node["TypeCast"].get("arg"))
    const = node.get("A_Const")
    if const is None or const.get("isnull"):
        return None
    if "ival" in const:
        return int(const["ival"].get("ival", 0))
    if "fval" in const:
        try:
            return float(const["fval"].get("fval", "nan"))
        except ValueError:
            return None
    if "sval" in const:
        return const["sval"].get("sval", "")
    return None


def _column(node: Node | None) -> str | None:
    fields = (node or {}).get("ColumnRef", {}).get("fields", ())
    if len(fields) == 1 and "String" in fields[0]:
        return fields[0]["String"].get("sval")
    return None


def _conjuncts(expr: Node | None) -> Iterator[Node]:
    if not expr:
        return
    boolexpr = expr.get("BoolExpr")
    if boolexpr is not None and boolexpr.get("boolop") == "AND_EXPR":
        for arg in boolexpr.get("args", ()):
            yield from _conjuncts(arg)
    else:
        yield expr


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def _comparisons(expr: Node, key: str) -> Iterator[tuple[str, object]]:
    """``(operator, constant)`` facts about ``key`` that one conjunct states."""
    a_expr = expr.get("A_Expr")
    if a_expr is not None:
        kind = a_expr.get("kind")
        op = "".join(_names(a_expr.get("name", ())))
        left, right = a_expr.get("lexpr"), a_expr.get("rexpr")
        if kind == "AEXPR_OP" and op in _FLIP:
            if _column(left) == key and _const(right) is not None:
                yield op, _const(right)
            elif _column(right) == key and _const(left) is not None:
                yield _FLIP[op], _const(left)
        elif kind == "AEXPR_BETWEEN" and _column(left) == key:
            items = (right or {}).get("List", {}).get("items", ())
            if len(items) == 2 and None not in (_const(items[0]), _const(items[1])):
                yield ">=", _const(items[0])
                yield "<=", _const(items[1])
        elif kind == "AEXPR_IN" and op == "=" and _column(left) == key:
            values = [_const(i) for i in (right or {}).get("List", {}).get("items", ())]
            if values and None not in values:
                yield "in", tuple(values)
    test = expr.get("NullTest") or {}
    if test.get("nulltesttype") == "IS_NOT_NULL" and _column(test.get("arg")) == key:
        yield "not null", None


def _comparable(a: object, b: object) -> bool:
    numbers = (int, float)
    return isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)


def bound_implied(table: Table | None, parent: Table | None, bound: Node) -> bool:
    """Whether ``table``'s valid CHECK constraints already prove a partition bound.

    ATTACH PARTITION then skips its scan of the new partition (pg-truth:
    attach_partition_with_matching_check). PostgreSQL proves the implication with btree
    operator logic; this recognises the same simple forms for a one-column key: ``k >= lo``,
    ``k > c``, ``k < hi``, ``k <= c``, ``BETWEEN``, ``=`` and ``IN`` against numeric (range)
    or any (list) constants, plus ``k IS NOT NULL`` or a NOT NULL column. Anything else
    counts as unproven, i.e. as a scan.
    """
    if table is None or parent is None or len(parent.partition_key) != 1:
        return False
    key = parent.partition_key[0]
    # (operator, constant); Any: the constants are ordered only where _comparable says
    # both sides are numbers.
    facts: list[tuple[str, Any]] = []
    for con in table.constraints:
        if con.kind == "CONSTR_CHECK" and con.valid:
            for conjunct in _conjuncts(con.expr):
                facts.extend(_comparisons(conjunct, key))
    column = table.columns.get(key)
    not_null = bool(column and column.not_null) or ("not null", None) in facts
    strategy = bound.get("strategy")
    if strategy == "r":
        lows, highs = bound.get("lowerdatums", ()), bound.get("upperdatums", ())
        if len(lows) != 1 or len(highs) != 1 or not not_null:
            return False
        low, high = _const(lows[0]), _const(highs[0])
        low_ok = _column(lows[0]) == "minvalue" or any(
            _comparable(v, low) and op in (">=", ">", "=") and v >= low for op, v in facts
        )
        high_ok = _column(highs[0]) == "maxvalue" or any(
            _comparable(v, high) and ((op == "<" and v <= high) or (op in ("<=", "=") and v < high))
            for op, v in facts
        )
        return low_ok and high_ok
    if strategy == "l":
        values = [_const(d) for d in bound.get("listdatums", ())]
        if None in values or not values or not not_null or len(values) > 100:
            return False
        allowed = set(values)
        return any(
            (op == "=" and v in allowed)
            or (op == "in" and isinstance(v, tuple) and len(v) <= 100 and set(v) <= allowed)
            for op, v in facts
        )
    return False


# --- ALTER TABLE ----------------------------------------------------------------------------------

#: Storage parameters whose change takes ACCESS EXCLUSIVE; all others (fillfactor,
#: autovacuum_*, toast_tuple_target, parallel_workers, …) take SHARE UPDATE EXCLUSIVE
#: (pg-truth: set_fillfactor, set_autovacuum_reloption).
_EXCLUSIVE_RELOPTIONS = frozenset(
    {"user_catalog_table", "security_barrier", "security_invoker", "check_option"}
)


#: Index access-method options that take ACCESS EXCLUSIVE on the index (GIN, GiST, BRIN);
#: ``fillfactor`` and btree's ``deduplicate_items`` take SHARE UPDATE EXCLUSIVE (measured on
#: PostgreSQL 15: alter_index_gin_fastupdate, alter_index_brin_pages_per_range, …).
_EXCLUSIVE_INDEX_OPTIONS = frozenset(
    {"fastupdate", "gin_pending_list_limit", "buffering", "pages_per_range", "autosummarize"}
)


def _reloptions_lock(definition: Node, index: bool = False) -> LockMode:
    names = {
        item.get("DefElem", {}).get("defname", "")
        for item in definition.get("List", {}).get("items", ())
    }
    if names & (_EXCLUSIVE_INDEX_OPTIONS if index else _EXCLUSIVE_RELOPTIONS):
        return LockMode.ACCESS_EXCLUSIVE
    return LockMode.SHARE_UPDATE_EXCLUSIVE


def _not_null_proven(table: Table | None, column: str, pg: int) -> bool:
    """The column is already NOT NULL, or (PostgreSQL 12+) a valid CHECK proves it."""
    if table is None:
        return False
    col = table.columns.get(column)
    if col is not None and col.not_null:
        return True
    return pg >= 12 and any(c.valid and c.not_null_column == column for c in table.constraints)


def _constraint_named(table: Table | None, name: str | None) -> Constraint | None:
    if table is None or not name:
        return None
    for con in table.constraints:
        if con.name == name:
            return con
    # Unnamed constraints get PostgreSQL's generated names (``child_t_id_fkey``,
    # ``t_pkey``); found by pglint verify (drop of an inline REFERENCES constraint).
    for con in table.constraints:
        if con.name is None and constraint_name(table, con) == name:
            return con
    return None


#: ALTER TABLE sub-commands that recurse to every partition of a partitioned table, with
#: the same lock (and rewrite or scan): measured with pglint verify on PostgreSQL 15.
_RECURSING = frozenset(
    {
        "AT_AddColumn",
        "AT_DropColumn",
        "AT_AlterColumnType",
        "AT_SetNotNull",
        "AT_DropNotNull",
        "AT_AddConstraint",
        "AT_ValidateConstraint",
        "AT_ColumnDefault",
        "AT_SetStatistics",
        "AT_SetStorage",
    }
)


def _partitions(catalog: Catalog, table: Table) -> list[str]:
    """Qualified names of a partitioned table's partitions known to the catalog, all levels."""
    found: list[str] = []
    parents = [table.qualified]
    while parents:
        parent = parents.pop()
        for other in catalog.tables.values():
            if other.parent == parent and other.qualified not in found:
                found.append(other.qualified)
                parents.append(other.qualified)
    return found


def _alter_table(node: Node, catalog: Catalog, pg: int) -> tuple[list[Touch], bool]:
    relation = node.get("relation", {})
    table = catalog.table_of(relation)
    touches: list[Touch] = []
    transactional = True
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype", "")
        definition = cmd.get("def") or {}
        f = fact(f"AlterTableCmd:{subtype}")
        rewrite, scan, lock = f.rewrite, f.scan, f.lock
        partition_lock = None
        action = subtype.removeprefix("AT_")
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            coldef = definition["ColumnDef"]
            rewrite = add_column_rewrites(coldef, pg, catalog)
            scan = _add_column_scans(coldef, rewrite)
            if (
                cmd.get("missing_ok")
                and table is not None
                and coldef.get("colname") in table.columns
            ):
                rewrite = scan = False  # IF NOT EXISTS, and it exists: a notice (pglint verify)
            for con in coldef.get("constraints", ()):
                c = con.get("Constraint", {})
                if c.get("contype") == "CONSTR_FOREIGN":
                    references = fact("CreateStmt:references")
                    # A non-NULL default is validated: the referenced table is read too
                    # (pg-truth: add_column_with_fk_and_default).
                    validates = not _is_null(_column_default(coldef)[0])
                    touches.append(
                        _touch(
                            catalog, c.get("pktable", {}), references, "REFERENCES", scan=validates
                        )
                    )
        elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
            type_name = definition["ColumnDef"].get("typeName")
            old = None
            if table is not None and cmd.get("name") in table.columns:
                old = table.columns[cmd["name"]].type
            changes = catalog.type_change_rewrites(old, type_ref(type_name)) if type_name else None
            if changes is False and not definition["ColumnDef"].get("raw_default"):
                rewrite = False
                scan = table is not None and _retype_still_scans(
                    catalog, table, cmd.get("name", ""), definition["ColumnDef"]
                )
            if table is not None:
                touches += _foreign_key_partner_touches(
                    catalog, table, cmd.get("name", ""), rewrite
                )
        elif subtype == "AT_SetNotNull":
            column = cmd.get("name", "")
            scan = not _not_null_proven(table, column, pg) and not (
                # A validated CHECK added by ALTER TABLE, on a table the catalog may not know.
                pg >= 12 and catalog.proves_not_null(rel_key(relation), column) is True
            )
        elif subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
            lock = _reloptions_lock(definition)
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            con = definition["Constraint"]
            contype = con.get("contype", "")
            not_valid = bool(con.get("skip_validation"))
            if contype == "CONSTR_FOREIGN":
                f = fact("AlterTableCmd:AT_AddConstraint:foreign")
                lock = f.lock
                touches.append(
                    _touch(catalog, con.get("pktable", {}), f, "FOREIGN KEY", scan=not not_valid)
                )
                scan = not not_valid
            elif contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and con.get("indexname"):
                # USING INDEX: no index build; a primary key still needs NOT NULL columns.
                index = catalog.index(relation.get("schemaname"), con["indexname"])
                scan = contype == "CONSTR_PRIMARY" and not (
                    index is not None and all(_not_null_proven(table, c, pg) for c in index.columns)
                )
            elif contype in ("CONSTR_CHECK", "CONSTR_NOTNULL"):
                scan = not not_valid
            action = f"ADD {contype.removeprefix('CONSTR_')}"
        elif subtype == "AT_ValidateConstraint":
            con = _constraint_named(table, cmd.get("name"))
            if con is not None and con.references:
                touches.append(
                    _named_touch(catalog, con.references, LockMode.ROW_SHARE, "VALIDATE")
                )
        elif subtype == "AT_DropConstraint":
            # Dropping a foreign key drops its triggers on the referenced table too, under
            # ACCESS EXCLUSIVE (pg-truth: drop_fk).
            con = _constraint_named(table, cmd.get("name"))
            if con is not None and con.references:
                touches.append(
                    _named_touch(catalog, con.references, LockMode.ACCESS_EXCLUSIVE, "DROP")
                )
            if (
                con is not None
                and table is not None
                and cmd.get("behavior") == "DROP_CASCADE"
                and con.kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE")
            ):
                # CASCADE drops the foreign keys that use the key, on their tables, under
                # ACCESS EXCLUSIVE (measured on PostgreSQL 15: drop_pk_of_referenced_cascade).
                for name in _referencing_tables(catalog, table, con):
                    touches.append(
                        _named_touch(catalog, name, LockMode.ACCESS_EXCLUSIVE, "DROP CASCADE")
                    )
        elif subtype == "AT_DropColumn" and table is not None:
            column = cmd.get("name")
            for con in table.constraints:
                if con.references and column in con.columns:
                    touches.append(
                        _named_touch(catalog, con.references, LockMode.ACCESS_EXCLUSIVE, "DROP")
                    )
            col = table.columns.get(column or "")
            if col is not None and col.references:
                touches.append(
                    _named_touch(catalog, col.references, LockMode.ACCESS_EXCLUSIVE, "DROP")
                )
        elif subtype == "AT_AttachPartition":
            part = definition.get("PartitionCmd", {})
            bound = part.get("bound") or {}
            child = catalog.table_of(part.get("name", {}))
            touches.append(
                _touch(
                    catalog,
                    part.get("name", {}),
                    f,
                    "ATTACH PARTITION",
                    lock=LockMode.ACCESS_EXCLUSIVE,
                    scan=not bound_implied(child, table, bound),
                )
            )
            if table is not None and table.default_partition and not bound.get("is_default"):
                # The DEFAULT partition is checked for rows that now belong to the new one;
                # every query on the parent must lock it too, so they all wait.
                touches.append(
                    _named_touch(
                        catalog,
                        table.default_partition,
                        LockMode.ACCESS_EXCLUSIVE,
                        "ATTACH PARTITION",
                        scan=True,
                    )
                )
                partition_lock = LockMode.ACCESS_EXCLUSIVE
            lock = LockMode.SHARE_UPDATE_EXCLUSIVE if pg >= 12 else LockMode.ACCESS_EXCLUSIVE
            scan = False
        elif subtype == "AT_AddInherit":
            # The new parent is locked SHARE UPDATE EXCLUSIVE; no rows are read (pglint verify).
            touches.append(
                _touch(
                    catalog,
                    definition.get("RangeVar", {}),
                    LockFact(LockMode.SHARE_UPDATE_EXCLUSIVE),
                    "INHERIT",
                )
            )
        elif subtype == "AT_DetachPartition":
            part = definition.get("PartitionCmd", {})
            touches.append(
                _touch(
                    catalog,
                    part.get("name", {}),
                    f,
                    "DETACH PARTITION",
                    lock=LockMode.ACCESS_EXCLUSIVE,
                )
            )
            if part.get("concurrent"):
                lock = LockMode.SHARE_UPDATE_EXCLUSIVE
                transactional = False
            elif table is not None and table.default_partition:
                # The DEFAULT partition's constraint changes: ACCESS EXCLUSIVE on it too
                # (measured on PostgreSQL 15: detach_with_default).
                detached = catalog.table_of(part.get("name", {}))
                if detached is None or detached.qualified != table.default_partition:
                    touches.append(
                        _named_touch(
                            catalog,
                            table.default_partition,
                            LockMode.ACCESS_EXCLUSIVE,
                            "DETACH PARTITION",
                        )
                    )
        parent = _touch(catalog, relation, f, action, rewrite=rewrite, scan=scan, lock=lock)
        parent.partition_lock = partition_lock
        touches.append(parent)
        if (
            subtype in _RECURSING
            and relation.get("inh")
            and table is not None
            and table.kind == "partitioned"
        ):
            # A primary key or unique constraint builds an index on each partition: SHARE.
            builds = subtype == "AT_AddConstraint" and (
                definition.get("Constraint", {}).get("contype")
                in ("CONSTR_PRIMARY", "CONSTR_UNIQUE")
            )
            for name in _partitions(catalog, table):
                touches.append(
                    _named_touch(
                        catalog,
                        name,
                        LockMode.SHARE if builds else lock,
                        action,
                        scan=scan,
                        rewrite=rewrite,
                    )
                )
    return _merge(touches), transactional


def _retype_still_scans(catalog: Catalog, table: Table, column: str, coldef: Node) -> bool:
    """A binary-coercible ALTER COLUMN TYPE (no rewrite) still reads every row when it
    re-checks a valid CHECK on the column or rebuilds an index: one whose expression or
    predicate names the column, or any index on it when a COLLATE clause is given (measured
    on PostgreSQL 15: type_varchar_widen_expr_index, _partial_index, …; a plain index on
    the column, a NOT VALID CHECK or a COLLATE on an unindexed column read nothing)."""
    for con in table.constraints:
        if con.kind == "CONSTR_CHECK" and con.valid:
            named = column_refs(con.expr) if con.expr is not None else frozenset(con.columns)
            if column in named:
                return True
    collate = bool(coldef.get("collClause"))
    for index in catalog.indexes.values():
        if not _same_relation(index.table, table.qualified):
            continue
        if column in index.mentions or (collate and column in index.columns):
            return True
    return False


def _foreign_keys_to(catalog: Catalog, table: Table) -> Iterator[tuple[Table, Constraint]]:
    """The foreign keys of other tables that reference ``table``, with their tables."""
    for other in catalog.tables.values():
        if other is table:
            continue
        for con in other.constraints:
            if con.references and _same_relation(con.references, table.qualified):
                yield other, con


def _referencing_tables(catalog: Catalog, table: Table, key: Constraint) -> list[str]:
    """Tables with a foreign key on ``table``'s primary key or unique constraint ``key``."""
    found: dict[str, None] = {}
    for other, con in _foreign_keys_to(catalog, table):
        if con.ref_columns == key.columns or (not con.ref_columns and key.kind == "CONSTR_PRIMARY"):
            found[other.qualified] = None
    return list(found)


def _foreign_key_partner_touches(
    catalog: Catalog, table: Table, column: str, validates: bool
) -> list[Touch]:
    """ALTER COLUMN TYPE of a foreign-key column, on either side: PostgreSQL drops and
    re-creates the foreign key, so the other table's RI triggers go under ACCESS EXCLUSIVE;
    a change that is not binary coercible re-validates the key, reading the other table
    (measured on PostgreSQL 15: type_fk_int_to_bigint, type_fk_referenced_int_to_bigint,
    type_varchar_to_text_fk_referencing)."""
    partners = [
        con.references
        for con in table.constraints
        if con.references and column in con.columns and con.references != table.qualified
    ]
    primary_key: tuple[str, ...] | None = None
    for other, con in _foreign_keys_to(catalog, table):
        referenced = con.ref_columns
        if not referenced:
            if primary_key is None:
                primary_key = next(
                    (c.columns for c in table.constraints if c.kind == "CONSTR_PRIMARY"), ()
                )
            referenced = primary_key
        if column in referenced:
            partners.append(other.qualified)
    return [
        _named_touch(catalog, name, LockMode.ACCESS_EXCLUSIVE, "ALTER TYPE", scan=validates)
        for name in dict.fromkeys(partners)
    ]


def _merge(touches: list[Touch]) -> list[Touch]:
    """One touch per relation: the strongest lock, and any rewrite or scan."""
    merged: dict[str, Touch] = {}
    for t in touches:
        before = merged.get(t.relation)
        if before is None:
            merged[t.relation] = t
            continue
        index_locks = [m for m in (before.index_lock, t.index_lock) if m is not None]
        partition_locks = [m for m in (before.partition_lock, t.partition_lock) if m is not None]
        merged[t.relation] = Touch(
            t.relation,
            max(before.lock, t.lock),
            before.rewrite or t.rewrite,
            before.scan or t.scan,
            before.new and t.new,
            before.action if before.lock >= t.lock else t.action,
            before.location if before.location is not None else t.location,
            max(index_locks) if index_locks else None,
            max(partition_locks) if partition_locks else None,
            before.writable and t.writable,
        )
    return list(merged.values())


def _index_table(catalog: Catalog, names: list[str]) -> Node:
    """The table of an index named ``names`` (the index itself when it is unknown)."""
    schema, name = _split_name(names)
    index = catalog.index(schema, name)
    if index is None:
        return {"schemaname": schema, "relname": name}
    table_schema, _, table = index.table.rpartition(".")
    return {"schemaname": table_schema or None, "relname": table}


def _source_touches(
    catalog: Catalog, sources: Iterable[str], action: str, scan: bool
) -> list[Touch]:
    """ACCESS SHARE on every relation a query reads (pg-truth: create_matview, refresh_*)."""
    return [
        _named_touch(catalog, name, LockMode.ACCESS_SHARE, action, scan=scan) for name in sources
    ]


def _same_relation(a: str, b: str) -> bool:
    if a == b:
        return True
    if "." in a and "." in b:
        return False
    return a.rpartition(".")[2] == b.rpartition(".")[2] and "public" in (
        a.rpartition(".")[0] or "public",
        b.rpartition(".")[0] or "public",
    )


def _cascade_targets(catalog: Catalog, name: str, views: bool = True) -> list[str]:
    """Relations a CASCADE reaches from ``name``: tables whose foreign keys reference it
    (their constraint goes, or with TRUNCATE their rows, and so on down the chain), and
    views and materialized views that read it or a view it reaches (dropped); all under
    ACCESS EXCLUSIVE (pglint verify)."""
    # Every other table with the relations its foreign keys reference, gathered once: the
    # chain looks at each of them again for every relation it reaches.
    others = []
    for other in catalog.tables.values():
        qualified = other.qualified
        if not _same_relation(qualified, name):
            refs = [c.references for c in other.constraints if c.references]
            refs += [c.references for c in other.columns.values() if c.references]
            others.append((qualified, other, refs))
    found: list[str] = []
    reached: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        for qualified, other, refs in others:
            if qualified in reached:
                continue
            reads = (
                views
                and other.kind in ("view", "matview")
                and any(_same_relation(s, current) for s in other.sources)
            )
            if reads or any(_same_relation(r, current) for r in refs):
                found.append(qualified)
                reached.add(qualified)
                # A dropped view takes its own dependents; a truncated table its referencers.
                if reads or not views:
                    pending.append(qualified)
    return found


def _foreign_key_targets(table: Table) -> list[str]:
    targets = [c.references for c in table.constraints if c.references]
    targets.extend(c.references for c in table.columns.values() if c.references)
    return list(dict.fromkeys(t for t in targets if t and t != table.qualified))


# --- statements -----------------------------------------------------------------------------


def _touches(statement: Statement, catalog: Catalog, pg: int) -> tuple[list[Touch], bool]:
    kind = statement.kind
    handler = _HANDLERS.get(kind)
    if handler is not None:
        return handler(statement.node, catalog, pg)
    return [], kind not in _NEVER_IN_TRANSACTION


#: Statements that cannot run inside a transaction block, whatever their options.
_NEVER_IN_TRANSACTION = frozenset(
    {
        "CreatedbStmt",
        "DropdbStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "AlterSystemStmt",
    }
)

_Result = tuple[list[Touch], bool]


def _alter_table_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    objtype = node.get("objtype")
    if objtype == "OBJECT_INDEX":
        # ALTER INDEX locks the index (SET TABLESPACE copies it under ACCESS EXCLUSIVE,
        # which blocks every query the planner would consider it for).
        touches = []
        for cmd in alter_commands(node):
            subtype = cmd.get("subtype", "")
            f = fact(f"AlterTableCmd:{subtype}")
            lock = f.lock
            if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
                # An ACCESS EXCLUSIVE lock on the index blocks every query the planner
                # considers it for: reads and writes of its table wait.
                lock = _reloptions_lock(cmd.get("def") or {}, index=True)
            touches.append(
                _touch(
                    catalog,
                    node.get("relation", {}),
                    f,
                    "ALTER INDEX",
                    lock=lock,
                    rewrite=subtype == "AT_SetTableSpace",
                    scan=False,
                )
            )
            if subtype == "AT_AttachPartition":
                touches += _attach_index_touches(catalog, cmd.get("def") or {})
        return _merge(touches), True
    if objtype is not None and objtype not in TABLE_LIKE_OBJECTS:
        return [], True
    return _alter_table(node, catalog, pg)


def _attach_index_touches(catalog: Catalog, definition: Node) -> list[Touch]:
    """ALTER INDEX parent ATTACH PARTITION child: ACCESS EXCLUSIVE on the child index.

    Queries on its table, and on the partitioned parent (the planner opens the indexes of
    every partition it keeps), wait for that lock (measured on PostgreSQL 15: c and pt
    reads and writes blocked; the tables themselves get ACCESS SHARE).
    """
    child = definition.get("PartitionCmd", {}).get("name") or {}
    if not child:
        return []
    exclusive = LockFact(LockMode.ACCESS_EXCLUSIVE)
    touches = [_touch(catalog, child, exclusive, "ATTACH PARTITION")]
    index = catalog.index(*range_name(child))
    table = catalog.table(*_split_name(index.table.split("."))) if index else None
    for name in (table.qualified, table.parent) if table else ():
        if name:
            touch = _named_touch(catalog, name, LockMode.ACCESS_SHARE, "ATTACH PARTITION")
            touch.index_lock = LockMode.ACCESS_EXCLUSIVE
            touches.append(touch)
    return touches


def _index_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    f = fact("IndexStmt:concurrent" if node.get("concurrent") else "IndexStmt")
    relation = node.get("relation", {})
    scan = f.scan
    table = catalog.table_of(relation)
    if not relation.get("inh") and table is not None and table.kind == "partitioned":
        scan = False  # ON ONLY a partitioned table: an invalid parent index, nothing built
    name = node.get("idxname")
    if node.get("if_not_exists") and name and catalog.index(relation.get("schemaname"), name):
        scan = False  # IF NOT EXISTS and it exists: a notice, nothing built (pglint verify)
    touches = [_touch(catalog, relation, f, "CREATE INDEX", scan=scan)]
    if relation.get("inh") and table is not None and table.kind == "partitioned":
        # Each partition gets its index built under the same lock (pglint verify).
        for name in _partitions(catalog, table):
            touches.append(_named_touch(catalog, name, f.lock, "CREATE INDEX", scan=f.scan))
    return touches, f.transactional


def _reindex_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    concurrent = _def_flag(node.get("params", ()), "concurrently") or bool(node.get("concurrent"))
    f = fact("ReindexStmt:concurrent" if concurrent else "ReindexStmt")
    relation = node.get("relation")
    which = node.get("kind", "")
    if which not in ("REINDEX_OBJECT_INDEX", "REINDEX_OBJECT_TABLE") or not relation:
        # SCHEMA, DATABASE and SYSTEM run one transaction per table.
        return [], False
    if which == "REINDEX_OBJECT_INDEX":
        relation = _index_table(catalog, [x for x in range_name(relation) if x])
    transactional = f.transactional
    table = catalog.table_of(relation)
    if table is not None and table.kind == "partitioned":
        transactional = False  # one transaction per partition
    # Plain REINDEX holds ACCESS EXCLUSIVE on the index it rebuilds: queries planned on the
    # table need that index's lock, so reads wait too (pg-truth: reindex_table, reindex_index).
    index_lock = None if concurrent else LockMode.ACCESS_EXCLUSIVE
    return [_touch(catalog, relation, f, "REINDEX", index_lock=index_lock)], transactional


def _rename_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    rename_type = node.get("renameType", "")
    relation = node.get("relation")
    key = {
        "OBJECT_TABLE": "RenameStmt:table",
        "OBJECT_VIEW": "RenameStmt:table",
        "OBJECT_MATVIEW": "RenameStmt:table",
        "OBJECT_FOREIGN_TABLE": "RenameStmt:table",
        "OBJECT_COLUMN": "RenameStmt:column",
        "OBJECT_TABCONSTRAINT": "RenameStmt:constraint",
        "OBJECT_INDEX": "RenameStmt:index",
        "OBJECT_TRIGGER": "RenameStmt:trigger",
    }.get(rename_type)
    if key is None or not relation:
        return [], True
    f = fact(key)
    if rename_type == "OBJECT_INDEX":
        if pg < 12:
            f = LockFact(LockMode.ACCESS_EXCLUSIVE)
        # The index itself is locked, not its table (pg-truth: rename_index).
        return [_touch(catalog, relation, f, "RENAME INDEX")], True
    touches = [_touch(catalog, relation, f, "RENAME")]
    table = catalog.table_of(relation)
    if (
        rename_type == "OBJECT_COLUMN"
        and relation.get("inh")
        and table
        and table.kind == "partitioned"
    ):
        # The column is renamed in every partition too (pglint verify).
        touches += [_named_touch(catalog, n, f.lock, "RENAME") for n in _partitions(catalog, table)]
    return touches, True


def _create_trig_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    f = fact("CreateTrigStmt")
    relation = node.get("relation", {})
    touches = [_touch(catalog, relation, f, "CREATE TRIGGER")]
    table = catalog.table_of(relation)
    if node.get("row") and table is not None and table.kind == "partitioned":
        # A row trigger is cloned onto every partition, under the same lock (pglint verify).
        touches += [
            _named_touch(catalog, n, f.lock, "CREATE TRIGGER") for n in _partitions(catalog, table)
        ]
    return touches, True


def _create_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    touches = []
    relation = node.get("relation", {})
    bound = node.get("partbound")
    for parent_node in node.get("inhRelations", ()):
        parent_rv = parent_node.get("RangeVar", {})
        if bound:
            touches.append(
                _touch(catalog, parent_rv, fact("CreateStmt:partition_of"), "PARTITION OF")
            )
            parent = catalog.table_of(parent_rv)
            if parent is not None and parent.default_partition and not bound.get("is_default"):
                # Rows of the DEFAULT partition that belong to the new partition are looked
                # for, under ACCESS EXCLUSIVE (pg-truth:
                # create_table_partition_of_with_default_partition).
                touches.append(
                    _named_touch(
                        catalog,
                        parent.default_partition,
                        LockMode.ACCESS_EXCLUSIVE,
                        "PARTITION OF",
                        scan=True,
                    )
                )
        else:
            touches.append(
                _touch(catalog, parent_rv, LockFact(LockMode.SHARE_UPDATE_EXCLUSIVE), "INHERITS")
            )
    for element in node.get("tableElts", ()):
        constraints = element.get("ColumnDef", {}).get("constraints", ()) or (
            [element] if "Constraint" in element else []
        )
        for con in constraints:
            c = con.get("Constraint", {})
            if c.get("contype") == "CONSTR_FOREIGN":
                touches.append(
                    _touch(
                        catalog, c.get("pktable", {}), fact("CreateStmt:references"), "REFERENCES"
                    )
                )
    schema, name = range_name(relation)
    touches.append(
        Touch(
            qualified(schema, name),
            LockMode.ACCESS_EXCLUSIVE,
            new=True,
            action="CREATE TABLE",
            location=relation.get("location"),
        )
    )
    return _merge(touches), True


def _create_table_as_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    into = node.get("into", {})
    into = into.get("IntoClause", into)
    relation = into.get("rel", {})
    schema, name = range_name(relation)
    touches = _source_touches(
        catalog, query_relations(node.get("query")), "CREATE AS", not into.get("skipData")
    )
    touches.append(
        Touch(
            qualified(schema, name),
            LockMode.ACCESS_EXCLUSIVE,
            new=True,
            action="CREATE",
            location=relation.get("location"),
        )
    )
    return _merge(touches), True


def _simple(key: str, field: str, action: str):
    def handler(node: Node, catalog: Catalog, pg: int) -> _Result:
        return [_touch(catalog, node.get(field, {}), fact(key), action)], True

    return handler


def _truncate_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    f = fact("TruncateStmt")
    touches = []
    for r in node.get("relations", ()):
        range_var = r.get("RangeVar", {})
        table = catalog.table_of(range_var)
        if table is not None and table.kind == "partitioned":
            # The partitions are emptied, each with a new file; the parent stores nothing
            # (measured on PostgreSQL 15: truncate_partitioned).
            touches.append(_touch(catalog, range_var, f, "TRUNCATE", rewrite=False))
            touches += [
                _named_touch(catalog, name, f.lock, "TRUNCATE", rewrite=f.rewrite)
                for name in _partitions(catalog, table)
            ]
        else:
            touches.append(_touch(catalog, range_var, f, "TRUNCATE"))
    if node.get("behavior") == "DROP_CASCADE":
        for touch in list(touches):
            for name in _cascade_targets(catalog, touch.relation, views=False):
                touches.append(
                    _named_touch(catalog, name, f.lock, "TRUNCATE CASCADE", rewrite=f.rewrite)
                )
    return _merge(touches), True


def _vacuum_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    options = node.get("options", ())
    if not node.get("is_vacuumcmd"):
        f = fact("VacuumStmt:analyze")
    elif _def_flag(options, "full"):
        f = fact("VacuumStmt:full")
    else:
        f = fact("VacuumStmt")
    touches = [
        _touch(catalog, r.get("VacuumRelation", {}).get("relation", {}), f, "VACUUM")
        for r in node.get("rels", ()) or ()
    ]
    return _merge(touches), f.transactional


def _cluster_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    relation = node.get("relation")
    if not relation:
        return [], False  # CLUSTER of every clustered table: one transaction per table
    return [_touch(catalog, relation, fact("ClusterStmt"), "CLUSTER")], True


def _refresh_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    f = fact("RefreshMatViewStmt:concurrent" if node.get("concurrent") else "RefreshMatViewStmt")
    relation = node.get("relation", {})
    refreshed = _touch(catalog, relation, f, "REFRESH MATERIALIZED VIEW")
    refreshed.writable = False
    touches = [refreshed]
    view = catalog.table_of(relation)
    if view is not None and not node.get("skipData"):
        touches.extend(_source_touches(catalog, view.sources, "REFRESH", True))
    return _merge(touches), True


_COMMENT_ON_RELATION = frozenset(
    {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE", "OBJECT_INDEX"}
)
_COMMENT_ON_RELATION_PART = frozenset(
    {"OBJECT_COLUMN", "OBJECT_TABCONSTRAINT", "OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"}
)


def _comment_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    objtype = node.get("objtype")
    names = _names(node.get("object", {}).get("List", {}).get("items", ()))
    if objtype in _COMMENT_ON_RELATION_PART:
        names = names[:-1]
    elif objtype not in _COMMENT_ON_RELATION:
        return [], True
    if not names:
        return [], True
    # On a constraint, trigger, policy or rule the lock is on that object; its table gets
    # ACCESS SHARE (measured on PostgreSQL 15). A column's comment locks the table.
    lock = None if objtype in ("OBJECT_COLUMN", *_COMMENT_ON_RELATION) else LockMode.ACCESS_SHARE
    return [_touch(catalog, _range_var(names), fact("CommentStmt"), "COMMENT", lock=lock)], True


def _lock_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    mode = LockMode(max(1, min(8, node.get("mode", 8))))
    touches = []
    for r in node.get("relations", ()):
        range_var = r.get("RangeVar", {})
        touches.append(_touch(catalog, range_var, LockFact(mode), "LOCK"))
        table = catalog.table_of(range_var)
        if table is None:
            continue
        # The partitions of a partitioned table (unless ONLY), and from PostgreSQL 11 the
        # relations a view reads, are locked in the same mode (measured on PostgreSQL 15:
        # lock_partitioned_table, lock_view).
        if table.kind == "partitioned" and range_var.get("inh"):
            reached = _partitions(catalog, table)
        elif table.kind == "view" and pg >= 11:
            reached = _view_bases(catalog, table)
        else:
            continue
        touches += [_named_touch(catalog, name, mode, "LOCK") for name in reached]
    return _merge(touches), True


def _view_bases(catalog: Catalog, view: Table) -> list[str]:
    """The relations a view reads, through the views it reads (the catalog's names)."""
    found: list[str] = []
    pending = list(view.sources)
    while pending:
        name = pending.pop()
        schema, _, relname = name.rpartition(".")
        known = catalog.table(schema or None, relname)
        qualified_name = known.qualified if known is not None else name
        if qualified_name in found or qualified_name == view.qualified:
            continue
        found.append(qualified_name)
        if known is not None and known.kind == "view":
            pending.extend(known.sources)
    return found


def _dml_stmt(node: Node, catalog: Catalog, pg: int, kind: str) -> _Result:
    relation = node.get("relation") or {}
    scan = kind != "InsertStmt" and node.get("whereClause") is None
    f = fact(kind)
    return [_touch(catalog, relation, f, kind.removesuffix("Stmt").upper(), scan=scan)], True


def _view_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    view = node.get("view", {})
    if node.get("replace") and catalog.table_of(view) is not None:
        return [_touch(catalog, view, fact("ViewStmt:replace"), "CREATE OR REPLACE VIEW")], True
    return [], True


def _create_stats_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    return _merge(
        [
            _touch(catalog, r.get("RangeVar", {}), fact("CreateStatsStmt"), "CREATE STATISTICS")
            for r in node.get("relations", ())
            if "RangeVar" in r
        ]
    ), True


def _set_schema_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    if node.get("objectType") not in TABLE_LIKE_OBJECTS or not node.get("relation"):
        return [], True
    f = LockFact(LockMode.ACCESS_EXCLUSIVE)
    return [_touch(catalog, node["relation"], f, "SET SCHEMA")], True


def _alter_seq_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    sequence = node.get("sequence") or {}
    schema, name = range_name(sequence)
    key = catalog.sequence_key(schema, name)
    return [
        Touch(
            qualified(schema, name),
            fact("AlterSeqStmt").lock,
            new=bool(key and catalog.sequences[key]),
            action="ALTER SEQUENCE",
            location=sequence.get("location"),
        )
    ], True


def _alter_enum_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    # ADD VALUE runs in a transaction block from PostgreSQL 12 (pg-truth: enum_add_value).
    return [], not (node.get("newVal") and not node.get("oldVal") and pg < 12)


def _alter_domain_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    """ADD CONSTRAINT (unless NOT VALID), VALIDATE CONSTRAINT and SET NOT NULL check every
    column of the domain: SHARE on each table with one, and a scan (measured on PostgreSQL
    15); VALIDATE takes SHARE UPDATE EXCLUSIVE from PostgreSQL 19 on."""
    subtype = node.get("subtype")
    con = (node.get("def") or {}).get("Constraint", {})
    if not (subtype in ("V", "O") or (subtype == "C" and not con.get("skip_validation"))):
        return [], True
    f = fact("AlterDomainStmt")
    lock = LockMode.SHARE_UPDATE_EXCLUSIVE if subtype == "V" and pg >= 19 else f.lock
    touches: list[Touch] = []
    for table in catalog.tables_using_domain(_names(node.get("typeName", ()))):
        # A partitioned table has no rows of its own: its partitions are locked and read.
        parts = _partitions(catalog, table) if table.kind == "partitioned" else [table.qualified]
        touches.extend(_named_touch(catalog, p, lock, "ALTER DOMAIN", scan=True) for p in parts)
    return _merge(touches), True


def _alter_database_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    moves = any(
        o.get("DefElem", {}).get("defname") == "tablespace" for o in node.get("options", ())
    )
    return [], not moves


def _create_subscription_stmt(node: Node, catalog: Catalog, pg: int) -> _Result:
    options = node.get("options", ())
    names = {o.get("DefElem", {}).get("defname") for o in options}
    creates_slot = ("create_slot" not in names or _def_flag(options, "create_slot")) and (
        "connect" not in names or _def_flag(options, "connect")
    )
    return [], not creates_slot


_DROP_KEYS = {
    "OBJECT_TABLE": "DropStmt:table",
    "OBJECT_VIEW": "DropStmt:table",
    "OBJECT_MATVIEW": "DropStmt:table",
    "OBJECT_FOREIGN_TABLE": "DropStmt:table",
    "OBJECT_TRIGGER": "DropStmt:trigger",
    "OBJECT_POLICY": "DropStmt:policy",
    "OBJECT_RULE": "DropStmt:rule",
}


def _drop(node: Node, catalog: Catalog, pg: int = 15) -> _Result:
    remove = node.get("removeType")
    touches: list[Touch] = []
    transactional = True
    for obj in node.get("objects", ()):
        names = _names(obj.get("List", {}).get("items", ()))
        if not names:
            continue
        if remove == "OBJECT_INDEX":
            f = fact("DropStmt:index:concurrent" if node.get("concurrent") else "DropStmt:index")
            transactional = f.transactional
            touches.append(_touch(catalog, _index_table(catalog, names), f, "DROP INDEX"))
        elif remove == "OBJECT_STATISTIC_EXT":
            # SHARE UPDATE EXCLUSIVE on the table, as CREATE STATISTICS (measured on
            # PostgreSQL 15: drop_statistics); the statement does not name the table.
            stats_table = catalog.statistics.get(plain(*_split_name(names)))
            if stats_table is not None:
                touches.append(
                    _named_touch(
                        catalog, stats_table, LockMode.SHARE_UPDATE_EXCLUSIVE, "DROP STATISTICS"
                    )
                )
        elif remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
            if len(names) > 1:
                touches.append(
                    _touch(catalog, _range_var(names[:-1]), fact(_DROP_KEYS[remove]), "DROP")
                )
        elif remove in _DROP_KEYS:
            range_var = _range_var(names)
            touches.append(_touch(catalog, range_var, fact(_DROP_KEYS[remove]), "DROP"))
            table = catalog.table_of(range_var)
            if table is None:
                continue
            # Its foreign keys' triggers on the referenced tables go too, and a partition is
            # detached from its parent: both under ACCESS EXCLUSIVE.
            for target in _foreign_key_targets(table):
                touches.append(_named_touch(catalog, target, LockMode.ACCESS_EXCLUSIVE, "DROP"))
            if node.get("behavior") == "DROP_CASCADE":
                for target in _cascade_targets(catalog, table.qualified):
                    touches.append(
                        _named_touch(catalog, target, LockMode.ACCESS_EXCLUSIVE, "DROP CASCADE")
                    )
            if table.parent:
                touches.append(
                    _named_touch(catalog, table.parent, LockMode.ACCESS_EXCLUSIVE, "DROP")
                )
    return _merge(touches), transactional


_HANDLERS = {
    "AlterTableStmt": _alter_table_stmt,
    "IndexStmt": _index_stmt,
    "ReindexStmt": _reindex_stmt,
    "DropStmt": _drop,
    "RenameStmt": _rename_stmt,
    "CreateStmt": _create_stmt,
    "CreateTableAsStmt": _create_table_as_stmt,
    "CreateTrigStmt": _create_trig_stmt,
    "CreatePolicyStmt": _simple("CreatePolicyStmt", "table", "POLICY"),
    "AlterPolicyStmt": _simple("AlterPolicyStmt", "table", "POLICY"),
    "RuleStmt": _simple("RuleStmt", "relation", "CREATE RULE"),
    "TruncateStmt": _truncate_stmt,
    "VacuumStmt": _vacuum_stmt,
    "ClusterStmt": _cluster_stmt,
    "RefreshMatViewStmt": _refresh_stmt,
    "CommentStmt": _comment_stmt,
    "LockStmt": _lock_stmt,
    "InsertStmt": lambda n, c, pg: _dml_stmt(n, c, pg, "InsertStmt"),
    "UpdateStmt": lambda n, c, pg: _dml_stmt(n, c, pg, "UpdateStmt"),
    "DeleteStmt": lambda n, c, pg: _dml_stmt(n, c, pg, "DeleteStmt"),
    "MergeStmt": lambda n, c, pg: _dml_stmt(n, c, pg, "MergeStmt"),
    "ViewStmt": _view_stmt,
    "CreateStatsStmt": _create_stats_stmt,
    "AlterObjectSchemaStmt": _set_schema_stmt,
    "AlterSeqStmt": _alter_seq_stmt,
    "AlterEnumStmt": _alter_enum_stmt,
    "AlterDomainStmt": _alter_domain_stmt,
    "AlterDatabaseStmt": _alter_database_stmt,
    "CreateSubscriptionStmt": _create_subscription_stmt,
}
