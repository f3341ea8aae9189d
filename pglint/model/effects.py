"""What each statement does to the database: locks, rewrites, scans, transaction state.

:class:`Analyser` walks a file's statements in order, keeping the transaction state,
the timeouts in force and the :class:`Catalog` of objects seen so far, and turns each
statement into an :class:`Effect`. Rules only read effects; they never re-derive these
facts from the parse tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pglint.model.catalog import Catalog, qualified, range_name
from pglint.model.locks import LockFact, LockMode, fact
from pglint.model.statements import Node, Statement
from pglint.model.transaction import TransactionState, apply_settings
from pglint.model.types import rewrites_on_change, type_ref


@dataclass(frozen=True, slots=True)
class Touch:
    """What one statement does to one relation."""

    relation: str
    lock: LockMode
    rewrite: bool = False
    scan: bool = False
    new: bool = False
    action: str = ""
    location: int | None = None


@dataclass(frozen=True, slots=True)
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

    @property
    def kind(self) -> str:
        return self.statement.kind

    @property
    def node(self) -> Node:
        return self.statement.node

    @property
    def existing(self) -> tuple[Touch, ...]:
        """Touches of relations that existed before this migration."""
        return tuple(t for t in self.touches if not t.new)

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

    def reset_file(self, assume_in_transaction: bool | None = None) -> None:
        """Start a new file: a fresh session and transaction state, catalog kept."""
        if assume_in_transaction is not None:
            self.assume_in_transaction = assume_in_transaction
        self._state = TransactionState(implicit=self.assume_in_transaction)

    @property
    def in_transaction(self) -> bool:
        return self._state.in_transaction

    @property
    def open_explicit_transaction(self) -> bool:
        return self._state.depth > 0

    def effects(self, statements: Iterable[Statement]) -> Iterator[Effect]:
        """Yield one effect per statement; the catalog is updated after each yield."""
        for index, statement in enumerate(statements):
            effect = self.effect(statement, index)
            yield effect
            self.advance(effect)

    def effect(self, statement: Statement, index: int) -> Effect:
        state = self._state
        touches, transactional = _touches(statement, self.catalog, self.pg)
        return Effect(
            statement=statement,
            index=index,
            touches=tuple(touches),
            in_transaction=state.in_transaction,
            explicit_transaction=state.depth > 0,
            lock_timeout=state.lock_timeout or (state.local_lock_timeout and state.in_transaction),
            statement_timeout=state.statement_timeout
            or (state.local_statement_timeout and state.in_transaction),
            held=tuple(state.held) if state.in_transaction else (),
            transactional=transactional,
        )

    def advance(self, effect: Effect) -> None:
        """Apply a statement's consequences: transaction state, timeouts, catalog."""
        state = self._state
        statement = effect.statement
        if statement.kind == "TransactionStmt" and not statement.nested:
            kind = statement.node.get("kind", "")
            if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                state.depth += 1
            elif kind in (
                "TRANS_STMT_COMMIT",
                "TRANS_STMT_ROLLBACK",
                "TRANS_STMT_PREPARE",
                "TRANS_STMT_COMMIT_PREPARED",
                "TRANS_STMT_ROLLBACK_PREPARED",
            ):
                state.depth = 0
                state.implicit = False
                state.held.clear()
                state.local_lock_timeout = state.local_statement_timeout = False
        else:
            apply_settings(state, statement)
            if state.in_transaction:
                state.held.extend(t for t in effect.touches if not t.new)
        self.catalog.apply(statement, new=True)


# --- per-statement lock facts ----------------------------------------------------------------


def _names(items: Iterable[Node]) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items]


def _def_flag(options: Iterable[Node], flag: str) -> bool:
    for option in options or ():
        elem = option.get("DefElem", {})
        if elem.get("defname") == flag:
            arg = elem.get("arg")
            if arg is None:
                return True
            const = arg.get("Boolean", arg.get("A_Const", {}).get("boolval", {}))
            return bool(const.get("boolval", True)) if isinstance(const, dict) else True
    return False


