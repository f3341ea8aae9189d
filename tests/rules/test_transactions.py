"""Edge cases of the transactions rules that the rule pages' examples do not cover."""

from __future__ import annotations

from pglint.findings import Finding
from tests.rules.helpers import lint


def lines(findings: list[Finding]) -> list[int]:
    return [f.line for f in findings]


# --- require-lock-timeout ----------------------------------------------------------------------


def test_lock_timeout_reported_once_per_statement():
    sql = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE a ADD COLUMN y int;\nSELECT 1;\n"
    found = lint("require-lock-timeout", sql)
    assert lines(found) == [1, 2]
    assert "ACCESS EXCLUSIVE lock on a" in found[0].message
    assert "reads and writes" in found[0].message


def test_lock_timeout_one_finding_names_every_locked_table():
    sql = "ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id);"
    (found,) = lint("require-lock-timeout", sql)
    assert "lock on b" in found.message and "lock on a" in found.message
    assert "later writes of b" in found.message


def test_lock_timeout_set_local_ends_with_the_transaction():
    sql = (
        "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE a ADD COLUMN x int;\nCOMMIT;\n"
        "ALTER TABLE a ADD COLUMN y int;\n"
    )
    assert lines(lint("require-lock-timeout", sql)) == [5]


def test_lock_timeout_rolled_back_set_is_gone():
    sql = "BEGIN;\nSET lock_timeout = '1s';\nROLLBACK;\nALTER TABLE a ADD COLUMN y int;\n"
    assert lines(lint("require-lock-timeout", sql)) == [4]


def test_lock_timeout_set_in_the_tools_transaction_with_set_local():
    sql = "SET LOCAL lock_timeout = '1s';\nALTER TABLE a ADD COLUMN y int;\n"
    assert lint("require-lock-timeout", sql, assume_in_transaction=True) == []


def test_lock_timeout_weak_locks_and_new_tables_are_not_reported():
    sql = (
        "CREATE TABLE n (id bigint);\nALTER TABLE n ADD COLUMN x int;\n"
        "COMMENT ON TABLE a IS 'x';\nALTER TABLE a VALIDATE CONSTRAINT c;\n"
        "INSERT INTO a VALUES (1);\nDROP INDEX CONCURRENTLY IF EXISTS i;\n"
    )
    assert lint("require-lock-timeout", sql) == []


def test_lock_timeout_reindex_schema_and_database():
    # Each table SHARE and each of its indexes ACCESS EXCLUSIVE in turn (Squawk reports
    # both forms too); CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE.
    sql = (
        "REINDEX SCHEMA public;\nREINDEX DATABASE mydb;\nREINDEX SCHEMA CONCURRENTLY public;\n"
        "REINDEX (CONCURRENTLY) DATABASE mydb;\n"
    )
    for rule in ("require-lock-timeout", "require-statement-timeout"):
        found = lint(rule, sql)
        assert lines(found) == [1, 2]
        assert found[0].message.startswith("REINDEX SCHEMA public takes") or (
            found[0].message.startswith("REINDEX SCHEMA public rebuilds every index")
        )
    timed = "SET lock_timeout = '1s';\nSET statement_timeout = '1h';\nREINDEX SCHEMA public;\n"
    assert lint("require-lock-timeout", timed) == lint("require-statement-timeout", timed) == []


def test_lock_timeout_names_the_table_of_an_unknown_index():
    # DROP INDEX and REINDEX INDEX lock the index's table, which is not known here.
    (drop,) = lint("require-lock-timeout", "DROP INDEX usage_user_id_index;\n")
    assert "ACCESS EXCLUSIVE lock on the table of index usage_user_id_index" in drop.message
    assert "reads and writes of the table of index usage_user_id_index" in drop.message
    (reindex,) = lint("require-statement-timeout", "REINDEX INDEX s.foo_idx;\n")
    assert "scans the table of index s.foo_idx while holding a SHARE lock" in reindex.message
    before = "CREATE TABLE u (id int);\nCREATE INDEX u_idx ON u (id);\n"
    (known,) = lint("require-lock-timeout", "DROP INDEX u_idx;\n", before=before)
    assert "ACCESS EXCLUSIVE lock on u with" in known.message


def test_lock_timeout_alter_sequence_blocks_nextval():
    (found,) = lint("require-lock-timeout", "ALTER SEQUENCE s RESTART WITH 100;\n")
    assert "SHARE ROW EXCLUSIVE lock on s" in found.message
    assert "nextval() calls on s, and the INSERTs that use it, queue" in found.message
    assert lint("require-lock-timeout", "CREATE SEQUENCE s;\nALTER SEQUENCE s CACHE 5;\n") == []


def test_lock_timeout_statements_in_a_do_block_count():
    sql = "DO $$\nBEGIN\n  ALTER TABLE a ADD COLUMN x int;\nEND\n$$;\n"
    assert lines(lint("require-lock-timeout", sql)) == [3]
    assert lint("require-lock-timeout", "SET lock_timeout = '1s';\n" + sql) == []


# --- require-statement-timeout -----------------------------------------------------------------


