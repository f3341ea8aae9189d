"""SQL text helpers: quoting, PostgreSQL's generated names, printing parse trees, stats."""

from __future__ import annotations

import json

import pytest
from pglast import parse_sql
from pglast.parser import parse_sql_json
from pglast.stream import RawStream

from pglint.config import ConfigError
from pglint.plan.nodes import make_object_name
from pglint.plan.querynodes import count_matching, count_rows, flipped_grant
from pglint.plan.sqltext import deparse, literal, quote_ident, quote_name
from pglint.plan.stats import STATS_QUERY, format_bytes, format_duration, parse_stats


def _node(sql: str):
    return json.loads(parse_sql_json(sql))["stmts"][0]["stmt"]


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN c integer DEFAULT 0 NOT NULL",
        "CREATE UNIQUE INDEX CONCURRENTLY i ON s.t USING gin (lower(a) text_pattern_ops) WHERE b IS NULL",
        "INSERT INTO t (a) SELECT DISTINCT x FROM (SELECT * FROM u WHERE v > 1.5) AS q ON CONFLICT DO NOTHING",
        "UPDATE t AS a SET b = p.c FROM p WHERE p.id = a.id AND a.x IS NULL",
        "WITH w AS (SELECT 1 AS n) DELETE FROM t USING w WHERE t.n = w.n",
        "SELECT 'it''s', B'101', true, NULL::text, -1, 2.5e3",
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, c text CHECK (c <> ''))",
        "GRANT SELECT, UPDATE (a) ON TABLE t TO app WITH GRANT OPTION",
    ],
)
def test_deparse_matches_pglast(sql):
    """The JSON tree printed through pglast's AST is what pglast prints for the SQL."""
    assert deparse(_node(sql)) == RawStream()(parse_sql(sql)[0].stmt)


def test_quoting():
    assert quote_ident("orders") == "orders"
    assert quote_ident("Orders") == '"Orders"'
    assert quote_ident("user") == '"user"'  # reserved
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_name("app.Order Items") == 'app."Order Items"'
    assert literal("it's") == "'it''s'"


def test_postgres_generated_names():
    assert make_object_name("orders", ["customer_id"], "idx") == "orders_customer_id_idx"
    assert make_object_name("public.orders", [], "pkey") == "orders_pkey"
    assert make_object_name("t", ["a", "b"], "key") == "t_a_b_key"
    long = make_object_name("a" * 60, ["b" * 60], "fkey")
    assert len(long.encode()) == 63 and long.endswith("_fkey")


def test_generated_count_queries_parse():
    update = _node("UPDATE t AS a SET b = 1 FROM p WHERE p.id = a.id")["UpdateStmt"]
    sql = count_matching(update["relation"], update["whereClause"], update["fromClause"], None)
    assert sql == (
        "SELECT count(*) AS row_count FROM t AS a WHERE EXISTS (SELECT 1 FROM p WHERE p.id = a.id)"
    )
    insert = _node("WITH s AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM s")["InsertStmt"]
    sql = count_rows(insert["selectStmt"], insert["withClause"])
    assert sql is not None and parse_sql(sql)
    assert "WITH s AS" in sql
    grant = _node("GRANT SELECT ON t TO app")["GrantStmt"]
    assert flipped_grant(grant) == "REVOKE SELECT ON TABLE t FROM app"


def test_stats_query_is_read_only_sql_that_parses():
    (statement,) = parse_sql(STATS_QUERY)
    assert type(statement.stmt).__name__ == "SelectStmt"


def test_stats_file_errors():
    with pytest.raises(ConfigError, match="version"):
        parse_stats({"version": 9, "tables": []}, "s.json")
    with pytest.raises(ConfigError, match="'tables' list"):
        parse_stats({"version": 1}, "s.json")
    with pytest.raises(ConfigError, match="needs a 'name'"):
        parse_stats({"tables": [{"rows": 1}]}, "s.json")
    with pytest.raises(ConfigError, match="at least 0"):
        parse_stats({"tables": [{"name": "t", "rows": -1}]}, "s.json")
    stats = parse_stats([{"name": "t", "rows": 5, "table_bytes": 10}], "s.json")
    assert stats.find("t") is stats.find("public.t") is not None
    assert stats.find("other.t") is None


def test_formats():
    assert format_bytes(512) == "512 bytes"
    assert format_bytes(20 * 1024 * 1024) == "20 MB"
    assert format_duration(0.2) == "< 1 s"
    assert format_duration(30) == "~30 s"
    assert format_duration(600) == "~10 min"
    assert format_duration(3 * 3600) == "~3.0 h"
