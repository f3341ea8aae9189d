"""Rollback comparisons: :func:`changes` says what comparing two whole snapshots says."""

from __future__ import annotations

import pytest

from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser
from pglint.model.snapshot import changes, differences, snapshot
from pglint.sources.sql import parse_sql

HISTORY = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE SEQUENCE counter;
CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, mood mood);
CREATE TABLE customers (id bigint PRIMARY KEY, name text DEFAULT 'anon');
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status <> '');
"""

CASES = [
    ("ALTER TABLE orders ADD COLUMN note text;", "ALTER TABLE orders DROP COLUMN note;"),
    ("ALTER TABLE orders ADD COLUMN note text;", ""),
    ("CREATE INDEX orders_mood_idx ON orders (mood);", ""),
    ("DROP INDEX orders_status_idx;", ""),
    ("ALTER TABLE orders ALTER COLUMN status TYPE varchar(20);", ""),
    ("ALTER TABLE orders ALTER COLUMN status DROP NOT NULL;", ""),
    ("ALTER TABLE orders DROP CONSTRAINT orders_status_check;", ""),
    ("ALTER TYPE mood ADD VALUE 'happy';", ""),
    ("ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';", ""),
    ("CREATE TYPE size AS ENUM ('s', 'm');", "DROP TYPE size;"),
    ("CREATE TYPE size AS ENUM ('s', 'm');", ""),
    ("CREATE SEQUENCE other;", ""),
    ("DROP SEQUENCE counter;", ""),
    ("ALTER TABLE orders RENAME TO purchases;", "ALTER TABLE purchases RENAME TO orders;"),
    ("ALTER TABLE orders RENAME TO purchases;", ""),
    ("ALTER TABLE orders RENAME COLUMN status TO state;", ""),
    ("DROP TABLE customers;", "CREATE TABLE customers (id bigint PRIMARY KEY, name text);"),
    ("DROP TABLE customers;", "CREATE TABLE customers (id int);"),
    ("CREATE TABLE extra (id int);", ""),
    ("", "CREATE INDEX customers_name_idx ON customers (name);"),
    ("ALTER TABLE orders DROP COLUMN status;", ""),
    ("ALTER TABLE orders DROP COLUMN status;", "ALTER TABLE orders ADD COLUMN status text;"),
    (
        "CREATE UNIQUE INDEX orders_u ON orders (status);"
        " ALTER TABLE orders ADD CONSTRAINT orders_uc UNIQUE USING INDEX orders_u;",
        "ALTER TABLE orders DROP CONSTRAINT orders_uc;",
    ),
    ("ALTER TABLE customers ALTER COLUMN name DROP DEFAULT;", ""),
    ("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';", ""),
    (
        "ALTER TABLE customers ALTER COLUMN name DROP DEFAULT;",
        "ALTER TABLE customers ALTER COLUMN name SET DEFAULT 'anon'::text;",
    ),
    ("DROP TYPE mood CASCADE;", ""),
    ("DROP TABLE customers CASCADE;", ""),
]


def _run(catalog: Catalog, sql: str) -> None:
    analyser = Analyser(15, False, catalog)
    for _ in analyser.effects(parse_sql(sql).statements):
        pass


@pytest.mark.parametrize(("up", "down"), CASES)
@pytest.mark.parametrize("relations", [None, {"orders", "public.orders", "purchases"}])
def test_changes_match_whole_snapshots(up: str, down: str, relations: set[str] | None) -> None:
    catalog = Catalog()
    _run(catalog, HISTORY)
    catalog.release()
    before = catalog.copy()
    _run(catalog, up)
    after = catalog.copy()
    _run(after, down)
    expected = differences(snapshot(before, relations), snapshot(after, relations))
    assert changes(before, after, relations) == expected


def test_a_rollback_that_restores_nothing_is_reported() -> None:
    catalog = Catalog()
    _run(catalog, HISTORY)
    before = catalog.copy()
    _run(catalog, "CREATE INDEX orders_mood_idx ON orders (mood);")
    assert changes(before, catalog.copy()) == ["index orders_mood_idx still exists"]


@pytest.mark.parametrize(
    ("down", "expected"),
    [
        ("", ["column customers.name is text (was text DEFAULT 'anon')"]),
        (
            "ALTER TABLE customers ALTER COLUMN name SET DEFAULT 'x';",
            ["column customers.name is text DEFAULT 'x' (was text DEFAULT 'anon')"],
        ),
        # The same default as PostgreSQL stores it: a cast constant, or re-added as it was.
        ("ALTER TABLE customers ALTER COLUMN name SET DEFAULT CAST('anon' AS text);", []),
        ("ALTER TABLE customers ALTER COLUMN name SET DEFAULT 'anon';", []),
    ],
)
def test_a_rollback_must_restore_column_defaults(down: str, expected: list[str]) -> None:
    catalog = Catalog()
    _run(catalog, HISTORY)
    before = catalog.copy()
    _run(catalog, "ALTER TABLE customers ALTER COLUMN name DROP DEFAULT;")
    after = catalog.copy()
    _run(after, down)
    assert changes(before, after) == expected


def test_default_null_is_no_default() -> None:
    catalog = Catalog()
    _run(catalog, HISTORY)
    before = catalog.copy()
    _run(catalog, "ALTER TABLE orders ALTER COLUMN status SET DEFAULT NULL;")
    assert changes(before, catalog.copy()) == []
