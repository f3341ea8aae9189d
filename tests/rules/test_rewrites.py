"""Edge cases of the rewrites rules that the rule pages' examples do not cover."""

from __future__ import annotations

import pytest

from tests.rules.helpers import lint

# --- changing-column-type --------------------------------------------------------------------

ORDERS = "CREATE TABLE orders (id int PRIMARY KEY, note varchar(20), qty int, price numeric(10,2));"


@pytest.mark.parametrize(
    "change",
    [
        "note TYPE varchar(40)",
        "note TYPE text",
        "note TYPE varchar",
        "note TYPE text USING note::text",
        "note TYPE varchar(40) USING note",
        "price TYPE numeric(12,2)",
    ],
)
def test_binary_coercible_change_of_known_column_is_not_reported(change):
    assert (
        lint("changing-column-type", f"ALTER TABLE orders ALTER COLUMN {change};", before=ORDERS)
        == []
    )


def test_rewriting_change_names_both_types():
    (finding,) = lint(
        "changing-column-type", "ALTER TABLE orders ALTER COLUMN qty TYPE bigint;", before=ORDERS
    )
    assert "from integer to bigint" in finding.message
    assert "ACCESS EXCLUSIVE" in finding.message and "orders" in finding.message


def test_shrinking_varchar_rewrites():
    (finding,) = lint(
        "changing-column-type",
        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);",
        before=ORDERS,
    )
    assert "from varchar(20) to varchar(10)" in finding.message


def test_unknown_old_type_is_reported_and_says_so():
    (finding,) = lint("changing-column-type", "ALTER TABLE orders ALTER COLUMN note TYPE text;")
    assert "unknown" in finding.message


def test_using_expression_that_computes_values_is_reported():
    (finding,) = lint(
        "changing-column-type",
        "ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note);",
        before=ORDERS,
    )
    assert "USING" in finding.message


def test_using_a_cast_to_another_type_counts_as_computed():
    sql = "ALTER TABLE orders ALTER COLUMN note TYPE text USING note::varchar(5);"
    assert len(lint("changing-column-type", sql, before=ORDERS)) == 1


def test_each_rewriting_subcommand_is_reported():
    findings = lint(
        "changing-column-type",
        "ALTER TABLE orders ALTER COLUMN note TYPE text, ALTER COLUMN qty TYPE bigint;",
        before=ORDERS,
    )
    assert len(findings) == 1 and "qty" in findings[0].message


# --- adding-not-nullable-field ---------------------------------------------------------------

SET_NOT_NULL = "ALTER TABLE orders ALTER COLUMN qty SET NOT NULL;"
VALIDATED = (
    "ALTER TABLE orders ADD CONSTRAINT qty_nn CHECK (qty IS NOT NULL) NOT VALID;\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT qty_nn;\n"
)


def test_validated_check_from_an_earlier_migration_removes_the_scan():
    assert lint("adding-not-nullable-field", SET_NOT_NULL, before=ORDERS + VALIDATED) == []


def test_validated_check_in_the_same_file_removes_the_scan_on_unknown_table():
    assert lint("adding-not-nullable-field", VALIDATED + SET_NOT_NULL) == []


def test_check_added_valid_in_one_statement_counts():
    sql = "ALTER TABLE orders ADD CONSTRAINT qty_nn CHECK (qty IS NOT NULL);\n" + SET_NOT_NULL
    assert lint("adding-not-nullable-field", sql) == []


def test_check_with_and_proves_each_conjunct():
    sql = (
        "ALTER TABLE orders ADD CONSTRAINT ck CHECK (qty IS NOT NULL AND qty > 0);\n" + SET_NOT_NULL
    )
    assert lint("adding-not-nullable-field", sql) == []


@pytest.mark.parametrize("expr", ["qty > 0", "qty IS NOT NULL OR note IS NOT NULL"])
def test_check_that_allows_null_does_not_help(expr):
    sql = f"ALTER TABLE orders ADD CONSTRAINT ck CHECK ({expr});\n" + SET_NOT_NULL
    assert len(lint("adding-not-nullable-field", sql)) == 1


