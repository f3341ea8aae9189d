"""Rules of the transactions family: timeouts, transaction blocks, locks held too long.

They read the transaction state the analyser keeps on every effect (``in_transaction``,
``explicit_transaction``, ``transaction``, ``tool_transaction``, ``lock_timeout``,
``statement_timeout``, ``held``), see :mod:`pglint.model.transaction`. The file-scope
checks here name the line of an earlier statement (the BEGIN, the ADD VALUE, the first
lock), which only the file's text gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pglint.engine import Context, FileView
from pglint.model.effects import Effect, Touch
from pglint.model.locks import LockMode
from pglint.model.nodes import alter_commands, statement_nodes
from pglint.model.statements import Node, Statement
from pglint.rules.locking import option_on
from pglint.rules.registry import Hit, check

_AE = LockMode.ACCESS_EXCLUSIVE
_REFERENCED = ("FOREIGN KEY", "REFERENCES")
_BEGIN = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
_END = ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK")


# --- helpers -----------------------------------------------------------------------------------

_VERBS = {
    "AlterTableStmt": "ALTER TABLE",
    "IndexStmt": "CREATE INDEX",
    "ReindexStmt": "REINDEX",
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "CreateTrigStmt": "CREATE TRIGGER",
    "CreatePolicyStmt": "CREATE POLICY",
    "AlterPolicyStmt": "ALTER POLICY",
    "RuleStmt": "CREATE RULE",
    "TruncateStmt": "TRUNCATE",
    "ClusterStmt": "CLUSTER",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "CommentStmt": "COMMENT ON",
    "LockStmt": "LOCK TABLE",
    "ViewStmt": "CREATE OR REPLACE VIEW",
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "SelectStmt": "SELECT",
    "AlterEnumStmt": "ALTER TYPE",
    "CreateStatsStmt": "CREATE STATISTICS",
    "AlterSeqStmt": "ALTER SEQUENCE",
}


def _words(objtype: str) -> str:
    """``OBJECT_MATVIEW`` → ``MATERIALIZED VIEW``, ``OBJECT_FOREIGN_TABLE`` → ``FOREIGN TABLE``."""
    word = objtype.removeprefix("OBJECT_")
    return {"MATVIEW": "MATERIALIZED VIEW", "TABCONSTRAINT": "CONSTRAINT"}.get(
        word, word.replace("_", " ")
    )


def _verb(effect: Effect) -> str:
    """The statement's command, as a reader would name it: ``ALTER TABLE``, ``DROP INDEX``."""
    node = effect.node
    if effect.kind == "DropStmt":
        return "DROP " + _words(node.get("removeType", "OBJECT_TABLE"))
    if effect.kind == "VacuumStmt":
        return "VACUUM" if node.get("is_vacuumcmd") else "ANALYZE"
    if effect.kind == "AlterTableStmt" and node.get("objtype") not in (None, "OBJECT_TABLE"):
        return "ALTER " + _words(node["objtype"])
    if effect.kind == "RenameStmt":
        target = node.get("renameType", "")
        if target in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
            target = node.get("relationType", "OBJECT_TABLE")
            if target == "OBJECT_ACCESS_METHOD":  # pglast's zero value: not set
                target = "OBJECT_TABLE"
        return f"ALTER {_words(target)} … RENAME"
    verb = _VERBS.get(effect.kind)
    if verb is None:
        first = effect.statement.text.split(None, 1)
        verb = first[0].upper() if first else "this statement"
    return verb


def _article(mode: LockMode) -> str:
    return "an" if mode.sql_name[0] in "AEIOU" else "a"


def _name(effect: Effect, touch: Touch) -> str:
    """The locked relation as messages name it. DROP INDEX and REINDEX INDEX lock the
    index's table; when the catalog does not know it, the model keeps the index's name."""
    if touch.action in ("DROP INDEX", "REINDEX") and touch.relation in _index_names(effect):
        return f"the table of index {touch.relation}"
    return touch.relation


