"""Build the :class:`~pglint.plan.model.Plan` from the captured migrations.

One pass over the up statements of the target migrations, in the order the migration
tools run them. For each statement: what it changes (from its parse-tree node), the
locks it takes on relations that existed before these migrations (from the effect's
touches), its transaction (from the effect's transaction state). The other sections
(rollback, validation, monitoring, confidence) are derived from what that pass found.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from pglint import __version__
from pglint.config import Settings
from pglint.layouts.base import Reader
from pglint.model.catalog import Catalog, column_refs, query_relations
from pglint.model.effects import Effect, Touch
from pglint.model.locks import LockMode
from pglint.model.nodes import RELATION_OBJECTS, TABLE_LIKE_OBJECTS
from pglint.model.statements import Node
from pglint.plan import facts as F
from pglint.plan.collect import Captured, Collected
from pglint.plan.model import (
    PHASES,
    Change,
    DroppedObject,
    FindingRow,
    Level,
    LockRow,
    MigrationInfo,
    ModifiedTable,
    NewIndex,
    NewTable,
    Phase,
    Plan,
    StatsInfo,
    Step,
    TransactionBlock,
    Verified,
)
from pglint.plan.nodes import (
    column_detail,
    constraint_columns,
    constraint_kind,
    expr_text,
    index_columns,
    index_name_parts,
    key,
    make_object_name,
    method_name,
    object_name,
    rv_name,
    storage_type,
    strings,
    type_text,
    words,
)
from pglint.plan.querynodes import count_matching, count_rows
from pglint.plan.sqltext import quote_ident, try_deparse
from pglint.plan.stats import (
    DEFAULT_THROUGHPUT_MB_S,
    WORK_FORMULAS,
    Stats,
    estimate,
)
from pglint.sources.positions import SourceText

_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
_LONG_WORK = frozenset(
    {"table rewrite", "full scan", "index build", "concurrent index build", "row changes"}
)
_PHASE_ORDER = {name: n for n, name in enumerate(PHASES)}


@dataclass(frozen=True, slots=True)
class PlanOptions:
    title: str | None = None
    stats: Stats | None = None
    throughput_mb_s: float = DEFAULT_THROUGHPUT_MB_S
    diff_ref: str | None = None
    paths: tuple[str, ...] = ()
    #: plan --verify: what verify proved, merged into findings, rollback and confidence.
    verified: Verified | None = None


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when it lies inside it, with ``/``."""
    text = str(path)
    candidate = Path(text)
    if candidate.is_absolute():
        with contextlib.suppress(ValueError):
            text = str(candidate.relative_to(Path.cwd()))
    return text.replace(os.sep, "/")


@dataclass(slots=True)
class _Ctx:
    number: int
    captured: Captured
    label: str
    path: str
    line: int
    effect: Effect
    effects: tuple[Effect, ...]
    index: int
    source: SourceText

    @property
    def node(self) -> Node:
        return self.effect.statement.node

    @property
    def kind(self) -> str:
        return self.effect.statement.kind

    @property
    def after(self) -> Catalog:
        return self.captured.after

    @property
    def before(self) -> Catalog:
        return self.captured.before


@dataclass(slots=True)
class _Created:
    name: str
    kind: str
    migration: str
    captured: Captured
    step: int


@dataclass(slots=True)
class _State:
    steps: list[Step] = field(default_factory=list)
    plan_new: set[str] = field(default_factory=set)
    created: dict[str, _Created] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)
    indexes: list[NewIndex] = field(default_factory=list)
    fks: list[F.ForeignKey] = field(default_factory=list)
    uniques: list[F.UniqueKey] = field(default_factory=list)
    not_nulls: list[F.NotNull] = field(default_factory=list)
    not_valid: dict[tuple[str, str], F.NotValid] = field(default_factory=dict)
    data: list[F.DataChange] = field(default_factory=list)
    dropped: list[DroppedObject] = field(default_factory=list)
    rows: list[LockRow] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    added_columns: dict[tuple[str, str], int] = field(default_factory=dict)  # → step
    unanalysed: list[str] = field(default_factory=list)
    external: dict[str, str] = field(default_factory=dict)  # relation → first place used
    #: Locked relations that are indexes → their table (None when pglint does not know it).
    index_tables: dict[str, str | None] = field(default_factory=dict)
    touch_rows: dict[int, int] = field(default_factory=dict)
    transactions: list[TransactionBlock] = field(default_factory=list)
    non_transactional_in_tx: list[str] = field(default_factory=list)
    step_effects: dict[int, tuple[Effect, str]] = field(default_factory=dict)


