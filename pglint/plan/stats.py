"""Table statistics for ``pglint plan --stats``: the query that exports them, and durations.

``pglint stats-query`` prints :data:`STATS_QUERY`, one read-only query over the system
catalogs; run against production with ``psql -X -At`` it prints one JSON document, which
``--stats`` reads. pglint itself never connects to a database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pglint.config import ConfigError

#: The JSON ``--stats`` reads (``version`` of this document, not of pglint).
STATS_VERSION = 1

STATS_QUERY = """\
-- pglint stats-query: row estimates and sizes of every table, as the JSON that
-- `pglint plan --stats FILE` reads. Read-only: it reads the system catalogs and size
-- functions, and takes no lock a migration or the application would notice.
-- Needs PostgreSQL 12 or newer (pg_partition_tree). Run it with:
--   pglint stats-query | psql -X -At "$DATABASE_URL" > stats.json
SELECT json_build_object(
    'version', 1,
    'database', current_database(),
    'server_version_num', current_setting('server_version_num')::integer,
    'generated_at', now(),
    'tables', coalesce(json_agg(t ORDER BY t.schema, t.name), '[]'::json)
)
FROM (
    SELECT
        n.nspname AS schema,
        c.relname AS name,
        CASE c.relkind WHEN 'p' THEN 'partitioned' WHEN 'm' THEN 'matview' ELSE 'table' END AS kind,
        CASE
            WHEN c.relkind = 'p' THEN (
                SELECT coalesce(sum(greatest(p.reltuples, 0)), 0)::bigint
                FROM pg_catalog.pg_partition_tree(c.oid) AS pt
                JOIN pg_catalog.pg_class AS p ON p.oid = pt.relid
                WHERE pt.isleaf
            )
            WHEN c.reltuples >= 0 THEN c.reltuples::bigint
            ELSE coalesce(pg_catalog.pg_stat_get_live_tuples(c.oid), 0)
        END AS "rows",
        c.reltuples >= 0 OR c.relkind = 'p' AS analyzed,
        CASE
            WHEN c.relkind = 'p' THEN (
                SELECT coalesce(sum(pg_catalog.pg_table_size(pt.relid)), 0)::bigint
                FROM pg_catalog.pg_partition_tree(c.oid) AS pt
                WHERE pt.isleaf
            )
            ELSE pg_catalog.pg_table_size(c.oid)
        END AS table_bytes,
        CASE
            WHEN c.relkind = 'p' THEN (
                SELECT coalesce(sum(pg_catalog.pg_indexes_size(pt.relid)), 0)::bigint
                FROM pg_catalog.pg_partition_tree(c.oid) AS pt
                WHERE pt.isleaf
            )
            ELSE pg_catalog.pg_indexes_size(c.oid)
        END AS index_bytes
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_toast'
) AS t;
"""

#: Default sustained throughput for reading and writing table data, in MB/s.
DEFAULT_THROUGHPUT_MB_S = 100.0
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TableStats:
    schema: str
    name: str
    rows: int
    table_bytes: int
    index_bytes: int
    analyzed: bool = True

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def total_bytes(self) -> int:
        return self.table_bytes + self.index_bytes


@dataclass(frozen=True, slots=True)
class Stats:
    """The tables of a ``--stats`` file, looked up the way PostgreSQL resolves names."""

    source: str
    tables: dict[str, TableStats]

    def find(self, relation: str) -> TableStats | None:
        """Stats of ``relation`` (``orders`` is ``public.orders``, else a unique match)."""
        found = self.tables.get(relation)
        if found is not None:
            return found
        if "." in relation:
            return None
        found = self.tables.get(f"public.{relation}")
        if found is not None:
            return found
        matches = [t for t in self.tables.values() if t.name == relation]
        return matches[0] if len(matches) == 1 else None


def _number(entry: dict, key: str, where: str) -> int:
    value = entry.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}: {key!r} must be a number of at least 0")
    return int(value)


def parse_stats(data: object, source: str) -> Stats:
    """Stats from the JSON document ``pglint stats-query`` produces (or a bare table list)."""
    if isinstance(data, dict):
        version = data.get("version", STATS_VERSION)
        if version != STATS_VERSION:
            raise ConfigError(f"{source}: stats version {version!r} is not {STATS_VERSION}")
        rows = data.get("tables")
    else:
        rows = data
    if not isinstance(rows, list):
        raise ConfigError(f"{source}: expected a 'tables' list (see 'pglint stats-query')")
    tables: dict[str, TableStats] = {}
    for number, entry in enumerate(rows, 1):
        where = f"{source}: table {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{where}: each table needs a 'name'")
        schema = entry.get("schema") or "public"
        if not isinstance(schema, str):
            raise ConfigError(f"{where}: 'schema' must be a string")
        table = TableStats(
            schema,
            entry["name"],
            _number(entry, "rows", where),
            _number(entry, "table_bytes", where),
            _number(entry, "index_bytes", where),
            bool(entry.get("analyzed", True)),
        )
        tables[table.qualified] = table
    return Stats(source, tables)


def load_stats(path: Path) -> Stats:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"--stats: cannot read {path}: {error.strerror or error}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"--stats: {path} is not JSON: {error}") from None
    return parse_stats(data, str(path))


# --- durations -------------------------------------------------------------------------------

#: How each kind of work is turned into a duration (documented in the report).
WORK_FORMULAS = {
    "full scan": "table bytes ÷ throughput",
    "table rewrite": "(2 × table bytes + index bytes) ÷ throughput: the heap is read and written, every index rebuilt",
    "index build": "table bytes ÷ throughput: one scan (sorting not counted)",
    "concurrent index build": "2 × table bytes ÷ throughput: two scans",
    "row changes": "2 × table bytes ÷ throughput when every row changes (read, then write new row versions)",
}


def estimate(
    work: str, table: TableStats | None, throughput_mb_s: float
) -> tuple[float | None, str]:
    """(seconds, basis) for ``work`` on ``table``; None seconds when it cannot be estimated."""
    if work == "catalog only":
        return 0.0, "catalog change only: instant once the lock is granted"
    if table is None:
        return None, "table not in the stats file"
    rate = throughput_mb_s * MB
    factor = {
        "full scan": (1, 0),
        "table rewrite": (2, 1),
        "index build": (1, 0),
        "concurrent index build": (2, 0),
        "row changes": (2, 0),
    }.get(work)
    if factor is None:
        return None, "depends on the rows the statement matches"
    heap, index = factor
    seconds = (heap * table.table_bytes + index * table.index_bytes) / rate
    return (
        seconds,
        f"{format_bytes(table.table_bytes)} table, {format_bytes(table.index_bytes)} indexes, {work}",
    )


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return "< 1 s"
    if seconds < 90:
        return f"~{round(seconds)} s"
    if seconds < 5400:
        return f"~{round(seconds / 60)} min"
    return f"~{seconds / 3600:.1f} h"


def format_bytes(size: int) -> str:
    """Like PostgreSQL's pg_size_pretty: bytes, kB, MB, GB, TB (powers of 1024)."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 10 * 1024:
            return f"{round(value)} {unit}"
        value /= 1024
    return f"{round(value)} TB"


def format_rows(rows: int) -> str:
    return f"{rows:,}".replace(",", " ")