def test_validating_a_constraint_from_an_unseen_migration_gets_the_benefit_of_the_doubt():
    sql = "ALTER TABLE orders VALIDATE CONSTRAINT qty_nn;\n" + SET_NOT_NULL
    assert lint("adding-not-nullable-field", sql) == []


def test_validating_a_known_unrelated_constraint_does_not_help():
    before = ORDERS + "\nALTER TABLE orders ADD CONSTRAINT price_pos CHECK (price > 0) NOT VALID;"
    sql = "ALTER TABLE orders VALIDATE CONSTRAINT price_pos;\n" + SET_NOT_NULL
    assert len(lint("adding-not-nullable-field", sql, before=before)) == 1


def test_check_on_another_column_does_not_help():
    sql = VALIDATED.replace("(qty IS", "(note IS") + SET_NOT_NULL
    assert len(lint("adding-not-nullable-field", sql)) == 1


def test_dropped_check_does_not_help():
    sql = VALIDATED + "ALTER TABLE orders DROP CONSTRAINT qty_nn;\n" + SET_NOT_NULL
    assert len(lint("adding-not-nullable-field", sql)) == 1


def test_check_added_in_the_same_statement_does_not_avoid_the_scan():
    sql = (
        "ALTER TABLE orders ADD CONSTRAINT qty_nn CHECK (qty IS NOT NULL),"
        " ALTER COLUMN qty SET NOT NULL;"
    )
    assert len(lint("adding-not-nullable-field", sql)) == 1


def test_before_pg12_a_validated_check_does_not_help():
    (finding,) = lint("adding-not-nullable-field", VALIDATED + SET_NOT_NULL, pg=11)
    assert "orders.qty" in finding.message
    assert "PostgreSQL 12" in finding.help


def test_several_set_not_null_in_one_statement_give_one_finding():
    sql = "ALTER TABLE orders ALTER COLUMN qty SET NOT NULL, ALTER COLUMN note SET NOT NULL;"
    (finding,) = lint("adding-not-nullable-field", sql)
    assert "orders.qty, orders.note" in finding.message


def test_set_not_null_inside_a_do_block_is_reported():
    sql = "DO $$ BEGIN ALTER TABLE orders ALTER COLUMN qty SET NOT NULL; END $$;"
    assert len(lint("adding-not-nullable-field", sql)) == 1


def test_not_valid_not_null_constraint_is_the_safe_path_on_pg18():
    sql = "ALTER TABLE orders ADD CONSTRAINT qty_nn NOT NULL qty NOT VALID;"
    assert lint("adding-not-nullable-field", sql, pg=18) == []


# --- adding-field-with-default ---------------------------------------------------------------


def test_stable_default_is_fine_from_pg11_and_rewrites_before():
    sql = "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();"
    assert lint("adding-field-with-default", sql, pg=11) == []
    (finding,) = lint("adding-field-with-default", sql, pg=10)
    assert "before PostgreSQL 11" in finding.message


def test_null_default_never_rewrites():
    sql = "ALTER TABLE orders ADD COLUMN note2 text DEFAULT NULL::text;"
    assert lint("adding-field-with-default", sql, pg=10) == []


def test_unknown_function_is_named_and_assumed_volatile():
    sql = "ALTER TABLE orders ADD COLUMN token text DEFAULT make_token(12);"
    (finding,) = lint("adding-field-with-default", sql)
    assert "make_token()" in finding.message and "assumed volatile" in finding.message


@pytest.mark.parametrize(
    "default",
    [
        "txid_current()",  # STABLE in pg_proc, measured: no rewrite
        "pg_current_xact_id()::text::bigint",
        "extract(epoch from now())::bigint",
        "substring('abcdef', 1, 3)::int",
        "date_part('epoch', now())::bigint",
    ],
)
def test_non_volatile_built_in_functions_do_not_rewrite(default):
    sql = f"ALTER TABLE orders ADD COLUMN c bigint DEFAULT {default};"
    assert lint("adding-field-with-default", sql) == []