class Builder:
    def __init__(self, collected: Collected, settings: Settings, options: PlanOptions) -> None:
        self.collected = collected
        self.settings = settings
        self.options = options
        self.reader = Reader()
        self.s = _State()
        self.final: dict[Path, Catalog] = {}
        for captured in collected.migrations:
            self.final[captured.record.migration_set.root] = captured.after

    # --- the pass over the statements --------------------------------------------------------

    def run(self) -> Plan:
        migrations = []
        for captured in self.collected.migrations:
            migrations.append(self._migration_info(captured))
            first_step = len(self.s.steps) + 1
            for part in captured.record.view.up:
                path = display_path(part.part.path)
                if not part.readable:
                    self.s.unanalysed.append(f"{path} could not be read")
                    continue
                source = SourceText(path, self.reader.text(part.part.path))
                for index, effect in enumerate(part.effects):
                    self._step(captured, path, source, effect, part.effects, index)
            self._transactions(captured, first_step)
        return self._assemble(tuple(migrations))

    def _migration_info(self, captured: Captured) -> MigrationInfo:
        record = captured.record
        migration = record.view.migration
        reason = migration.transaction_reason
        if not reason:
            if migration.transaction is None:
                reason = "the layout does not say; --assume-in-transaction " + (
                    "is on" if record.transaction else "is off"
                )
            else:
                reason = (
                    f"{record.view.layout} runs it in a transaction"
                    if record.transaction
                    else f"{record.view.layout} runs it outside a transaction"
                )
        return MigrationInfo(
            label=migration.label,
            layout=record.view.layout,
            set_root=display_path(record.migration_set.root),
            up=tuple(display_path(p.path) for p in migration.up),
            down=tuple(display_path(p.path) for p in migration.down)
            if migration.down is not None
            else None,
            transaction=record.transaction,
            transaction_reason=reason,
            statements=sum(1 for r in record.view.up for e in r.effects if not e.statement.nested),
        )

    def _step(
        self,
        captured: Captured,
        path: str,
        source: SourceText,
        effect: Effect,
        effects: tuple[Effect, ...],
        index: int,
    ) -> None:
        number = len(self.s.steps) + 1
        line = source.position(effect.statement.start)[0]
        label = captured.record.view.migration.label
        ctx = _Ctx(number, captured, label, path, line, effect, effects, index, source)
        changes = tuple(self._changes(ctx))
        self._note_external(ctx)
        self._locks(ctx, changes)
        phases = [c.phase for c in changes] or ["schema"]
        phase = max(phases, key=lambda p: _PHASE_ORDER[p])
        summary = "; ".join(c.detail for c in changes) or words(ctx.kind).lower()
        transaction = self._transaction_label(ctx)
        if not effect.transactional and effect.in_transaction:
            self.s.non_transactional_in_tx.append(
                f"step {number} ({path}:{line}, {words(ctx.kind)}) cannot run inside a "
                "transaction block, but runs in one here: PostgreSQL rejects it"
            )
        step = Step(
            number=number,
            migration=label,
            path=path,
            line=line,
            kind=ctx.kind,
            sql=effect.statement.text,
            summary=summary,
            phase=phase,
            transaction=transaction,
            transactional=effect.transactional,
            nested=effect.statement.nested,
            changes=changes,
        )
        self.s.steps.append(step)
        self.s.step_effects[number] = (effect, label)
        self._created_by(ctx)

    # --- existence -----------------------------------------------------------------------------

    def _existing(self, touch: Touch) -> bool:
        """The relation existed before this migration, as the rules see it.

        Like the rules, the plan treats a table created by an earlier migration as an
        existing one: each migration may be deployed on its own, and the application can
        fill the table in between. Only objects created by the same migration are new.
        """
        return not touch.new

    def _is_new(self, relation: str, ctx: _Ctx) -> bool:
        """Created by this migration (so empty and unused when this statement runs)."""
        if any(t.new and key(t.relation) == key(relation) for t in ctx.effect.touches):
            return True
        return key(relation) in self._created_in_migration(ctx)

    def _created_in_migration(self, ctx: _Ctx) -> set[str]:
        return {
            k for k, c in self.s.created.items() if c.migration == ctx.label and c.step < ctx.number
        }

    def _named_indexes(self, ctx: _Ctx) -> set[str]:
        """The relations the statement names as indexes (DROP INDEX, ALTER INDEX, REINDEX
        INDEX), whether or not pglint saw them created."""
        node, kind = ctx.node, ctx.kind
        if kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX":
            return {key(object_name(obj)) for obj in node.get("objects", ())}
        if (kind == "RenameStmt" and node.get("renameType") == "OBJECT_INDEX") or (
            kind in ("AlterTableStmt", "AlterObjectSchemaStmt")
            and node.get("objtype", node.get("objectType")) == "OBJECT_INDEX"
        ):
            return {key(rv_name(node.get("relation")))} if node.get("relation") else set()
        if kind == "ReindexStmt" and node.get("kind") == "REINDEX_OBJECT_INDEX":
            return {key(rv_name(node.get("relation")))}
        return set()

    def _note_indexes(self, ctx: _Ctx) -> None:
        """Record which touched relations are indexes, and their tables when known: they are
        not tables (no row counts, no entity in the diagram)."""
        named = self._named_indexes(ctx)
        for touch in ctx.effect.touches:
            schema, _, name = touch.relation.rpartition(".")
            index = ctx.before.index(schema or None, name)
            if index is not None:
                self.s.index_tables[key(touch.relation)] = index.table
            elif key(touch.relation) in named:
                self.s.index_tables.setdefault(key(touch.relation), None)

    def _note_external(self, ctx: _Ctx) -> None:
        self._note_indexes(ctx)
        for touch in ctx.effect.touches:
            if touch.new or key(touch.relation) in self.s.plan_new:
                continue
            if key(touch.relation) in self.s.index_tables:
                continue
            schema, _, name = touch.relation.rpartition(".")
            before = ctx.before
            if (
                before.table(schema or None, name) is None
                and before.index(schema or None, name) is None
            ):
                self.s.external.setdefault(touch.relation, f"{ctx.path}:{ctx.line}")

    def _created_by(self, ctx: _Ctx) -> None:
        """Record the relations this statement creates as new for the rest of the plan."""
        node, kind = ctx.node, ctx.kind
        created: list[tuple[str, str]] = []
        if kind == "CreateStmt":
            created.append(
                (rv_name(node.get("relation")), "partitioned" if node.get("partspec") else "table")
            )
        elif kind == "CreateTableAsStmt":
            into = node.get("into", {})
            into = into.get("IntoClause", into)
            objkind = "matview" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
            created.append((rv_name(into.get("rel")), objkind))
        elif kind == "ViewStmt":
            name = rv_name(node.get("view"))
            schema, _, bare = name.rpartition(".")
            if ctx.before.table(schema or None, bare) is None and key(name) not in self.s.plan_new:
                created.append((name, "view"))
        elif kind == "IndexStmt" and self.s.indexes:
            self.s.plan_new.add(key(self.s.indexes[-1].name))
        elif kind == "RenameStmt" and node.get("renameType") == "OBJECT_TABLE":
            old = rv_name(node.get("relation"))
            if key(old) in self.s.plan_new:
                schema = old.rpartition(".")[0]
                new_name = f"{schema}.{node.get('newname')}" if schema else node.get("newname", "")
                self.s.plan_new.add(key(new_name))
                entry = self.s.created.pop(key(old), None)
                if entry is not None:
                    entry.name = new_name
                    self.s.created[key(new_name)] = entry
        for name, objkind in created:
            if key(name) in self.s.plan_new and key(name) in self.s.created:
                continue  # CREATE … IF NOT EXISTS of a table created earlier in the plan
            self.s.plan_new.add(key(name))
            self.s.created[key(name)] = _Created(name, objkind, ctx.label, ctx.captured, ctx.number)

    # --- what each statement changes ------------------------------------------------------------

    def _changes(self, ctx: _Ctx) -> Iterator[Change]:
        handler = getattr(self, f"_c_{ctx.kind}", None)
        if handler is not None:
            yield from handler(ctx)
            return
        yield Change(
            ctx.kind.removesuffix("Stmt").lower(), None, None, words(ctx.kind).lower(), "schema"
        )

    def _c_VariableSetStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        name = node.get("name") or "settings"
        if node.get("kind") in ("VAR_RESET", "VAR_RESET_ALL", "VAR_SET_DEFAULT"):
            detail = f"reset {name}"
        else:
            values = ", ".join(expr_text(a) for a in node.get("args", ()) or ())
            local = "set local" if node.get("is_local") else "set"
            detail = f"{local} {name} = {values}" if values else f"{local} {name}"
        yield Change("set", None, name, detail, "session")

    def _c_TransactionStmt(self, ctx: _Ctx) -> Iterator[Change]:
        kind = ctx.node.get("kind", "").removeprefix("TRANS_STMT_").lower()
        yield Change("transaction", None, None, kind.replace("_", " "), "session")

    def _c_DoStmt(self, ctx: _Ctx) -> Iterator[Change]:
        nested = 0
        for effect in ctx.effects[ctx.index + 1 :]:
            if not effect.statement.nested:
                break
            nested += 1
        if nested == 0:
            self.s.unanalysed.append(
                f"DO block at {ctx.path}:{ctx.line}: pglint found no SQL statement inside it "
                "that it could analyse (dynamic SQL with EXECUTE is not followed); review it by hand"
            )
        yield Change(
            "do",
            None,
            None,
            f"DO block ({nested} statement{'s' if nested != 1 else ''} inside)",
            "schema",
        )

    def _c_CreateStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        columns = [e["ColumnDef"] for e in node.get("tableElts", ()) if "ColumnDef" in e]
        detail = f"create table {table} ({len(columns)} column{'s' if len(columns) != 1 else ''})"
        parents = [rv_name(p.get("RangeVar")) for p in node.get("inhRelations", ()) or ()]
        if node.get("partbound") and parents:
            detail = f"create table {table} as a partition of {parents[0]}"
        elif node.get("partspec"):
            detail += ", partitioned"
        if node.get("if_not_exists"):
            detail += " if it does not exist"
        yield Change("create_table", table, None, detail, "schema")
        for coldef in columns:
            for wrapped in coldef.get("constraints", ()) or ():
                self._constraint_facts(
                    ctx, table, wrapped.get("Constraint", {}), coldef.get("colname"), True
                )
        for element in node.get("tableElts", ()):
            if "Constraint" in element:
                self._constraint_facts(ctx, table, element["Constraint"], None, True)

    def _c_CreateTableAsStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        into = node.get("into", {})
        into = into.get("IntoClause", into)
        table = rv_name(into.get("rel"))
        matview = node.get("objtype") == "OBJECT_MATVIEW"
        sources = query_relations(node.get("query"))
        filled = not into.get("skipData")
        what = "materialized view" if matview else "table"
        detail = f"create {what} {table} from a query"
        if sources:
            detail += f" over {', '.join(sources)}"
        if filled:
            self.s.data.append(
                F.DataChange(
                    "create_as",
                    table,
                    ctx.number,
                    True,
                    source_sql=count_rows(node.get("query", {})),
                    sources=sources,
                )
            )
        yield Change(
            "create_matview" if matview else "create_table_as",
            table,
            None,
            detail,
            "data" if filled else "schema",
        )

    def _c_ViewStmt(self, ctx: _Ctx) -> Iterator[Change]:
        view = rv_name(ctx.node.get("view"))
        schema, _, bare = view.rpartition(".")
        existed = ctx.before.table(schema or None, bare) is not None or key(view) in self.s.plan_new
        if ctx.node.get("replace") and existed:
            yield Change("replace_view", view, None, f"replace view {view}", "schema")
        else:
            yield Change("create_view", view, None, f"create view {view}", "schema")

    def _c_IndexStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        params = node.get("indexParams", ())
        written = node.get("idxname")
        name = written or make_object_name(table, index_name_parts(params), "idx")
        schema = table.rpartition(".")[0]
        if schema and written:
            name = f"{schema}.{written}"
        elif schema:
            name = f"{schema}.{name}"
        columns = index_columns(params)
        predicate = expr_text(node.get("whereClause")) or None
        on_new = self._is_new(table, ctx)
        index = NewIndex(
            name=name,
            name_generated=not written,
            table=table,
            columns=columns,
            include=index_columns(node.get("indexIncludingParams")),
            method=method_name(node.get("accessMethod")),
            unique=bool(node.get("unique")),
            partial=predicate,
            concurrent=bool(node.get("concurrent")),
            on_new_table=on_new,
            via_constraint=None,
            migration=ctx.label,
        )
        self.s.indexes.append(index)
        if index.unique:
            self.s.uniques.append(
                F.UniqueKey(
                    table,
                    self._keys_sql(params),
                    predicate and (try_deparse(node["whereClause"]) or None),
                    bool(node.get("nulls_not_distinct")),
                    name,
                    ctx.number,
                    on_new,
                    "unique index",
                )
            )
        detail = (
            f"create {'unique ' if index.unique else ''}index {name} on {table} "
            f"({', '.join(columns)})"
        )
        if index.method != "B-tree":
            detail += f" using {index.method}"
        if node.get("nulls_not_distinct"):
            detail += " nulls not distinct"
        if predicate:
            detail += f" where {predicate}"
        if index.concurrent:
            detail += ", concurrently"
        yield Change("create_index", table, name, detail, "schema")

    def _keys_sql(self, params: list[Node]) -> tuple[str, ...]:
        keys = []
        for item in params or ():
            elem = item.get("IndexElem", {})
            if elem.get("name"):
                keys.append(quote_ident(elem["name"]))
            else:
                keys.append(f"({try_deparse(elem.get('expr')) or 'NULL'})")
        return tuple(keys)

    def _constraint_facts(
        self, ctx: _Ctx, table: str, con: Node, column: str | None, creating: bool
    ) -> str | None:
        """Record the facts a constraint brings (FKs, unique keys, indexes); its summary."""
        contype = con.get("contype", "")
        columns = constraint_columns(con, column)
        name = con.get("conname")
        table_new = creating or self._is_new(table, ctx)
        schema = table.rpartition(".")[0]
        if contype == "CONSTR_FOREIGN":
            parent = rv_name(con.get("pktable"))
            parent_columns = tuple(strings(con.get("pk_attrs"))) or self._primary_key(ctx, parent)
            fk_name = name or make_object_name(table, columns, "fkey")
            self.s.fks.append(
                F.ForeignKey(
                    child=table,
                    columns=columns,
                    parent=parent,
                    parent_columns=parent_columns,
                    name=fk_name,
                    not_valid=bool(con.get("skip_validation")),
                    step=ctx.number,
                    child_new=table_new,
                    nullable=self._nullable(ctx, table, columns),
                    match_full=con.get("fk_matchtype") == "f",
                )
            )
            if con.get("skip_validation") and not creating:
                self._not_valid(ctx, table, fk_name, "foreign key", None, columns)
            target = f"{parent}({', '.join(parent_columns)})" if parent_columns else parent
            return f"foreign key {fk_name} ({', '.join(columns)}) → {target}"
        if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
            label = {"CONSTR_PRIMARY": "pkey", "CONSTR_UNIQUE": "key", "CONSTR_EXCLUSION": "excl"}[
                contype
            ]
            what = {
                "CONSTR_PRIMARY": "PRIMARY KEY",
                "CONSTR_UNIQUE": "UNIQUE",
                "CONSTR_EXCLUSION": "EXCLUDE",
            }[contype]
            if con.get("indexname"):
                return f"{constraint_kind(contype)} {name or ''} using index {con['indexname']}".replace(
                    "  ", " "
                )
            index_name = name or make_object_name(table, [] if label == "pkey" else columns, label)
            qualified_index = f"{schema}.{index_name}" if schema else index_name
            method = "GiST" if contype == "CONSTR_EXCLUSION" else "B-tree"
            if contype == "CONSTR_EXCLUSION" and con.get("access_method"):
                method = method_name(con["access_method"])
            self.s.indexes.append(
                NewIndex(
                    name=qualified_index,
                    name_generated=not name,
                    table=table,
                    columns=columns,
                    include=tuple(strings(con.get("including"))),
                    method=method,
                    unique=contype != "CONSTR_EXCLUSION",
                    partial=expr_text(con.get("where_clause")) or None,
                    concurrent=False,
                    on_new_table=table_new,
                    via_constraint=what,
                    migration=ctx.label,
                )
            )
            if contype != "CONSTR_EXCLUSION":
                self.s.uniques.append(
                    F.UniqueKey(
                        table,
                        tuple(quote_ident(c) for c in columns),
                        None,
                        bool(con.get("nulls_not_distinct")),
                        qualified_index,
                        ctx.number,
                        table_new,
                        "primary key" if contype == "CONSTR_PRIMARY" else "unique constraint",
                    )
                )
            if contype == "CONSTR_PRIMARY" and not table_new:
                for col in columns:
                    self.s.not_nulls.append(F.NotNull(table, col, ctx.number, "PRIMARY KEY"))
            return f"{constraint_kind(contype)} {qualified_index} ({', '.join(columns)})"
        if contype == "CONSTR_CHECK":
            check = expr_text(con.get("raw_expr"))
            check_name = name or make_object_name(table, columns[:1], "check")
            if con.get("skip_validation") and not creating:
                self._not_valid(ctx, table, check_name, "check", con.get("raw_expr"))
            return f"check {check_name} ({check})"
        if contype == "CONSTR_NOTNULL" and column and not table_new and not creating:
            return f"not null on {column}"
        return None

    def _primary_key(self, ctx: _Ctx, table: str) -> tuple[str, ...]:
        schema, _, name = table.rpartition(".")
        found = ctx.after.table(schema or None, name)
        if found is None:
            return ()
        for con in found.constraints:
            if con.kind == "CONSTR_PRIMARY" and con.columns:
                return con.columns
        return ()

    def _nullable(self, ctx: _Ctx, table: str, columns: tuple[str, ...]) -> bool:
        schema, _, name = table.rpartition(".")
        found = ctx.after.table(schema or None, name)
        if found is None:
            return True
        return any(not (found.columns.get(c) and found.columns[c].not_null) for c in columns)

    def _not_valid(
        self,
        ctx: _Ctx,
        table: str,
        name: str,
        kind: str,
        check: Node | None,
        columns: tuple[str, ...] = (),
    ) -> None:
        check_sql = try_deparse(check) if check else None
        self.s.not_valid[(key(table), name)] = F.NotValid(
            table, name, kind, ctx.number, check_sql, None, column_refs(check) if check else columns
        )

    def _c_AlterTableStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        objtype = node.get("objtype")
        if objtype == "OBJECT_INDEX":
            for wrapped in node.get("cmds", ()):
                cmd = wrapped.get("AlterTableCmd", {})
                what = cmd.get("subtype", "").removeprefix("AT_")
                yield Change(
                    "alter_index",
                    table,
                    table,
                    f"alter index {table}: {_subtype_words(what)}",
                    "schema",
                )
            return
        if objtype is not None and objtype not in TABLE_LIKE_OBJECTS:
            yield Change(
                "alter", table, None, f"alter {words(objtype or '').lower()} {table}", "schema"
            )
            return
        schema, _, bare = table.rpartition(".")
        before_table = ctx.before.table(schema or None, bare)
        table_new = self._is_new(table, ctx)
        for wrapped in node.get("cmds", ()):
            cmd = wrapped.get("AlterTableCmd", {})
            subtype = cmd.get("subtype", "")
            definition = cmd.get("def") or {}
            column = cmd.get("name")
            if subtype == "AT_AddColumn" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                colname = coldef.get("colname", "")
                self.s.added_columns[(key(table), colname)] = ctx.number
                kinds = set()
                for wrapped_con in coldef.get("constraints", ()) or ():
                    con = wrapped_con.get("Constraint", {})
                    kinds.add(con.get("contype"))
                    self._constraint_facts(ctx, table, con, colname, False)
                if (
                    "CONSTR_NOTNULL" in kinds
                    and not kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
                    and not table_new
                ):
                    self.s.not_nulls.append(
                        F.NotNull(
                            table, colname, ctx.number, "ADD COLUMN … NOT NULL without a DEFAULT"
                        )
                    )
                yield Change(
                    "add_column", table, colname, f"add column {column_detail(coldef)}", "schema"
                )
            elif subtype == "AT_DropColumn":
                old = before_table.columns.get(column or "") if before_table else None
                typed = f" ({old.type})" if old is not None and old.type else ""
                lost = (
                    "every row's value of the column"
                    if not table_new
                    else "nothing (the table is new)"
                )
                self._drop(ctx, "column", f"{table}.{column}", table, lost)
                yield Change(
                    "drop_column",
                    table,
                    column,
                    f"drop column {column}{typed}",
                    "cleanup",
                    data_loss=not table_new,
                )
            elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                new_type = type_text(coldef.get("typeName"))
                old = before_table.columns.get(column or "") if before_table else None
                old_type = (
                    storage_type(old.type) if old is not None and old.type else "unknown type"
                )
                using = coldef.get("raw_default")
                detail = f"change type of {column} from {old_type} to {new_type}"
                if using:
                    detail += f" using {expr_text(using)}"
                yield Change("alter_type", table, column, detail, "schema")
            elif subtype == "AT_ColumnDefault":
                if cmd.get("def"):
                    yield Change(
                        "set_default",
                        table,
                        column,
                        f"set default of {column} to {expr_text(cmd['def'])}",
                        "schema",
                    )
                else:
                    yield Change(
                        "drop_default", table, column, f"drop default of {column}", "schema"
                    )
            elif subtype == "AT_SetNotNull":
                if not table_new:
                    self.s.not_nulls.append(
                        F.NotNull(table, column or "", ctx.number, "SET NOT NULL")
                    )
                yield Change("set_not_null", table, column, f"set {column} NOT NULL", "constraints")
            elif subtype == "AT_DropNotNull":
                yield Change("drop_not_null", table, column, f"drop NOT NULL of {column}", "schema")
            elif subtype == "AT_AddConstraint" and "Constraint" in definition:
                con = definition["Constraint"]
                summary = self._constraint_facts(ctx, table, con, None, False) or constraint_kind(
                    con.get("contype", "")
                )
                if con.get("skip_validation"):
                    summary += " NOT VALID"
                yield Change(
                    "add_constraint", table, con.get("conname"), f"add {summary}", "constraints"
                )
            elif subtype == "AT_ValidateConstraint":
                name = column or ""
                found = self.s.not_valid.get((key(table), name))
                if found is not None:
                    self.s.not_valid[(key(table), name)] = replace(found, validated_at=ctx.number)
                else:
                    cols: tuple[str, ...]
                    kind, check, cols = "constraint", None, ()
                    for con in before_table.constraints if before_table else ():
                        if con.name == name:
                            kind, check, cols = constraint_kind(con.kind), con.expr, con.columns
                    self.s.not_valid[(key(table), name)] = F.NotValid(
                        table,
                        name,
                        kind,
                        ctx.number,
                        try_deparse(check) if check else None,
                        ctx.number,
                        column_refs(check) if check else tuple(cols),
                    )
                yield Change(
                    "validate_constraint", table, name, f"validate constraint {name}", "validate"
                )
            elif subtype == "AT_DropConstraint":
                self._drop(
                    ctx,
                    "constraint",
                    f"{column} on {table}",
                    table,
                    "the rule it enforced (and its index, for a unique or primary key)",
                )
                yield Change(
                    "drop_constraint", table, column, f"drop constraint {column}", "cleanup"
                )
            elif subtype in ("AT_AttachPartition", "AT_DetachPartition"):
                part = rv_name(definition.get("PartitionCmd", {}).get("name"))
                verb = "attach" if subtype == "AT_AttachPartition" else "detach"
                concurrently = (
                    " concurrently" if definition.get("PartitionCmd", {}).get("concurrent") else ""
                )
                yield Change(
                    f"{verb}_partition",
                    table,
                    part,
                    f"{verb} partition {part}{concurrently}",
                    "schema",
                )
            else:
                what = _subtype_words(subtype.removeprefix("AT_"))
                target = f" {column}" if column else ""
                yield Change(
                    subtype.removeprefix("AT_").lower(), table, column, f"{what}{target}", "schema"
                )

    def _c_AlterObjectSchemaStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        objtype = node.get("objectType", "")
        what = objtype.removeprefix("OBJECT_").lower().replace("_", " ")
        if node.get("relation"):
            name = rv_name(node.get("relation"))
        else:
            name = object_name(node.get("object") or {})
        table_like = objtype in TABLE_LIKE_OBJECTS
        yield Change(
            "set_schema_table" if table_like else "set_schema",
            name if table_like else None,
            name,
            f"move {what} {name} to schema {node.get('newschema')}",
            "schema",
        )

    def _c_RenameStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        rename = node.get("renameType", "")
        relation = (
            rv_name(node.get("relation"))
            if node.get("relation")
            else object_name(node.get("object") or {})
        )
        new = node.get("newname", "")
        if rename == "OBJECT_COLUMN":
            yield Change(
                "rename_column",
                relation,
                node.get("subname"),
                f"rename column {node.get('subname')} to {new}",
                "schema",
            )
        elif rename == "OBJECT_TABCONSTRAINT":
            yield Change(
                "rename_constraint",
                relation,
                node.get("subname"),
                f"rename constraint {node.get('subname')} to {new}",
                "schema",
            )
        elif rename in (
            "OBJECT_TABLE",
            "OBJECT_VIEW",
            "OBJECT_MATVIEW",
            "OBJECT_INDEX",
            "OBJECT_FOREIGN_TABLE",
        ):
            what = rename.removeprefix("OBJECT_").lower().replace("_", " ")
            yield Change(
                f"rename_{what.replace(' ', '_')}",
                relation,
                relation,
                f"rename {what} {relation} to {new}",
                "schema",
            )
        else:
            what = rename.removeprefix("OBJECT_").lower().replace("_", " ")
            yield Change("rename", None, relation, f"rename {what} {relation} to {new}", "schema")

    def _drop(self, ctx: _Ctx, kind: str, name: str, table: str | None, lost: str) -> None:
        self.s.dropped.append(DroppedObject(kind, name, table, ctx.label, lost))

    def _c_DropStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        remove = node.get("removeType", "")
        kind = remove.removeprefix("OBJECT_").lower().replace("_", " ")
        cascade = node.get("behavior") == "DROP_CASCADE"
        for obj in node.get("objects", ()):
            name = object_name(obj)
            table = None
            if remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE") and "." in name:
                table, _, name = name.rpartition(".")
                name = f"{name} on {table}"
            is_new = self._is_new(name, ctx) if remove in RELATION_OBJECTS else False
            lost = _LOST.get(remove, "its definition")
            if is_new:
                lost = "nothing (created by these migrations)"
            if cascade:
                lost += ", and every object that depends on it (CASCADE)"
            if remove in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
                table = name
            if remove == "OBJECT_INDEX":
                schema, _, bare = name.rpartition(".")
                index = ctx.before.index(schema or None, bare)
                table = index.table if index is not None else None
            self._drop(ctx, kind, name, table, lost)
            data_loss = (
                remove in ("OBJECT_TABLE", "OBJECT_SCHEMA", "OBJECT_SEQUENCE") and not is_new
            )
            concurrently = " concurrently" if node.get("concurrent") else ""
            yield Change(
                f"drop_{kind.replace(' ', '_')}",
                table or (name if remove in RELATION_OBJECTS else None),
                name,
                f"drop {kind}{concurrently} {name}" + (" cascade" if cascade else ""),
                "cleanup",
                data_loss,
            )

    def _c_TruncateStmt(self, ctx: _Ctx) -> Iterator[Change]:
        for item in ctx.node.get("relations", ()):
            table = rv_name(item.get("RangeVar"))
            self.s.data.append(
                F.DataChange("truncate", table, ctx.number, self._is_new(table, ctx))
            )
            yield Change(
                "truncate",
                table,
                None,
                f"truncate {table} (every row is deleted)",
                "data",
                data_loss=True,
            )

    def _c_InsertStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        select = node.get("selectStmt") or {}
        inner = select.get("SelectStmt", {})
        with_clause = node.get("withClause")
        new = self._is_new(table, ctx)
        if inner.get("valuesLists") and not inner.get("fromClause"):
            rows = len(inner["valuesLists"])
            self.s.data.append(F.DataChange("insert", table, ctx.number, new, value_rows=rows))
            detail = f"insert {rows} row{'s' if rows != 1 else ''} into {table}"
        elif select:
            sources = query_relations(select)
            self.s.data.append(
                F.DataChange(
                    "insert",
                    table,
                    ctx.number,
                    new,
                    source_sql=count_rows(select, with_clause),
                    sources=sources,
                )
            )
            detail = f"insert into {table} the rows of a query"
            if sources:
                detail += f" over {', '.join(sources)}"
        else:
            self.s.data.append(F.DataChange("insert", table, ctx.number, new, value_rows=1))
            detail = f"insert default values into {table}"
        if node.get("onConflictClause"):
            detail += " (ON CONFLICT)"
        yield Change("insert", table, None, detail, "data")

    def _c_UpdateStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        columns = tuple(t.get("ResTarget", {}).get("name", "") for t in node.get("targetList", ()))
        where = node.get("whereClause")
        backfill = tuple(c for c in columns if c in _null_tested(where))
        new = self._is_new(table, ctx)
        added_here = all(
            self._step_migration(self.s.added_columns.get((key(table), c))) == ctx.label
            for c in columns
        )
        self.s.data.append(
            F.DataChange(
                "update",
                table,
                ctx.number,
                new,
                where_sql=count_matching(
                    node["relation"], where, node.get("fromClause"), node.get("withClause")
                ),
                set_columns=columns,
                backfill_columns=backfill,
                columns=tuple(dict.fromkeys((*columns, *column_refs(where)))),
                alias=(node["relation"].get("alias") or {}).get("aliasname"),
            )
        )
        scope = "rows matching its WHERE" if where else "every row"
        detail = f"update {', '.join(columns)} of {table} ({scope})"
        yield Change("update", table, None, detail, "data", data_loss=not new and not added_here)

    def _c_DeleteStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        table = rv_name(node.get("relation"))
        where = node.get("whereClause")
        new = self._is_new(table, ctx)
        self.s.data.append(
            F.DataChange(
                "delete",
                table,
                ctx.number,
                new,
                where_sql=count_matching(
                    node["relation"], where, node.get("usingClause"), node.get("withClause")
                ),
                columns=column_refs(where),
            )
        )
        scope = "rows matching its WHERE" if where else "every row"
        yield Change(
            "delete", table, None, f"delete from {table} ({scope})", "data", data_loss=not new
        )

    def _c_MergeStmt(self, ctx: _Ctx) -> Iterator[Change]:
        table = rv_name(ctx.node.get("relation"))
        new = self._is_new(table, ctx)
        self.s.data.append(F.DataChange("merge", table, ctx.number, new))
        yield Change("merge", table, None, f"merge rows into {table}", "data", data_loss=not new)

    def _c_CopyStmt(self, ctx: _Ctx) -> Iterator[Change]:
        table = rv_name(ctx.node.get("relation")) if ctx.node.get("relation") else "a query"
        direction = "into" if ctx.node.get("is_from") else "out of"
        yield Change("copy", table, None, f"copy rows {direction} {table}", "data")

    def _c_CommentStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        objtype = node.get("objtype", "")
        name = object_name(node.get("object") or {})
        if objtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            self.s.comments[key(name)] = node.get("comment")
        what = objtype.removeprefix("OBJECT_").lower().replace("_", " ")
        relation = (
            name.rpartition(".")[0]
            if objtype == "OBJECT_COLUMN"
            else (name if objtype in ("OBJECT_TABLE", "OBJECT_VIEW") else None)
        )
        yield Change("comment", relation, name, f"comment on {what} {name}", "schema")

    def _c_RefreshMatViewStmt(self, ctx: _Ctx) -> Iterator[Change]:
        view = rv_name(ctx.node.get("relation"))
        concurrently = " concurrently" if ctx.node.get("concurrent") else ""
        yield Change(
            "refresh", view, None, f"refresh materialized view {view}{concurrently}", "data"
        )

    def _c_CreateEnumStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = ".".join(strings(ctx.node.get("typeName")))
        values = ", ".join(strings(ctx.node.get("vals")))
        self.s.other.append(f"enum type {name} ({values})")
        yield Change("create_type", None, name, f"create enum type {name} ({values})", "schema")

    def _c_AlterEnumStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = ".".join(strings(ctx.node.get("typeName")))
        if ctx.node.get("oldVal"):
            detail = f"rename value {ctx.node['oldVal']} of enum {name} to {ctx.node.get('newVal')}"
        else:
            detail = f"add value {ctx.node.get('newVal')!r} to enum {name}"
        self.s.other.append(detail)
        yield Change("alter_enum", None, name, detail, "schema")

    def _c_CompositeTypeStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = rv_name(ctx.node.get("typevar"))
        self.s.other.append(f"composite type {name}")
        yield Change("create_type", None, name, f"create composite type {name}", "schema")

    def _c_CreateDomainStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = ".".join(strings(ctx.node.get("domainname")))
        self.s.other.append(f"domain {name} ({type_text(ctx.node.get('typeName'))})")
        yield Change(
            "create_domain",
            None,
            name,
            f"create domain {name} as {type_text(ctx.node.get('typeName'))}",
            "schema",
        )

    def _c_CreateFunctionStmt(self, ctx: _Ctx) -> Iterator[Change]:
        node = ctx.node
        name = ".".join(strings(node.get("funcname")))
        what = "procedure" if node.get("is_procedure") else "function"
        verb = "create or replace" if node.get("replace") else "create"
        self.s.other.append(f"{what} {name}")
        yield Change(f"create_{what}", None, name, f"{verb} {what} {name}", "schema")

    def _c_CreateTrigStmt(self, ctx: _Ctx) -> Iterator[Change]:
        table = rv_name(ctx.node.get("relation"))
        name = ctx.node.get("trigname", "")
        self.s.other.append(f"trigger {name} on {table}")
        yield Change("create_trigger", table, name, f"create trigger {name} on {table}", "schema")

    def _c_CreateSeqStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = rv_name(ctx.node.get("sequence"))
        self.s.other.append(f"sequence {name}")
        yield Change("create_sequence", None, name, f"create sequence {name}", "schema")

    def _c_CreateExtensionStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = ctx.node.get("extname", "")
        self.s.other.append(f"extension {name}")
        yield Change("create_extension", None, name, f"create extension {name}", "schema")

    def _c_CreateSchemaStmt(self, ctx: _Ctx) -> Iterator[Change]:
        name = ctx.node.get("schemaname", "")
        self.s.other.append(f"schema {name}")
        yield Change("create_schema", None, name, f"create schema {name}", "schema")

    def _c_CreatePolicyStmt(self, ctx: _Ctx) -> Iterator[Change]:
        table = rv_name(ctx.node.get("table"))
        name = ctx.node.get("policy_name", "")
        self.s.other.append(f"policy {name} on {table}")
        yield Change("create_policy", table, name, f"create policy {name} on {table}", "schema")

    def _c_GrantStmt(self, ctx: _Ctx) -> Iterator[Change]:
        verb = "grant" if ctx.node.get("is_grant") else "revoke"
        yield Change(verb, None, None, f"{verb} privileges", "schema")

    def _c_VacuumStmt(self, ctx: _Ctx) -> Iterator[Change]:
        verb = "vacuum" if ctx.node.get("is_vacuumcmd") else "analyze"
        names = [
            rv_name(r.get("VacuumRelation", {}).get("relation"))
            for r in ctx.node.get("rels", ()) or ()
        ]
        yield Change(
            verb,
            names[0] if len(names) == 1 else None,
            None,
            f"{verb} {', '.join(names) or 'the database'}",
            "cleanup",
        )

    def _c_SelectStmt(self, ctx: _Ctx) -> Iterator[Change]:
        functions = sorted(_function_names(ctx.node))
        if functions == ["set_config"]:
            yield Change("set", None, None, "set_config(…)", "session")
            return
        detail = "select" + (f" (calls {', '.join(functions)})" if functions else "")
        yield Change("select", None, None, detail, "data" if functions else "session")

    def _step_migration(self, number: int | None) -> str | None:
        if number is None or number > len(self.s.steps):
            return None
        return self.s.steps[number - 1].migration

    # --- locks ---------------------------------------------------------------------------------

    def _work(self, kind: str, touch: Touch) -> str:
        if kind == "TruncateStmt":
            return "truncate"
        if touch.rewrite:
            return "table rewrite"
        if kind in _DML:
            return "row changes" if touch.scan else "row changes (matched rows)"
        if touch.scan:
            if kind in ("IndexStmt", "ReindexStmt"):
                return (
                    "concurrent index build"
                    if touch.lock == LockMode.SHARE_UPDATE_EXCLUSIVE
                    else "index build"
                )
            return "full scan"
        return "catalog only"

    def _held_until(self, ctx: _Ctx) -> str:
        effect = ctx.effect
        if not effect.in_transaction:
            return "end of statement"
        if effect.explicit_transaction:
            for later in ctx.effects[ctx.index + 1 :]:
                if later.kind == "TransactionStmt" and later.node.get("kind") in (
                    "TRANS_STMT_COMMIT",
                    "TRANS_STMT_ROLLBACK",
                    "TRANS_STMT_PREPARE",
                ):
                    line = ctx.source.position(later.statement.start)[0]
                    return f"COMMIT at line {line}"
            return "end of the transaction"
        if effect.statement.nested and not ctx.captured.record.transaction:
            return "end of the DO block"
        return "end of the migration (one transaction)"

    def _locks(self, ctx: _Ctx, changes: tuple[Change, ...]) -> None:
        effect = ctx.effect
        existing = [t for t in effect.touches if self._existing(t)]
        long_here = False
        for touch in existing:
            work = self._work(ctx.kind, touch)
            level, reason = self._level(ctx, touch, work, changes)
            seconds, basis = self._estimate(touch, work)
            lock = touch.lock.sql_name
            if touch.index_lock is not None and touch.index_lock > touch.lock:
                lock += f" (+ {touch.index_lock.sql_name} on its indexes)"
            if touch.partition_lock is not None and touch.partition_lock > touch.lock:
                lock += f" (+ {touch.partition_lock.sql_name} on its DEFAULT partition)"
            row = LockRow(
                step=ctx.number,
                migration=ctx.label,
                path=ctx.path,
                line=ctx.line,
                statement="; ".join(c.detail for c in changes) or words(ctx.kind).lower(),
                relation=touch.relation,
                lock=lock,
                blocks_reads=touch.blocks_reads,
                blocks_writes=touch.blocks_writes,
                blocks_ddl=touch.lock.blocks_ddl,
                rewrite=touch.rewrite,
                scan=touch.scan,
                lock_timeout=effect.lock_timeout,
                held_until=self._held_until(ctx),
                work=work,
                level=level,
                reason=reason,
                estimate_seconds=seconds,
                estimate_basis=basis,
            )
            self.s.touch_rows[id(touch)] = len(self.s.rows)
            self.s.rows.append(row)
            if work in _LONG_WORK or (
                work == "row changes (matched rows)" and ctx.kind != "InsertStmt"
            ):
                long_here = True
        if long_here and effect.in_transaction:
            self._escalate_held(ctx)

    def _escalate_held(self, ctx: _Ctx) -> None:
        """A lock held from an earlier statement blocks for as long as this one runs."""
        for held in ctx.effect.held:
            index = self.s.touch_rows.get(id(held))
            if index is None:
                continue
            row = self.s.rows[index]
            if row.step == ctx.number or not (row.blocks_writes or row.blocks_reads):
                continue
            if row.level == Level.HIGH:
                continue  # already HIGH for its own work (or held across an earlier step)
            blocked = "reads and writes" if row.blocks_reads else "writes"
            self.s.rows[index] = replace(
                row,
                level=Level.HIGH,
                reason=(
                    f"{row.lock} on {row.relation} is held until {_until(row.held_until)} while "
                    f"step {ctx.number} ({ctx.path}:{ctx.line}) does long-running work: "
                    f"{blocked} of {row.relation} wait for that step too"
                ),
            )

    def _level(
        self, ctx: _Ctx, touch: Touch, work: str, changes: tuple[Change, ...]
    ) -> tuple[Level, str]:
        rel = touch.relation
        lock = touch.lock.sql_name
        if touch.index_lock is not None and touch.index_lock > touch.lock:
            lock += f" and {touch.index_lock.sql_name} on its index"
        if touch.partition_lock is not None and touch.partition_lock > touch.lock:
            lock += f" and {touch.partition_lock.sql_name} on its DEFAULT partition"
        kind = ctx.kind
        loss = [c for c in changes if c.data_loss and c.relation and key(c.relation) == key(rel)]
        if kind == "InsertStmt":
            return Level.LOW, f"inserts rows under {lock}, which blocks no reads or writes of {rel}"
        if kind in _DML:
            verb = {"UpdateStmt": "updates", "DeleteStmt": "deletes", "MergeStmt": "merges"}[kind]
            scope = "every row" if touch.scan else "the matched rows"
            return Level.MED, (
                f"{verb} {scope} of {rel} in one statement: changed rows stay locked against "
                "other updates until commit, and each change writes a new row version (WAL, bloat)"
            )
        if kind == "TruncateStmt":
            return (
                Level.MED,
                f"removes every row of {rel} under {lock} (brief, but the data is gone)",
            )
        if (
            kind == "RefreshMatViewStmt"
            and not touch.blocks_reads
            and key(rel) == key(rv_name(ctx.node.get("relation")))
        ):
            # Only REFRESH writes a materialized view: EXCLUSIVE (CONCURRENTLY) blocks no
            # query of it, however long the refresh runs.
            return Level.LOW, (
                f"refreshes {rel} under {lock}, which blocks only other refreshes and DDL "
                "(no one else writes a materialized view): reads continue"
            )
        if work in _LONG_WORK and (touch.blocks_writes or touch.blocks_reads):
            return Level.HIGH, (
                f"{work} of {rel} under {lock}: {touch.blocked} of {rel} wait until it "
                "finishes, which takes as long as the table is large"
            )
        if touch.blocks_reads or touch.blocks_writes:
            if loss:
                return Level.MED, f"{loss[0].detail}: data cannot be restored by a rollback"
            if ctx.effect.lock_timeout:
                return (
                    Level.LOW,
                    f"brief {lock} (catalog change only); lock_timeout bounds the wait for it",
                )
            return Level.MED, (
                f"brief {lock} taken without lock_timeout: while another transaction holds any "
                f"lock on {rel}, this statement waits and every later query that needs "
                f"{touch.blocked.replace('reads and writes', 'to read or write')} {rel} queues behind it"
            ).replace("needs writes", "needs to write")
        if loss:
            return Level.MED, f"{loss[0].detail}: data cannot be restored by a rollback"
        if work in _LONG_WORK:
            only = "" if touch.blocked.startswith("nothing") else "only "
            return (
                Level.LOW,
                f"{work} under {lock}, which blocks {only}{touch.blocked}: reads and writes continue",
            )
        if touch.blocked.startswith("nothing"):
            return Level.LOW, f"{lock} blocks {touch.blocked}"
        return Level.LOW, f"{lock} blocks only {touch.blocked}"

    def _estimate(self, touch: Touch, work: str) -> tuple[float | None, str | None]:
        stats = self.options.stats
        if stats is None:
            return None, None
        if work == "truncate":
            return 0.0, "truncate: instant once the lock is granted"
        if work == "row changes (matched rows)":
            return None, "depends on the rows the statement matches"
        return estimate(work, stats.find(touch.relation), self.options.throughput_mb_s)

    # --- transactions --------------------------------------------------------------------------

    def _transaction_label(self, ctx: _Ctx) -> str:
        effect = ctx.effect
        if ctx.kind == "TransactionStmt":
            return "explicit"
        if ctx.kind == "DoStmt" and not effect.in_transaction:
            return "do-block"
        if effect.explicit_transaction:
            return "explicit"
        if (
            effect.statement.nested
            and effect.in_transaction
            and not ctx.captured.record.transaction
        ):
            return "do-block"
        if effect.in_transaction:
            return "migration"
        return "autocommit"

    def _transactions(self, captured: Captured, first_step: int) -> None:
        steps = self.s.steps[first_step - 1 :]
        label = captured.record.view.migration.label
        blocks: list[list[Step]] = []
        kinds: list[str] = []
        current: list[Step] | None = None
        for step in steps:
            kind = step.transaction
            begins = step.kind == "TransactionStmt" and any(
                c.detail in ("begin", "start") for c in step.changes
            )
            ends = step.kind == "TransactionStmt" and any(
                c.detail in ("commit", "rollback", "prepare") for c in step.changes
            )
            new_do = step.kind == "DoStmt" and kind == "do-block"
            if begins or new_do or current is None or kinds[-1] != kind:
                current = [step]
                blocks.append(current)
                kinds.append(kind)
            else:
                current.append(step)
            if ends:
                current = None
        notes = {
            "migration": "one transaction (the migration tool wraps the migration): if a step fails, every step of the migration rolls back",
            "explicit": "a BEGIN … COMMIT block written in the file",
            "autocommit": "no transaction: each statement commits on its own, and a failure leaves the earlier ones applied",
            "do-block": "the DO block runs as one transaction",
        }
        for steps_of, kind in zip(blocks, kinds, strict=True):
            note = notes[kind]
            bad = [s for s in steps_of if not s.transactional and kind != "autocommit"]
            if bad:
                note += (
                    "; "
                    + ", ".join(f"step {s.number}" for s in bad)
                    + " cannot run inside a transaction block"
                )
            self.s.transactions.append(
                TransactionBlock(
                    migration=label,
                    kind=kind,
                    steps=tuple(s.number for s in steps_of),
                    first_line=steps_of[0].line,
                    last_line=steps_of[-1].line,
                    note=note,
                )
            )

    # --- the sections ----------------------------------------------------------------------------

    def _assemble(self, migrations: tuple[MigrationInfo, ...]) -> Plan:
        from pglint.plan.checks import monitoring_queries, validation_queries
        from pglint.plan.mermaid import build_er
        from pglint.plan.rollback import merge_verified_rollbacks, rollback_plans
        from pglint.plan.summary import checklist, confidence, phase_notes, summarise

        s = self.s
        new_tables = self._new_tables()
        modified = self._modified_tables()
        findings = tuple(
            FindingRow(
                f.rule, f.severity.value, display_path(f.path), f.line, f.column, f.message, f.help
            )
            for f in self.collected.findings
        )
        verified = self.options.verified
        if verified is not None:
            seen = set(findings)
            findings += tuple(f for f in verified.findings if f not in seen)
        er = build_er(self, new_tables, modified)
        phases = self._phases()
        rollback = rollback_plans(self)
        if verified is not None:
            rollback = merge_verified_rollbacks(rollback, verified)
        validation = validation_queries(self)
        monitoring = monitoring_queries(self, new_tables, modified)
        stats = self._stats_info()
        dropped = tuple(s.dropped)
        checks = checklist(self, rollback, validation)
        conf = confidence(self, findings, rollback)
        summary = summarise(self, migrations, new_tables, modified, dropped, findings, conf)
        title = self.options.title or _default_title(migrations)
        where = ", ".join(self.options.paths) or "the given paths"
        if self.options.diff_ref:
            scope = f"the migrations under {where} added or changed since {self.options.diff_ref}"
        else:
            scope = where
        return Plan(
            title=title,
            pglint_version=__version__,
            pg_version=self.settings.pg_version,
            scope=scope,
            migrations=migrations,
            summary=summary,
            new_tables=new_tables,
            modified_tables=modified,
            new_indexes=tuple(s.indexes),
            dropped=dropped,
            other_changes=tuple(dict.fromkeys(s.other)),
            er_diagram=er,
            steps=tuple(s.steps),
            phases=phases,
            phase_notes=phase_notes(self, phases),
            transactions=tuple(s.transactions),
            checklist=checks,
            locks=tuple(s.rows),
            stats=stats,
            rollback=rollback,
            validation=validation,
            monitoring=monitoring,
            findings=findings,
            confidence=conf,
        )

    def _stats_info(self) -> StatsInfo:
        stats = self.options.stats
        rate = self.options.throughput_mb_s
        formulas = "; ".join(f"{work}: {formula}" for work, formula in WORK_FORMULAS.items())
        assumption = (
            f"durations assume the server reads and writes table data at {rate:g} MB/s "
            f"(--throughput-mb-s); {formulas}. Lock waits are not included."
        )
        return StatsInfo(
            stats.source if stats else None, rate, len(stats.tables) if stats else 0, assumption
        )

    def _new_tables(self) -> tuple[NewTable, ...]:
        tables = []
        for table_key, created in self.s.created.items():
            shape = self._shape(created)
            comment = self.s.comments.get(table_key)
            columns = shape if shape is not None else ()
            rows = size = basis = None
            upper = False
            if self.options.stats is not None:
                rows, size, basis, upper = self._new_table_estimate(created, columns)
            tables.append(
                NewTable(
                    name=created.name,
                    kind=created.kind,
                    purpose=comment if comment else "undocumented",
                    documented=bool(comment),
                    migration=created.migration,
                    columns=columns,
                    estimated_rows=rows,
                    estimated_bytes=size,
                    estimate_basis=basis,
                    rows_upper_bound=upper,
                )
            )
        return tuple(tables)

    def _shape(self, created: _Created):
        from pglint.plan.mermaid import table_columns

        root = created.captured.record.migration_set.root
        schema, _, name = created.name.rpartition(".")
        for catalog in (self.final.get(root), created.captured.after):
            if catalog is None:
                continue
            table = catalog.table(schema or None, name)
            if table is not None:
                return table_columns(catalog, table)
        return None

    def _new_table_estimate(
        self, created: _Created, columns
    ) -> tuple[int | None, int | None, str, bool]:
        from pglint.plan.stats import format_rows

        stats = self.options.stats
        assert stats is not None
        known = stats.find(created.name)
        if known is not None:
            return known.rows, known.total_bytes, "from the stats file", False
        fills = [
            d
            for d in self.s.data
            if key(d.table) == key(created.name) and d.kind in ("insert", "create_as")
        ]
        if not fills:
            return 0, 0, "empty when created; nothing in these migrations fills it", False
        rows = 0
        parts = []
        upper = False
        for fill in fills:
            if fill.value_rows is not None:
                rows += fill.value_rows
                parts.append(f"{fill.value_rows} VALUES rows")
                continue
            found = [t for t in map(stats.find, fill.sources) if t is not None]
            if not fill.sources or len(found) < len(fill.sources):
                return None, None, "filled by a query over tables not in the stats file", False
            biggest = max(found, key=lambda t: t.rows)
            rows += biggest.rows
            upper = True
            parts.append(f"at most the {format_rows(biggest.rows)} rows of {biggest.name}")
        width = _row_width(columns)
        basis = "; ".join(parts) + f"; about {width} bytes per row from the column types"
        return rows, rows * width, basis, upper

    def _modified_tables(self) -> tuple[ModifiedTable, ...]:
        """The tables of the lock rows; a lock on an index counts for its table (when known)."""
        by_table: dict[str, list[LockRow]] = {}
        index_tables = self.s.index_tables
        for row in self.s.rows:
            table = index_tables.get(key(row.relation), row.relation)
            if table is not None:
                by_table.setdefault(key(table), []).append(row)
        changes: dict[str, list[str]] = {}
        steps = {step.number: step for step in self.s.steps}
        for table_key, rows in by_table.items():
            for row in rows:
                names = {table_key, key(row.relation)}
                own = [
                    c.detail
                    for c in steps[row.step].changes
                    if c.relation and key(c.relation) in names
                ]
                changes.setdefault(table_key, []).extend(
                    own or [f"locked by step {row.step}: {row.statement}"]
                )
        tables = []
        stats = self.options.stats
        for table_key, rows in by_table.items():
            worst = max(rows, key=lambda r: r.level.rank)
            listed = changes[table_key]
            name = next(
                (r.relation for r in rows if key(r.relation) == table_key),
                index_tables.get(key(rows[0].relation)) or rows[0].relation,
            )
            found = stats.find(name) if stats else None
            tables.append(
                ModifiedTable(
                    name=name,
                    changes=tuple(dict.fromkeys(listed)),
                    level=worst.level,
                    reason=f"step {worst.step}: {worst.reason}",
                    downtime=worst.level == Level.HIGH,
                    rows=found.rows if found else None,
                    total_bytes=found.total_bytes if found else None,
                )
            )
        return tuple(tables)

    def _phases(self) -> tuple[Phase, ...]:
        found: dict[str, list[int]] = {}
        for step in self.s.steps:
            found.setdefault(step.phase, []).append(step.number)
        return tuple(
            Phase(name, title, tuple(found[name]))
            for name, title in PHASES.items()
            if name in found
        )


