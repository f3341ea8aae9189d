"""Every query of the plans runs on a real PostgreSQL, at the moment the plan says.

Needs psycopg and PostgreSQL server binaries (as ``pglint verify`` does); skipped
without them. For each hand-written case, in a scratch database: the replayed migrations
are applied, the ``before`` queries run, each target migration is applied (after its own
``before <migration>`` queries), then the ``after`` queries, the monitoring queries, the
checklist queries, the generated rollback statements and the stats query.
"""

from __future__ import annotations

import json
from pathlib import Path

import pglast
import pytest

from pglint.discovery import discover
from pglint.layouts import find_sets
from pglint.layouts.base import Reader
from pglint.plan.stats import STATS_QUERY, parse_stats
from tests.plan.helpers import CASES, case_plan

psycopg = pytest.importorskip("psycopg", reason="psycopg is needed to run queries on PostgreSQL")

from pglint.verify.cluster import Cluster, binaries_available  # noqa: E402

pytestmark = pytest.mark.skipif(
    not binaries_available(), reason="PostgreSQL server binaries (initdb, postgres) not found"
)


@pytest.fixture(scope="module")
def cluster():
    with Cluster.create() as server:
        yield server


def _statements(text: str) -> list[str]:
    return [s for s in pglast.split(text) if s.strip()]


def _apply(conn, migration, reader: Reader) -> None:
    for part in migration.up:
        text = reader.text(part.path)
        for statement in _statements(text[part.start : part.end]):
            conn.execute(statement)


@pytest.mark.parametrize("name", list(CASES))
def test_plan_queries_run_on_postgres(name, cluster, monkeypatch):
    plan = case_plan(name, False, monkeypatch)
    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS plan_{name}")
        admin.execute(f"CREATE DATABASE plan_{name}")
    reader = Reader()
    (mset,) = find_sets(discover(["."]), reader, None, complete=True)
    targets = {m.label for m in plan.migrations}
    ran: list[str] = []

    def run(sql: str) -> None:
        for statement in _statements(sql):
            ran.append(statement)
            conn.execute(statement)

    with psycopg.connect(cluster.conninfo(f"plan_{name}"), autocommit=True) as conn:
        for migration in mset.migrations:
            if migration.label in targets:
                break
            _apply(conn, migration, reader)
        for query in plan.validation:
            if query.when in ("before", "before and after"):
                run(query.sql)
        for migration in mset.migrations:
            if migration.label not in targets:
                continue
            for query in plan.validation:
                if query.when == f"before {migration.label}":
                    run(query.sql)
            _apply(conn, migration, reader)
        for query in plan.validation:
            if query.when in ("after", "before and after"):
                run(query.sql)
        for query in plan.monitoring:
            run(query.sql)
        for item in plan.checklist:
            if item.sql:
                run(item.sql)
        for rollback in plan.rollback:
            if rollback.source == "generated":
                for statement in rollback.statements:
                    run(statement)
        (row,) = conn.execute(STATS_QUERY).fetchall()
        stats = parse_stats(row[0] if isinstance(row[0], dict) else json.loads(row[0]), "db")
        assert stats.tables
    assert ran


def test_stats_query_output_is_what_stats_reads(cluster, tmp_path):
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS stats_probe")
        conn.execute("CREATE TABLE stats_probe AS SELECT g AS id FROM generate_series(1, 500) AS g")
        conn.execute("ANALYZE stats_probe")
        (row,) = conn.execute(STATS_QUERY).fetchall()
    path = Path(tmp_path / "stats.json")
    path.write_text(json.dumps(row[0]), encoding="utf-8")
    from pglint.plan.stats import load_stats

    probe = load_stats(path).find("stats_probe")
    assert probe is not None and probe.rows == 500 and probe.table_bytes > 0