def test_functions_the_migrations_created_count_as_declared():
    before = (
        "CREATE FUNCTION sf() RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';"
        "CREATE FUNCTION vf() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';"
        "CREATE FUNCTION af() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';"
        "ALTER FUNCTION af() IMMUTABLE;"
    )
    sql = "ALTER TABLE orders ADD COLUMN c int DEFAULT {}();"
    assert lint("adding-field-with-default", sql.format("sf"), before=before) == []
    assert lint("adding-field-with-default", sql.format("af"), before=before) == []
    (finding,) = lint("adding-field-with-default", sql.format("vf"), before=before)
    assert "vf(), which its CREATE FUNCTION declares volatile" in finding.message
    # Dropped: unknown again, so assumed volatile.
    dropped = lint(
        "adding-field-with-default", sql.format("sf"), before=before + "DROP FUNCTION sf;"
    )
    assert "assumed volatile" in dropped[0].message


@pytest.mark.parametrize(
    ("function", "rewrites"),
    [
        # Measured on PostgreSQL 15: VOLATILE (the default) SQL functions PostgreSQL
        # inlines are as volatile as their body.
        ("AS $$ SELECT CAST(extract(EPOCH FROM now()) * 1000000 AS bigint) $$", False),
        ("RETURN 1", False),
        ("BEGIN ATOMIC SELECT 1; END", False),
        ("RETURN (random() * 10)::int", True),
        ("SECURITY DEFINER AS 'SELECT 1'", True),  # not inlined
        ("AS 'SELECT 1 FROM pg_class LIMIT 1'", True),  # not inlined
    ],
)
def test_sql_functions_postgresql_inlines_count_as_their_body(function, rewrites):
    before = f"CREATE FUNCTION f() RETURNS bigint LANGUAGE sql {function};"
    sql = "ALTER TABLE orders ADD COLUMN c bigint DEFAULT f();"
    assert bool(lint("adding-field-with-default", sql, before=before)) is rewrites


def test_column_of_a_domain_with_constraints_rewrites_with_or_without_default():
    before = "CREATE DOMAIN posint AS int CHECK (VALUE > 0); CREATE DOMAIN myint AS int;"
    for sql in (
        "ALTER TABLE orders ADD COLUMN qty posint;",
        "ALTER TABLE orders ADD COLUMN qty posint DEFAULT 1;",
    ):
        (finding,) = lint("adding-field-with-default", sql, before=before)
        assert "of domain type posint, which has CHECK or NOT NULL constraints" in finding.message
        assert finding.help is not None and "Add qty as integer" in finding.help
    assert (
        lint("adding-field-with-default", "ALTER TABLE orders ADD COLUMN q myint;", before=before)
        == []
    )
    # The domain unknown (created by a migration pglint has not seen): as before.
    assert lint("adding-field-with-default", "ALTER TABLE orders ADD COLUMN qty posint;") == []


def test_type_change_to_a_domain_rewrites_only_with_constraints():
    before = (
        "CREATE TABLE orders (id bigint PRIMARY KEY, qty int);"
        "CREATE DOMAIN posint AS int CHECK (VALUE > 0); CREATE DOMAIN myint AS int;"
    )
    sql = "ALTER TABLE orders ALTER COLUMN qty TYPE {};"
    assert lint("changing-column-type", sql.format("myint"), before=before) == []
    (finding,) = lint("changing-column-type", sql.format("posint"), before=before)
    assert "posint is a domain with CHECK or NOT NULL constraints" in finding.message


def test_virtual_generated_column_does_not_rewrite():
    sql = "ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (qty * price) VIRTUAL;"
    assert lint("adding-field-with-default", sql, pg=18) == []
    assert lint("adding-stored-generated-column", sql, pg=18) == []


def test_serial_primary_key_is_left_to_the_primary_key_rule():
    sql = "ALTER TABLE orders ADD COLUMN id2 bigserial PRIMARY KEY;"
    assert lint("adding-field-with-default", sql) == []
    (finding,) = lint("adding-serial-primary-key-field", sql)
    assert "rewrites the table" in finding.message