_LOST = {
    "OBJECT_TABLE": "the table and all its rows",
    "OBJECT_FOREIGN_TABLE": "the foreign table definition",
    "OBJECT_VIEW": "the view definition",
    "OBJECT_MATVIEW": "the materialized rows (a REFRESH of a re-created view computes them again)",
    "OBJECT_INDEX": "only the index (it can be rebuilt; queries that used it get slower meanwhile)",
    "OBJECT_SEQUENCE": "the sequence and its current value",
    "OBJECT_TYPE": "the type definition",
    "OBJECT_DOMAIN": "the domain definition",
    "OBJECT_FUNCTION": "the function's code",
    "OBJECT_PROCEDURE": "the procedure's code",
    "OBJECT_TRIGGER": "the trigger (its function stays)",
    "OBJECT_SCHEMA": "the schema",
    "OBJECT_EXTENSION": "the extension's objects",
    "OBJECT_POLICY": "the row-level security policy",
}


def _until(held_until: str) -> str:
    return held_until if held_until.startswith("COMMIT") else f"the {held_until}"


def _subtype_words(subtype: str) -> str:
    import re

    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", subtype).lower()


def _null_tested(where: Node | None) -> set[str]:
    """Columns the WHERE clause tests with ``IS NULL`` (a backfill's usual condition)."""
    found: set[str] = set()
    stack: list[object] = [where]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            test = item.get("NullTest")
            if test and test.get("nulltesttype") == "IS_NULL":
                fields = test.get("arg", {}).get("ColumnRef", {}).get("fields", ())
                if fields and "String" in fields[-1]:
                    found.add(fields[-1]["String"].get("sval", ""))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _function_names(node: Node) -> set[str]:
    found: set[str] = set()
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call:
                names = strings(call.get("funcname"))
                if names:
                    found.add(names[-1])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


