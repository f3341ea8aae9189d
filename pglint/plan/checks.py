"""Ready-to-run SQL: the data validation plan and the monitoring queries.

Each query is derived from what the migrations do (a new foreign key gets an orphan
check, a unique index a duplicate check, ``SET NOT NULL`` a NULL check, a data migration
row counts). Names are quoted as PostgreSQL needs; expressions taken from the migrations
are printed from their parse trees. Every query parses with PostgreSQL's parser (tested).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pglint.plan.model import ModifiedTable, NewTable, Query
from pglint.plan.nodes import key
from pglint.plan.sqltext import literal, quote_ident, quote_name

if TYPE_CHECKING:
    from pglint.plan.builder import Builder


def _regclass_list(names: list[str]) -> str:
    return ", ".join(f"to_regclass({literal(quote_name(n))})" for n in names)


def _and(conditions: list[str]) -> str:
    return " AND ".join(conditions)


def _dropped_tables(builder: Builder) -> set[str]:
    return {
        key(d.name)
        for d in builder.s.dropped
        if d.kind in ("table", "view", "materialized view", "foreign table")
    }


def _renamed(builder: Builder) -> set[str]:
    return {
        key(c.relation)
        for step in builder.s.steps
        for c in step.changes
        if c.kind in ("rename_table", "rename_view", "rename_materialized_view", "set_schema_table")
        and c.relation
    }


def _index_names(builder: Builder) -> set[str]:
    names = {key(i.name) for i in builder.s.indexes}
    for captured in builder.collected.migrations:
        names.update(key(n) for n in captured.before.indexes)
    return names


def _plain_columns(table: str, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((table, k.strip('"')) for k in keys if not k.startswith("("))


def existing_tables(builder: Builder) -> list[str]:
    """Tables (or views) that existed before and that the migrations lock, in first-use order."""
    skip = (
        _dropped_tables(builder)
        | _renamed(builder)
        | _index_names(builder)
        | set(builder.s.index_tables)
        | set(builder.s.created)
    )
    index_targets = {
        key(c.relation)
        for step in builder.s.steps
        for c in step.changes
        if c.kind in ("alter_index", "rename_index") and c.relation
    }
    out: dict[str, str] = {}
    for row in builder.s.rows:
        k = key(row.relation)
        if k in skip or k in index_targets:
            continue
        out.setdefault(k, row.relation)
    return list(out.values())


def _when(
    builder: Builder,
    guard: int | None,
    tables: tuple[str, ...],
    columns: tuple[tuple[str, str], ...] = (),
) -> str | None:
    """When a check of the step ``guard`` (the step it predicts the failure of) can run.

    ``before`` when everything it reads exists before the plan; ``before <migration>``
    when an earlier migration of the plan creates a table or column it reads; None when
    the guarded step's own migration creates one (no moment before that step exists
    between migrations), or when there is no guarded step in the plan.
    """
    if guard is None:
        return None
    s = builder.s
    migration = s.steps[guard - 1].migration
    made: list[int] = [s.created[key(t)].step for t in tables if key(t) in s.created]
    made += [s.added_columns[(key(t), c)] for t, c in columns if (key(t), c) in s.added_columns]
    made = [m for m in made if m < guard]
    if not made:
        return "before"
    if any(s.steps[m - 1].migration == migration for m in made):
        return None
    return f"before {migration}"


def validation_queries(builder: Builder) -> tuple[Query, ...]:
    s = builder.s
    before: list[Query] = []
    after: list[Query] = []
    refs: dict[int, Query] = {}  # data step → the before-query counting its source rows
    steps_of: dict[str, list[int]] = {}
    for change_step in s.steps:
        for change in change_step.changes:
            # An UPDATE changes rows but not how many there are.
            if change.phase == "data" and change.relation and change.kind != "update":
                steps_of.setdefault(key(change.relation), []).append(change_step.number)

    tables = existing_tables(builder)
    if tables:
        union = "\nUNION ALL\n".join(
            f"SELECT {literal(t)} AS table_name, count(*) AS row_count FROM {quote_name(t)}"
            for t in tables
        )
        changed = [t for t in tables if key(t) in steps_of]
        expect = "the same counts before and after"
        if changed:
            expect += ", except for " + ", ".join(
                f"{t} (rows added or removed by step {', '.join(map(str, sorted(set(steps_of[key(t)]))))})"
                for t in changed
            )
        before.append(
            Query(
                "",
                "Row counts of the existing tables the migrations touch",
                "before and after",
                "Run it before and again after the migrations to show that no rows were lost. "
                "count(*) reads the whole table: on very large tables compare "
                "pg_class.reltuples instead.",
                expect,
                union + "\nORDER BY table_name;",
                tuple(tables),
            )
        )

    when: str | None  # see _when
    for fk in s.fks:
        if fk.child_new:
            continue
        if not fk.parent_columns or len(fk.parent_columns) != len(fk.columns):
            continue
        nv = s.not_valid.get((key(fk.child), fk.name))
        guard = (nv.validated_at if nv is not None else fk.step) if fk.not_valid else fk.step
        cols = tuple((fk.child, c) for c in fk.columns) + tuple(
            (fk.parent, c) for c in fk.parent_columns
        )
        when = _when(builder, guard, (fk.child, fk.parent), cols) or "after"
        pairs = list(zip(fk.columns, fk.parent_columns, strict=True))
        present = [f"c.{quote_ident(c)} IS NOT NULL" for c in fk.columns]
        match = [f"p.{quote_ident(pc)} = c.{quote_ident(c)}" for c, pc in pairs]
        missing = f"NOT EXISTS (SELECT 1 FROM {quote_name(fk.parent)} AS p WHERE {_and(match)})"
        if fk.match_full and len(fk.columns) > 1:
            # MATCH FULL: a key that is NULL in some columns but not all violates it too.
            absent = [f"c.{quote_ident(c)} IS NULL" for c in fk.columns]
            where = f"({' OR '.join(present)})\n  AND ({' OR '.join(absent)} OR {missing})"
        else:
            where = f"{_and(present)}\n  AND {missing}"
        sql = f"SELECT count(*) AS orphans\nFROM {quote_name(fk.child)} AS c\nWHERE {where};"
        before.append(
            Query(
                "",
                f"Orphans for the new foreign key {fk.name}",
                when,
                f"Rows of {fk.child} whose ({', '.join(fk.columns)}) has no match in "
                f"{fk.parent}({', '.join(fk.parent_columns)})"
                + (
                    ", or that is NULL in some columns but not all (MATCH FULL)"
                    if fk.match_full and len(fk.columns) > 1
                    else ""
                )
                + ": any makes "
                + ("VALIDATE CONSTRAINT" if fk.not_valid else "ADD CONSTRAINT")
                + f" {fk.name} fail"
                + (
                    f" (step {guard})."
                    if guard is not None and (guard != fk.step or not fk.not_valid)
                    else " (nothing in these migrations validates it yet)."
                ),
                "0",
                sql,
                (fk.child, fk.parent),
            )
        )

    for unique in s.uniques:
        if unique.table_new:
            continue
        conditions = []
        if unique.predicate_sql:
            conditions.append(f"({unique.predicate_sql})")
        if not unique.nulls_not_distinct and unique.what != "primary key":
            conditions.extend(f"{k} IS NOT NULL" for k in unique.keys_sql)
        when = _when(
            builder, unique.step, (unique.table,), _plain_columns(unique.table, unique.keys_sql)
        )
        if when is None:
            continue  # the same migration adds the columns: nothing to check beforehand
        keys = ", ".join(unique.keys_sql)
        where = f"\nWHERE {_and(conditions)}" if conditions else ""
        sql = (
            f"SELECT {keys}, count(*) AS duplicates\nFROM {quote_name(unique.table)}{where}\n"
            f"GROUP BY {keys}\nHAVING count(*) > 1\nORDER BY count(*) DESC\nLIMIT 20;"
        )
        before.append(
            Query(
                "",
                f"Duplicates before the {unique.what} {unique.name}",
                when,
                f"Values of {unique.table} ({', '.join(unique.keys_sql)}) that occur more than once: "
                f"any makes step {unique.step} fail"
                + (
                    " (and leaves an invalid index behind when built CONCURRENTLY)"
                    if unique.what == "unique index"
                    else ""
                )
                + ".",
                "no rows",
                sql,
                (unique.table,),
            )
        )

    for not_null in s.not_nulls:
        table = quote_name(not_null.table)
        when = _when(
            builder, not_null.step, (not_null.table,), ((not_null.table, not_null.column),)
        )
        if when is None:
            continue
        if not_null.how.startswith("ADD COLUMN"):
            before.append(
                Query(
                    "",
                    f"Rows in {not_null.table} before adding the NOT NULL column {not_null.column}",
                    _when(builder, not_null.step, (not_null.table,)) or "before",
                    f"{not_null.how} (step {not_null.step}) fails when {not_null.table} has any row.",
                    "false",
                    f"SELECT EXISTS (SELECT 1 FROM {table}) AS has_rows;",
                    (not_null.table,),
                )
            )
            continue
        before.append(
            Query(
                "",
                f"NULLs in {not_null.table}.{not_null.column} before {not_null.how}",
                when,
                f"{not_null.how} (step {not_null.step}) fails if any row holds NULL in {not_null.column}.",
                "0",
                f"SELECT count(*) AS null_rows FROM {table} WHERE {quote_ident(not_null.column)} IS NULL;",
                (not_null.table,),
            )
        )

    for nv in s.not_valid.values():
        if nv.check_sql:
            before.append(
                Query(
                    "",
                    f"Rows violating the check {nv.name} before it is validated",
                    _when(
                        builder,
                        nv.validated_at,
                        (nv.table,),
                        tuple((nv.table, c) for c in nv.columns),
                    )
                    or "after",
                    f"Rows of {nv.table} for which the CHECK is false: any makes VALIDATE CONSTRAINT {nv.name} fail.",
                    "0",
                    f"SELECT count(*) AS violations FROM {quote_name(nv.table)} WHERE NOT ({nv.check_sql});",
                    (nv.table,),
                )
            )

    for data in s.data:
        table = quote_name(data.table)
        label = f"step {data.step}"
        if data.kind in ("insert", "create_as"):
            when = _when(builder, data.step, data.sources)
            if data.source_sql and when is not None:
                refs[data.step] = Query(
                    "",
                    f"Rows the {label} data migration will write into {data.table}",
                    when,
                    "The number of rows the query of the "
                    + ("INSERT … SELECT" if data.kind == "insert" else "CREATE TABLE AS")
                    + " returns now; compare it with the row count afterwards.",
                    "N (note it)",
                    data.source_sql + ";",
                    (data.table, *data.sources),
                )
                before.append(refs[data.step])
            if data.source_sql and data.step in refs:
                source = f"the count of {{ref:{data.step}}}"
            elif data.source_sql:
                source = "the rows of its query"
            else:
                source = f"{data.value_rows}"
            expect = source if data.table_new else f"the count before the migration plus {source}"
            if data.kind == "insert" and any(
                "ON CONFLICT" in c.detail
                for st in s.steps
                if st.number == data.step
                for c in st.changes
            ):
                expect = "at most " + expect + " (ON CONFLICT skips or updates some rows)"
            after.append(
                Query(
                    "",
                    f"Rows in {data.table} after the {label} data migration",
                    "after",
                    "Every source row arrived (with no concurrent writes to the table).",
                    expect,
                    f"SELECT count(*) AS row_count FROM {table};",
                    (data.table,),
                )
            )
        elif data.kind in ("update", "delete") and data.where_sql:
            verb = "update" if data.kind == "update" else "delete"
            reads = tuple((data.table, c) for c in data.columns)
            when = _when(builder, data.step, (data.table,), reads)
            if when is not None:
                before.append(
                    Query(
                        "",
                        f"Rows the {label} {verb.upper()} of {data.table} will change",
                        when,
                        f"Compare with the row count the {verb.upper()} reports when it runs.",
                        f"the {verb.upper()}'s reported count",
                        data.where_sql + ";",
                        (data.table,),
                    )
                )
            if data.kind == "delete":
                after.append(
                    Query(
                        "",
                        f"Rows left that the {label} DELETE should have removed",
                        "after",
                        "The same condition finds nothing once the DELETE ran.",
                        "0",
                        data.where_sql + ";",
                        (data.table,),
                    )
                )
            for column in data.backfill_columns:
                after.append(
                    Query(
                        "",
                        f"NULLs left in {data.table}.{column} after the {label} backfill",
                        "after",
                        f"The UPDATE fills {column} where it is NULL; rows still NULL were written "
                        "concurrently or got a NULL value from the expression.",
                        "0",
                        f"SELECT count(*) AS null_rows FROM {table} WHERE {quote_ident(column)} IS NULL;",
                        (data.table,),
                    )
                )
        elif data.kind == "truncate":
            after.append(
                Query(
                    "",
                    f"{data.table} is empty after the {label} TRUNCATE",
                    "after",
                    "TRUNCATE removed every row.",
                    "false",
                    f"SELECT EXISTS (SELECT 1 FROM {table}) AS has_rows;",
                    (data.table,),
                )
            )

    for nv in s.not_valid.values():
        if nv.validated_at is None:
            after.append(
                Query(
                    "",
                    f"Validate {nv.kind} {nv.name} on {nv.table}",
                    "after",
                    f"Step {nv.step} adds it NOT VALID and nothing in these migrations validates it: run "
                    "this in its own transaction after the migration. It takes SHARE UPDATE "
                    "EXCLUSIVE, so reads and writes go on while it scans.",
                    "the command completes; V{ref:constraints} then shows it validated",
                    f"ALTER TABLE {quote_name(nv.table)} VALIDATE CONSTRAINT {quote_ident(nv.name)};",
                    (nv.table,),
                )
            )

    constraints = [(nv.table, nv.name) for nv in s.not_valid.values()]
    constraints += [
        (fk.child, fk.name) for fk in s.fks if (key(fk.child), fk.name) not in s.not_valid
    ]
    constraints = list(
        dict.fromkeys(c for c in constraints if key(c[0]) not in _dropped_tables(builder))
    )
    if constraints:
        rows = ",\n    ".join(
            f"(to_regclass({literal(quote_name(t))}), {literal(n)})" for t, n in constraints
        )
        after.append(
            Query(
                "",
                "New and validated constraints are in place and valid",
                "after",
                "Each constraint exists and convalidated is true (a NOT VALID constraint "
                "only checks new rows until it is validated).",
                f"{len(constraints)} row{'s' if len(constraints) != 1 else ''}, convalidated true on each",
                "SELECT conrelid::regclass AS table_name, conname, convalidated\n"
                "FROM pg_catalog.pg_constraint\n"
                f"WHERE (conrelid, conname) IN (\n    {rows}\n)\nORDER BY 1, 2;",
                tuple(dict.fromkeys(t for t, _ in constraints)),
            )
        )

    dropped_names = {key(d.name) for d in s.dropped}
    indexes = [
        i.name
        for i in s.indexes
        if key(i.table) not in _dropped_tables(builder) and key(i.name) not in dropped_names
    ]
    if indexes:
        values = ", ".join(f"({literal(quote_name(n))})" for n in dict.fromkeys(indexes))
        after.append(
            Query(
                "",
                "New indexes exist and are valid",
                "after",
                "An index whose CREATE INDEX CONCURRENTLY failed stays behind invalid (indisvalid "
                "false): queries ignore it but writes still maintain it. Drop it and build it again.",
                "indisvalid and indisready true on every row",
                "SELECT n.index_name, i.indisvalid, i.indisready\n"
                f"FROM (VALUES {values}) AS n(index_name)\n"
                "LEFT JOIN pg_catalog.pg_index AS i ON i.indexrelid = to_regclass(n.index_name)\n"
                "ORDER BY n.index_name;",
                tuple(dict.fromkeys(i.table for i in s.indexes)),
            )
        )
    rank = {"before and after": 0, "before": 0, "after": 2}
    ordered = sorted(before + after, key=lambda q: rank.get(q.when, 1))
    return _numbered("V", ordered, refs)


def _numbered(prefix: str, queries: list[Query], refs: dict | None = None) -> tuple[Query, ...]:
    """Number the queries, and resolve ``{ref:STEP}`` (the query counting a data
    migration's source rows) and ``{ref:constraints}`` in their expectations."""
    import re
    from dataclasses import replace

    ids = {id(q): f"{prefix}{n}" for n, q in enumerate(queries, 1)}
    names = {str(step): ids[id(q)] for step, q in (refs or {}).items() if id(q) in ids}
    for q in queries:
        if q.title.startswith("New and validated constraints"):
            names["constraints"] = ids[id(q)].removeprefix(prefix)

    def resolve(text: str) -> str:
        return re.sub(r"\{ref:(\w+)\}", lambda m: names.get(m[1], "the query above"), text)

    return tuple(replace(q, id=ids[id(q)], expect=resolve(q.expect)) for q in queries)


LOCK_WAITS_SQL = (
    "SELECT a.pid, a.wait_event_type, a.wait_event, now() - a.query_start AS waiting_for,\n"
    "       pg_catalog.pg_blocking_pids(a.pid) AS blocked_by, left(a.query, 120) AS query\n"
    "FROM pg_catalog.pg_stat_activity AS a\n"
    "WHERE a.wait_event_type = 'Lock'\n"
    "ORDER BY a.query_start;"
)

LONG_TRANSACTIONS_SQL = (
    "SELECT pid, now() - xact_start AS transaction_age, state, left(query, 120) AS query\n"
    "FROM pg_catalog.pg_stat_activity\n"
    "WHERE xact_start < now() - interval '5 minutes'\n"
    "ORDER BY xact_start;"
)


def monitoring_queries(
    builder: Builder, new_tables: tuple[NewTable, ...], modified: tuple[ModifiedTable, ...]
) -> tuple[Query, ...]:
    s = builder.s
    queries: list[Query] = []
    tables = existing_tables(builder)
    if tables or s.rows:
        # Also when every locked table is renamed, moved or dropped (no name to filter on).
        queries.append(
            Query(
                "",
                "Sessions waiting for a lock",
                "during",
                "Run it in a second session while the migrations run: a migration statement "
                "waiting here blocks everyone queued behind it; blocked_by names the sessions to "
                "look at (or cancel).",
                "no rows, or only brief waits",
                LOCK_WAITS_SQL,
            )
        )
    if tables:
        queries.append(
            Query(
                "",
                "Locks on the tables the migrations touch",
                "during",
                "Who holds or waits for a lock on these tables, oldest transaction first.",
                "only the migration's own locks, granted",
                "SELECT l.relation::regclass AS table_name, l.mode, l.granted, l.pid,\n"
                "       now() - a.xact_start AS transaction_age, left(a.query, 120) AS query\n"
                "FROM pg_catalog.pg_locks AS l\n"
                "JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid\n"
                f"WHERE l.relation IN ({_regclass_list(tables)})\n"
                "ORDER BY l.granted, a.xact_start;",
                tuple(tables),
            )
        )
    builds = [r for r in s.rows if r.work in ("index build", "concurrent index build")]
    if builds:
        queries.append(
            Query(
                "",
                "Progress of index builds",
                "during",
                "CREATE INDEX reports its phase and the blocks done (PostgreSQL 12 and later).",
                "percent_done rising",
                "SELECT p.pid, p.relid::regclass AS table_name, p.index_relid::regclass AS index_name,\n"
                "       p.phase, p.blocks_done, p.blocks_total,\n"
                "       round(100.0 * p.blocks_done / nullif(p.blocks_total, 0), 1) AS percent_done\n"
                "FROM pg_catalog.pg_stat_progress_create_index AS p;",
                tuple(dict.fromkeys(r.relation for r in builds)),
            )
        )
    heavy = [
        r
        for r in s.rows
        if r.work in ("table rewrite", "row changes", "row changes (matched rows)") and r.step
    ]
    if heavy or any(d.source_sql for d in s.data):
        queries.append(
            Query(
                "",
                "Replication lag",
                "during",
                "Rewrites and data migrations write a lot of WAL; replicas that fall behind serve stale reads.",
                "replay_lag of a few seconds at most",
                "SELECT application_name, client_addr, state,\n"
                "       pg_catalog.pg_size_pretty(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)) AS replay_lag_size,\n"
                "       replay_lag\n"
                "FROM pg_catalog.pg_stat_replication;",
            )
        )
    dropped = _dropped_tables(builder)
    dropped_names = {key(d.name) for d in s.dropped}
    indexes = [
        i.name
        for i in s.indexes
        if key(i.name) not in dropped_names and key(i.table) not in dropped
    ]
    if indexes:
        queries.append(
            Query(
                "",
                "Usage of the new indexes",
                "after",
                "idx_scan counts the scans that used each index since statistics were reset; an "
                "index still at 0 after a representative period of traffic is not used and only "
                "costs writes.",
                "idx_scan rising for each index",
                "SELECT s.relname AS table_name, s.indexrelname AS index_name, s.idx_scan, s.idx_tup_read,\n"
                "       pg_catalog.pg_size_pretty(pg_catalog.pg_relation_size(s.indexrelid)) AS index_size\n"
                "FROM pg_catalog.pg_stat_user_indexes AS s\n"
                f"WHERE s.indexrelid IN ({_regclass_list(list(dict.fromkeys(indexes)))})\n"
                "ORDER BY s.idx_scan, s.indexrelname;",
            )
        )
    grown = [t.name for t in new_tables if t.kind in ("table", "partitioned", "matview")]
    grown += [t for t in tables if t not in grown]
    grown = [t for t in dict.fromkeys(grown) if key(t) not in dropped]
    if grown:
        queries.append(
            Query(
                "",
                "Growth of the new and changed tables",
                "after",
                "Live and dead rows, writes since the last statistics reset and total size; many "
                "dead rows after a data migration mean autovacuum has work to catch up on.",
                "sizes in line with the row estimates",
                "SELECT s.relname AS table_name, s.n_live_tup, s.n_dead_tup, s.n_tup_ins, s.n_tup_upd,\n"
                "       s.n_tup_del, s.last_autovacuum,\n"
                "       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(s.relid)) AS total_size\n"
                "FROM pg_catalog.pg_stat_user_tables AS s\n"
                f"WHERE s.relid IN ({_regclass_list(grown)})\n"
                "ORDER BY pg_catalog.pg_total_relation_size(s.relid) DESC;",
                tuple(grown),
            )
        )
    del modified
    return _numbered("M", queries)
