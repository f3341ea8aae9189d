"""Edge cases of the breaking rules that the page examples do not cover."""

from __future__ import annotations

import pytest

from pglint.config import Settings
from pglint.engine import run_checks, select_rules
from pglint.findings import Severity
from pglint.rules import load_catalogue
from pglint.sources.sql import parse_sql
from tests.rules.helpers import lint

#: The rules whose checks live in pglint/rules/breaking.py (each name is asserted to exist,
#: with Squawk's default, in tests/test_squawk_parity.py).
RULES = tuple(
    sorted(
        r.name
        for r in load_catalogue().rules.values()
        if r.fn is not None and r.fn.__module__ == "pglint.rules.breaking"
    )
)


def lines(rule: str, sql: str, pg: int = 15) -> list[int]:
    return [f.line for f in lint(rule, sql, pg)]


# --- catalogue ---------------------------------------------------------------------------------


def test_all_rules_on_by_default_in_the_breaking_family() -> None:
    catalogue = load_catalogue()
    for name in RULES:
        rule = catalogue.rules[name]
        assert rule.default and rule.family == "breaking" and rule.squawk, name


def test_data_losing_drops_are_errors_the_rest_warnings() -> None:
    catalogue = load_catalogue()
    errors = {"ban-drop-database", "ban-drop-table", "ban-drop-column", "ban-drop-schema"}
    for name in RULES:
        expected = Severity.ERROR if name in errors else Severity.WARNING
        assert catalogue.rules[name].severity is expected, name


def test_version_ranges() -> None:
    catalogue = load_catalogue()
    assert 12 not in catalogue.rules["ban-drop-generated-expression"].pg
    assert 13 in catalogue.rules["ban-drop-generated-expression"].pg
    assert 9 not in catalogue.rules["ban-alter-identity"].pg


# --- new objects, redefinitions and down migrations --------------------------------------------


def test_drop_lists_only_existing_tables() -> None:
    (finding,) = lint("ban-drop-table", "CREATE TABLE a (id int);\nDROP TABLE a, public.b;")
    assert "table public.b " in finding.message and " a," not in finding.message
    assert "CASCADE" not in finding.message


def test_schema_qualified_new_table_is_new() -> None:
    assert lines("ban-drop-table", "CREATE TABLE public.a (id int);\nDROP TABLE a;") == []


def test_renamed_new_table_stays_new() -> None:
    sql = "CREATE TABLE a (id int);\nALTER TABLE a RENAME TO b;\nDROP TABLE b;"
    assert lines("ban-drop-table", sql) == []


def test_table_set_aside_and_dropped_without_replacement_is_reported() -> None:
    sql = "ALTER TABLE orders RENAME TO orders_old;\nDROP TABLE orders_old;"
    assert lines("ban-drop-table", sql) == [2]


def test_table_swap_drops_the_old_copy_silently() -> None:
    sql = (
        "ALTER TABLE orders RENAME TO orders_old;\n"
        "CREATE TABLE orders (id bigint);\n"
        "INSERT INTO orders SELECT id FROM orders_old;\n"
        "DROP TABLE orders_old;"
    )
    assert lines("ban-drop-table", sql) == []


def test_cascade_is_named_in_the_message() -> None:
    (finding,) = lint("ban-drop-table", "DROP TABLE orders CASCADE;")
    assert "CASCADE also drops the views" in finding.message


def test_statements_in_do_blocks_are_checked() -> None:
    sql = "DO $$\nBEGIN\n  DROP TABLE legacy;\nEND\n$$;"
    assert lines("ban-drop-table", sql) == [3]


def test_down_migration_is_not_reported() -> None:
    text = "DROP TABLE orders;\nALTER TABLE users DROP COLUMN nickname;"
    for rule in ("ban-drop-table", "ban-drop-column"):
        settings = Settings(select=(rule,))
        findings = run_checks(
            "down.sql", text, parse_sql(text, part="down"), settings, select_rules(settings)
        )
        assert [f for f in findings if f.rule == rule] == []


def test_view_recreated_with_cascade_is_still_reported() -> None:
    sql = "DROP VIEW v CASCADE;\nCREATE VIEW v AS SELECT 1 AS one;"
    assert lines("ban-drop-view", sql) == [1]


