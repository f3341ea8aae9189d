"""``IF NOT EXISTS`` of an object the catalog knows: PostgreSQL skips the statement (a
NOTICE), so the object stays the existing one, with its columns; later statements on it
are judged as on any existing object. Objects the catalog does not know are created."""

from __future__ import annotations

import pytest

from tests.rules.helpers import lint

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, code varchar(10), status text);"


@pytest.mark.parametrize(
    ("rule", "before", "sql"),
    [
        (
            "ban-drop-table",
            ORDERS,
            "CREATE TABLE IF NOT EXISTS orders (id bigint); DROP TABLE orders;",
        ),
        (
            "require-concurrent-index-creation",
            ORDERS,
            "CREATE TABLE IF NOT EXISTS orders (id bigint);"
            "CREATE INDEX orders_status_idx ON orders (status);",
        ),
        (
            "adding-not-nullable-field",
            ORDERS,
            "CREATE TABLE IF NOT EXISTS orders (id bigint);"
            "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
        ),
        (
            "constraint-missing-not-valid",
            ORDERS + "CREATE TABLE customers (id bigint PRIMARY KEY);",
            "CREATE TABLE IF NOT EXISTS orders (id bigint);"
            "ALTER TABLE orders ADD CONSTRAINT orders_id_fk FOREIGN KEY (id)"
            " REFERENCES customers (id);",
        ),
        (
            "ban-drop-column",
            ORDERS,
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text;"
            "ALTER TABLE orders DROP COLUMN status;",
        ),
        (
            "ban-drop-sequence",
            "CREATE SEQUENCE s;",
            "CREATE SEQUENCE IF NOT EXISTS s; DROP SEQUENCE s;",
        ),
        (
            "ban-drop-schema",
            "CREATE SCHEMA app;",
            "CREATE SCHEMA IF NOT EXISTS app; DROP SCHEMA app;",
        ),
        (
            "ban-drop-extension",
            "CREATE EXTENSION pg_trgm;",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm; DROP EXTENSION pg_trgm;",
        ),
        (
            "ban-drop-view",
            "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a;",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1 AS a; DROP MATERIALIZED VIEW mv;",
        ),
    ],
)
def test_if_not_exists_of_a_known_object_leaves_it_existing(rule, before, sql):
    assert len(lint(rule, sql, before=before)) == 1
    # Unknown to the catalog: IF NOT EXISTS creates it, so it is new (as before).
    assert lint(rule, sql) == []


def test_if_not_exists_of_a_known_index_leaves_it_existing():
    before = ORDERS + "CREATE INDEX orders_code_idx ON orders (code);"
    sql = "CREATE INDEX IF NOT EXISTS orders_code_idx ON orders (code); DROP INDEX orders_code_idx;"
    assert len(lint("ban-drop-index", sql, before=before)) == 1
    assert lint("ban-drop-index", sql, before=ORDERS) == []


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY);",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS code int;",
    ],
)
def test_if_not_exists_keeps_the_known_columns(sql):
    """The replayed columns stay: widening varchar(10) to varchar(20) is no rewrite."""
    widen = sql + "ALTER TABLE orders ALTER COLUMN code TYPE varchar(20);"
    assert lint("changing-column-type", widen, before=ORDERS) == []
    assert lint("changing-column-type", widen.replace("(20)", "(5)"), before=ORDERS)
