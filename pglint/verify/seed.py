"""Synthetic rows for the tables a migration finds, so that scans and rewrites are observable.

Each empty user table gets ``rows`` rows, parents before the tables that reference them.
Row *i* gets the same value in every table for a column of a given type (integers
``1000000000 + i``, text ``'s<i>'``, …), so a foreign key added later between two seeded
columns still validates, values are unique per column, and positive, non-null and
distinct, as most constraints want. Columns with a default (other than a sequence) keep
it, nullable columns that a CHECK constraint mentions stay NULL, a single-column foreign
key takes the referenced table's values, and identity and generated columns are left to
the server. A table that still cannot be filled (a CHECK the values break, a type without
a generator) is left empty, and the reason is reported. The data is synthetic: timings
measured on it say little about production tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

#: Integers start here, far from the small ids reference data in migrations uses.
INTEGER_BASE = 1_000_000_000

_TABLES = """
SELECT c.oid::int8, n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid
"""

_COLUMNS = """
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attidentity, a.attgenerated, ad.adbin IS NOT NULL,
       coalesce(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%%', false),
       t.typtype::text, coalesce(bt.typname, t.typname), a.atttypmod,
       coalesce(bt.typcategory, t.typcategory)::text, a.atttypid::int8,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
               WHERE co.conrelid = a.attrelid AND co.contype = 'c'
                 AND a.attnum = ANY (co.conkey))
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_FOREIGN_KEYS = """
SELECT co.conkey::int2[], co.confrelid::int8, co.confkey::int2[],
       (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n),
       (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n)
FROM pg_catalog.pg_constraint co
WHERE co.conrelid = %s AND co.contype = 'f'
"""

_INTEGERS = {"int2": 30_000, "int4": INTEGER_BASE, "int8": INTEGER_BASE}
_NUMBERS = {"numeric", "float4", "float8", "money"}


@dataclass(slots=True)
class SeedResult:
    """Rows inserted per table (display names), and tables left empty with the reason."""

    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: (table OID, inserting transaction id) in the order the tables were filled.
    order: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    oid: int
    schema: str
    name: str
    parents: set[int] = field(default_factory=set)

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)


#: Digits of the short codes that fill narrow string columns (no 's': see _generator).
_DIGITS = "0123456789abcdefghijklmnopqrtuvwxyz"


def _generator(type_name: str, category: str, typmod: int, conn, type_oid: int):
    """SQL for row ``g.i`` of a column of this type, or None when there is none."""
    i = sql.SQL("g.i")
    if type_name in _INTEGERS:
        if type_name == "int2":
            return sql.SQL("(({} % 30000) + 1)::int2").format(i)
        return sql.SQL("({} + {})").format(sql.Literal(_INTEGERS[type_name]), i)
    if type_name == "numeric":
        if typmod >= 4:
            precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
            digits = max(0, precision - scale)
            if digits == 0:
                return sql.SQL("0")
            return sql.SQL("(({} % {}) + 1)").format(i, sql.Literal(10**digits - 1))
        return sql.SQL("({} + {})").format(sql.Literal(INTEGER_BASE), i)
    if type_name in ("float4", "float8"):
        return sql.SQL("({} + 0.5)").format(i)
    if type_name == "money":
        return sql.SQL("({}::numeric::money)").format(i)
    if type_name == "bool":
        return sql.SQL("({} % 2 = 0)").format(i)
    if category == "S" or type_name in ("text", "varchar", "bpchar", "name", "citext"):
        text = sql.SQL("('s' || {})").format(i)
        width = typmod - 4 if type_name in ("varchar", "bpchar") and typmod >= 4 else 0
        if not 0 < width < 12:
            return text
        # Too short for 's<i>' (a char(3) code): a base-35 number of ``width`` digits,
        # without 's', so it differs from every 's<i>' and stays unique up to 35**width rows.
        return sql.SQL(
            "(CASE WHEN length({text}) <= {width} THEN {text} ELSE (SELECT "
            "string_agg(substr({digits}, mod(div({i}, power(35::numeric, k)), 35)::int + 1, 1), "
            "'' ORDER BY k DESC) FROM pg_catalog.generate_series(0, {last}) k) END)"
        ).format(
            text=text,
            width=sql.Literal(width),
            digits=sql.Literal(_DIGITS),
            i=i,
            last=sql.Literal(width - 1),
        )
    if type_name == "uuid":
        return sql.SQL("(pg_catalog.md5({}::text)::uuid)").format(i)
    if type_name in ("json", "jsonb"):
        return sql.SQL("pg_catalog.json_build_object('seed', {})").format(i)
    if type_name == "date":
        return sql.SQL("(date '2000-01-01' + {})").format(i)
    if type_name in ("timestamp", "timestamptz"):
        return sql.SQL("(timestamp '2000-01-01' + {} * interval '1 minute')").format(i)
    if type_name in ("time", "timetz"):
        return sql.SQL("(time '00:00' + ({} % 86400) * interval '1 second')").format(i)
    if type_name == "interval":
        return sql.SQL("({} * interval '1 second')").format(i)
    if type_name == "bytea":
        return sql.SQL("pg_catalog.convert_to({}::text, 'UTF8')").format(i)
    if type_name == "inet":
        return sql.SQL("('10.0.0.0'::inet + {})").format(i)
    if category == "A":
        return sql.SQL("'{}'")
    if category == "E":
        rows = conn.execute(
            "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = %s "
            "ORDER BY enumsortorder LIMIT 1",
            (type_oid,),
        ).fetchall()
        return sql.Literal(rows[0][0]) if rows else None
    return None