def test_view_replaced_with_or_replace_counts_as_redefinition() -> None:
    sql = "DROP VIEW v;\nCREATE OR REPLACE VIEW v AS SELECT 1 AS one;"
    assert lines("ban-drop-view", sql) == []


def test_or_replace_view_is_not_new() -> None:
    sql = "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\nALTER VIEW v RENAME TO w;"
    assert lines("renaming-object", sql) == [2]


def test_function_without_arguments_matches_any_overload() -> None:
    sql = (
        "DROP FUNCTION total;\n"
        "CREATE FUNCTION total(integer) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
    )
    assert lines("ban-drop-function", sql) == []


def test_function_argument_spelling_does_not_matter() -> None:
    sql = (
        "DROP FUNCTION total(int4, varchar);\n"
        "CREATE FUNCTION total(a integer, b character varying) RETURNS int\n"
        "LANGUAGE sql AS 'SELECT 1';\n"
    )
    assert lines("ban-drop-function", sql) == []


def test_renamed_new_function_stays_new() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER FUNCTION f() RENAME TO g;\n"
        "DROP FUNCTION g();\n"
    )
    assert lines("ban-drop-function", sql) == []
    assert lines("renaming-object", sql) == []


def test_aggregate_and_routine_drops() -> None:
    sql = "DROP AGGREGATE total_sum(integer);\nDROP ROUTINE cleanup();"
    messages = [f.message for f in lint("ban-drop-function", sql)]
    assert len(messages) == 2
    assert messages[0].startswith("DROP AGGREGATE removes aggregate total_sum(integer)")


def test_enum_swap_by_renames_is_silent() -> None:
    # Prisma's way to remove an enum value: build the new type, move columns, swap names.
    sql = (
        "CREATE TYPE status_new AS ENUM ('a', 'b');\n"
        "ALTER TABLE t ALTER COLUMN s TYPE status_new USING s::text::status_new;\n"
        "ALTER TYPE status RENAME TO status_old;\n"
        "ALTER TYPE status_new RENAME TO status;\n"
        "DROP TYPE status_old;\n"
    )
    assert lines("ban-drop-type", sql) == []
    assert lines("renaming-object", sql) == []


def test_drop_type_cascade_mentions_columns() -> None:
    (finding,) = lint("ban-drop-type", "DROP TYPE mood, colour CASCADE;")
    assert "types mood and colour" in finding.message
    assert "every table column of these types" in finding.message


def test_domain_rule_does_not_take_types() -> None:
    assert lines("ban-drop-domain", "DROP TYPE mood;") == []
    assert lines("ban-drop-type", "DROP DOMAIN email;") == []


def test_schema_created_in_file_is_new() -> None:
    sql = "CREATE SCHEMA tmp;\nALTER SCHEMA tmp RENAME TO tmp2;\nDROP SCHEMA tmp2 CASCADE;"
    assert lines("ban-drop-schema", sql) == []
    assert lines("renaming-object", sql) == []


def test_sequence_recreated_is_still_reported() -> None:
    assert lines("ban-drop-sequence", "DROP SEQUENCE s;\nCREATE SEQUENCE s;") == [1]


# --- columns and sub-commands ------------------------------------------------------------------


def test_one_finding_per_dropped_column() -> None:
    sql = "ALTER TABLE t ADD COLUMN x int;\nALTER TABLE t DROP COLUMN x, DROP COLUMN y, DROP COLUMN z;"
    messages = [f.message for f in lint("ban-drop-column", sql)]
    assert [m.split()[2] for m in messages] == ["t.y", "t.z"]


def test_changes_to_a_table_dropped_later_are_covered_by_the_drop() -> None:
    sql = (
        "ALTER TABLE t DROP CONSTRAINT t_user_fkey;\n"
        "ALTER TABLE t DROP COLUMN a;\n"
        "ALTER TABLE t ALTER COLUMN b DROP DEFAULT;\n"
        "DROP TABLE t;\n"
    )
    assert lines("ban-drop-constraint", sql) == []
    assert lines("ban-drop-column", sql) == []
    assert lines("ban-drop-default", sql) == []
    assert lines("ban-drop-table", sql) == [4]


def test_view_column_default() -> None:
    assert lines("ban-drop-default", "ALTER VIEW v ALTER COLUMN c DROP DEFAULT;") == [1]