def _touch(
    catalog: Catalog,
    range_var: Node,
    f: LockFact,
    action: str,
    *,
    rewrite: bool | None = None,
    scan: bool | None = None,
    lock: LockMode | None = None,
) -> Touch:
    schema, name = range_name(range_var)
    table = catalog.table(schema, name)
    return Touch(
        relation=qualified(schema, name),
        lock=lock or f.lock,
        rewrite=f.rewrite if rewrite is None else rewrite,
        scan=f.scan if scan is None else scan,
        new=bool(table and table.new),
        action=action,
        location=range_var.get("location"),
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
_VOLATILE_FUNCTIONS = frozenset(
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
        "txid_current",
        "pg_current_xact_id",
        "random_normal",
        "gen_random_bytes",
    }
)


def default_volatility(expr: Node | None) -> str:
    """``constant``, ``stable`` or ``volatile`` for a column default expression.

    Unknown functions count as volatile: PostgreSQL rewrites the table for a volatile
    default, and a linter that cannot see the function's definition must assume the worst.
    """
    if expr is None:
        return "constant"
    verdict = "constant"
    stack = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                name = _names(call.get("funcname", ()))[-1:] or [""]
                if name[0] in _VOLATILE_FUNCTIONS or name[0] not in _STABLE_FUNCTIONS:
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


def add_column_rewrites(coldef: Node, pg: int) -> bool:
    """Whether ``ADD COLUMN`` with this definition rewrites the table.

    PostgreSQL 11 stores non-volatile defaults in the catalogue ("fast default"); before
    that any non-NULL default rewrote. Serial, identity and stored generated columns are
    computed per row and always rewrite (pg-truth: add_column_serial, _identity,
    _generated_stored).
    """
    default, kinds = _column_default(coldef)
    type_name = coldef.get("typeName")
    if type_name and type_ref(type_name).name in ("serial", "bigserial", "smallserial"):
        return True
    if "CONSTR_IDENTITY" in kinds or "CONSTR_GENERATED" in kinds:
        return True
    if default is None or ("A_Const" in default and default["A_Const"].get("isnull")):
        return False
    if pg < 11:
        return True
    return default_volatility(default) == "volatile"


def _alter_table(statement: Statement, catalog: Catalog, pg: int) -> tuple[list[Touch], bool]:
    node = statement.node
    relation = node.get("relation", {})
    table = catalog.table_of(relation)
    touches: list[Touch] = []
    transactional = True
    for wrapped in node.get("cmds", ()):
        cmd = wrapped.get("AlterTableCmd", {})
        subtype = cmd.get("subtype", "")
        definition = cmd.get("def", {})
        key = f"AlterTableCmd:{subtype}"
        f = fact(key)
        rewrite, scan, lock = f.rewrite, f.scan, f.lock
        action = subtype.removeprefix("AT_")
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            coldef = definition["ColumnDef"]
            rewrite = scan = add_column_rewrites(coldef, pg)
            default, kinds = _column_default(coldef)
            if "CONSTR_CHECK" in kinds:
                scan = True
            for con in coldef.get("constraints", ()):
                c = con.get("Constraint", {})
                if c.get("contype") == "CONSTR_FOREIGN":
                    touches.append(
                        _touch(
                            catalog,
                            c.get("pktable", {}),
                            fact("CreateStmt:references"),
                            "REFERENCES",
                        )
                    )
                    if default is not None:
                        scan = True
        elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
            type_name = definition["ColumnDef"].get("typeName")
            old = None
            if table is not None and cmd.get("name") in table.columns:
                old = table.columns[cmd["name"]].type
            changes = rewrites_on_change(old, type_ref(type_name)) if type_name else None
            if changes is False and not definition["ColumnDef"].get("raw_default"):
                rewrite = scan = False
        elif subtype == "AT_SetNotNull":
            if (
                pg >= 12
                and table is not None
                and any(c.valid and c.not_null_column == cmd.get("name") for c in table.constraints)
            ):
                scan = False
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            con = definition["Constraint"]
            contype = con.get("contype")
            not_valid = bool(con.get("skip_validation"))
            if contype == "CONSTR_FOREIGN":
                f = fact("AlterTableCmd:AT_AddConstraint:foreign")
                lock = f.lock
                touches.append(
                    _touch(catalog, con.get("pktable", {}), f, "FOREIGN KEY", scan=not not_valid)
                )
                scan = not not_valid
            elif contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and con.get("indexname"):
                scan = False
            elif contype == "CONSTR_CHECK":
                scan = not not_valid
            elif contype == "CONSTR_NOTNULL":
                scan = True
            action = f"ADD {contype.removeprefix('CONSTR_')}"
        elif subtype == "AT_DropConstraint" and table is not None:
            for con in table.constraints:
                if con.name == cmd.get("name") and con.kind == "CONSTR_FOREIGN":
                    pass  # the referenced table is not recorded per constraint yet
        elif subtype in ("AT_AttachPartition", "AT_DetachPartition"):
            part = definition.get("PartitionCmd", {})
            concurrent = bool(part.get("concurrent"))
            if subtype == "AT_AttachPartition":
                parent_lock = (
                    LockMode.SHARE_UPDATE_EXCLUSIVE if pg >= 12 else LockMode.ACCESS_EXCLUSIVE
                )
                touches.append(
                    _touch(
                        catalog,
                        part.get("name", {}),
                        f,
                        "ATTACH PARTITION",
                        lock=LockMode.ACCESS_EXCLUSIVE,
                        scan=True,
                    )
                )
                lock, scan = parent_lock, False
            else:
                touches.append(
                    _touch(
                        catalog,
                        part.get("name", {}),
                        f,
                        "DETACH PARTITION",
                        lock=LockMode.ACCESS_EXCLUSIVE,
                    )
                )
                if concurrent:
                    lock = LockMode.SHARE_UPDATE_EXCLUSIVE
                    transactional = False
        touches.append(_touch(catalog, relation, f, action, rewrite=rewrite, scan=scan, lock=lock))
    return _merge(touches), transactional