def _tables(conn) -> dict[int, _Table]:
    tables = {oid: _Table(oid, schema, name) for oid, schema, name in conn.execute(_TABLES)}
    return tables


def _order(tables: dict[int, _Table]) -> list[_Table]:
    """Referenced tables first (cycles are broken in OID order)."""
    done: set[int] = set()
    ordered: list[_Table] = []

    def visit(table: _Table, path: set[int]) -> None:
        if table.oid in done or table.oid in path:
            return
        path.add(table.oid)
        for parent in sorted(table.parents):
            if parent in tables:
                visit(tables[parent], path)
        done.add(table.oid)
        ordered.append(table)

    for table in tables.values():
        visit(table, set())
    return ordered


def seed(conn: psycopg.Connection, rows: int, only_empty: bool = True) -> SeedResult:
    """Fill the empty user tables of the connection's database (autocommit connection)."""
    result = SeedResult()
    if rows <= 0:
        return result
    tables = _tables(conn)
    keys: dict[int, list[tuple]] = {}
    for table in tables.values():
        keys[table.oid] = conn.execute(_FOREIGN_KEYS, (table.oid,)).fetchall()
        table.parents = {row[1] for row in keys[table.oid] if row[1] != table.oid}
    for table in _order(tables):
        if only_empty:
            found = conn.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(table.ident)
            ).fetchone()
            assert found is not None  # SELECT EXISTS returns one row
            if found[0]:
                continue
        outcome = _seed_table(conn, table, tables, keys[table.oid], rows)
        if isinstance(outcome, int):
            result.rows[table.display] = rows
            result.order.append((table.oid, outcome))
        else:
            result.skipped[table.display] = outcome
    return result