#: Bytes a value of a type takes on disk (variable-length types: an assumed average).
_WIDTHS = {
    "boolean": 1,
    "smallint": 2,
    "integer": 4,
    "bigint": 8,
    "real": 4,
    "double precision": 8,
    "serial": 4,
    "bigserial": 8,
    "smallserial": 2,
    "date": 4,
    "timestamp": 8,
    "timestamptz": 8,
    "time": 8,
    "timetz": 12,
    "interval": 16,
    "uuid": 16,
    "money": 8,
    "inet": 10,
    "numeric": 12,
    "jsonb": 64,
    "json": 64,
    "text": 32,
    "bytea": 64,
}


def _row_width(columns) -> int:
    """Estimated bytes per row: 24-byte tuple header, 4-byte line pointer, the values."""
    width = 28
    for column in columns:
        base = column.type.split("(")[0].split("[")[0]
        size = _WIDTHS.get(base, 32)
        if base in ("varchar", "char") and "(" in column.type:
            try:
                size = min(int(column.type.split("(")[1].rstrip(")")), 32) + 1
            except ValueError:
                size = 32
        width += size
    return width


def _default_title(migrations: tuple[MigrationInfo, ...]) -> str:
    if not migrations:
        return "Schema changes"
    if len(migrations) == 1:
        return f"Schema changes: {migrations[0].label}"
    return f"Schema changes: {migrations[0].label} … {migrations[-1].label}"


def build_plan(collected: Collected, settings: Settings, options: PlanOptions) -> Plan:
    return Builder(collected, settings, options).run()
