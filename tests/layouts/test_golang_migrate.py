"""golang-migrate: versions are unsigned integers, compared as numbers."""

from __future__ import annotations

from tests.layouts.helpers import labels, messages, one_set


def test_padded_and_unpadded_versions_are_the_same_version(tree):
    files = tree(
        {
            "m/1_a.up.sql": "CREATE TABLE a (id bigint);",
            "m/1_a.down.sql": "DROP TABLE a;",
            "m/2_b.up.sql": "ALTER TABLE a ADD COLUMN b int;",
            "m/2_b.down.sql": "ALTER TABLE a DROP COLUMN b;",
            "m/002_dup.up.sql": "ALTER TABLE a ADD COLUMN c int;",
            "m/3_c.up.sql": "ALTER TABLE a ADD COLUMN d int;",
            "m/3_c.down.sql": "ALTER TABLE a DROP COLUMN d;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "golang-migrate"
    assert labels(mset) == ["1_a", "002_dup", "3_c"]
    assert messages(mset) == [
        "duplicate migration version 2: 002_dup.up.sql and 2_b.up.sql (golang-migrate "
        "compares versions as numbers and refuses the folder)"
    ]


def test_padded_up_pairs_with_unpadded_down(tree):
    files = tree(
        {
            "m/0001_a.up.sql": "CREATE TABLE a (id bigint);",
            "m/1_a.down.sql": "DROP TABLE a;",
            "m/0002_b.up.sql": "ALTER TABLE a ADD COLUMN b int;",
            "m/02_b.down.sql": "ALTER TABLE a DROP COLUMN b;",
        }
    )
    mset = one_set(files)
    assert labels(mset) == ["0001_a", "0002_b"]
    assert [m.down[0].path.name for m in mset.migrations if m.down] == [
        "1_a.down.sql",
        "02_b.down.sql",
    ]
    assert messages(mset) == []


def test_version_beyond_uint64_is_skipped_by_the_tool(tree):
    # (detection takes such a folder for popx; this is golang-migrate forced)
    big = str(2**64)
    files = tree(
        {
            "m/1_a.up.sql": "CREATE TABLE a (id bigint);",
            "m/1_a.down.sql": "DROP TABLE a;",
            f"m/{big}_b.up.sql": "ALTER TABLE a ADD COLUMN b int;",
        }
    )
    mset = one_set(files, "golang-migrate")
    assert labels(mset) == ["1_a"]
    assert messages(mset) == [
        f"{big}_b.up.sql: version above 2^64-1, which golang-migrate cannot parse; "
        "it skips the file"
    ]
    # the largest version it parses is kept
    tree({f"m/{2**64 - 1}_c.up.sql": "SELECT 1;"})
    assert labels(one_set(sorted(files[0].parent.glob("*.sql")), "golang-migrate")) == [
        "1_a",
        f"{2**64 - 1}_c",
    ]