def _seed_table(
    conn: psycopg.Connection, table: _Table, tables: dict[int, _Table], fks: list, rows: int
) -> int | str:
    """Fill one table: the inserting transaction's id, or why the table stays empty."""
    columns = conn.execute(_COLUMNS, (table.oid,)).fetchall()
    foreign: dict[str, tuple[int, str]] = {}
    multi: set[str] = set()
    for _, parent, _, child_names, parent_names in fks:
        if child_names and len(child_names) == 1:
            foreign[child_names[0]] = (parent, parent_names[0])
        else:
            multi.update(child_names or ())
    last_error = ""
    for careful in (False, True):
        names: list[sql.Composable] = []
        values: list[sql.Composable] = []
        joins: list[sql.Composable] = []
        overriding = False
        problem = None
        for (
            name,
            formatted,
            not_null,
            identity,
            generated,
            has_default,
            sequence_default,
            _typtype,
            base_name,
            typmod,
            category,
            type_oid,
            checked,
        ) in columns:
            if generated:
                continue
            if identity == "d" and not careful:
                pass  # explicit values, far from what the sequence hands out
            elif identity:
                continue
            value: sql.Composable | None
            if name in foreign:
                parent_oid, parent_column = foreign[name]
                if parent_oid == table.oid or parent_oid not in tables:
                    if not not_null:
                        continue  # NULL satisfies the foreign key
                    problem = f"column {name} references its own table"
                    break
                alias = sql.Identifier(f"fk{len(joins)}")
                parent = tables[parent_oid]
                joins.append(
                    sql.SQL(
                        " LEFT JOIN LATERAL (SELECT p.{col} AS v FROM {parent} p ORDER BY p.{col} "
                        "OFFSET ((g.i - 1) % greatest(1, (SELECT count(*) FROM {parent}))) "
                        "LIMIT 1) {alias} ON true"
                    ).format(col=sql.Identifier(parent_column), parent=parent.ident, alias=alias)
                )
                value = sql.SQL("{}.v").format(alias)
            elif name in multi:
                if not_null:
                    problem = f"column {name} is part of a multi-column foreign key"
                    break
                continue
            elif (has_default and not sequence_default) or ((checked or careful) and not not_null):
                continue  # the default, or NULL where a CHECK or the retry wants it
            else:
                value = _generator(base_name, category, typmod, conn, type_oid)
                if value is None:
                    if not not_null:
                        continue
                    if has_default:
                        continue
                    problem = f"no synthetic values for column {name} of type {formatted}"
                    break
                value = sql.SQL("{}::{}").format(value, sql.SQL(formatted))
            if identity == "a":
                overriding = True
            names.append(sql.Identifier(name))
            values.append(value)
        if problem is not None:
            return problem
        query = sql.SQL(
            "INSERT INTO {table} ({names}) {overriding}SELECT {values} FROM "
            "pg_catalog.generate_series(1, {rows}) g(i){joins}"
        ).format(
            table=table.ident,
            names=sql.SQL(", ").join(names),
            overriding=sql.SQL("OVERRIDING SYSTEM VALUE " if overriding else ""),
            values=sql.SQL(", ").join(values),
            rows=sql.Literal(rows),
            joins=sql.Composed(joins),
        )
        if not names:
            query = sql.SQL(
                "INSERT INTO {table} SELECT FROM pg_catalog.generate_series(1, {rows})"
            ).format(table=table.ident, rows=sql.Literal(rows))
        try:
            with conn.transaction():
                conn.execute(query)
                xid = conn.execute("SELECT pg_catalog.txid_current()").fetchone()
            assert xid is not None  # a SELECT without FROM returns one row
            return int(xid[0]) % 2**32
        except psycopg.Error as error:
            last_error = (error.diag.message_primary or str(error)).strip()
    return last_error


def unseed(conn: psycopg.Connection, seeded: SeedResult) -> None:
    """Delete the synthetic rows again: the rows each seeding transaction wrote (a table
    rewrite keeps a row's xmin; rows that migrations added or updated stay).

    Run inside a transaction. Tables are emptied in rounds, each delete in a savepoint, until
    every one went through (foreign keys added later can point either way); raises
    psycopg.Error when rows that migrations wrote still reference synthetic ones.
    """
    left = list(reversed(seeded.order))
    while left:
        failed = []
        error: psycopg.Error | None = None
        for oid, xid in left:
            # By OID: a later migration may have renamed the table (or dropped it).
            found = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN "
                "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = %s",
                (oid,),
            ).fetchone()
            if found is None:
                continue
            try:
                with conn.transaction():
                    conn.execute(
                        sql.SQL("DELETE FROM {} WHERE xmin = {}::xid").format(
                            sql.Identifier(*found), sql.Literal(str(xid))
                        )
                    )
            except psycopg.Error as exc:
                failed.append((oid, xid))
                error = exc
        if len(failed) == len(left):
            assert error is not None
            raise error
        left = failed
    seeded.rows.clear()
    seeded.order.clear()
