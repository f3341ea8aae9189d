"""Prisma Migrate: <timestamp>_<name>/migration.sql folders, optional down.sql."""

from __future__ import annotations

from tests.layouts.helpers import labels, messages, one_set


def test_detects_prisma_and_orders_by_folder_name(tree):
    files = tree(
        {
            "prisma/migrations/20230102000000_second/migration.sql": "SELECT 2;",
            "prisma/migrations/20230101000000_init/migration.sql": "SELECT 1;",
            "prisma/migrations/20230101000000_init_b/migration.sql": "SELECT 1;",
            "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        }
    )
    mset = one_set(files)
    assert mset.layout == "prisma"
    assert labels(mset) == ["20230101000000_init", "20230101000000_init_b", "20230102000000_second"]
    assert not mset.supports_rollback
    assert "down.sql" in mset.note and "migrate diff" in mset.note


def test_short_numbered_folders_sort_like_prisma(tree):
    files = tree(
        {
            "prisma/migrations/02_b/migration.sql": "SELECT 2;",
            "prisma/migrations/10_c/migration.sql": "SELECT 10;",
            "prisma/migrations/01_a/migration.sql": "SELECT 1;",
        }
    )
    assert labels(one_set(files)) == ["01_a", "02_b", "10_c"]


def test_down_sql_is_paired_as_rollback(tree):
    files = tree(
        {
            "prisma/migrations/20230101000000_init/migration.sql": "CREATE TABLE t (id int);",
            "prisma/migrations/20230101000000_init/down.sql": "DROP TABLE t;",
            "prisma/migrations/20230102000000_orphan/down.sql": "DROP TABLE u;",
        }
    )
    mset = one_set(files)
    assert mset.migrations[0].down[0].path.name == "down.sql"
    assert any(
        "20230102000000_orphan/down.sql is a rollback without a migration.sql" in m
        for m in messages(mset)
    )


def test_transaction_is_the_implicit_one_of_a_multi_statement_query(tree):
    files = tree(
        {
            "prisma/migrations/1_many/migration.sql": "-- CreateTable\nCREATE TABLE t (id int);\nCREATE INDEX i ON t (id);\n",
            "prisma/migrations/2_one/migration.sql": "-- only this\nCREATE INDEX CONCURRENTLY j ON t (id);\n",
        }
    )
    many, one = one_set(files).migrations
    assert many.transaction is True
    assert "implicit transaction" in many.transaction_reason
    assert one.transaction is False


def test_stray_root_file_is_a_problem(tree):
    files = tree(
        {
            "prisma/migrations/1_a/migration.sql": "SELECT 1;",
            "prisma/migrations/seed.sql": "INSERT INTO t VALUES (1);",
        }
    )
    mset = one_set(files)
    assert mset.layout == "prisma"
    assert [p.path.name for p in mset.problems] == ["seed.sql"]
