"""Locking rules: statements that block reads or writes on a live table.

Every check reads the lock model's facts from the effect (which relations a statement
touches, under which lock, and whether they existed before this migration) and adds only
what this family needs: which clause is the hazard, and the online alternative.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pglint.engine import Context, FileView
from pglint.model.catalog import qualified, range_name
from pglint.model.effects import Effect, Touch
from pglint.model.locks import LockMode, fact
from pglint.model.nodes import alter_commands, lowered, mentions, node_index, statement_nodes
from pglint.model.statements import Node, Statement
from pglint.rules.registry import Hit, check

# --- helpers ---------------------------------------------------------------------------------
#
# Two of these are facts the model should own and currently gets wrong or lacks:
# ``option_on`` (the model's ``_def_flag`` reads ``VACUUM (FULL false)`` and
# ``REINDEX (CONCURRENTLY off)`` as switched on) and ``non_transactional_form`` (which
# concurrent form a statement is). They live here until the model has them.

_FALSE_WORDS = frozenset({"false", "off", "no", "0"})


def option_on(options: Iterable[Node] | None, name: str) -> bool:
    """Whether the ``DefElem`` option ``name`` is given and switched on.

    ``VACUUM (FULL)``, ``VACUUM (FULL true)`` and ``(FULL 1)`` are on; ``(FULL false)``,
    ``(FULL off)`` and ``(FULL 0)`` are off (pglast gives the value as a String or an
    Integer whose zero value is omitted).
    """
    for option in options or ():
        elem = option.get("DefElem", {})
        if elem.get("defname") != name:
            continue
        arg = elem.get("arg")
        if arg is None:
            return True
        if "String" in arg:
            return arg["String"].get("sval", "").lower() not in _FALSE_WORDS
        if "Integer" in arg:
            return bool(arg["Integer"].get("ival", 0))
        if "Boolean" in arg:
            return bool(arg["Boolean"].get("boolval", False))
        return True
    return False


def _names(items: Iterable[Node] | None) -> list[str]:
    return [n.get("String", {}).get("sval", "") for n in items or ()]


def _rv_name(range_var: Node) -> str:
    return qualified(*range_name(range_var))


def _split(name: str) -> tuple[str | None, str]:
    """``s.t`` → ``("s", "t")``, ``t`` → ``(None, "t")``."""
    schema, _, bare = name.rpartition(".")
    return schema or None, bare


def _touch_named(effect: Effect, name: str) -> Touch | None:
    for touch in effect.touches:
        if touch.relation == name:
            return touch
    return None


def _existing_touch(effect: Effect, range_var: Node) -> Touch | None:
    """The touch of ``range_var``'s relation if it existed before this migration."""
    touch = _touch_named(effect, _rv_name(range_var))
    return touch if touch is not None and not touch.new else None


def _blocked(touch: Touch) -> str:
    """What the statement blocks on ``touch``'s relation (index locks included when known)."""
    blocked = getattr(touch, "blocked", None)
    return blocked if isinstance(blocked, str) else touch.lock.blocked


def _locks_phrase(touches: list[Touch]) -> str:
    """``SHARE ROW EXCLUSIVE on t and p`` / ``ACCESS EXCLUSIVE on t and SHARE ... on p``."""
    by_lock: dict[str, list[str]] = {}
    for touch in touches:
        by_lock.setdefault(touch.lock.sql_name, []).append(touch.relation)
    return " and ".join(f"{lock} on {' and '.join(names)}" for lock, names in by_lock.items())


def _blocking(touches: list[Touch]) -> str:
    """``writes on t and p`` / ``reads and writes on t and writes on p``."""
    by_what: dict[str, list[str]] = {}
    for touch in touches:
        by_what.setdefault(_blocked(touch), []).append(touch.relation)
    return " and ".join(f"{what} on {' and '.join(names)}" for what, names in by_what.items())


def _table_constraints(node: Node) -> Iterator[tuple[str, Node, Node]]:
    """(subtype, cmd, constraint) for every constraint an ``ALTER TABLE`` adds.

    Column constraints of ``ADD COLUMN`` are reported with subtype ``AT_AddColumn``.
    """
    for cmd in alter_commands(node):
        subtype = cmd.get("subtype", "")
        definition = cmd.get("def") or {}
        if subtype == "AT_AddConstraint" and "Constraint" in definition:
            yield subtype, cmd, definition["Constraint"]
        elif subtype == "AT_AddColumn" and "ColumnDef" in definition:
            for wrapped in definition["ColumnDef"].get("constraints", ()) or ():
                if "Constraint" in wrapped:
                    yield subtype, cmd, wrapped["Constraint"]


#: ALTER TABLEs that may add a constraint: ADD CONSTRAINT, or ADD COLUMN with column constraints.
_ADD_CONSTRAINT = ("AlterTableStmt:AT_AddConstraint", "AlterTableStmt:AT_AddColumn")


def _column_default(coldef: Node) -> Node | None:
    """The non-NULL default expression of a ``ColumnDef``, if it has one."""
    for wrapped in coldef.get("constraints", ()) or ():
        con = wrapped.get("Constraint", {})
        if con.get("contype") == "CONSTR_DEFAULT":
            expr = con.get("raw_expr")
            while expr and "TypeCast" in expr:
                expr = expr["TypeCast"].get("arg")
            if expr and expr.get("A_Const", {}).get("isnull"):
                return None
            return con.get("raw_expr")
    return None


def _keys(con: Node, field: str = "keys") -> str:
    return ", ".join(_names(con.get(field)))


def _con_label(con: Node, kind: str) -> str:
    name = con.get("conname")
    return f"{kind} constraint {name}" if name else f"an unnamed {kind} constraint"


def non_transactional_form(effect: Effect) -> str | None:
    """The name of the concurrent form this statement uses, if it is one.

    These forms refuse to run inside a transaction block or a function: CREATE INDEX
    CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION
    CONCURRENTLY.
    """
    node = effect.node
    if effect.kind == "IndexStmt" and node.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if (
        effect.kind == "DropStmt"
        and node.get("removeType") == "OBJECT_INDEX"
        and node.get("concurrent")
    ):
        return "DROP INDEX CONCURRENTLY"
    if effect.kind == "ReindexStmt" and option_on(node.get("params"), "concurrently"):
        return "REINDEX CONCURRENTLY"
    if effect.kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            part = (cmd.get("def") or {}).get("PartitionCmd", {})
            if cmd.get("subtype") == "AT_DetachPartition" and part.get("concurrent"):
                return "DETACH PARTITION CONCURRENTLY"
    return None


