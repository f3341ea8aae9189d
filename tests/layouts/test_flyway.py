"""Flyway: V/U/R naming, numeric version order, undo pairing, transaction modes."""

from __future__ import annotations

from pglint.layouts import detect
from pglint.layouts.base import Reader
from tests.layouts.helpers import labels, messages, one_set


def test_detects_flyway_and_orders_versions_numerically(tree):
    files = tree(
        {
            "db/V1.10__ten.sql": "SELECT 10;",
            "db/V1.9__nine.sql": "SELECT 9;",
            "db/V2__two.sql": "SELECT 2;",
            "db/V1_2__one_two.sql": "SELECT 12;",
            "db/V1__one.sql": "SELECT 1;",
            "db/R__views.sql": "SELECT 'v';",
            "db/R__a_functions.sql": "SELECT 'f';",
        }
    )
    mset = one_set(files)
    assert mset.layout == "flyway"
    assert labels(mset) == [
        "1_one",
        "1_2_one_two",
        "1.9_nine",
        "1.10_ten",
        "2_two",
        "R_a_functions",
        "R_views",
    ]
    assert mset.problems == []


def test_undo_is_paired_with_the_versioned_migration(tree):
    files = tree(
        {
            "db/V1__create.sql": "CREATE TABLE t (id int);",
            "db/U1__create.sql": "DROP TABLE t;",
            "db/V2__more.sql": "ALTER TABLE t ADD COLUMN x int;",
        }
    )
    mset = one_set(files)
    first, second = mset.migrations
    assert first.down is not None and first.down[0].path.name == "U1__create.sql"
    assert first.down[0].role == "down"
    assert second.down is None
    assert mset.supports_rollback


def test_undo_without_versioned_and_duplicates_are_problems(tree):
    files = tree(
        {
            "db/V1__a.sql": "SELECT 1;",
            "db/V1.0__same_version.sql": "SELECT 1;",
            "db/U3__orphan.sql": "SELECT 3;",
        }
    )
    mset = one_set(files)
    found = messages(mset)
    assert any(
        m.startswith("duplicate migration version")
        and "V1.0__same_version.sql" in m
        and "V1__a.sql" in m
        for m in found
    )
    assert any(
        "U3__orphan.sql is an undo migration without a versioned migration V3" in m for m in found
    )


def test_unknown_files_are_reported_but_keep_the_flyway_layout(tree):
    files = tree(
        {
            "db/V1__a.sql": "SELECT 1;",
            "db/V2__b.sql": "SELECT 2;",
            "db/v3__lower_case.sql": "SELECT 3;",
            "db/003_other_tool.up.sql": "SELECT 3;",
        }
    )
    mset = one_set(files)
    assert mset.layout == "flyway"
    assert labels(mset) == ["1_a", "2_b"]
    assert sorted(p.path.name for p in mset.problems) == [
        "003_other_tool.up.sql",
        "v3__lower_case.sql",
    ]


def test_mostly_other_files_is_not_flyway(tree):
    files = tree({"db/V1__a.sql": "SELECT 1;", "db/2_b.sql": "x", "db/3_c.sql": "x"})
    assert detect(files[0].parent, files, Reader()).name != "flyway"


def test_transaction_defaults_to_true(tree):
    files = tree({"db/V1__a.sql": "CREATE TABLE t (id int);\nCREATE INDEX ON t (id);"})
    migration = one_set(files).migrations[0]
    assert migration.transaction is True
    assert "executeInTransaction" in migration.transaction_reason


def test_script_config_file_turns_the_transaction_off(tree):
    files = tree(
        {
            "db/V1__a.sql": "CREATE TABLE t (id int);",
            "db/V2__index.sql": "CREATE INDEX i ON t (id);",
            "db/V2__index.sql.conf": "# script config\nexecuteInTransaction=false\n",
        }
    )
    first, second = one_set(files).migrations
    assert first.transaction is True
    assert second.transaction is False
    assert "V2__index.sql.conf" in second.transaction_reason


def test_script_config_comment_turns_the_transaction_off(tree):
    files = tree(
        {"db/V1__a.sql": "-- flyway:executeInTransaction=false\nCREATE INDEX i ON t (id);"}
    )
    assert one_set(files).migrations[0].transaction is False


def test_non_transactional_statement_is_detected_like_flyway(tree):
    files = tree(
        {
            "db/V1__a.sql": "-- build it online\ncreate  unique index\n  concurrently i on t (id);",
            "db/V2__b.sql": "SELECT 'CREATE INDEX CONCURRENTLY x';  -- in a string, not a statement",
            "db/V3__c.sql": "VACUUM ANALYZE t;",
        }
    )
    first, second, third = one_set(files).migrations
    assert first.transaction is False
    assert "CONCURRENTLY" in first.transaction_reason.upper()
    assert second.transaction is True
    assert third.transaction is False


def test_config_file_wins_over_detection(tree):
    files = tree(
        {
            "db/V1__a.sql": "CREATE INDEX CONCURRENTLY i ON t (id);",
            "db/V1__a.sql.conf": "executeInTransaction=true\n",
        }
    )
    assert one_set(files).migrations[0].transaction is True


def test_undo_transaction_mode_is_its_own(tree):
    files = tree(
        {
            "db/V1__a.sql": "CREATE INDEX i ON t (id);",
            "db/U1__a.sql": "DROP INDEX CONCURRENTLY i;",
        }
    )
    migration = one_set(files).migrations[0]
    assert migration.transaction is True
    assert migration.down_transaction is False
    assert migration.transaction_of(migration.down[0]) is False