def _index_names(effect: Effect) -> set[str]:
    node = effect.node
    if effect.kind == "ReindexStmt" and node.get("kind") == "REINDEX_OBJECT_INDEX":
        relation = node.get("relation") or {}
        schema, name = relation.get("schemaname"), relation.get("relname", "")
        return {f"{schema}.{name}" if schema else name}
    if effect.kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX":
        names = [obj.get("List", {}).get("items", ()) for obj in node.get("objects", ())]
        return {".".join(n.get("String", {}).get("sval", "") for n in items) for items in names}
    return set()


def _lock_phrase(touches: Sequence[Touch], effect: Effect | None = None) -> str:
    """``an ACCESS EXCLUSIVE lock on orders and a SHARE ROW EXCLUSIVE lock on customers``."""
    parts = []
    for t in touches:
        name = _name(effect, t) if effect is not None else t.relation
        part = f"{_article(t.lock)} {t.lock.sql_name} lock on {name}"
        if t.index_lock is not None and t.index_lock > t.lock:
            part += f" ({t.index_lock.sql_name} on the index)"
        if t.partition_lock is not None and t.partition_lock > t.lock:
            part += f" ({t.partition_lock.sql_name} on its DEFAULT partition)"
        parts.append(part)
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _names(items: Iterable[str]) -> str:
    names = list(dict.fromkeys(items))
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _blocking(effect: Effect) -> tuple[Touch, ...]:
    """Touches of existing relations whose lock makes reads or writes wait, strongest first
    (computed once per effect: three rules ask)."""
    found = effect.memo.get("blocking")
    if found is None:
        far = 1 << 62
        touches = [t for t in effect.existing if t.blocks_writes or t.blocks_reads]
        if len(touches) > 1:
            touches.sort(key=lambda t: (not t.blocks_reads, -t.lock, t.location or far))
        found = effect.memo["blocking"] = tuple(touches)
    return found


def _line(view: FileView, effect: Effect) -> int:
    return view.text.count("\n", 0, effect.statement.start) + 1


def _tool_transaction(view: FileView) -> bool:
    """The migration tool runs this file in a transaction of its own (the model's
    ``Effect.tool_transaction``): the file starts inside a transaction it did not open."""
    return bool(view.effects) and view.effects[0].tool_transaction


def _transaction_kind(effect: Effect) -> str:
    return effect.node.get("kind", "") if effect.kind == "TransactionStmt" else ""


def _strings(statement: Statement) -> set[str]:
    """Every string constant (``'x'``) in a statement."""
    return {
        const["sval"].get("sval", "")
        for const in statement_nodes(statement).of("A_Const")
        if "sval" in const
    }


def _type_key(names: Iterable[Node]) -> str:
    parts = [n.get("String", {}).get("sval", "") for n in names]
    return ".".join(parts).removeprefix("public.")


# --- require-lock-timeout ----------------------------------------------------------------------


def _reindex_all(effect: Effect) -> str | None:
    """``REINDEX SCHEMA public`` for a plain REINDEX SCHEMA or DATABASE: it takes SHARE on
    each table and ACCESS EXCLUSIVE on each index in turn (REINDEX docs), tables the model
    cannot list, so the statement has no touches."""
    if effect.kind != "ReindexStmt":
        return None
    node = effect.node
    kind = {"REINDEX_OBJECT_SCHEMA": "SCHEMA", "REINDEX_OBJECT_DATABASE": "DATABASE"}.get(
        node.get("kind", "")
    )
    if kind is None or option_on(node.get("params"), "concurrently"):
        return None
    return f"REINDEX {kind} {node.get('name') or ''}".rstrip()


_EACH_TABLE = (
    "a SHARE lock on each table and an ACCESS EXCLUSIVE lock on each of its indexes in turn"
)