def test_default_set_again_later_is_not_reported() -> None:
    sql = (
        "ALTER TABLE t ALTER COLUMN a DROP DEFAULT;\n"
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;\n"
        "ALTER TABLE t ALTER COLUMN b DROP DEFAULT;\n"
        "ALTER TABLE t ALTER COLUMN b SET DEFAULT NULL;\n"
    )
    assert lines("ban-drop-default", sql) == [3, 4]


def test_not_null_set_earlier_in_file_is_not_reported() -> None:
    sql = (
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
        "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n"
        "ALTER TABLE t ALTER COLUMN b DROP NOT NULL;\n"
    )
    assert lines("ban-drop-not-null", sql) == [3]


def test_constraint_kind_from_default_name() -> None:
    sql = (
        "ALTER TABLE t DROP CONSTRAINT t_pkey;\n"
        "ALTER TABLE t DROP CONSTRAINT t_price_check;\n"
        "ALTER TABLE t DROP CONSTRAINT positive_price;\n"
    )
    messages = [f.message for f in lint("ban-drop-constraint", sql)]
    assert messages[0].startswith("Dropping primary key t_pkey on t")
    assert "ON CONFLICT" in messages[0]
    assert messages[1].startswith("Dropping check constraint t_price_check on t")
    assert messages[2].startswith("Dropping constraint positive_price on t")


def test_constraint_added_back_later_in_the_file() -> None:
    sql = (
        "ALTER TABLE t DROP CONSTRAINT t_user_fkey;\n"
        "ALTER TABLE t ADD CONSTRAINT t_user_fkey FOREIGN KEY (user_id) REFERENCES users (id)"
        " ON DELETE CASCADE NOT VALID;\n"
    )
    assert lines("ban-drop-constraint", sql) == []


def test_generated_expression_is_version_gated() -> None:
    sql = "ALTER TABLE t ALTER COLUMN total DROP EXPRESSION;"
    assert lines("ban-drop-generated-expression", sql, pg=13) == [1]
    assert lines("ban-drop-generated-expression", sql, pg=12) == []


@pytest.mark.parametrize(
    ("sql", "reported"),
    [
        ("ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;", True),
        ("ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;", False),
        ("ALTER TABLE t ALTER COLUMN id SET GENERATED ALWAYS;", True),
        ("ALTER TABLE t ALTER COLUMN id SET INCREMENT BY 5 SET GENERATED ALWAYS;", True),
        ("ALTER TABLE t ALTER COLUMN id SET GENERATED BY DEFAULT;", False),
        ("ALTER TABLE t ALTER COLUMN id RESTART WITH 1000;", False),
        ("ALTER TABLE t ALTER COLUMN id DROP IDENTITY;", True),
    ],
)
def test_identity_changes(sql: str, reported: bool) -> None:
    assert bool(lint("ban-alter-identity", sql)) is reported


def test_identity_finding_points_at_generated_always() -> None:
    sql = "ALTER TABLE t ALTER COLUMN id SET INCREMENT BY 5 SET GENERATED ALWAYS;"
    (finding,) = lint("ban-alter-identity", sql)
    assert finding.column == sql.index("SET GENERATED") + 1


def test_drop_identity_replaced_in_same_file_is_not_reported() -> None:
    sql = (
        "ALTER TABLE t ALTER COLUMN id DROP IDENTITY;\n"
        "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;\n"
    )
    assert lines("ban-alter-identity", sql) == []


# --- renames and moves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t RENAME TO t2;",
        "ALTER TABLE t RENAME COLUMN a TO b;",
        "ALTER VIEW v RENAME COLUMN a TO b;",
        "ALTER TYPE address RENAME ATTRIBUTE line1 TO street;",
        "ALTER TYPE mood ADD VALUE 'meh';",
        "ALTER STATISTICS s RENAME TO s2;",
    ],
)
def test_renames_left_to_other_rules(sql: str) -> None:
    assert lines("renaming-object", sql) == []