def test_statement_timeout_not_for_catalogue_only_changes_or_truncate():
    sql = "ALTER TABLE a ADD COLUMN x int;\nTRUNCATE a;\nDROP TABLE b;\n"
    assert lint("require-statement-timeout", sql) == []


def test_statement_timeout_foreign_key_reported_on_the_scanned_table():
    sql = "ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id);"
    (found,) = lint("require-statement-timeout", sql)
    assert found.message.startswith("ALTER TABLE scans b ")
    # A new table referencing an existing one: nothing big is scanned.
    new = "CREATE TABLE n (a_id bigint);\n" + sql.replace(" b ", " n ").replace("b_a", "n_a")
    assert lint("require-statement-timeout", new) == []


def test_statement_timeout_zero_does_not_count():
    sql = "SET statement_timeout = 0;\nCREATE INDEX i ON a (x);\n"
    assert lines(lint("require-statement-timeout", sql)) == [2]


# --- transaction-nesting / ban-uncommitted-transaction ----------------------------------------


def test_nesting_reports_the_line_of_the_open_begin():
    sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nBEGIN;\nCOMMIT;\n"
    (found,) = lint("transaction-nesting", sql)
    assert found.line == 4 and "opened at line 2" in found.message


def test_nesting_commit_and_chain_is_fine():
    sql = "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nCOMMIT;\n"
    assert lint("transaction-nesting", sql) == []


def test_nesting_rollback_without_transaction():
    assert lines(lint("transaction-nesting", "SELECT 1;\nROLLBACK;\n")) == [2]


def test_nesting_with_assume_reports_every_begin_and_commit():
    sql = "BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n"
    assert lines(lint("transaction-nesting", sql, assume_in_transaction=True)) == [1, 3, 4, 6]


def test_uncommitted_points_at_the_begin_still_open():
    sql = "BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nBEGIN;\nSELECT 2;\n"
    (found,) = lint("ban-uncommitted-transaction", sql)
    assert found.line == 4
    assert "2 statements after it" in found.message


def test_uncommitted_not_reported_when_the_tool_commits():
    assert (
        lint("ban-uncommitted-transaction", "BEGIN;\nSELECT 1;\n", assume_in_transaction=True) == []
    )


def test_uncommitted_prepare_transaction_closes_it():
    sql = "BEGIN;\nSELECT 1;\nPREPARE TRANSACTION 'x';\n"
    assert lint("ban-uncommitted-transaction", sql) == []


# --- prefer-robust-stmts -----------------------------------------------------------------------


def test_robust_guards_and_forms_without_guards():
    sql = (
        "CREATE TABLE IF NOT EXISTS t (id bigint);\n"
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int, DROP COLUMN IF EXISTS y;\n"
        "ALTER TABLE t RENAME COLUMN x TO z;\n"
        "ALTER TABLE t ADD CONSTRAINT c CHECK (z > 0);\n"
        "ALTER TABLE t ALTER COLUMN z SET NOT NULL;\n"
        "CREATE INDEX ON t (z);\n"
        "ALTER TYPE mood RENAME VALUE 'a' TO 'b';\n"
        "CREATE TYPE mood2 AS ENUM ('a');\n"
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
        "ALTER TABLE IF EXISTS t RENAME TO u;\n"
    )
    assert lint("prefer-robust-stmts", sql) == []


def test_robust_reports_each_unguarded_part():
    sql = (
        "ALTER TABLE t ADD COLUMN x int, DROP COLUMN y, DROP CONSTRAINT c;\n"
        "DROP TRIGGER tr ON t;\n"
        "ALTER INDEX i RENAME TO j;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
        "CREATE SCHEMA s;\n"
        "CREATE EXTENSION pg_trgm;\n"
        "CREATE MATERIALIZED VIEW mv AS SELECT 1;\n"
    )
    found = lint("prefer-robust-stmts", sql)
    assert lines(found) == [1, 1, 1, 2, 3, 4, 5, 6, 7]
    assert "DROP TRIGGER tr ON t has no IF EXISTS" in found[3].message
    assert (
        found[5].help == "Write CREATE OR REPLACE FUNCTION, or run the migration in a transaction."
    )


def test_robust_statements_after_commit_are_outside_the_transaction():
    sql = "BEGIN;\nCREATE TABLE t (id bigint);\nCOMMIT;\nCREATE TABLE u (id bigint);\n"
    assert lines(lint("prefer-robust-stmts", sql)) == [4]


def test_robust_triggers_only_from_pg14():
    sql = "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
    assert lines(lint("prefer-robust-stmts", sql, pg=14)) == [1]
    assert lint("prefer-robust-stmts", sql, pg=13) == []


def test_robust_skips_do_blocks_and_temp_objects():
    sql = (
        "DO $$\nBEGIN\n  CREATE TABLE t (id bigint);\nEND\n$$;\n"
        "CREATE TEMP TABLE s (id bigint);\nCREATE TEMPORARY SEQUENCE q;\n"
    )
    assert lint("prefer-robust-stmts", sql) == []


# --- lock-held-across-statements ---------------------------------------------------------------


