"""Diesel: <version>_<name>/up.sql + down.sql folders, metadata.toml transactions."""

from __future__ import annotations

from pglint.layouts import find_sets, set_root
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set


def test_folder_files_map_to_the_migrations_folder(tree):
    files = tree({"migrations/2019-02-26-002946_create_user/up.sql": "SELECT 1;"})
    assert set_root(files[0]) == files[0].parent.parent


def test_detects_diesel_and_orders_by_version_with_dashes_removed(tree):
    files = tree(
        {
            "migrations/2019-02-27-170003_create_community/up.sql": "SELECT 2;",
            "migrations/2019-02-27-170003_create_community/down.sql": "SELECT -2;",
            "migrations/00000000000000_diesel_initial_setup/up.sql": "SELECT 0;",
            "migrations/00000000000000_diesel_initial_setup/down.sql": "SELECT -0;",
            "migrations/2026-07-27-143313-0000_rename/up.sql": "SELECT 3;",
            "migrations/2026-07-27-143313-0000_rename/down.sql": "SELECT -3;",
            "migrations/2019-02-26-002946_create_user/up.sql": "SELECT 1;",
            "migrations/2019-02-26-002946_create_user/down.sql": "SELECT -1;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "diesel"
    assert [m.version for m in mset.migrations] == [
        "00000000000000",
        "20190226002946",
        "20190227170003",
        "202607271433130000",
    ]
    assert labels(mset)[1] == "20190226002946_create_user"
    assert all(m.down is not None and m.down[0].path.name == "down.sql" for m in mset.migrations)
    assert all(m.up[0].path.parent == m.down[0].path.parent for m in mset.migrations)
    assert mset.problems == []


def test_single_up_file_finds_its_down_on_disk(tree):
    files = tree(
        {
            "migrations/20200101000000_a/up.sql": "SELECT 1;",
            "migrations/20200101000000_a/down.sql": "SELECT -1;",
        }
    )
    (mset,) = find_sets([files[1]], Reader())  # only up.sql named, as pre-commit does
    assert mset.layout == "diesel"
    assert mset.migrations[0].down is not None


def test_transaction_from_metadata_toml(tree):
    files = tree(
        {
            "migrations/20200101000000_plain/up.sql": "CREATE TABLE t (id int);",
            "migrations/20200102000000_concurrent/up.sql": "CREATE INDEX CONCURRENTLY i ON t (id);",
            "migrations/20200102000000_concurrent/metadata.toml": "run_in_transaction = false\n",
            "migrations/20200103000000_two/up.sql": "CREATE INDEX CONCURRENTLY i2 ON t (id);\nSELECT 1;",
            "migrations/20200103000000_two/metadata.toml": "run_in_transaction = false\n",
            "migrations/20200104000000_explicit/up.sql": "SELECT 1;",
            "migrations/20200104000000_explicit/metadata.toml": "run_in_transaction = true\n",
            "migrations/20200105000000_no_key/up.sql": "SELECT 1;",
            "migrations/20200105000000_no_key/metadata.toml": "something_else = 1\n",
            "migrations/20200106000000_broken/up.sql": "SELECT 1;",
            "migrations/20200106000000_broken/metadata.toml": "run_in_transaction = = nope\n",
        }
    )
    modes = {m.name: m.transaction for m in one_set(files).migrations}
    assert modes == {
        "plain": True,
        "concurrent": False,  # a single statement sent as one query: no transaction block
        "two": True,  # two statements in one query: PostgreSQL's implicit transaction
        "explicit": True,
        "no_key": False,  # diesel's #[serde(default)] bool
        "broken": True,  # metadata that does not parse is ignored
    }


def test_down_without_up_stray_files_and_duplicates(tree):
    files = tree(
        {
            "migrations/20200101000000_a/up.sql": "SELECT 1;",
            "migrations/20200101000000_b/up.sql": "SELECT 1;",
            "migrations/20200102000000_orphan/down.sql": "SELECT 1;",
            "migrations/data_fix.sql": "UPDATE t SET x = 1;",
            "migrations/notaversion_x/up.sql": "SELECT 1;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "diesel"
    found = messages(mset)
    assert any("duplicate migration version 20200101000000" in m for m in found)
    assert any("20200102000000_orphan/down.sql is a rollback without an up.sql" in m for m in found)
    assert any(m.startswith("data_fix.sql is not") for m in found)
    assert any("notaversion_x does not start with a version" in m for m in found)


def test_empty_up_is_a_problem_and_never_raises(tree):
    files = tree(
        {
            "migrations/20200101000000_a/up.sql": "",
            "migrations/20200101000000_a/down.sql": b"\xff\xfe not utf-8",
        }
    )
    mset = one_set(files)
    assert any("up.sql is empty" in m for m in messages(mset))
    assert mset.migrations[0].down is not None
