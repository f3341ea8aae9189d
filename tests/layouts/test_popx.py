"""Ory popx: dialect tags, .autocommit., dialect replacement, string version order."""

from __future__ import annotations

from pglint.layouts import detect
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set


def test_postgres_file_replaces_the_neutral_one_and_pairs_with_a_neutral_down(tree):
    files = tree(
        {
            "m/20150101000001000000_networks.down.sql": "DROP TABLE networks;",
            "m/20150101000001000000_networks.postgres.up.sql": "CREATE TABLE networks (id uuid);",
            "m/20190100000001000000_client.up.sql": "CREATE TABLE client (id int);",
            "m/20190100000001000000_client.postgres.up.sql": "CREATE TABLE client (id uuid);",
            "m/20190100000001000000_client.down.sql": "DROP TABLE client;",
            "m/20190100000001000000_client.mysql.up.sql": "CREATE TABLE client (id int) ENGINE=InnoDB;",
            "m/20190100000001000000_client.sqlite3.down.sql": "DROP TABLE client;",
            "m/20190100000001000000_client.cockroach.up.sql": "CREATE TABLE client (id int);",
        }
    )
    mset = one_set(files)
    assert mset.layout == "popx"
    first, second = mset.migrations
    assert first.up[0].path.name == "20150101000001000000_networks.postgres.up.sql"
    assert first.down[0].path.name == "20150101000001000000_networks.down.sql"
    assert second.up[0].path.name == "20190100000001000000_client.postgres.up.sql"
    assert second.down[0].path.name == "20190100000001000000_client.down.sql"
    ignored = {p.name: why for p, why in mset.ignored.items()}
    assert set(ignored) == {
        "20190100000001000000_client.up.sql",
        "20190100000001000000_client.mysql.up.sql",
        "20190100000001000000_client.sqlite3.down.sql",
        "20190100000001000000_client.cockroach.up.sql",
    }
    assert "replaced for PostgreSQL" in ignored["20190100000001000000_client.up.sql"]
    assert mset.problems == []


def test_empty_down_files_stay_paired(tree):
    files = tree(
        {
            "m/20200101000000000000_a.postgres.up.sql": "SELECT 1;",
            "m/20200101000000000000_a.postgres.down.sql": "",
        }
    )
    migration = one_set(files).migrations[0]
    assert migration.down is not None and migration.down[0].path.stat().st_size == 0


def test_autocommit_turns_the_transaction_off(tree):
    files = tree(
        {
            "m/20240101000000000001_idx.postgres.autocommit.up.sql": "CREATE INDEX CONCURRENTLY i ON t (id);",
            "m/20240101000000000001_idx.postgres.autocommit.down.sql": "DROP INDEX CONCURRENTLY i;",
            "m/20240101000000000002_many.autocommit.up.sql": "CREATE INDEX a ON t (x);\nDROP INDEX b;",
            "m/20240101000000000002_many.down.sql": "",
            "m/20240101000000000003_plain.up.sql": "CREATE INDEX c ON t (y);",
            "m/20240101000000000003_plain.down.sql": "DROP INDEX c;",
        }
    )
    idx, many, plain = one_set(files).migrations
    assert idx.transaction is False and idx.down_transaction is False
    assert many.transaction is True  # two statements in one query: implicit transaction
    assert "implicit transaction" in many.transaction_reason
    assert plain.transaction is True
    assert "no .autocommit." in plain.transaction_reason


def test_versions_compare_as_strings(tree):
    files = tree(
        {
            "m/20200101000000000002_b.postgres.up.sql": "SELECT 2;",
            "m/20200101000000000002_b.postgres.down.sql": "",
            "m/20200101000000000001_a.postgres.up.sql": "SELECT 1;",
            "m/20200101000000000001_a.postgres.down.sql": "",
        }
    )
    assert labels(one_set(files)) == ["20200101000000000001_a", "20200101000000000002_b"]


def test_untagged_big_versions_are_popx_small_ones_golang_migrate(tree):
    big = tree(
        {
            "big/20190100000001000000_client.up.sql": "x",
            "big/20190100000001000000_client.down.sql": "x",
        }
    )
    assert detect(big[0].parent, big, Reader()).name == "popx"
    files = tree(
        {"small/20190100000001_client.up.sql": "x", "small/20190100000001_client.down.sql": "x"}
    )
    small = [p for p in files if p.parent.name == "small"]
    assert detect(small[0].parent, small, Reader()).name == "golang-migrate"


def test_up_files_only_with_a_postgres_tag_are_not_popx(tree):
    files = tree(
        {
            "m/00_init.up.sql": "x",
            "m/20220614074223_ip.postgres.up.sql": "x",
            "m/20220615000000_y.up.sql": "x",
        }
    )
    assert detect(files[0].parent, files, Reader()).name == "plain"


def test_problems_down_without_up_missing_down_duplicates_unknown(tree):
    files = tree(
        {
            "m/20200101000000000001_a.postgres.up.sql": "SELECT 1;",
            "m/20200101000000000001_dup.postgres.up.sql": "SELECT 1;",
            "m/20200101000000000002_b.down.sql": "",
            "m/20200101000000000003_c.up.sql": "SELECT 3;",
            "m/20200101000000000004_d.oracle.up.sql": "SELECT 4;",
            "m/20200101000000000004_d.oracle.down.sql": "",
            "m/README.sql": "-- notes",
        }
    )
    mset = one_set(files)
    assert mset.layout == "popx"
    found = messages(mset)
    assert any(m.startswith("duplicate migration version 20200101000000000001") for m in found)
    assert any(
        "20200101000000000002_b.down.sql is a rollback without an up migration" in m for m in found
    )
    assert any("20200101000000000003_c.up.sql has no down migration" in m for m in found)
    assert any("unknown dialect 'oracle'" in m for m in found)
    assert any(m.startswith("README.sql is not named") for m in found)