def _line_of(view: FileView, effect: Effect) -> int:
    return view.text.count("\n", 0, effect.statement.start) + 1


# --- require-concurrent-index-creation -------------------------------------------------------


@check("require-concurrent-index-creation", kinds=("IndexStmt",))
def require_concurrent_index_creation(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("concurrent"):
        return
    relation = node.get("relation", {})
    table = _existing_touch(effect, relation)
    if table is None:
        return
    known = ctx.catalog.table_of(relation)
    partitioned = known is not None and known.kind == "partitioned"
    if partitioned and not relation.get("inh"):  # pglast omits inh=false (ON ONLY)
        # CREATE INDEX ON ONLY parent builds nothing: it makes an invalid parent index that
        # partitions' indexes are later attached to.
        return
    kind = "UNIQUE INDEX" if node.get("unique") else "INDEX"
    name = node.get("idxname") or "(unnamed)"
    help_text = None
    if partitioned:
        help_text = (
            f"{table.relation} is partitioned and CONCURRENTLY does not work on it: CREATE "
            f"{kind} {name} ON ONLY {table.relation} (...), then CREATE {kind} CONCURRENTLY "
            f"on each partition and ALTER INDEX {name} ATTACH PARTITION each of them."
        )
    yield Hit(
        f"CREATE {kind} {name} on existing table {table.relation} takes a "
        f"{table.lock.sql_name} lock, blocking {_blocked(table)} while the index builds",
        help=help_text,
    )


# --- require-concurrent-index-deletion -------------------------------------------------------


@check("require-concurrent-index-deletion", kinds=("DropStmt:OBJECT_INDEX",))
def require_concurrent_index_deletion(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("concurrent"):
        return
    if not effect.existing:
        return
    indexes = [".".join(_names(o.get("List", {}).get("items"))) for o in node.get("objects", ())]
    tables: list[str] = []
    partitioned = False
    for name in indexes:
        index = ctx.catalog.index(*_split(name))
        if index is None:
            continue
        tables.append(index.table)
        known = ctx.catalog.table(*_split(index.table))
        partitioned = partitioned or (known is not None and known.kind == "partitioned")
    lock = effect.lock or LockMode.ACCESS_EXCLUSIVE
    where = f"table {', '.join(dict.fromkeys(tables))}" if tables else "the index's table"
    if partitioned:
        help_text = (
            "Indexes of a partitioned table cannot be dropped CONCURRENTLY: drop it with a "
            "short lock_timeout at a quiet time, or drop each partition's index first."
        )
    elif len(indexes) > 1:
        help_text = "Drop each index in its own DROP INDEX CONCURRENTLY statement."
    else:
        help_text = f"Use DROP INDEX CONCURRENTLY {indexes[0]}, outside a transaction block."
    yield Hit(
        f"DROP INDEX {', '.join(indexes)} takes an {lock.sql_name} lock on {where}, "
        f"blocking {lock.blocked} until the transaction commits",
        help=help_text,
    )


# --- require-concurrent-reindex --------------------------------------------------------------

_REINDEX_KINDS = {
    "REINDEX_OBJECT_INDEX": "INDEX",
    "REINDEX_OBJECT_TABLE": "TABLE",
    "REINDEX_OBJECT_SCHEMA": "SCHEMA",
    "REINDEX_OBJECT_DATABASE": "DATABASE",
}


@check("require-concurrent-reindex", kinds=("ReindexStmt",))
def require_concurrent_reindex(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    kind = _REINDEX_KINDS.get(node.get("kind", ""))
    if kind is None or option_on(node.get("params"), "concurrently"):
        return  # REINDEX SYSTEM has no CONCURRENTLY form
    relation = node.get("relation")
    if relation:
        name = _rv_name(relation)
        if not effect.existing:
            return
        table = effect.existing[0]
        # The model keys a REINDEX (CONCURRENTLY false) by its option list; use the
        # plain REINDEX fact then.
        modelled = table.lock if table.lock != LockMode.SHARE_UPDATE_EXCLUSIVE else None
        lock = modelled or fact("ReindexStmt").lock
        # REINDEX locks each index it rebuilds ACCESS EXCLUSIVE (REINDEX docs, pg-truth).
        index_lock = getattr(table, "index_lock", None) or LockMode.ACCESS_EXCLUSIVE
        if kind == "INDEX":
            on = f"its table {table.relation}" if table.relation != name else "the index's table"
            what = (
                f"REINDEX INDEX {name} takes {lock.sql_name} on {on}, blocking {lock.blocked}, "
                f"and {index_lock.sql_name} on {name}, blocking every query that would use it, "
                "until the index is rebuilt"
            )
        else:
            what = (
                f"REINDEX TABLE {name} takes {lock.sql_name} on {name}, blocking {lock.blocked}, "
                f"and {index_lock.sql_name} on each of its indexes in turn, blocking the reads "
                "that use them, until every index is rebuilt"
            )
        at = relation.get("location")
    else:
        name = node.get("name") or ""
        scope = "the schema" if kind == "SCHEMA" else "the database"
        what = (
            f"REINDEX {kind} {name} rebuilds every index in {scope}, blocking writes to each "
            "table and reads through each index while it is rebuilt"
        ).replace("  ", " ")
        at = None
    yield Hit(
        what,
        at=at,
        help=f"Use REINDEX {kind} CONCURRENTLY {name}, outside a transaction block.".replace(
            "  ", " "
        ),
    )


# --- require-concurrent-partition-detach -----------------------------------------------------


@check("require-concurrent-partition-detach", kinds=("AlterTableStmt:AT_DetachPartition",))
def require_concurrent_partition_detach(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    relation = node.get("relation", {})
    parent = _existing_touch(effect, relation)
    if parent is None:
        return
    for cmd in alter_commands(node):
        part = (cmd.get("def") or {}).get("PartitionCmd", {})
        if cmd.get("subtype") != "AT_DetachPartition" or part.get("concurrent"):
            continue
        child_rv = part.get("name", {})
        child = _touch_named(effect, _rv_name(child_rv))
        locks = _locks_phrase([parent] + ([child] if child is not None else []))
        known = ctx.catalog.table_of(relation)
        default = getattr(known, "default_partition", None) if known is not None else None
        if default:
            help_text = (
                f"{parent.relation} has a DEFAULT partition ({default}), so DETACH ... "
                "CONCURRENTLY is refused: detach at a quiet time with a short lock_timeout."
            )
        else:
            help_text = (
                f"Use ALTER TABLE {parent.relation} DETACH PARTITION {_rv_name(child_rv)} "
                "CONCURRENTLY, outside a transaction block."
            )
        yield Hit(
            f"DETACH PARTITION {_rv_name(child_rv)} takes {locks}, blocking "
            f"{_blocked(parent)} on the whole partitioned table until the transaction commits",
            at=child_rv.get("location"),
            help=help_text,
        )


# --- ban-concurrent-index-creation-in-transaction --------------------------------------------


@check(
    "ban-concurrent-index-creation-in-transaction",
    kinds=(
        "IndexStmt",
        "DropStmt:OBJECT_INDEX",
        "ReindexStmt",
        "AlterTableStmt:AT_DetachPartition",
    ),
)
def ban_concurrent_index_creation_in_transaction(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if effect.transactional:
        return
    form = non_transactional_form(effect)
    if form is None:
        return
    if effect.statement.nested:
        yield Hit(
            f"{form} inside a DO block or function fails: it cannot be executed from a function",
            help=f"Run {form} as a top-level statement, outside any transaction block.",
        )
    elif effect.explicit_transaction and effect.statement.origin == "python":
        # Alembic's own transaction (the reader writes it as BEGIN ... COMMIT).
        yield Hit(
            f"{form} in an Alembic migration runs inside the migration's transaction and "
            'fails with "cannot run inside a transaction block"',
            help=f"Run {form} inside `with op.get_context().autocommit_block():`.",
        )
    elif effect.explicit_transaction:
        yield Hit(
            f"{form} inside the transaction block opened by BEGIN fails with "
            '"cannot run inside a transaction block"'
        )
    elif effect.in_transaction and effect.file is not None:
        if effect.file.one_query:
            # One multi-statement simple Query: every statement runs in a transaction block.
            yield Hit(
                f"{form} in a script that its migration tool sends as one multi-statement "
                "query runs in PostgreSQL's implicit transaction block and fails with "
                '"cannot run inside a transaction block"',
                help=f"Put {form} in a migration of its own, as its only statement.",
            )
        elif effect.file.stated:
            # The layout says its tool runs this migration in a transaction.
            yield Hit(
                f"{form} in a migration that its migration tool runs inside a transaction "
                'fails with "cannot run inside a transaction block"'
            )
        elif effect.file.top_level > 1:
            # Under the assume-in-transaction setting alone, a one-statement file is
            # usually run as is, so only files with more statements are reported (as
            # Squawk does).
            yield Hit(
                f"{form} in a migration that runs inside a transaction (assume-in-transaction) "
                'fails with "cannot run inside a transaction block"'
            )


# --- disallowed-unique-constraint ------------------------------------------------------------


@check("disallowed-unique-constraint", kinds=_ADD_CONSTRAINT)
def disallowed_unique_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    table = _existing_touch(effect, node.get("relation", {}))
    if table is None:
        return
    for subtype, cmd, con in _table_constraints(node):
        if con.get("contype") != "CONSTR_UNIQUE" or con.get("indexname"):
            continue
        if subtype == "AT_AddColumn":
            column = cmd["def"]["ColumnDef"].get("colname", "?")
            name = con.get("conname") or f"{table.relation.rpartition('.')[2]}_{column}_key"
            yield Hit(
                f"ADD COLUMN {column} ... UNIQUE on existing table {table.relation} builds a "
                f"unique index under {table.lock.sql_name}, blocking {_blocked(table)} for the "
                "whole build",
                at=con.get("location"),
                help=(
                    f"Add {column} without UNIQUE, CREATE UNIQUE INDEX CONCURRENTLY {name} ON "
                    f"{table.relation} ({column}), then ALTER TABLE {table.relation} ADD "
                    f"CONSTRAINT {name} UNIQUE USING INDEX {name}."
                ),
            )
            continue
        keys = _keys(con)
        name = con.get("conname") or "_".join(
            [table.relation.rpartition(".")[2], *_names(con.get("keys")), "key"]
        )
        yield Hit(
            f"ADD {_con_label(con, 'UNIQUE')} ({keys}) on existing table {table.relation} builds "
            f"its index under {table.lock.sql_name}, blocking {_blocked(table)} for the whole "
            "build",
            at=con.get("location"),
            help=(
                f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table.relation} ({keys}); then "
                f"ALTER TABLE {table.relation} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}."
            ),
        )


# --- constraint-missing-not-valid ------------------------------------------------------------

_NOT_VALID_KINDS = {"CONSTR_CHECK": "CHECK", "CONSTR_FOREIGN": "FOREIGN KEY"}


@check("constraint-missing-not-valid", scope="file")
def constraint_missing_not_valid(view: FileView, ctx: Context) -> Iterator[Hit]:
    kinds = dict(_NOT_VALID_KINDS)
    if ctx.pg >= 18:
        kinds["CONSTR_NOTNULL"] = "NOT NULL"
    # (table, constraint) → the ADD ... NOT VALID earlier in the same transaction.
    pending: dict[tuple[str, str], Effect] = {}

    def key(relation: str, name: str) -> tuple[str, str]:
        return relation.removeprefix("public."), name

    for effect in view.effects:
        if effect.kind != "AlterTableStmt":
            continue
        node = effect.node
        relation = node.get("relation", {})
        table = _existing_touch(effect, relation)
        if table is None:
            continue
        for cmd in alter_commands(node):
            subtype = cmd.get("subtype")
            if subtype == "AT_ValidateConstraint":
                added = pending.get(key(table.relation, cmd.get("name", "")))
                if added is not None and _same_transaction(added, effect):
                    yield _validate_hit(view, effect, table, cmd.get("name", ""), added)
        added_columns = {
            (cmd.get("def") or {}).get("ColumnDef", {}).get("colname")
            for cmd in alter_commands(node)
            if cmd.get("subtype") == "AT_AddColumn"
        }
        for subtype, cmd, con in _table_constraints(node):
            contype = con.get("contype", "")
            if contype == "CONSTR_NOTNULL" and set(_names(con.get("keys"))) <= added_columns:
                continue  # NOT NULL on a column this statement adds: its values are the default
            if subtype == "AT_AddColumn":
                if contype == "CONSTR_CHECK":
                    column = cmd["def"]["ColumnDef"].get("colname", "?")
                    yield Hit(
                        f"ADD COLUMN {column} with a CHECK constraint scans every row of existing "
                        f"table {table.relation} under {table.lock.sql_name}, blocking "
                        f"{_blocked(table)} until the check is done",
                        effect=effect,
                        at=con.get("location"),
                        help=(
                            f"Add {column} without the CHECK, then ALTER TABLE {table.relation} "
                            "ADD CONSTRAINT ... CHECK (...) NOT VALID and VALIDATE it in a later "
                            "transaction."
                        ),
                    )
                continue
            kind = kinds.get(contype)
            if kind is None:
                continue
            name = con.get("conname")
            if con.get("skip_validation"):
                if name and effect.in_transaction:
                    pending[key(table.relation, name)] = effect
                continue
            verb = (
                f"checks every row against {_rv_name(con.get('pktable', {}))}"
                if kind == "FOREIGN KEY"
                else "scans every row to check it"
            )
            later = (
                f"then, in a later transaction, ALTER TABLE {table.relation} VALIDATE "
                f"CONSTRAINT {name} (SHARE UPDATE EXCLUSIVE: reads and writes go on)."
                if name
                else "name the constraint so a later transaction can VALIDATE CONSTRAINT it."
            )
            yield Hit(
                f"ADD {_con_label(con, kind)} on existing table {table.relation} {verb} while "
                f"holding {table.lock.sql_name}, blocking {_blocked(table)} until it is done",
                effect=effect,
                at=con.get("location"),
                help=f"Add it with NOT VALID (no scan, brief lock); {later}",
            )


def _same_transaction(earlier: Effect, later: Effect) -> bool:
    """Both statements run in one transaction (not in autocommit)."""
    return earlier.transaction is not None and earlier.transaction == later.transaction


def _validate_hit(view: FileView, effect: Effect, table: Touch, name: str, added: Effect) -> Hit:
    same = table.relation.removeprefix("public.")
    held = [t.lock for t in effect.held if t.relation.removeprefix("public.") == same]
    lock = max(held) if held else added.lock or table.lock
    return Hit(
        f"VALIDATE CONSTRAINT {name} runs in the same transaction that added it NOT VALID "
        f"(line {_line_of(view, added)}), so the {lock.sql_name} lock taken by the ADD is "
        f"still held while {table.relation} is scanned, blocking {lock.blocked}",
        effect=effect,
        help=(
            "Commit after ADD ... NOT VALID and run VALIDATE CONSTRAINT in its own transaction, "
            "where it takes only SHARE UPDATE EXCLUSIVE."
        ),
    )


# --- adding-foreign-key-constraint -----------------------------------------------------------


@check("adding-foreign-key-constraint", kinds=_ADD_CONSTRAINT)
def adding_foreign_key_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    table = _existing_touch(effect, node.get("relation", {}))
    if table is None:
        return
    for subtype, cmd, con in _table_constraints(node):
        if con.get("contype") != "CONSTR_FOREIGN" or con.get("skip_validation"):
            continue
        pktable = con.get("pktable", {})
        referenced = _existing_touch(effect, pktable)
        locks = [table] + ([referenced] if referenced and referenced is not table else [])
        held = _locks_phrase(locks)
        blocked = _blocking(locks)
        pk = _rv_name(pktable)
        if subtype == "AT_AddColumn":
            coldef = cmd["def"]["ColumnDef"]
            if _column_default(coldef) is None:
                # A new column without a default is all NULL: PostgreSQL skips the check.
                continue
            column = coldef.get("colname", "?")
            yield Hit(
                f"ADD COLUMN {column} ... DEFAULT ... REFERENCES {pk} checks every row of "
                f"existing table {table.relation} against {pk} while holding {held}, blocking "
                f"{blocked} until it is done",
                at=con.get("location"),
                help=(
                    f"Add {column} without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY "
                    f"({column}) REFERENCES {pk} NOT VALID and VALIDATE it in a later transaction."
                ),
            )
            continue
        name = con.get("conname")
        later = (
            f"ALTER TABLE {table.relation} VALIDATE CONSTRAINT {name}"
            if name
            else "VALIDATE CONSTRAINT (name the constraint so you can)"
        )
        yield Hit(
            f"ADD {_con_label(con, 'FOREIGN KEY')} ({_keys(con, 'fk_attrs')}) on existing table "
            f"{table.relation} checks every row against {pk} while holding {held}, blocking "
            f"{blocked} until it is done",
            at=con.get("location"),
            help=(
                f"Add it with NOT VALID (brief lock, no scan), then in a later transaction run "
                f"{later}: it takes SHARE UPDATE EXCLUSIVE on {table.relation} and only ROW "
                f"SHARE on {pk}."
            ),
        )


# --- adding-exclusion-constraint -------------------------------------------------------------


@check("adding-exclusion-constraint", kinds=_ADD_CONSTRAINT)
def adding_exclusion_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    table = _existing_touch(effect, node.get("relation", {}))
    if table is None:
        return
    for _subtype, _cmd, con in _table_constraints(node):
        if con.get("contype") != "CONSTR_EXCLUSION":
            continue
        method = con.get("access_method") or "gist"
        yield Hit(
            f"ADD {_con_label(con, 'EXCLUDE')} on existing table {table.relation} builds a "
            f"{method} index and checks every row against it under {table.lock.sql_name}, "
            f"blocking {_blocked(table)} for the whole build; EXCLUDE has no NOT VALID or "
            "USING INDEX form",
            at=con.get("location"),
        )


# --- ban-truncate-cascade --------------------------------------------------------------------


@check("ban-truncate-cascade", kinds=("TruncateStmt",))
def ban_truncate_cascade(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("behavior") != "DROP_CASCADE":
        return
    tables = [_rv_name(r.get("RangeVar", {})) for r in node.get("relations", ())]
    lock = max((t.lock for t in effect.touches), default=LockMode.ACCESS_EXCLUSIVE)
    yield Hit(
        f"TRUNCATE {', '.join(tables)} CASCADE also empties every table with a foreign key to "
        f"{'them' if len(tables) > 1 else 'it'}, and the tables referencing those, "
        f"recursively, taking {lock.sql_name} on each",
        help=(
            "Remove CASCADE and list every table to empty; PostgreSQL then refuses if a "
            "referencing table was left out."
        ),
    )


# --- domains ---------------------------------------------------------------------------------

_DOMAIN_CONSTRAINTS = {"CONSTR_CHECK": "CHECK", "CONSTR_NOTNULL": "NOT NULL"}


@check("ban-create-domain-with-constraint", kinds=("CreateDomainStmt",))
def ban_create_domain_with_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    found = [
        c["Constraint"]
        for c in node.get("constraints", ()) or ()
        if c.get("Constraint", {}).get("contype") in _DOMAIN_CONSTRAINTS
    ]
    if not found:
        return
    name = ".".join(_names(node.get("domainname")))
    kinds = " and ".join(dict.fromkeys(_DOMAIN_CONSTRAINTS[c["contype"]] for c in found))
    yield Hit(
        f"domain {name} carries a {kinds} constraint: changing it later checks every column of "
        f"type {name} in every table, holding SHARE on each of them (blocking writes)",
        at=found[0].get("location"),
        help=(
            "Create the domain without constraints and put CHECK / NOT NULL on the columns, "
            "where NOT VALID and VALIDATE CONSTRAINT work per table."
        ),
    )


@check("ban-alter-domain-with-add-constraint", kinds=("AlterDomainStmt",))
def ban_alter_domain_with_add_constraint(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    names = _names(node.get("typeName"))
    if ctx.catalog.is_new_type(names):
        return  # no table can have a column of a domain created in this migration yet
    name = ".".join(names)
    subtype = node.get("subtype")
    con = (node.get("def") or {}).get("Constraint", {})
    if subtype == "O":  # SET NOT NULL ("N" is DROP NOT NULL)
        yield Hit(
            f"ALTER DOMAIN {name} SET NOT NULL scans every column of type {name} in every "
            "table, holding SHARE on each of them (blocking writes) until it is done",
            help="Put NOT NULL on the table columns instead, one table at a time.",
        )
        return
    if subtype != "C" or not con:
        return
    kind = _DOMAIN_CONSTRAINTS.get(con.get("contype", ""), "")
    label = _con_label(con, kind).replace("  ", " ")
    if con.get("skip_validation"):
        if ctx.pg >= 19:
            return  # VALIDATE takes SHARE UPDATE EXCLUSIVE from PostgreSQL 19 on
        yield Hit(
            f"ALTER DOMAIN {name} ADD {label} NOT VALID skips existing rows now, but "
            f"before PostgreSQL 19 its VALIDATE CONSTRAINT holds SHARE on every table "
            f"with a column of type {name} (blocking writes) while it scans them",
            at=con.get("location"),
            help=(
                "Put the constraint on the table columns instead, where VALIDATE "
                "CONSTRAINT takes only SHARE UPDATE EXCLUSIVE."
            ),
        )
        return
    later = (
        "ADD it NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE "
        "UPDATE EXCLUSIVE from PostgreSQL 19 on)."
        if ctx.pg >= 19
        else "Put the constraint on the table columns instead (NOT VALID, then "
        "VALIDATE CONSTRAINT per table)."
    )
    yield Hit(
        f"ALTER DOMAIN {name} ADD {label} checks every column of type {name} in every "
        "table, holding SHARE on each of them (blocking writes) until it is done",
        at=con.get("location"),
        help=later,
    )


# --- VACUUM FULL, CLUSTER, REPACK ------------------------------------------------------------


def _rewrite_targets(effect: Effect) -> tuple[list[Touch], bool]:
    """(existing relations rewritten, whether the statement names no table at all)."""
    field = "rels" if effect.kind == "VacuumStmt" else "relation"
    return list(effect.existing), not effect.node.get(field)


def _vacuum_full(effect: Effect) -> bool:
    node = effect.node
    return (
        effect.kind == "VacuumStmt"
        and bool(node.get("is_vacuumcmd"))
        and option_on(node.get("options"), "full")
    )


def _rewrite_subject(effect: Effect, touches: list[Touch], whole: bool) -> str:
    names = ", ".join(t.relation for t in touches)
    if effect.kind == "VacuumStmt":
        return f"VACUUM FULL {names}" if not whole else "VACUUM FULL of the whole database"
    if whole:
        return "CLUSTER without a table (every previously clustered table)"
    return f"CLUSTER {names}"


def _repack_help(effect: Effect, touches: list[Touch]) -> str:
    names = ", ".join(t.relation for t in touches) or ""
    using = ""
    if effect.kind == "ClusterStmt" and effect.node.get("indexname"):
        using = f" USING INDEX {effect.node['indexname']}"
    elif effect.kind == "ClusterStmt":
        using = " USING INDEX"
    target = f" {names}" if names else ""
    return (
        f"Use REPACK (CONCURRENTLY){target}{using}; it holds ACCESS EXCLUSIVE only to swap files."
    )


def _rewrite_hit(effect: Effect, ctx: Context, *, prefer: bool) -> Iterator[Hit]:
    touches, whole = _rewrite_targets(effect)
    if not touches and not whole:
        return  # only tables created in this migration
    lock = effect.lock or LockMode.ACCESS_EXCLUSIVE
    subject = _rewrite_subject(effect, touches, whole)
    each = "each table" if whole or len(touches) > 1 else "the table"
    message = (
        f"{subject} rewrites {each} under {lock.sql_name}, blocking {lock.blocked} until "
        "the copy and every index rebuild are done"
    )
    if prefer or ctx.pg >= 19:
        help_text = _repack_help(effect, touches)
    elif effect.kind == "VacuumStmt":
        help_text = (
            "Use plain VACUUM (no lock on reads or writes; frees space for reuse), or rebuild "
            "online with pg_repack or pg_squeeze."
        )
    else:
        help_text = (
            "Rebuild online with pg_repack --order-by (or pg_squeeze); ALTER TABLE ... CLUSTER "
            "ON only records the index for later."
        )
    yield Hit(message, help=help_text)


@check("ban-vacuum-full", kinds=("VacuumStmt",))
def ban_vacuum_full(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if _vacuum_full(effect):
        yield from _rewrite_hit(effect, ctx, prefer=False)


@check("ban-cluster", kinds=("ClusterStmt",))
def ban_cluster(effect: Effect, ctx: Context) -> Iterator[Hit]:
    yield from _rewrite_hit(effect, ctx, prefer=False)


@check("prefer-repack", kinds=("VacuumStmt", "ClusterStmt"))
def prefer_repack(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if effect.kind == "ClusterStmt" or _vacuum_full(effect):
        yield from _rewrite_hit(effect, ctx, prefer=True)


# --- require-concurrent-refresh --------------------------------------------------------------


@check("require-concurrent-refresh", kinds=("RefreshMatViewStmt",))
def require_concurrent_refresh(effect: Effect, ctx: Context) -> Iterator[Hit]:
    node = effect.node
    if node.get("concurrent") or node.get("skipData"):
        return  # WITH NO DATA only empties the view: no query runs under the lock
    relation = node.get("relation", {})
    view = _existing_touch(effect, relation)
    if view is None:
        return
    help_text = (
        f"Use REFRESH MATERIALIZED VIEW CONCURRENTLY {view.relation}: it needs a unique index "
        "on plain columns of the view (no WHERE clause) and a populated view."
    )
    known = ctx.catalog.table_of(relation)
    if known is not None and not any(
        i.unique and i.table in (known.qualified, view.relation) and "(expr)" not in i.columns
        for i in ctx.catalog.indexes.values()
    ):
        help_text += (
            f" No such index on {view.relation} is known: CREATE UNIQUE INDEX CONCURRENTLY one "
            "first."
        )
    yield Hit(
        f"REFRESH MATERIALIZED VIEW {view.relation} takes {view.lock.sql_name} on it, blocking "
        "every query on the view while its query runs and until the transaction commits",
        at=relation.get("location"),
        help=help_text,
    )


# --- unsupported-in-target-version -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feature:
    """A piece of syntax and the PostgreSQL major version that introduced it."""

    since: int
    what: str


_IDENTITY = Feature(10, "identity columns (GENERATED ... AS IDENTITY)")
_PARTITIONING = Feature(
    10, "declarative partitioning (PARTITION BY / PARTITION OF / ATTACH / DETACH)"
)
_HASH_PARTITIONING = Feature(11, "hash partitioning (PARTITION BY HASH / FOR VALUES WITH)")
_DEFAULT_PARTITION = Feature(11, "a DEFAULT partition")
_INCLUDE = Feature(11, "covering indexes (INCLUDE)")
_PROCEDURE = Feature(11, "procedures (CREATE PROCEDURE)")
_CALL = Feature(11, "CALL")
_REINDEX_CONCURRENTLY = Feature(12, "REINDEX CONCURRENTLY")
_STORED_GENERATED = Feature(12, "generated columns (GENERATED ALWAYS AS (...) STORED)")
_DROP_EXPRESSION = Feature(13, "ALTER COLUMN ... DROP EXPRESSION")
_DROP_DATABASE_FORCE = Feature(13, "DROP DATABASE ... WITH (FORCE)")
_DETACH_CONCURRENTLY = Feature(14, "DETACH PARTITION ... CONCURRENTLY")
_DETACH_FINALIZE = Feature(14, "DETACH PARTITION ... FINALIZE")
_OR_REPLACE_TRIGGER = Feature(14, "CREATE OR REPLACE TRIGGER")
_COMPRESSION = Feature(14, "column COMPRESSION / SET COMPRESSION")
_MERGE = Feature(15, "MERGE")
_NULLS_NOT_DISTINCT = Feature(15, "NULLS NOT DISTINCT")
_SET_ACCESS_METHOD = Feature(15, "ALTER TABLE ... SET ACCESS METHOD")
_JSON_CONSTRUCTORS = Feature(
    16, "SQL/JSON constructors (JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, JSON_ARRAYAGG)"
)
_IS_JSON = Feature(16, "the IS JSON predicate")
_NUMBER_LITERALS = Feature(
    16, "non-decimal integer literals (0x, 0o, 0b) and underscores in numeric literals"
)
_SET_EXPRESSION = Feature(17, "ALTER COLUMN ... SET EXPRESSION")
_JSON_PARSING = Feature(17, "JSON(), JSON_SCALAR() and JSON_SERIALIZE()")
_MERGE_RETURNING = Feature(17, "MERGE ... RETURNING")
_MERGE_BY_SOURCE = Feature(17, "MERGE ... WHEN NOT MATCHED BY SOURCE")
_SQL_JSON_QUERY = Feature(
    17, "SQL/JSON query functions (JSON_TABLE, JSON_QUERY, JSON_VALUE, JSON_EXISTS)"
)
_VIRTUAL_GENERATED = Feature(
    18, "virtual generated columns (GENERATED ALWAYS AS (...) without STORED)"
)
_NOT_ENFORCED = Feature(18, "NOT ENFORCED constraints")
_NOT_NULL_TABLE_CONSTRAINT = Feature(18, "NOT NULL as a table constraint (NOT NULL column)")
_NOT_NULL_NOT_VALID = Feature(18, "NOT NULL ... NOT VALID")
_TEMPORAL = Feature(18, "temporal keys (WITHOUT OVERLAPS / PERIOD)")

#: Every checked feature, for the page and the tests.
FEATURES: tuple[Feature, ...] = tuple(
    sorted(
        {value for value in globals().values() if isinstance(value, Feature)},
        key=lambda f: (f.since, f.what),
    )
)

_HELP = {
    _REINDEX_CONCURRENTLY: (
        "Before 12: CREATE INDEX CONCURRENTLY a new copy of the index, then DROP INDEX "
        "CONCURRENTLY the old one and rename the new one."
    ),
    _DETACH_CONCURRENTLY: "Before 14: plain DETACH PARTITION, at a quiet time with a short lock_timeout.",
    _STORED_GENERATED: "Before 12: fill the column from a trigger.",
    _VIRTUAL_GENERATED: "Before 18: add STORED (PostgreSQL 12+) or compute the value in a view.",
    _OR_REPLACE_TRIGGER: "Before 14: DROP TRIGGER IF EXISTS, then CREATE TRIGGER, in one transaction.",
    _MERGE: "Before 15: INSERT ... ON CONFLICT, or separate UPDATE and INSERT statements.",
    _NULLS_NOT_DISTINCT: "Before 15: a unique index on COALESCE(column, sentinel) expressions.",
    _NOT_NULL_NOT_VALID: (
        "Before 18: ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then "
        "SET NOT NULL (12+ skips the scan)."
    ),
}


def _bound_features(bound: Node) -> Iterator[Feature]:
    if bound.get("is_default"):
        yield _DEFAULT_PARTITION
    if bound.get("strategy") == "h":
        yield _HASH_PARTITIONING


def _table_level_constraints(kind: str, node: Node) -> list[int]:
    """ids of Constraint nodes that are table constraints (not column constraints)."""
    found: list[Node] = []
    if kind == "CreateStmt":
        found = [e["Constraint"] for e in node.get("tableElts", ()) or () if "Constraint" in e]
    elif kind == "AlterTableStmt":
        found = [
            cmd["def"]["Constraint"]
            for cmd in alter_commands(node)
            if cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in (cmd.get("def") or {})
        ]
    return [id(c) for c in found]


def _definitions(kind: str, node: Node) -> Iterator[tuple[str, Node]]:
    """The nodes of a statement where version-dependent syntax can sit, in document order:
    the statement itself (index definitions, MERGE) and its column definitions and
    constraints. (A statement holds these only where its grammar puts them.)"""
    if kind in ("IndexStmt", "MergeStmt"):
        yield kind, node
    elif kind in ("CreateStmt", "CreateForeignTableStmt"):
        base = node.get("base", {}) if kind == "CreateForeignTableStmt" else node
        for element in base.get("tableElts", ()) or ():
            yield from _column_or_constraint(element)
    elif kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            yield from _column_or_constraint(cmd.get("def") or {})
    elif kind == "CreateDomainStmt":
        for wrapped in node.get("constraints", ()) or ():
            yield from _column_or_constraint(wrapped)
    elif kind == "AlterDomainStmt":
        yield from _column_or_constraint(node.get("def") or {})
    elif kind == "CompositeTypeStmt":
        for element in node.get("coldeflist", ()) or ():
            yield from _column_or_constraint(element)


def _column_or_constraint(wrapped: Node) -> Iterator[tuple[str, Node]]:
    if "ColumnDef" in wrapped:
        coldef = wrapped["ColumnDef"]
        yield "ColumnDef", coldef
        for con in coldef.get("constraints", ()) or ():
            if "Constraint" in con:
                yield "Constraint", con["Constraint"]
    elif "Constraint" in wrapped:
        yield "Constraint", wrapped["Constraint"]


def features_of(
    kind: str, node: Node, nodes: Iterable[tuple[str, Node]] | None = None
) -> Iterator[tuple[Feature, int | None]]:
    """The version-dependent features a statement uses, with a location to point at.

    ``nodes`` are the (type, fields) of the statement's nodes to look at: its whole
    :class:`NodeIndex` by default.
    """
    if kind == "ReindexStmt" and option_on(node.get("params"), "concurrently"):
        yield _REINDEX_CONCURRENTLY, None
    if kind == "CreateTrigStmt" and node.get("replace"):
        yield _OR_REPLACE_TRIGGER, None
    if kind == "CreateFunctionStmt" and node.get("is_procedure"):
        yield _PROCEDURE, None
    if kind == "CallStmt":
        yield _CALL, None
    if kind == "DropdbStmt" and option_on(node.get("options"), "force"):
        yield _DROP_DATABASE_FORCE, None
    if kind == "CreateStmt":
        spec = node.get("partspec")
        if spec:
            yield _PARTITIONING, spec.get("location")
            if spec.get("strategy") == "PARTITION_STRATEGY_HASH":
                yield _HASH_PARTITIONING, spec.get("location")
        bound = node.get("partbound")
        if bound:
            yield _PARTITIONING, bound.get("location")
            for feature in _bound_features(bound):
                yield feature, bound.get("location")
    if kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            subtype = cmd.get("subtype")
            part = (cmd.get("def") or {}).get("PartitionCmd", {})
            location = part.get("name", {}).get("location")
            if subtype in (
                "AT_AttachPartition",
                "AT_DetachPartition",
                "AT_DetachPartitionFinalize",
            ):
                yield _PARTITIONING, location
                for feature in _bound_features(part.get("bound") or {}):
                    yield feature, location
            if subtype == "AT_DetachPartition" and part.get("concurrent"):
                yield _DETACH_CONCURRENTLY, location
            elif subtype == "AT_DetachPartitionFinalize":
                yield _DETACH_FINALIZE, location
            elif subtype in ("AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity"):
                yield _IDENTITY, None
            elif subtype == "AT_DropExpression":
                yield _DROP_EXPRESSION, None
            elif subtype == "AT_SetExpression":
                yield _SET_EXPRESSION, None
            elif subtype == "AT_SetCompression":
                yield _COMPRESSION, None
            elif subtype == "AT_SetAccessMethod":
                yield _SET_ACCESS_METHOD, None
    table_level = _table_level_constraints(kind, node)
    if nodes is None:
        nodes = node_index(kind, node).order
    for type_name, fields in nodes:
        location = fields.get("location")
        if type_name == "IndexStmt":
            if fields.get("indexIncludingParams"):
                yield _INCLUDE, None
            if fields.get("nulls_not_distinct"):
                yield _NULLS_NOT_DISTINCT, None
        elif type_name == "MergeStmt":
            yield _MERGE, None
            if fields.get("returningClause") or fields.get("returningList"):
                yield _MERGE_RETURNING, None
            for clause in fields.get("mergeWhenClauses", ()) or ():
                match = clause.get("MergeWhenClause", {}).get("matchKind")
                if match == "MERGE_WHEN_NOT_MATCHED_BY_SOURCE":
                    yield _MERGE_BY_SOURCE, None
        elif type_name in ("JsonTable", "JsonFuncExpr"):
            yield _SQL_JSON_QUERY, location
        elif type_name in _JSON_NODES:
            yield _JSON_NODES[type_name], location
        elif type_name == "ColumnDef" and fields.get("compression"):
            yield _COMPRESSION, location
        elif type_name == "Constraint":
            yield from _constraint_features(fields, id(fields) in table_level)


_JSON_NODES = {
    "JsonObjectConstructor": _JSON_CONSTRUCTORS,
    "JsonArrayConstructor": _JSON_CONSTRUCTORS,
    "JsonArrayQueryConstructor": _JSON_CONSTRUCTORS,
    "JsonObjectAgg": _JSON_CONSTRUCTORS,
    "JsonArrayAgg": _JSON_CONSTRUCTORS,
    "JsonIsPredicate": _IS_JSON,
    "JsonParseExpr": _JSON_PARSING,
    "JsonScalarExpr": _JSON_PARSING,
    "JsonSerializeExpr": _JSON_PARSING,
}


def _constraint_features(con: Node, table_level: bool) -> Iterator[tuple[Feature, int | None]]:
    contype = con.get("contype")
    location = con.get("location")
    if contype == "CONSTR_IDENTITY":
        yield _IDENTITY, location
    elif contype == "CONSTR_GENERATED":
        if con.get("generated_kind", "s") == "v":
            yield _VIRTUAL_GENERATED, location
        else:
            yield _STORED_GENERATED, location
    elif contype == "CONSTR_ATTR_NOT_ENFORCED":
        yield _NOT_ENFORCED, location
    elif contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not con.get("is_enforced"):
        # The grammar marks every CHECK / FOREIGN KEY enforced unless NOT ENFORCED is given.
        yield _NOT_ENFORCED, location
    elif contype == "CONSTR_NOTNULL":
        if con.get("skip_validation"):
            yield _NOT_NULL_NOT_VALID, location
        elif table_level:
            yield _NOT_NULL_TABLE_CONSTRAINT, location
    if con.get("nulls_not_distinct"):
        yield _NULLS_NOT_DISTINCT, location
    if con.get("including"):
        yield _INCLUDE, location
    if con.get("without_overlaps") or con.get("fk_with_period") or con.get("pk_with_period"):
        yield _TEMPORAL, location


#: Found anywhere in a statement (expressions, WITH clauses), with the keyword that a
#: statement must spell to contain them: JSON_TABLE, JSON_EXISTS, JSON_QUERY or JSON_VALUE
#: (a JsonFuncExpr), the other SQL/JSON constructs (all spell JSON), or MERGE.
_NESTED = (
    ("JsonTable", "json_table"),
    ("JsonFuncExpr", "json_"),
    *((kind, "json") for kind in _JSON_NODES),
    ("MergeStmt", "merge"),
)

#: IS [NOT] JSON and JSON(...), the SQL/JSON forms whose keyword is JSON alone.
_JSON_WORD = re.compile(r"\bis\s+(?:not\s+)?json\b|\bjson\s*\(")

#: A statement whose text has this may hold a PostgreSQL 16 number literal (0x1F, 1_000);
#: its constants then say for sure.
_NEW_NUMBER_HINT = re.compile(r"0[xob][0-9a-f_]|\d_\d")  # on the lower-case text
_NUMBER_TOKEN = re.compile(r"-?\s*(\d[0-9a-z_.]*(?:e[+-]?[0-9_]+)?)", re.IGNORECASE)


def _new_number_literals(statement: Statement) -> Iterator[int]:
    """Locations of the numeric constants written as only PostgreSQL 16+ reads them."""
    if not _NEW_NUMBER_HINT.search(lowered(statement)):
        return
    for const in statement_nodes(statement).of("A_Const"):
        if "ival" not in const and "fval" not in const:
            continue
        location = const.get("location")
        if location is None:
            continue
        offset = statement.offset_of(location) - statement.start
        match = _NUMBER_TOKEN.match(statement.text, offset)
        if match:
            token = match.group(1).lower()
            if token.startswith(("0x", "0o", "0b")) or "_" in token:
                yield location


def _feature_nodes(statement: Statement) -> list[tuple[str, Node]]:
    """The nodes :func:`features_of` looks at, found without walking the whole statement
    when its kind says where they are."""
    if statement.kind == "CreateSchemaStmt":
        return statement_nodes(statement).order  # its elements are whole statements
    found = list(_definitions(statement.kind, statement.node))
    # JSON_TABLE, IS JSON, … and MERGE cannot be written without their keyword: only a
    # statement whose text spells one needs a walk (not every one with a jsonb column).
    if mentions(statement, "json_", "merge") or (
        mentions(statement, "json") and _JSON_WORD.search(lowered(statement))
    ):
        index = statement_nodes(statement)
        for kind, word in _NESTED:
            if mentions(statement, word):
                found.extend((kind, n) for n in index.of(kind) if n is not statement.node)
    return found


@check("unsupported-in-target-version")
def unsupported_in_target_version(effect: Effect, ctx: Context) -> Iterator[Hit]:
    nodes = _feature_nodes(effect.statement)
    seen: set[Feature] = set()
    found = features_of(effect.kind, effect.node, nodes)
    if ctx.pg < _NUMBER_LITERALS.since:
        numbers = ((_NUMBER_LITERALS, at) for at in sorted(_new_number_literals(effect.statement)))
        found = itertools.chain(found, numbers)
    for feature, location in found:
        if feature.since <= ctx.pg or feature in seen:
            continue
        seen.add(feature)
        yield Hit(
            f"{feature.what}: not available before PostgreSQL {feature.since}, and the target "
            f"is PostgreSQL {ctx.pg}",
            at=location,
            help=_HELP.get(feature),
        )
