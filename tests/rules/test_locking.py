"""Edge cases of the locking rules that the rule pages' examples do not cover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pglast.parser import parse_sql_json

from pglint.model.catalog import Table
from pglint.rules.locking import FEATURES, features_of, option_on
from tests.rules.helpers import lint


def node_of(sql: str) -> tuple[str, dict]:
    ((kind, node),) = json.loads(parse_sql_json(sql))["stmts"][0]["stmt"].items()
    return kind, node


# --- option_on -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "on"),
    [
        ("VACUUM (FULL) t", True),
        ("VACUUM (FULL true) t", True),
        ("VACUUM (FULL 1) t", True),
        ("VACUUM (FULL on) t", True),
        ("VACUUM (FULL false) t", False),
        ("VACUUM (FULL off) t", False),
        ("VACUUM (FULL 0) t", False),
        ("VACUUM (ANALYZE) t", False),
    ],
)
def test_option_on_reads_boolean_option_values(sql, on):
    _, node = node_of(sql)
    assert option_on(node.get("options"), "full") is on


# --- require-concurrent-index-creation -------------------------------------------------------

PARTITIONED = "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);"


def test_index_on_only_partitioned_parent_is_not_reported():
    sql = "CREATE INDEX events_at_idx ON ONLY events (at);"
    assert lint("require-concurrent-index-creation", sql, before=PARTITIONED) == []


def test_index_on_partitioned_table_gets_the_partition_recipe():
    (finding,) = lint(
        "require-concurrent-index-creation",
        "CREATE INDEX events_at_idx ON events (at);",
        before=PARTITIONED,
    )
    assert "ON ONLY events" in finding.help and "ATTACH PARTITION" in finding.help


def test_index_message_names_table_and_lock():
    (finding,) = lint("require-concurrent-index-creation", "CREATE INDEX i ON orders (a);")
    assert "orders" in finding.message and "SHARE lock" in finding.message
    assert "blocking writes" in finding.message


# --- require-concurrent-index-deletion -------------------------------------------------------


def test_drop_index_names_the_table_when_the_index_is_known():
    (finding,) = lint(
        "require-concurrent-index-deletion",
        "DROP INDEX orders_a_idx;",
        before="CREATE TABLE orders (a int); CREATE INDEX orders_a_idx ON orders (a);",
    )
    assert "on table orders" in finding.message
    assert "ACCESS EXCLUSIVE" in finding.message and "reads and writes" in finding.message
    assert finding.help.startswith("Use DROP INDEX CONCURRENTLY orders_a_idx")


def test_drop_index_of_table_created_in_the_file_is_not_reported():
    sql = "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); DROP INDEX t_a;"
    assert lint("require-concurrent-index-deletion", sql) == []


def test_drop_table_is_not_an_index_drop():
    assert lint("require-concurrent-index-deletion", "DROP TABLE orders;") == []


# --- require-concurrent-reindex --------------------------------------------------------------


def test_reindex_is_not_reported_before_12():
    assert lint("require-concurrent-reindex", "REINDEX TABLE orders;", pg=11) == []


def test_reindex_schema_is_reported_with_concrete_help():
    (finding,) = lint("require-concurrent-reindex", "REINDEX SCHEMA app;")
    assert finding.help == "Use REINDEX SCHEMA CONCURRENTLY app, outside a transaction block."


def test_reindex_concurrently_false_uses_the_plain_reindex_lock():
    (finding,) = lint("require-concurrent-reindex", "REINDEX (CONCURRENTLY off) TABLE orders;")
    assert "takes SHARE on orders" in finding.message


def test_reindex_of_index_on_new_table_is_not_reported():
    sql = "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); REINDEX INDEX t_a;"
    assert lint("require-concurrent-reindex", sql) == []


# --- require-concurrent-partition-detach -----------------------------------------------------


def test_detach_from_table_created_in_file_is_not_reported():
    sql = PARTITIONED + " ALTER TABLE events DETACH PARTITION events_2020;"
    assert lint("require-concurrent-partition-detach", sql) == []


def test_detach_with_known_default_partition_explains_concurrently_is_refused():
    if "default_partition" not in Table.__slots__:
        pytest.skip("the catalog does not record DEFAULT partitions yet")
    before = PARTITIONED + " CREATE TABLE events_other PARTITION OF events DEFAULT;"
    (finding,) = lint(
        "require-concurrent-partition-detach",
        "ALTER TABLE events DETACH PARTITION events_2020;",
        before=before,
    )
    assert "DEFAULT partition (events_other)" in finding.help


# --- ban-concurrent-index-creation-in-transaction --------------------------------------------

BAN = "ban-concurrent-index-creation-in-transaction"


def test_single_statement_in_explicit_transaction_is_reported():
    sql = "BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;"
    (finding,) = lint(BAN, sql)
    assert "BEGIN" in finding.message


def test_assumed_transaction_single_statement_file_is_not_reported():
    assert lint(BAN, "CREATE INDEX CONCURRENTLY i ON t (a);", assume_in_transaction=True) == []


def test_assumed_transaction_ends_at_commit():
    sql = "SET lock_timeout = '1s'; COMMIT; CREATE INDEX CONCURRENTLY i ON t (a);"
    assert lint(BAN, sql, assume_in_transaction=True) == []


def test_concurrent_forms_outside_transactions_are_fine():
    sql = (
        "CREATE INDEX CONCURRENTLY i ON t (a); DROP INDEX CONCURRENTLY j;"
        " REINDEX INDEX CONCURRENTLY k; ALTER TABLE p DETACH PARTITION c CONCURRENTLY;"
    )
    assert lint(BAN, sql) == []


def test_vacuum_in_transaction_is_not_this_rules_business():
    assert lint(BAN, "BEGIN; VACUUM t; COMMIT;") == []


def test_reindex_concurrently_false_in_transaction_is_fine():
    assert lint(BAN, "BEGIN; REINDEX (CONCURRENTLY false) INDEX k; COMMIT;") == []


# --- disallowed-unique-constraint ------------------------------------------------------------


def test_unique_help_uses_the_default_constraint_name_and_columns():
    (finding,) = lint(
        "disallowed-unique-constraint", "ALTER TABLE users ADD UNIQUE (org_id, email);"
    )
    assert "CREATE UNIQUE INDEX CONCURRENTLY users_org_id_email_key ON users (org_id, email)" in (
        finding.help
    )


def test_primary_key_is_left_to_adding_serial_primary_key_field():
    assert lint("disallowed-unique-constraint", "ALTER TABLE t ADD PRIMARY KEY (id);") == []


# --- constraint-missing-not-valid ------------------------------------------------------------

CMNV = "constraint-missing-not-valid"


def test_validate_in_assumed_transaction_names_the_held_lock():
    sql = (
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id) NOT VALID;"
        "\nALTER TABLE orders VALIDATE CONSTRAINT fk;"
    )
    (finding,) = lint(CMNV, sql, assume_in_transaction=True)
    assert finding.line == 2
    assert "SHARE ROW EXCLUSIVE" in finding.message and "blocking writes" in finding.message
    assert "(line 1)" in finding.message


def test_validate_after_commit_is_fine():
    sql = (
        "BEGIN; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; COMMIT;"
        " BEGIN; ALTER TABLE t VALIDATE CONSTRAINT c; COMMIT;"
    )
    assert lint(CMNV, sql) == []


def test_validate_of_other_tables_constraint_is_fine():
    sql = (
        "BEGIN; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"
        " ALTER TABLE u VALIDATE CONSTRAINT c; COMMIT;"
    )
    assert lint(CMNV, sql) == []


def test_unique_primary_key_and_exclude_are_not_asked_for_not_valid():
    sql = (
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a); ALTER TABLE t ADD PRIMARY KEY (id);"
        " ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);"
    )
    assert lint(CMNV, sql) == []


def test_not_null_constraint_is_only_checked_from_18():
    sql = "ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a;"
    assert lint(CMNV, sql, pg=17) == []
    assert len(lint(CMNV, sql, pg=18)) == 1


def test_not_null_on_column_added_by_same_statement_is_fine():
    sql = "ALTER TABLE t ADD COLUMN b text DEFAULT '', ADD CONSTRAINT t_b_nn NOT NULL b;"
    assert lint(CMNV, sql, pg=18) == []


def test_not_enforced_constraint_does_not_scan():
    sql = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED;"
    assert lint(CMNV, sql, pg=18) == []


def test_constraint_in_do_block_is_reported():
    sql = "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0); END $$;"
    assert len(lint(CMNV, sql)) == 1


# --- adding-foreign-key-constraint -----------------------------------------------------------

AFK = "adding-foreign-key-constraint"


def test_add_column_references_with_null_default_is_fine():
    sql = "ALTER TABLE orders ADD COLUMN region_id bigint DEFAULT NULL REFERENCES regions (id);"
    assert lint(AFK, sql) == []


def test_self_reference_names_the_table_once():
    (finding,) = lint(
        AFK, "ALTER TABLE nodes ADD CONSTRAINT p FOREIGN KEY (parent_id) REFERENCES nodes (id);"
    )
    assert "SHARE ROW EXCLUSIVE on nodes," in finding.message


def test_foreign_key_to_new_table_only_locks_the_existing_one():
    sql = (
        "CREATE TABLE regions (id bigint PRIMARY KEY);"
        " ALTER TABLE orders ADD CONSTRAINT r FOREIGN KEY (region_id) REFERENCES regions (id);"
    )
    (finding,) = lint(AFK, sql)
    assert "SHARE ROW EXCLUSIVE on orders," in finding.message


# --- domains ---------------------------------------------------------------------------------


def test_create_domain_with_default_or_null_only_is_fine():
    sql = "CREATE DOMAIN a AS int DEFAULT 0; CREATE DOMAIN b AS int NULL;"
    assert lint("ban-create-domain-with-constraint", sql) == []


def test_alter_domain_drop_not_null_is_fine():
    assert lint("ban-alter-domain-with-add-constraint", "ALTER DOMAIN d DROP NOT NULL;") == []


def test_alter_domain_created_in_file_with_schema_is_fine():
    sql = "CREATE DOMAIN d AS int; ALTER DOMAIN public.d ADD CONSTRAINT c CHECK (VALUE > 0);"
    assert lint("ban-alter-domain-with-add-constraint", sql) == []


def test_alter_domain_add_without_not_valid_is_reported_on_19():
    sql = "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);"
    (finding,) = lint("ban-alter-domain-with-add-constraint", sql, pg=19)
    assert "NOT VALID" in finding.help


# --- VACUUM FULL, CLUSTER, REPACK ------------------------------------------------------------


def test_vacuum_full_of_new_table_is_not_reported():
    sql = "CREATE TABLE t (a int); VACUUM FULL t;"
    assert lint("ban-vacuum-full", sql) == []


def test_ban_vacuum_full_suggests_repack_on_19():
    (finding,) = lint("ban-vacuum-full", "VACUUM FULL orders;", pg=19)
    assert finding.help.startswith("Use REPACK (CONCURRENTLY) orders")


def test_cluster_on_index_gives_repack_using_index():
    (finding,) = lint("prefer-repack", "CLUSTER orders_pkey ON orders;", pg=19)
    assert "REPACK (CONCURRENTLY) orders USING INDEX orders_pkey" in finding.help


def test_prefer_repack_ignores_plain_vacuum_and_older_targets():
    assert lint("prefer-repack", "VACUUM orders; VACUUM (FULL false) orders;", pg=19) == []
    assert lint("prefer-repack", "CLUSTER orders;", pg=18) == []


# --- require-concurrent-refresh --------------------------------------------------------------

MATVIEW = "CREATE MATERIALIZED VIEW daily AS SELECT 1 AS day;"


def test_refresh_of_known_view_without_unique_index_says_to_create_one():
    (finding,) = lint(
        "require-concurrent-refresh", "REFRESH MATERIALIZED VIEW daily;", before=MATVIEW
    )
    assert "CREATE UNIQUE INDEX CONCURRENTLY" in finding.help


def test_refresh_of_known_view_with_unique_index_does_not_ask_for_one():
    before = MATVIEW + " CREATE UNIQUE INDEX daily_day ON daily (day);"
    (finding,) = lint(
        "require-concurrent-refresh", "REFRESH MATERIALIZED VIEW daily;", before=before
    )
    assert "No such index" not in finding.help


def test_refresh_of_view_created_in_file_is_not_reported():
    sql = MATVIEW + " REFRESH MATERIALIZED VIEW daily;"
    assert lint("require-concurrent-refresh", sql) == []


# --- adding-exclusion-constraint -------------------------------------------------------------


def test_exclusion_constraint_message_names_method_and_lock():
    (finding,) = lint(
        "adding-exclusion-constraint",
        "ALTER TABLE b ADD CONSTRAINT x EXCLUDE USING gist (during WITH &&);",
    )
    assert "gist index" in finding.message and "ACCESS EXCLUSIVE" in finding.message


# --- unsupported-in-target-version -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "since"),
    [
        ("CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY)", 10),
        ("ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY", 10),
        ("CREATE TABLE p (a int) PARTITION BY LIST (a)", 10),
        ("ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", 10),
        ("CREATE TABLE p (a int) PARTITION BY HASH (a)", 11),
        ("CREATE TABLE c PARTITION OF p FOR VALUES WITH (MODULUS 2, REMAINDER 0)", 11),
        ("CREATE TABLE c PARTITION OF p DEFAULT", 11),
        ("ALTER TABLE p ATTACH PARTITION c DEFAULT", 11),
        ("CREATE INDEX i ON t (a) INCLUDE (b)", 11),
        ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a) INCLUDE (b)", 11),
        ("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", 11),
        ("CALL p()", 11),
        ("REINDEX TABLE CONCURRENTLY t", 12),
        ("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)", 12),
        ("ALTER TABLE t ALTER COLUMN b DROP EXPRESSION", 13),
        ("DROP DATABASE d WITH (FORCE)", 13),
        ("ALTER TABLE p DETACH PARTITION c FINALIZE", 14),
        ("CREATE OR REPLACE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f()", 14),
        ("CREATE TABLE t (a text COMPRESSION lz4)", 14),
        ("ALTER TABLE t ALTER COLUMN a SET COMPRESSION lz4", 14),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", 15),
        ("CREATE TABLE t (a int UNIQUE NULLS NOT DISTINCT)", 15),
        ("ALTER TABLE t SET ACCESS METHOD heap", 15),
        ("SELECT JSON_OBJECT('a': 1)", 16),
        ("SELECT JSON_ARRAY(SELECT a FROM t)", 16),
        ("SELECT JSON_ARRAYAGG(a), JSON_OBJECTAGG(b: a) FROM t", 16),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (doc IS JSON OBJECT)", 16),
        ("SELECT JSON_SERIALIZE(JSON('{}')), JSON_SCALAR(1)", 17),
        ("ALTER TABLE t ALTER COLUMN b SET EXPRESSION AS (a * 3)", 17),
        ("SELECT * FROM JSON_TABLE('[1]', '$[*]' COLUMNS (a int PATH '$'))", 17),
        ("SELECT JSON_VALUE(j, '$.a') FROM t", 17),
        ("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL)", 18),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED", 18),
        ("CREATE TABLE t (a int CHECK (a > 0) NOT ENFORCED)", 18),
        ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p NOT ENFORCED", 18),
        ("CREATE TABLE t (a int, NOT NULL a)", 18),
        ("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (id, during WITHOUT OVERLAPS)", 18),
    ],
)
def test_feature_versions(sql, since):
    kind, node = node_of(sql)
    found = {feature.since for feature, _ in features_of(kind, node)}
    assert max(found) == since
    assert lint("unsupported-in-target-version", sql, pg=since) == []
    assert lint("unsupported-in-target-version", sql, pg=since - 1)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (id bigserial PRIMARY KEY, a int NOT NULL CHECK (a > 0), b text UNIQUE)",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id) NOT VALID",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
        "CREATE DOMAIN d AS int NOT NULL CHECK (VALUE > 0)",
        "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID",
        "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a) WHERE b IS NULL",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING",
        "REINDEX TABLE t",
        "VACUUM (FULL false) t",
    ],
)
def test_old_syntax_is_not_reported_at_9(sql):
    assert lint("unsupported-in-target-version", sql, pg=9) == []


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("SELECT 0x1F", 8),
        ("SELECT 0o17", 8),
        ("SELECT -0b101", 8),
        ("SELECT 12, 1_000", 12),
        ("UPDATE t SET a = 1.5e1_0", 18),
        ("SELECT 10, 0X1f, 1_0", 12),
    ],
)
def test_number_literals_of_16(sql, column):
    (finding,) = lint("unsupported-in-target-version", sql, pg=15)
    assert "PostgreSQL 16" in finding.message and finding.column == column
    assert lint("unsupported-in-target-version", sql, pg=16) == []


@pytest.mark.parametrize(
    "sql", ["SELECT 12, 1.5e3, .5, 0.25", "SELECT v1_2, '0x1F', '1_000' FROM t", "SELECT $$0x1$$"]
)
def test_old_number_literals_and_look_alikes(sql):
    assert lint("unsupported-in-target-version", sql, pg=15) == []


def test_every_feature_is_on_the_page():
    page = (Path(__file__).parents[2] / "rules" / "unsupported-in-target-version.md").read_text(
        encoding="utf-8"
    )
    rows = [line for line in page.splitlines() if line.startswith("| ") and "|---" not in line]
    versions = {int(row.rsplit("|", 2)[-2]) for row in rows[1:]}
    assert {feature.since for feature in FEATURES} == versions


def test_one_finding_per_feature_and_statement():
    sql = "CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY, b int GENERATED ALWAYS AS IDENTITY)"
    (finding,) = lint("unsupported-in-target-version", sql, pg=9)
    assert "PostgreSQL 10" in finding.message and "PostgreSQL 9" in finding.message


def test_unsupported_feature_points_at_its_first_use() -> None:
    sql = (
        "CREATE TABLE t (\n"
        "  a int GENERATED ALWAYS AS IDENTITY,\n"
        "  b int GENERATED ALWAYS AS IDENTITY\n"
        ");"
    )
    (finding,) = lint("unsupported-in-target-version", sql, pg=9)
    assert finding.line == 2


def test_unsupported_features_inside_a_with_clause_are_found() -> None:
    sql = "WITH x AS (SELECT JSON_VALUE(j, '$.a') AS v FROM t) SELECT * FROM x;"
    (finding,) = lint("unsupported-in-target-version", sql, pg=16)
    assert "SQL/JSON" in finding.message