def test_stored_generated_columns_of_one_statement_give_one_finding():
    sql = (
        "ALTER TABLE orders"
        " ADD COLUMN a int GENERATED ALWAYS AS (qty) STORED,"
        " ADD COLUMN b int GENERATED ALWAYS AS (qty + 1) STORED;"
    )
    (finding,) = lint("adding-stored-generated-column", sql)
    assert "a, b" in finding.message


# --- adding-required-field -------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        "id2 bigint GENERATED ALWAYS AS IDENTITY NOT NULL",
        "id2 bigserial NOT NULL",
        "total numeric GENERATED ALWAYS AS (qty * price) STORED NOT NULL",
        "status text NOT NULL DEFAULT 'new'",
        "status text",
    ],
)
def test_columns_that_fill_themselves_are_not_required(column):
    assert lint("adding-required-field", f"ALTER TABLE orders ADD COLUMN {column};") == []


def test_required_column_on_table_created_in_the_file_is_fine():
    sql = ORDERS + "\nALTER TABLE orders ADD COLUMN status text NOT NULL;"
    assert lint("adding-required-field", sql) == []


# --- adding-serial-primary-key-field ---------------------------------------------------------


def test_primary_key_using_index_is_fine():
    sql = "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;"
    assert lint("adding-serial-primary-key-field", sql) == []


# --- renaming --------------------------------------------------------------------------------


def test_renames_of_tables_created_in_the_file_are_fine():
    sql = (
        ORDERS
        + "\nALTER TABLE orders RENAME COLUMN qty TO quantity;\nALTER TABLE orders RENAME TO o;"
    )
    assert lint("renaming-column", sql) == []
    assert lint("renaming-table", sql) == []


def test_rename_of_a_replayed_table_is_reported():
    (finding,) = lint(
        "renaming-column", "ALTER TABLE orders RENAME qty TO quantity;", before=ORDERS
    )
    assert "orders.qty" in finding.message and "quantity" in finding.message


def test_renaming_a_view_is_not_renaming_a_table():
    assert lint("renaming-table", "ALTER VIEW v RENAME TO w;") == []


# --- ban-duplicate-column-assignments --------------------------------------------------------

DUP = "ban-duplicate-column-assignments"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a = 1, A = 2 WHERE id = 1;",
        'UPDATE t SET "a" = 1, a = 2 WHERE id = 1;',
        "UPDATE t SET (a, b) = (1, 2), a = 3 WHERE id = 1;",
        "UPDATE t SET a = ROW(1, 2), a.x = 1 WHERE id = 1;",
        "WITH u AS (UPDATE t SET a = 1, a = 2 RETURNING id) SELECT * FROM u;",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2;",
        "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a, a) VALUES (1, 2);",
        "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = 1, a = 2;",
        "CREATE TABLE t (a int, a text);",
        "ALTER TABLE t ADD COLUMN a int, ADD COLUMN a text;",
        "CREATE VIEW v AS SELECT 1, 2;",
        "CREATE VIEW v AS SELECT x::text, y AS x FROM t;",
        "CREATE VIEW v AS SELECT count(*), count(id) FROM t;",
        "CREATE VIEW v AS SELECT CASE WHEN a THEN 1 END, CASE WHEN b THEN 2 END FROM t;",
        "CREATE VIEW v AS SELECT CASE WHEN a THEN 1 ELSE x END, x FROM t;",
        "CREATE VIEW v AS SELECT (SELECT max(id) FROM s), max(id) FROM t;",
        "CREATE VIEW v (b) AS SELECT 1 AS a, 2 AS b;",
        "CREATE VIEW v AS SELECT 1 AS a, 2 AS a UNION SELECT 3, 4;",
        "CREATE MATERIALIZED VIEW mv AS SELECT t.id, s.id FROM t, s;",
        "SELECT 1 AS a, 2 AS a INTO t2;",
        "CREATE TABLE t2 (a, a) AS SELECT 1, 2;",
        # Nested in statements that are only walked when they spell INSERT, UPDATE, MERGE
        # or INTO (a query nested in them can only have a list to check through those).
        "CREATE VIEW v AS WITH u AS (UPDATE t SET a = 1, a = 2 RETURNING a) SELECT * FROM u;",
        "CREATE TABLE t2 AS WITH i AS (INSERT INTO t (a, a) VALUES (1, 2) RETURNING a) "
        "SELECT * FROM i;",
        "CREATE RULE r AS ON INSERT TO t DO INSTEAD UPDATE s SET a = 1, a = 2;",
        "COPY (WITH u AS (UPDATE t SET a = 1, a = 2 RETURNING a) SELECT * FROM u) TO STDOUT;",
        "PREPARE p AS UPDATE t SET a = 1, a = 2;",
    ],
)
def test_duplicates_are_reported(sql):
    assert lint(DUP, sql), sql


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a.x = 1, a.y = 2 WHERE id = 1;",
        "UPDATE t SET a[1] = 1, a[2] = 2 WHERE id = 1;",
        "INSERT INTO t (a.x, a.y) VALUES (1, 2);",
        "CREATE VIEW v AS SELECT * FROM t, s;",
        "CREATE VIEW v (a, b) AS SELECT 1 AS x, 2 AS x;",
        "CREATE VIEW v AS SELECT 1 AS a UNION SELECT 1 AS a;",
        "CREATE VIEW v AS SELECT CASE WHEN true THEN 1 END, 2 AS c;",
        "SELECT 1, 2;",
        "SELECT t.id, s.id FROM t, s;",
        "CREATE VIEW v AS SELECT a, (SELECT max(b) AS m FROM s) AS c FROM t;",
        "DECLARE c CURSOR FOR SELECT 1 AS a, 2 AS a;",
    ],
)
def test_legal_statements_are_not_reported(sql):
    assert lint(DUP, sql) == [], sql