@pytest.mark.parametrize(
    ("sql", "start"),
    [
        ("ALTER MATERIALIZED VIEW mv RENAME TO mv2;", "Renaming materialized view mv to mv2"),
        ("ALTER SEQUENCE s RENAME TO s2;", "Renaming sequence s to s2"),
        ("ALTER DOMAIN d RENAME TO d2;", "Renaming domain d to d2"),
        ("ALTER DOMAIN d RENAME CONSTRAINT c TO c2;", "Renaming domain constraint c on d to"),
        ("ALTER TRIGGER trg ON t RENAME TO trg2;", "Renaming trigger trg on t to trg2"),
        ("ALTER POLICY p ON t RENAME TO p2;", "Renaming policy p on t to p2"),
        ("ALTER PROCEDURE p() RENAME TO q;", "Renaming procedure p() to q"),
        ("ALTER FOREIGN TABLE ft RENAME TO ft2;", "Renaming foreign table ft to ft2"),
        ("ALTER SCHEMA s RENAME TO s2;", "Renaming schema s to s2"),
        ("ALTER DATABASE shop RENAME TO store;", "Renaming database shop to store"),
        ("ALTER ROLE app RENAME TO web;", "Renaming role app to web"),
    ],
)
def test_renames_reported(sql: str, start: str) -> None:
    (finding,) = lint("renaming-object", sql)
    assert finding.message.startswith(start)


def test_enum_value_added_in_file_can_be_renamed() -> None:
    sql = "ALTER TYPE mood ADD VALUE 'meh';\nALTER TYPE mood RENAME VALUE 'meh' TO 'okay';"
    assert lines("renaming-object", sql) == []


def test_index_created_in_file_can_be_renamed_but_not_others() -> None:
    sql = (
        "CREATE INDEX t_a_idx ON t (a);\n"
        "ALTER INDEX t_a_idx RENAME TO t_a_index;\n"
        "ALTER INDEX t_b_idx RENAME TO t_b_index;\n"
    )
    assert lines("renaming-object", sql) == [3]


def test_constraint_rename_on_new_table() -> None:
    sql = (
        "CREATE TABLE t (id int CONSTRAINT t_id_key UNIQUE);\n"
        "ALTER TABLE t RENAME CONSTRAINT t_id_key TO t_id_unique;\n"
    )
    assert lines("renaming-object", sql) == []


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER VIEW v SET SCHEMA s;",
        "ALTER MATERIALIZED VIEW mv SET SCHEMA s;",
        "ALTER SEQUENCE q SET SCHEMA s;",
        "ALTER DOMAIN d SET SCHEMA s;",
        "ALTER TYPE mood SET SCHEMA s;",
        "ALTER PROCEDURE p() SET SCHEMA s;",
        "ALTER AGGREGATE agg(integer) SET SCHEMA s;",
        "ALTER FOREIGN TABLE ft SET SCHEMA s;",
    ],
)
def test_set_schema_kinds(sql: str) -> None:
    assert lines("ban-set-schema", sql) == [1]


def test_set_schema_of_new_objects() -> None:
    sql = (
        "CREATE TYPE mood AS ENUM ('a');\n"
        "ALTER TYPE mood SET SCHEMA s;\n"
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER FUNCTION f(integer) SET SCHEMA s;\n"
        "ALTER COLLATION c SET SCHEMA s;\n"
    )
    assert lines("ban-set-schema", sql) == []


def test_casts_operators_and_operator_classes() -> None:
    sql = (
        "DROP CAST (int AS text);\n"
        "DROP OPERATOR ===(int, int), -(NONE, int);\n"
        "DROP OPERATOR CLASS my_ops USING btree CASCADE;\n"
        "CREATE CAST (int AS bool) WITH INOUT;\n"
        "DROP CAST (integer AS boolean);\n"
    )
    messages = [f.message for f in lint("ban-drop-type", sql)]
    assert len(messages) == 4
    assert messages[0].startswith("DROP CAST removes the cast from integer to text")
    assert "operator -(NONE, integer)" in messages[2]
    assert messages[3].endswith(
        "CASCADE also drops the indexes that use it, with the lookups and uniqueness they provide"
    )


def test_not_enforced_counts_as_dropping_the_constraint() -> None:
    sql = (
        "ALTER TABLE t ALTER CONSTRAINT t_user_fkey NOT ENFORCED;\n"
        "ALTER TABLE t ALTER CONSTRAINT t_user_fkey ENFORCED;\n"
        "ALTER TABLE t ALTER CONSTRAINT t_user_fkey DEFERRABLE;\n"
    )
    assert lines("ban-drop-constraint", sql, pg=18) == [1]


def test_module_holds_exactly_its_rules() -> None:
    assert len(RULES) == 17