def test_held_lock_reported_at_each_slow_step_with_its_origin():
    sql = (
        "BEGIN;\n"
        "ALTER TABLE a ADD COLUMN x int;\n"
        "UPDATE a SET x = 0;\n"
        "CREATE INDEX a_x_idx ON a (x);\n"
        "ALTER TABLE a ADD COLUMN y int;\n"
        "COMMIT;\n"
        "CREATE INDEX a_y_idx ON a (y);\n"
    )
    found = lint("lock-held-across-statements", sql)
    assert lines(found) == [3, 4]
    assert "ACCESS EXCLUSIVE lock on a (since line 2)" in found[0].message


def test_held_lock_wait_reported_once_per_transaction_and_only_without_lock_timeout():
    sql = (
        "ALTER TABLE a ADD COLUMN x int;\n"
        "ALTER TABLE b ADD COLUMN x int;\n"
        "ALTER TABLE c ADD COLUMN x int;\n"
    )
    found = lint("lock-held-across-statements", sql, assume_in_transaction=True)
    assert lines(found) == [2]
    assert "waits for an ACCESS EXCLUSIVE lock on b" in found[0].message
    with_timeout = "SET LOCAL lock_timeout = '1s';\n" + sql
    assert lint("lock-held-across-statements", with_timeout, assume_in_transaction=True) == []


def test_held_lock_not_reported_in_autocommit_or_after_rollback_to_savepoint():
    autocommit = "ALTER TABLE a ADD COLUMN x int;\nUPDATE a SET x = 0;\n"
    assert lint("lock-held-across-statements", autocommit) == []
    savepoint = (
        "BEGIN;\nSAVEPOINT s;\nALTER TABLE a ADD COLUMN x int;\nROLLBACK TO SAVEPOINT s;\n"
        "UPDATE a SET x = 0;\nCOMMIT;\n"
    )
    assert lint("lock-held-across-statements", savepoint) == []


def test_held_lock_inside_a_do_block():
    sql = "DO $$\nBEGIN\n  ALTER TABLE a ADD COLUMN x int;\n  UPDATE a SET x = 0;\nEND\n$$;\n"
    assert lines(lint("lock-held-across-statements", sql)) == [4]


def test_held_lock_message_caps_the_list_of_tables():
    sql = "".join(f"ALTER TABLE t{i} ADD COLUMN x int;\n" for i in range(5))
    sql = "SET LOCAL lock_timeout = '1s';\n" + sql + "UPDATE z SET x = 0;\n"
    (found,) = lint("lock-held-across-statements", sql, assume_in_transaction=True)
    assert "t0 (since line 2), t1 (since line 3), t2 (since line 4) and 2 more" in found.message


# --- ban-enum-value-add-in-transaction -------------------------------------------------------


def test_enum_add_value_in_do_block_before_12():
    sql = "DO $$\nBEGIN\n  ALTER TYPE mood ADD VALUE 'meh';\nEND\n$$;\n"
    (found,) = lint("ban-enum-value-add-in-transaction", sql, pg=11)
    assert found.line == 3 and "DO block" in found.message


def test_enum_value_use_after_commit_and_chain_is_a_new_transaction():
    sql = (
        "BEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT AND CHAIN;\n"
        "UPDATE people SET mood = 'meh';\nCOMMIT;\n"
    )
    assert lint("ban-enum-value-add-in-transaction", sql) == []


def test_enum_value_use_reported_per_statement():
    sql = (
        "BEGIN;\nALTER TYPE public.mood ADD VALUE 'meh';\n"
        "INSERT INTO people (mood) VALUES ('meh');\n"
        "CREATE INDEX people_meh_idx ON people (id) WHERE mood = 'meh'::mood;\n"
        "UPDATE people SET mood = 'sad';\nCOMMIT;\n"
    )
    found = lint("ban-enum-value-add-in-transaction", sql)
    assert lines(found) == [3, 4]
    assert "ALTER TYPE mood ADD VALUE at line 2" in found[0].message


def test_enum_created_in_an_earlier_transaction_is_not_exempt():
    sql = "CREATE TYPE mood AS ENUM ('sad');\nBEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;\n"
    assert lines(lint("ban-enum-value-add-in-transaction", sql, pg=11)) == [3]


def test_enum_rename_value_is_not_reported():
    sql = (
        "BEGIN;\nALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\nUPDATE p SET m = 'blue';\nCOMMIT;\n"
    )
    assert lint("ban-enum-value-add-in-transaction", sql, pg=11) == []
    assert lint("ban-enum-value-add-in-transaction", sql) == []


def test_a_concurrent_refresh_blocks_no_reads_and_no_application_writes():
    """REFRESH … CONCURRENTLY takes EXCLUSIVE on the view: reads run, and nothing but a
    refresh writes a materialized view, so neither timeout rule has anything to bound."""
    before = "CREATE TABLE t (a int); CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;"
    sql = "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;"
    assert lint("require-lock-timeout", sql, before=before) == []
    assert lint("require-statement-timeout", sql, before=before) == []
    (plain,) = lint("require-lock-timeout", "REFRESH MATERIALIZED VIEW mv;", before=before)
    assert "all later reads of mv queue" in plain.message