@check("require-lock-timeout")
def require_lock_timeout(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if effect.lock_timeout:
        return
    touches = _blocking(effect)
    if not touches:
        every = _reindex_all(effect)
        if every is not None:
            yield Hit(
                f"{every} takes {_EACH_TABLE} with no lock_timeout set: if it has to wait for "
                "a long-running transaction on one of them, all later reads and writes of that "
                "table queue behind it until that transaction ends"
            )
        return
    main = touches[0]
    name = _name(effect, main)
    blocked = f"{main.blocked} of {name}"
    if effect.kind == "AlterSeqStmt":
        # The lock is on the sequence: nextval() waits, and so does every INSERT using it.
        blocked = f"nextval() calls on {name}, and the INSERTs that use it,"
    yield Hit(
        f"{_verb(effect)} takes {_lock_phrase(touches, effect)} with no lock_timeout set: if it "
        f"has to wait for a long-running transaction on {name}, all later "
        f"{blocked} queue behind it until that transaction ends"
    )


# --- require-statement-timeout -----------------------------------------------------------------


def _slow_work(effect: Effect, touch: Touch) -> str | None:
    """``rewrites``/``scans`` when the statement does work proportional to the table's size.

    TRUNCATE "rewrites" by swapping in an empty file, which takes no time. The table a new
    foreign key references is only probed for the referencing rows: the work is the
    referencing table's scan, reported on that table.
    """
    if touch.action in _REFERENCED:
        return None
    if touch.rewrite and effect.kind != "TruncateStmt":
        return "rewrites"
    if touch.scan:
        return "scans"
    return None


@check("require-statement-timeout")
def require_statement_timeout(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if effect.statement_timeout:
        return
    every = _reindex_all(effect)
    if every is not None:
        yield Hit(
            f"{every} rebuilds every index while holding {_EACH_TABLE}, which blocks reads "
            "and writes of each table while its indexes are rebuilt, with no statement_timeout "
            "set: nothing bounds how long the whole statement runs"
        )
        return
    for touch in _blocking(effect):
        work = _slow_work(effect, touch)
        if work is None:
            continue
        name = _name(effect, touch)
        yield Hit(
            f"{_verb(effect)} {work} {name} while holding "
            f"{_lock_phrase([touch], effect)} that blocks {touch.blocked}, with no "
            f"statement_timeout set: on a large table nothing bounds how long {touch.blocked} "
            f"of {name} wait"
        )
        return


# --- transaction-nesting -----------------------------------------------------------------------


@check("transaction-nesting", scope="file")
def transaction_nesting(view: FileView, ctx: Context) -> Iterator[Hit]:
    assume = _tool_transaction(view)
    opened_at: int | None = None
    for effect in view.effects:
        kind = _transaction_kind(effect)
        if not kind:
            continue
        if effect.statement.nested:
            continue
        word = effect.statement.text.split(None, 1)[0].upper()
        if kind in _BEGIN:
            if assume:
                yield Hit(
                    f"{word} in a file that the migration tool already runs in a transaction: "
                    "PostgreSQL ignores it with a warning, and the COMMIT meant for it ends the "
                    "tool's transaction early",
                    effect=effect,
                )
            elif effect.explicit_transaction:
                yield Hit(
                    f"{word} while the transaction opened at line {opened_at} is still open: "
                    "PostgreSQL ignores it with a warning, so the first COMMIT ends the whole "
                    "transaction and the statements after it run outside any transaction",
                    effect=effect,
                )
            if not effect.explicit_transaction:
                # (In a file sent as one query, BEGIN takes over the implicit block.)
                opened_at = _line(view, effect)
        elif kind in _END:
            if assume:
                yield Hit(
                    f"{word} ends the transaction the migration tool runs this file in: the "
                    "statements after it run outside that transaction, and a failure no longer "
                    "rolls back the ones before it",
                    effect=effect,
                )
            elif not effect.in_transaction:
                yield Hit(
                    f"{word} with no transaction open: PostgreSQL only warns, and the "
                    "statements before it have already been committed one by one",
                    effect=effect,
                    help="BEGIN the transaction before the statements it should cover, or "
                    "remove this statement.",
                )


# --- ban-uncommitted-transaction -----------------------------------------------------------------


@check("ban-uncommitted-transaction", scope="file")
def ban_uncommitted_transaction(view: FileView, ctx: Context) -> Iterator[Hit]:
    if not view.open_transaction or _tool_transaction(view):
        return
    opener = None
    for effect in view.effects:
        if effect.statement.nested:
            continue
        kind = _transaction_kind(effect)
        if (kind in _BEGIN and not effect.explicit_transaction) or (
            kind in _END and effect.node.get("chain") and effect.in_transaction
        ):
            opener = effect
    if opener is None:
        return
    after = sum(1 for e in view.effects if e.index > opener.index and not e.statement.nested)
    yield Hit(
        "the transaction opened here is never committed or rolled back: the file ends with it "
        f"open, and PostgreSQL rolls it back when the connection closes, silently undoing the "
        f"{after} statement{'s' if after != 1 else ''} after it",
        effect=opener,
    )


# --- prefer-robust-stmts -------------------------------------------------------------------------

_RELATION_RENAMES = {
    "OBJECT_TABLE": "ALTER TABLE",
    "OBJECT_INDEX": "ALTER INDEX",
    "OBJECT_SEQUENCE": "ALTER SEQUENCE",
    "OBJECT_VIEW": "ALTER VIEW",
    "OBJECT_MATVIEW": "ALTER MATERIALIZED VIEW",
    "OBJECT_FOREIGN_TABLE": "ALTER FOREIGN TABLE",
}


def _relation(range_var: Node) -> str:
    schema, name = range_var.get("schemaname"), range_var.get("relname", "")
    return f"{schema}.{name}" if schema else name


def _dotted(names: Iterable[Node]) -> str:
    return ".".join(n.get("String", {}).get("sval", "") for n in names)


def _drop_names(node: Node) -> str:
    names = []
    on_table = node.get("removeType") in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE")
    for obj in node.get("objects", ()):
        if "List" in obj:
            items = [i.get("String", {}).get("sval", "") for i in obj["List"].get("items", ())]
            if on_table and len(items) > 1:
                names.append(f"{items[-1]} ON {'.'.join(items[:-1])}")
            else:
                names.append(".".join(items))
        elif "String" in obj:
            names.append(obj["String"].get("sval", ""))
        elif "ObjectWithArgs" in obj:
            names.append(_dotted(obj["ObjectWithArgs"].get("objname", ())))
        elif "TypeName" in obj:
            names.append(_dotted(obj["TypeName"].get("names", ())))
    return _names(n for n in names if n)


def _fragile(effect: Effect, ctx: Context) -> Iterator[tuple[str, str, str, int | None]]:
    """(what, missing guard, robust form, location) for each part that fails on a re-run."""
    node, kind = effect.node, effect.kind
    if kind == "CreateStmt":
        relation = node.get("relation", {})
        if not node.get("if_not_exists") and relation.get("relpersistence") != "t":
            yield (
                f"CREATE TABLE {_relation(relation)}",
                "IF NOT EXISTS",
                "CREATE TABLE IF NOT EXISTS",
                relation.get("location"),
            )
    elif kind == "CreateForeignTableStmt":
        base = node.get("base", {})
        if not base.get("if_not_exists"):
            yield (
                f"CREATE FOREIGN TABLE {_relation(base.get('relation', {}))}",
                "IF NOT EXISTS",
                "CREATE FOREIGN TABLE IF NOT EXISTS",
                None,
            )
    elif kind == "CreateTableAsStmt":
        rel = node.get("into", {}).get("IntoClause", node.get("into", {})).get("rel", {})
        what = "MATERIALIZED VIEW" if node.get("objtype") == "OBJECT_MATVIEW" else "TABLE"
        if not node.get("if_not_exists") and rel.get("relpersistence") != "t":
            yield (
                f"CREATE {what} {_relation(rel)}",
                "IF NOT EXISTS",
                f"CREATE {what} IF NOT EXISTS",
                rel.get("location"),
            )
    elif kind == "IndexStmt":
        if node.get("idxname") and not node.get("if_not_exists"):
            concurrently = " CONCURRENTLY" if node.get("concurrent") else ""
            yield (
                f"CREATE INDEX{concurrently} {node['idxname']}",
                "IF NOT EXISTS",
                f"CREATE INDEX{concurrently} IF NOT EXISTS",
                None,
            )
    elif kind == "CreateSeqStmt":
        seq = node.get("sequence", {})
        if not node.get("if_not_exists") and seq.get("relpersistence") != "t":
            yield (
                f"CREATE SEQUENCE {_relation(seq)}",
                "IF NOT EXISTS",
                "CREATE SEQUENCE IF NOT EXISTS",
                seq.get("location"),
            )
    elif kind == "CreateSchemaStmt":
        if not node.get("if_not_exists"):
            name = node.get("schemaname") or "(authorization schema)"
            yield f"CREATE SCHEMA {name}", "IF NOT EXISTS", "CREATE SCHEMA IF NOT EXISTS", None
    elif kind == "CreateExtensionStmt":
        if not node.get("if_not_exists"):
            yield (
                f"CREATE EXTENSION {node.get('extname', '')}",
                "IF NOT EXISTS",
                "CREATE EXTENSION IF NOT EXISTS",
                None,
            )
    elif kind == "DropStmt":
        if not node.get("missing_ok"):
            what = _words(node.get("removeType", "OBJECT_TABLE"))
            concurrently = " CONCURRENTLY" if node.get("concurrent") else ""
            yield (
                f"DROP {what}{concurrently} {_drop_names(node)}",
                "IF EXISTS",
                f"DROP {what}{concurrently} IF EXISTS",
                None,
            )
    elif kind == "AlterTableStmt":
        table = _relation(node.get("relation", {}))
        for cmd in alter_commands(node):
            if cmd.get("missing_ok"):
                continue
            subtype = cmd.get("subtype")
            if subtype == "AT_AddColumn":
                coldef = cmd.get("def", {}).get("ColumnDef", {})
                yield (
                    f"ALTER TABLE {table} ADD COLUMN {coldef.get('colname', '')}",
                    "IF NOT EXISTS",
                    "ADD COLUMN IF NOT EXISTS",
                    coldef.get("location"),
                )
            elif subtype == "AT_DropColumn":
                yield (
                    f"ALTER TABLE {table} DROP COLUMN {cmd.get('name', '')}",
                    "IF EXISTS",
                    "DROP COLUMN IF EXISTS",
                    None,
                )
            elif subtype == "AT_DropConstraint":
                yield (
                    f"ALTER TABLE {table} DROP CONSTRAINT {cmd.get('name', '')}",
                    "IF EXISTS",
                    "DROP CONSTRAINT IF EXISTS",
                    None,
                )
    elif kind == "RenameStmt":
        alter = _RELATION_RENAMES.get(node.get("renameType", ""))
        if alter and not node.get("missing_ok"):
            relation = node.get("relation", {})
            yield (
                f"{alter} {_relation(relation)} RENAME TO {node.get('newname', '')}",
                "IF EXISTS",
                f"{alter} IF EXISTS … RENAME TO",
                relation.get("location"),
            )
    elif kind == "AlterEnumStmt":
        if node.get("newVal") and not node.get("oldVal") and not node.get("skipIfNewValExists"):
            yield (
                f"ALTER TYPE {_dotted(node.get('typeName', ()))} ADD VALUE '{node['newVal']}'",
                "IF NOT EXISTS",
                "ADD VALUE IF NOT EXISTS",
                None,
            )
    elif kind == "ViewStmt":
        view = node.get("view", {})
        if not node.get("replace") and view.get("relpersistence") != "t":
            yield f"CREATE VIEW {_relation(view)}", "OR REPLACE", "CREATE OR REPLACE VIEW", None
    elif kind == "CreateFunctionStmt":
        if not node.get("replace"):
            what = "PROCEDURE" if node.get("is_procedure") else "FUNCTION"
            yield (
                f"CREATE {what} {_dotted(node.get('funcname', ()))}",
                "OR REPLACE",
                f"CREATE OR REPLACE {what}",
                None,
            )
    elif (
        # CREATE OR REPLACE TRIGGER exists since PostgreSQL 14, not for constraint triggers.
        kind == "CreateTrigStmt"
        and ctx.pg >= 14
        and not node.get("replace")
        and not node.get("isconstraint")
    ):
        yield (
            f"CREATE TRIGGER {node.get('trigname', '')}",
            "OR REPLACE",
            "CREATE OR REPLACE TRIGGER",
            None,
        )


@check(
    "prefer-robust-stmts",
    kinds=(
        "CreateStmt",
        "CreateForeignTableStmt",
        "CreateTableAsStmt",
        "IndexStmt",
        "CreateSeqStmt",
        "CreateSchemaStmt",
        "CreateExtensionStmt",
        "DropStmt",
        "AlterTableStmt:AT_AddColumn",
        "AlterTableStmt:AT_DropColumn",
        "AlterTableStmt:AT_DropConstraint",
        "RenameStmt",
        "AlterEnumStmt",
        "ViewStmt",
        "CreateFunctionStmt",
        "CreateTrigStmt",
    ),
)
def prefer_robust_stmts(effect: Effect, ctx: Context) -> Iterator[Hit]:
    # In a transaction a failure rolls everything back, so a re-run starts from scratch.
    # Statements inside a DO block usually sit behind the block's own IF checks.
    if effect.in_transaction or effect.statement.nested:
        return
    for what, guard, robust, at in _fragile(effect, ctx):
        exists = "does not exist" if guard == "IF EXISTS" else "already exists"
        yield Hit(
            f"{what} has no {guard} and the file does not run in a transaction: if the "
            f'migration fails after this statement, a re-run stops here with "{exists}"',
            at=at,
            help=f"Write {robust}, or run the migration in a transaction.",
        )


# --- lock-held-across-statements -------------------------------------------------------------

_DML = {
    "UpdateStmt": "changes rows of",
    "DeleteStmt": "removes rows from",
    "MergeStmt": "merges into",
}


def _slow_step(effect: Effect) -> str | None:
    """What makes ``effect`` take a while (a scan, a rewrite, a backfill), or None."""
    for touch in effect.existing:
        work = _slow_work(effect, touch)
        if work is not None:
            return f"{work} {touch.relation}"
    if effect.kind in _DML and effect.existing:
        return f"{_DML[effect.kind]} {effect.existing[0].relation}"
    if effect.kind == "InsertStmt":
        select = effect.node.get("selectStmt", {}).get("SelectStmt", {})
        if select.get("fromClause") and effect.touches:
            return f"copies rows into {effect.touches[0].relation} with INSERT … SELECT"
    return None


def _lock_wait(effect: Effect, held: set[str]) -> str | None:
    """A lock blocking reads or writes of another table, waited for with no lock_timeout."""
    if effect.lock_timeout:
        return None
    for touch in _blocking(effect):
        if touch.relation not in held:
            return (
                f"waits for {_lock_phrase([touch])} with no lock_timeout (behind every "
                f"transaction using {touch.relation}, for as long as they run)"
            )
    return None


_SHOWN = 3  # held tables named in a message


@check("lock-held-across-statements", scope="file")
def lock_held_across_statements(view: FileView, ctx: Context) -> Iterator[Hit]:
    since: dict[str, Effect] = {}
    waited: set[int] = set()  # transactions already reported for a lock wait
    for effect in view.effects:
        txn = effect.transaction
        held = {t.relation for t in effect.held if t.lock is _AE}
        if not since.keys() <= held:
            since = {relation: e for relation, e in since.items() if relation in held}
        # A table this statement blocks reads of by itself gains nothing from the held lock.
        extra = held - {t.relation for t in effect.existing if t.blocks_reads}
        if extra and txn is not None and not _transaction_kind(effect):
            step = _slow_step(effect)
            if step is None and txn not in waited:
                step = _lock_wait(effect, held)
                if step is not None:
                    waited.add(txn)
            if step is not None:
                order = sorted(extra, key=lambda r: (since[r].index if r in since else -1, r))
                origins = []
                for relation in order[:_SHOWN]:
                    origin = since.get(relation)
                    where = f" (since line {_line(view, origin)})" if origin is not None else ""
                    origins.append(f"{relation}{where}")
                if len(order) > _SHOWN:
                    origins.append(f"{len(order) - _SHOWN} more")
                tables = "them" if len(order) > 1 else order[0]
                yield Hit(
                    f"{_verb(effect)} {step} while this transaction still holds the ACCESS "
                    f"EXCLUSIVE lock on {_names(origins)}: every read and write of {tables} "
                    "waits until the transaction commits",
                    effect=effect,
                )
        if effect.in_transaction and not _transaction_kind(effect):
            for touch in effect.existing:
                if touch.lock is _AE:
                    since.setdefault(touch.relation, effect)


# --- ban-enum-value-add-in-transaction -----------------------------------------------------------


def _how_in_transaction(effect: Effect, ctx: Context) -> str:
    if effect.statement.nested:
        return "inside a DO block, which runs as one transaction"
    if effect.explicit_transaction:
        return "inside a transaction block (after BEGIN)"
    return "inside the transaction the migration tool runs this file in"


@check("ban-enum-value-add-in-transaction", scope="file")
def ban_enum_value_add_in_transaction(view: FileView, ctx: Context) -> Iterator[Hit]:
    created: dict[str, int] = {}
    added: dict[int, list[tuple[str, str, Effect]]] = {}
    for effect in view.effects:
        node, txn = effect.node, effect.transaction
        if effect.kind == "CreateEnumStmt":
            if txn is not None:
                created[_type_key(node.get("typeName", ()))] = txn
            continue
        if effect.kind == "AlterEnumStmt":
            if not node.get("newVal") or node.get("oldVal") or txn is None:
                continue
            key = _type_key(node.get("typeName", ()))
            if created.get(key) == txn:
                continue  # a type created in the same transaction may take and use new values
            value = node["newVal"]
            if ctx.pg < 12:
                yield Hit(
                    f"ALTER TYPE {key} ADD VALUE '{value}' runs "
                    f"{_how_in_transaction(effect, ctx)}: PostgreSQL {ctx.pg} rejects it "
                    "(ALTER TYPE ... ADD cannot run inside a transaction block; only "
                    "PostgreSQL 12 and later allow it)",
                    effect=effect,
                )
            else:
                added.setdefault(txn, []).append((value, key, effect))
            continue
        if txn is None or txn not in added or effect.kind == "CommentStmt":
            continue
        strings = _strings(effect.statement)
        used = [(value, key, origin) for value, key, origin in added[txn] if value in strings]
        if not used:
            continue
        value, key, origin = used[0]
        yield Hit(
            f"{_verb(effect)} uses enum value '{value}', which ALTER TYPE {key} ADD VALUE at "
            f"line {_line(view, origin)} added in this same transaction: PostgreSQL rejects "
            "it (unsafe use of new value) until that transaction has committed",
            effect=effect,
            help="Commit the ALTER TYPE … ADD VALUE first: use the new value in a later "
            "migration, or after COMMIT.",
        )
