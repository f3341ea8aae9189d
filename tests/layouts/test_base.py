"""Shared pieces: statement counting, transaction of one-query scripts, golang-migrate modes."""

from __future__ import annotations

from pathlib import Path

from pglint.layouts.base import (
    Migration,
    Part,
    count_statements,
    natural_key,
    one_query_transaction,
)
from tests.layouts.helpers import one_set


def test_count_statements_ignores_comments_and_quoted_semicolons():
    assert count_statements("") == 0
    assert count_statements("-- only a comment\n/* and another; */\n") == 0
    assert count_statements("SELECT 'a;b';") == 1
    assert (
        count_statements(
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2;"
        )
        == 2
    )
    assert count_statements("SELECT 1;;;") == 1
    # text the scanner rejects still gets a rough count instead of an exception
    assert count_statements("SELECT 'unterminated; SELECT 2") >= 1


def test_one_query_transaction():
    assert one_query_transaction("CREATE INDEX CONCURRENTLY i ON t (x);")[0] is False
    assert one_query_transaction("CREATE TABLE t (x int); CREATE INDEX i ON t (x);")[0] is True
    assert one_query_transaction(None)[0] is None
    # BEGIN/COMMIT of its own: the statements outside them run in implicit blocks.
    managed, reason = one_query_transaction("CREATE TABLE a (x int); BEGIN; SELECT 1; COMMIT;")
    assert managed is True and "own transaction blocks" in reason


def test_transaction_of_prefers_the_part_then_the_down_mode():
    up = Part(path=Path("a.sql"), role="up")
    down = Part(path=up.path, role="down")
    own = Part(path=up.path, role="down", transaction=True)
    m = Migration("1", "a", (up,), (down, own), False, down_transaction=None)
    assert m.transaction_of(up) is False and m.transaction_of(down) is False
    m = Migration("1", "a", (up,), (down, own), False, down_transaction=False)
    assert m.transaction_of(own) is True


def test_golang_migrate_files_run_in_the_implicit_transaction_of_one_query(tree):
    files = tree(
        {
            "m/1_a.up.sql": "CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);",
            "m/1_a.down.sql": "DROP TABLE t;",
            "m/2_b.up.sql": "CREATE INDEX CONCURRENTLY j ON t (id);",
            "m/2_b.down.sql": "DROP INDEX CONCURRENTLY j;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "golang-migrate"
    first, second = mset.migrations
    assert first.transaction is True
    assert first.transaction_of(first.down[0]) is False
    assert second.transaction is False
    assert "implicit transaction" in first.transaction_reason
    assert all(p.one_query for m in mset.migrations for p in (*m.up, *(m.down or ())))


def test_natural_key_orders_numbers_numerically_and_never_mixes_types():
    names = ["V1.10__b.sql", "V1.9__a.sql", "bad-utf8.sql", "0003_x.sql", "10_y.sql", "2_z.sql"]
    ordered = sorted(names, key=natural_key)
    assert ordered.index("V1.9__a.sql") < ordered.index("V1.10__b.sql")
    assert ordered.index("2_z.sql") < ordered.index("0003_x.sql") < ordered.index("10_y.sql")


def test_plain_orders_timestamps_of_different_lengths(tree):
    files = tree(
        {
            "m/20210710035447_alter.up.sql": "SELECT 2;",
            "m/00_init.up.sql": "SELECT 0;",
            "m/201701261850_create.up.sql": "SELECT 1;",
            "m/202510211300_search.sql": "SELECT 3;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "plain"
    assert [m.up[0].path.name for m in mset.migrations] == [
        "00_init.up.sql",
        "201701261850_create.up.sql",
        "202510211300_search.sql",
        "20210710035447_alter.up.sql",
    ]