def test_baseline_migrations_are_ignored_not_run(tree):
    files = tree({"db/V1__a.sql": "SELECT 1;", "db/B5__baseline.sql": "SELECT 5;"})
    mset = one_set(files)
    assert labels(mset) == ["1_a"]
    assert any(p.name == "B5__baseline.sql" for p in mset.ignored)


MIXED = "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN d text;\nCREATE INDEX CONCURRENTLY i ON t (d);\n"


def test_mixed_script_is_refused_by_flyway(tree):
    files = tree(
        {
            "db/V1__a.sql": "CREATE TABLE t (id int);",
            "db/V2__mixed.sql": MIXED,
            "db/U2__mixed.sql": "DROP INDEX CONCURRENTLY i;\nALTER TABLE t DROP COLUMN d;\n",
            "db/R__view.sql": "create or replace view v as select 1;\ndrop index concurrently j;\n",
            # comments are not statements: only non-transactional ones, not mixed
            "db/V3__only_cic.sql": "-- SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY k ON t (id);",
        }
    )
    mset = one_set(files)
    assert [(p.path.name, p.message.split(", which")[0]) for p in mset.problems] == [
        ("V2__mixed.sql", "V2__mixed.sql mixes SET lock_timeout = '2s'…"),
        ("U2__mixed.sql", "U2__mixed.sql mixes ALTER TABLE t DROP…"),
        ("R__view.sql", "R__view.sql mixes create or replace view…"),
    ]
    message = mset.problems[0].message
    assert "with Flyway's mixed setting false (its default) Flyway refuses the migration" in message
    assert "executeInTransaction=false in V2__mixed.sql.conf" in message
    # Flyway's parser still runs it without a transaction when mixed is allowed
    assert mset.migrations[1].transaction is False


def test_mixed_script_with_a_script_configuration_is_not_refused(tree):
    files = tree(
        {
            "db/V1__conf.sql": MIXED,
            "db/V1__conf.sql.conf": "executeInTransaction=false\n",
            "db/V2__inline.sql": "-- flyway:executeInTransaction=false\n" + MIXED,
            # executeInTransaction=true passes Flyway's check too (and then CIC fails in it)
            "db/V3__forced.sql": MIXED,
            "db/V3__forced.sql.conf": "executeInTransaction=true\n",
        }
    )
    assert messages(one_set(files)) == []


def test_mixed_allowed_by_the_flyway_config_file(tree, tmp_path):
    files = tree({"project/.git/HEAD": "", "project/sql/V1__mixed.sql": MIXED})
    assert len(messages(one_set(files))) == 1
    (tmp_path / "project" / "flyway.conf").write_text("flyway.url=jdbc:x\nflyway.mixed = true\n")
    assert messages(one_set(files)) == []
    (tmp_path / "project" / "flyway.conf").unlink()
    (tmp_path / "project" / "flyway.toml").write_text("[flyway]\nmixed = true\n")
    assert messages(one_set(files)) == []
    # a config above the repository's top is not the project's
    (tmp_path / "project" / "flyway.toml").unlink()
    (tmp_path / "flyway.conf").write_text("flyway.mixed=true\n")
    assert len(messages(one_set(files))) == 1


def test_sub_folders_of_a_location_are_one_set(tree, tmp_path):
    from pglint.layouts import find_sets, set_root, sql_files_in

    files = tree(
        {
            "db/migration/2023/V1__init.sql": "CREATE TABLE a (id int);",
            "db/migration/2023/V2__x.sql": "SELECT 2;",
            "db/migration/2024/V2__x.sql": "SELECT 2;",
            "db/migration/2024/q4/V10__late.sql": "SELECT 10;",
            "db/migration/2024/V3__y.sql": "SELECT 3;",
            "db/migration/views/R__v.sql": "SELECT 'v';",
        }
    )
    location = tmp_path / "db" / "migration"
    assert {set_root(p) for p in files} == {location}
    (mset,) = find_sets(files, Reader(), complete=True)
    assert mset.layout == "flyway"
    assert labels(mset) == ["1_init", "2_x", "3_y", "10_late", "R_v"]
    assert messages(mset) == ["duplicate migration version 2: 2023/V2__x.sql and 2024/V2__x.sql"]
    # one file named (pre-commit): the whole location is replayed, deeper folders too
    assert sql_files_in(location) == set(files)
    (alone,) = find_sets([location / "2024" / "V3__y.sql"], Reader(), complete=True)
    assert alone.root == location and labels(alone) == labels(mset)


def test_separate_locations_stay_apart(tree, tmp_path):
    from pglint.layouts import set_root

    files = tree(
        {
            # per-database folders: each repeats the versions
            "vendor/postgres/V1__init.sql": "SELECT 1;",
            "vendor/postgres/V2__b.sql": "SELECT 1;",
            "vendor/h2/V1__init.sql": "SELECT 1;",
            "vendor/h2/V2__b.sql": "SELECT 1;",
            # modules, each a project with its own location
            "mono/a/pom.xml": "",
            "mono/a/src/main/resources/db/migration/V1__a.sql": "SELECT 1;",
            "mono/b/pom.xml": "",
            "mono/b/src/main/resources/db/migration/V2__b.sql": "SELECT 1;",
        }
    )
    roots = {set_root(p).relative_to(tmp_path).as_posix() for p in files if p.suffix == ".sql"}
    assert roots == {
        "vendor/postgres",
        "vendor/h2",
        "mono/a/src/main/resources/db/migration",
        "mono/b/src/main/resources/db/migration",
    }