def test_one_finding_per_extra_occurrence_at_the_repeat():
    findings = lint(DUP, "UPDATE t SET a = 1, b = 2, a = 3, a = 4 WHERE id = 1;")
    assert [f.column for f in findings] == [28, 35]


# --- unbatched-data-backfill -----------------------------------------------------------------

BACKFILL = "unbatched-data-backfill"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE orders SET qty = 0 WHERE true;",
        "UPDATE orders SET qty = 0 WHERE 1 = 1;",
        "DELETE FROM orders WHERE 'x' = 'x';",
        "DO $$ BEGIN UPDATE orders SET qty = 0; END $$;",
        "ALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = qty WHERE c IS NULL;",
    ],
)
def test_whole_table_changes_are_reported(sql):
    assert len(lint(BACKFILL, sql)) == 1, sql


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE orders SET qty = 0 WHERE id BETWEEN 1 AND 1000;",
        "UPDATE orders SET qty = s.qty FROM staging s WHERE s.id = orders.id;",
        "DELETE FROM orders USING staging s WHERE s.id = orders.id;",
        "ALTER TABLE orders ADD COLUMN c int DEFAULT 0;\nUPDATE orders SET c = 1 WHERE c IS NULL;",
        "UPDATE orders SET qty = 0 WHERE qty IS NULL;",
        ORDERS + "\nUPDATE orders SET qty = 0;",
        "INSERT INTO orders_copy SELECT * FROM orders;",
    ],
)
def test_bounded_or_new_changes_are_not_reported(sql):
    assert lint(BACKFILL, sql) == [], sql


def test_column_filled_earlier_in_the_file_is_no_longer_all_null():
    sql = (
        "ALTER TABLE meta ADD COLUMN doc_id int;\n"
        "UPDATE meta SET doc_id = (SELECT id FROM doc WHERE doc.meta_id = meta.id);\n"
        "DELETE FROM meta WHERE doc_id IS NULL;"
    )
    (finding,) = lint(BACKFILL, sql)
    assert finding.line == 2


def test_message_says_locks_last_until_commit_inside_a_transaction():
    (finding,) = lint(BACKFILL, "BEGIN;\nDELETE FROM sessions;\nCOMMIT;")
    assert "until the migration commits" in finding.message
    assert "sessions" in finding.message and finding.severity.value == "warning"