def _merge(touches: list[Touch]) -> list[Touch]:
    """One touch per relation: the strongest lock, and any rewrite or scan."""
    merged: dict[str, Touch] = {}
    for t in touches:
        before = merged.get(t.relation)
        if before is None:
            merged[t.relation] = t
            continue
        merged[t.relation] = Touch(
            t.relation,
            max(before.lock, t.lock),
            before.rewrite or t.rewrite,
            before.scan or t.scan,
            before.new and t.new,
            before.action if before.lock >= t.lock else t.action,
            before.location if before.location is not None else t.location,
        )
    return list(merged.values())


def _index_table(catalog: Catalog, names: list[str]) -> Node:
    index = catalog.index(names[0] if len(names) > 1 else None, names[-1])
    if index is None:
        return {"schemaname": names[0] if len(names) > 1 else None, "relname": names[-1]}
    schema, _, table = index.table.rpartition(".")
    return {"schemaname": schema or None, "relname": table}


def _touches(statement: Statement, catalog: Catalog, pg: int) -> tuple[list[Touch], bool]:
    kind = statement.kind
    node = statement.node
    if kind == "AlterTableStmt":
        if node.get("objtype") not in (
            None,
            "OBJECT_TABLE",
            "OBJECT_FOREIGN_TABLE",
            "OBJECT_MATVIEW",
        ):
            if node.get("objtype") == "OBJECT_INDEX":
                return [], True
            return [], True
        return _alter_table(statement, catalog, pg)
    if kind == "IndexStmt":
        key = "IndexStmt:concurrent" if node.get("concurrent") else "IndexStmt"
        f = fact(key)
        return [_touch(catalog, node.get("relation", {}), f, "CREATE INDEX")], f.transactional
    if kind == "ReindexStmt":
        concurrent = _def_flag(node.get("params", ()), "concurrently")
        f = fact("ReindexStmt:concurrent" if concurrent else "ReindexStmt")
        relation = node.get("relation")
        if relation and node.get("kind") == "REINDEX_OBJECT_INDEX":
            relation = _index_table(catalog, [x for x in range_name(relation) if x])
        if not relation:
            return [], f.transactional
        return [_touch(catalog, relation, f, "REINDEX")], f.transactional
    if kind == "DropStmt":
        return _drop(node, catalog)
    if kind == "RenameStmt":
        rename_type = node.get("renameType", "")
        relation = node.get("relation")
        key = {
            "OBJECT_TABLE": "RenameStmt:table",
            "OBJECT_VIEW": "RenameStmt:table",
            "OBJECT_MATVIEW": "RenameStmt:table",
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
            return [_touch(catalog, relation, f, "RENAME INDEX")], True
        return [_touch(catalog, relation, f, "RENAME")], True
    if kind == "CreateStmt":
        touches = []
        relation = node.get("relation", {})
        if node.get("partbound") and node.get("inhRelations"):
            parent = node["inhRelations"][0].get("RangeVar", {})
            touches.append(_touch(catalog, parent, fact("CreateStmt:partition_of"), "PARTITION OF"))
        for element in node.get("tableElts", ()):
            constraints = element.get("ColumnDef", {}).get("constraints", ()) or (
                [element] if "Constraint" in element else []
            )
            for con in constraints:
                c = con.get("Constraint", {})
                if c.get("contype") == "CONSTR_FOREIGN":
                    touches.append(
                        _touch(
                            catalog,
                            c.get("pktable", {}),
                            fact("CreateStmt:references"),
                            "REFERENCES",
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
    if kind == "CreateTrigStmt":
        return [
            _touch(catalog, node.get("relation", {}), fact("CreateTrigStmt"), "CREATE TRIGGER")
        ], True
    if kind in ("CreatePolicyStmt", "AlterPolicyStmt"):
        return [_touch(catalog, node.get("table", {}), fact(kind), "POLICY")], True
    if kind == "RuleStmt":
        return [_touch(catalog, node.get("relation", {}), fact(kind), "CREATE RULE")], True
    if kind == "TruncateStmt":
        f = fact("TruncateStmt")
        return _merge(
            [
                _touch(catalog, r.get("RangeVar", {}), f, "TRUNCATE")
                for r in node.get("relations", ())
            ]
        ), True
    if kind == "VacuumStmt":
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
    if kind == "ClusterStmt":
        relation = node.get("relation")
        return ([_touch(catalog, relation, fact(kind), "CLUSTER")] if relation else []), True
    if kind == "RefreshMatViewStmt":
        f = fact(
            "RefreshMatViewStmt:concurrent" if node.get("concurrent") else "RefreshMatViewStmt"
        )
        return [_touch(catalog, node.get("relation", {}), f, "REFRESH MATERIALIZED VIEW")], True
    if kind == "CommentStmt":
        objtype = node.get("objtype")
        obj = node.get("object", {})
        names = _names(obj.get("List", {}).get("items", ()))
        if objtype == "OBJECT_COLUMN":
            names = names[:-1]
        if objtype in ("OBJECT_TABLE", "OBJECT_COLUMN") and names:
            rv = {"schemaname": names[0] if len(names) > 1 else None, "relname": names[-1]}
            return [_touch(catalog, rv, fact(kind), "COMMENT")], True
        return [], True
    if kind == "LockStmt":
        mode = LockMode(max(1, min(8, node.get("mode", 8))))
        return _merge(
            [
                _touch(catalog, r.get("RangeVar", {}), LockFact(mode), "LOCK")
                for r in node.get("relations", ())
            ]
        ), True
    if kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
        relation = node.get("relation") or node.get("relation", {})
        scan = kind != "InsertStmt" and node.get("whereClause") is None
        f = fact(kind)
        return [_touch(catalog, relation, f, kind.removesuffix("Stmt").upper(), scan=scan)], True
    if kind == "ViewStmt" and node.get("replace"):
        view = node.get("view", {})
        if catalog.table_of(view) is not None:
            return [_touch(catalog, view, fact("ViewStmt:replace"), "CREATE OR REPLACE VIEW")], True
        return [], True
    if kind in ("CreateTableAsStmt",):
        into = node.get("into", {}).get("IntoClause", {}).get("rel", {})
        schema, name = range_name(into)
        return [
            Touch(qualified(schema, name), LockMode.ACCESS_EXCLUSIVE, new=True, action="CREATE")
        ], True
    return [], True


_DROP_KEYS = {
    "OBJECT_TABLE": "DropStmt:table",
    "OBJECT_VIEW": "DropStmt:table",
    "OBJECT_MATVIEW": "DropStmt:table",
    "OBJECT_FOREIGN_TABLE": "DropStmt:table",
    "OBJECT_TRIGGER": "DropStmt:trigger",
    "OBJECT_POLICY": "DropStmt:policy",
    "OBJECT_RULE": "DropStmt:rule",
}


def _drop(node: Node, catalog: Catalog) -> tuple[list[Touch], bool]:
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
        elif remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
            table = names[:-1]
            if table:
                rv = {"schemaname": table[0] if len(table) > 1 else None, "relname": table[-1]}
                touches.append(_touch(catalog, rv, fact(_DROP_KEYS[remove]), "DROP"))
        elif remove in _DROP_KEYS:
            rv = {"schemaname": names[0] if len(names) > 1 else None, "relname": names[-1]}
            touches.append(_touch(catalog, rv, fact(_DROP_KEYS[remove]), "DROP"))
    return _merge(touches), transactional
