"""Edge cases of the opt-in restriction rules that the page examples do not cover."""

from __future__ import annotations

import pytest

from pglint.config import Settings
from pglint.engine import lint_text, run_checks, select_rules
from pglint.findings import Finding, Severity
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser
from pglint.rules import load_catalogue
from pglint.sources.sql import parse_sql
from tests.rules.helpers import lint

#: The rules whose checks live in pglint/rules/restrictions.py (each name is asserted to exist,
#: with Squawk's default, in tests/test_squawk_parity.py).
RULES = tuple(
    sorted(
        r.name
        for r in load_catalogue().rules.values()
        if r.fn is not None and r.fn.__module__ == "pglint.rules.restrictions"
    )
)


def lines(rule: str, sql: str, pg: int = 15, in_transaction: bool = False) -> list[int]:
    return [f.line for f in lint(rule, sql, pg, assume_in_transaction=in_transaction)]


def lint_with_history(rule: str, history: str, sql: str) -> list[Finding]:
    """Lint ``sql`` with the objects of ``history`` known as existing (an earlier migration)."""
    catalog = Catalog()
    for statement in parse_sql(history).statements:
        catalog.apply(statement, new=False)
    settings = Settings(select=(rule,))
    analyser = Analyser(settings.pg_version, False, catalog)
    findings = run_checks("t.sql", sql, parse_sql(sql), settings, select_rules(settings), analyser)
    return [f for f in findings if f.rule == rule]


# --- catalogue ---------------------------------------------------------------------------------


def test_all_rules_are_opt_in_breaking_warnings_known_to_squawk() -> None:
    catalogue = load_catalogue()
    for name in RULES:
        rule = catalogue.rules[name]
        assert not rule.default, name
        assert rule.family == "breaking" and rule.squawk, name
        assert rule.severity is Severity.WARNING, name


def test_none_runs_without_being_selected() -> None:
    settings = Settings()
    sql = "ALTER TABLE orders ADD COLUMN note text; DROP INDEX orders_idx; REVOKE ALL ON t FROM r;"
    findings = lint_text("t.sql", sql, settings, select_rules(settings))
    assert not [f for f in findings if f.rule in RULES]


# --- ban-add-column ----------------------------------------------------------------------------


def test_add_column_inside_do_block_is_reported() -> None:
    sql = "DO $$ BEGIN ALTER TABLE orders ADD COLUMN note text; END $$;"
    assert lines("ban-add-column", sql) == [1]


def test_add_column_to_table_created_by_create_table_as_is_not_reported() -> None:
    sql = "CREATE TABLE order_copy AS SELECT * FROM orders;\nALTER TABLE order_copy ADD COLUMN note text;"
    assert lines("ban-add-column", sql) == []


def test_add_column_reports_each_column_and_names_it() -> None:
    findings = lint("ban-add-column", "ALTER TABLE orders ADD COLUMN a int, ADD COLUMN b int;")
    assert [f.message.split()[2] for f in findings] == ["a", "b"]
    assert all("existing table orders" in f.message for f in findings)


def test_add_attribute_is_not_ban_add_column() -> None:
    assert lines("ban-add-column", "ALTER TYPE address ADD ATTRIBUTE country text;") == []


# --- types -------------------------------------------------------------------------------------


def test_enum_rename_value_is_not_an_added_value() -> None:
    assert lines("ban-add-enum-value", "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';") == []


def test_enum_created_in_schema_earlier_is_exempt() -> None:
    sql = "CREATE TYPE s.mood AS ENUM ('sad');\nALTER TYPE s.mood ADD VALUE 'happy';"
    assert lines("ban-add-enum-value", sql) == []


def test_composite_created_earlier_is_exempt_but_drop_attribute_is_not_this_rule() -> None:
    sql = "CREATE TYPE address AS (street text);\nALTER TYPE address ADD ATTRIBUTE city text;"
    assert lines("ban-add-composite-attribute", sql) == []
    assert lines("ban-add-composite-attribute", "ALTER TYPE address DROP ATTRIBUTE city;") == []


# --- session defaults and server settings -------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER DATABASE shop RENAME TO shop2;",
        "ALTER DATABASE shop SET TABLESPACE fast;",
        "ALTER DATABASE shop WITH IS_TEMPLATE true;",
        "ALTER DATABASE shop REFRESH COLLATION VERSION;",
        "CREATE DATABASE scratch;\nALTER DATABASE scratch SET timezone = 'UTC';",
    ],
)
def test_database_changes_that_do_not_change_sessions(sql: str) -> None:
    assert lines("ban-alter-database-options", sql) == []


def test_database_allow_connections_is_reported() -> None:
    findings = lint("ban-alter-database-options", "ALTER DATABASE shop ALLOW_CONNECTIONS false;")
    assert len(findings) == 1 and "refused" in findings[0].message


def test_alter_system_reset_message() -> None:
    (finding,) = lint("ban-alter-system-options", "ALTER SYSTEM RESET work_mem;")
    assert "configuration file's work_mem" in finding.message


# --- extensions, functions, roles ----------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER EXTENSION postgis ADD FUNCTION f(int);",
        "ALTER EXTENSION postgis DROP FUNCTION f(int);",
        "ALTER EXTENSION postgis SET SCHEMA gis;",
    ],
)
def test_extension_membership_and_schema_changes_are_not_updates(sql: str) -> None:
    assert lines("ban-alter-extension", sql) == []


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER FUNCTION f(int) COST 100 ROWS 10;",
        "ALTER FUNCTION f(int) RENAME TO g;",
        "ALTER FUNCTION f(int) OWNER TO admin;",
        "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';\nALTER PROCEDURE p() SET search_path = x;",
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\nALTER FUNCTION f STRICT;",
    ],
)
def test_function_changes_not_reported(sql: str) -> None:
    assert lines("ban-alter-function-options", sql) == []


def test_function_exemption_needs_the_same_signature_and_a_plain_create() -> None:
    overload = (
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER FUNCTION f(text) STRICT;"
    )
    assert lines("ban-alter-function-options", overload) == [2]
    replaced = (
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER FUNCTION f(int) SECURITY DEFINER;"
    )
    assert lines("ban-alter-function-options", replaced) == [2]


def test_function_options_are_listed_in_sql() -> None:
    (finding,) = lint(
        "ban-alter-function-options",
        "ALTER ROUTINE r(int) SECURITY INVOKER CALLED ON NULL INPUT PARALLEL SAFE COST 5;",
    )
    assert "SECURITY INVOKER, CALLED ON NULL INPUT, PARALLEL SAFE changes an existing routine" in (
        finding.message
    )


def test_role_membership_via_alter_group_add_is_not_a_role_option() -> None:
    assert lines("ban-alter-role-options", "ALTER GROUP readers ADD USER app;") == []
    assert lines("ban-alter-role-options", "ALTER ROLE app RENAME TO app2;") == []


def test_alter_role_all_set_names_every_role() -> None:
    (finding,) = lint("ban-alter-role-options", "ALTER ROLE ALL SET timezone = 'UTC';")
    assert "for every role" in finding.message


# --- row-level security, policies -----------------------------------------------------------------


def test_policy_rules_exempt_tables_created_earlier() -> None:
    sql = (
        "CREATE TABLE t (id int);\n"
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY p ON t USING (true);\n"
        "ALTER POLICY p ON t TO r USING (false);\n"
        "DROP POLICY p ON t;"
    )
    for rule in (
        "ban-alter-row-level-security",
        "ban-create-policy",
        "ban-alter-policy-condition",
        "ban-alter-policy-roles",
        "ban-drop-policy",
    ):
        assert lines(rule, sql) == [], rule


def test_alter_policy_reports_using_and_with_check_separately() -> None:
    sql = "ALTER POLICY p ON t USING (a = 1) WITH CHECK (a = 1);"
    assert lines("ban-alter-policy-condition", sql) == [1, 1]
    assert lines("ban-alter-policy-roles", sql) == []


def test_disable_row_level_security_is_not_ban_disable_trigger() -> None:
    sql = "ALTER TABLE t DISABLE ROW LEVEL SECURITY;"
    assert lines("ban-disable-trigger", sql) == []
    assert lines("ban-alter-row-level-security", sql) == [1]


def test_restrictive_and_permissive_policies_say_which() -> None:
    (restrictive,) = lint("ban-create-policy", "CREATE POLICY p ON t AS RESTRICTIVE USING (true);")
    (permissive,) = lint("ban-create-policy", "CREATE POLICY p ON t TO r USING (true);")
    assert "AS RESTRICTIVE" in restrictive.message and "fewer rows" in restrictive.message
    assert "permissive" in permissive.message and "TO r" in permissive.message


# --- sequences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER SEQUENCE s OWNED BY t.id;",
        "ALTER SEQUENCE s START WITH 100;",
        "ALTER SEQUENCE s AS bigint;",
        "ALTER TABLE t ALTER COLUMN id SET GENERATED BY DEFAULT;",
        "CREATE TABLE t (id serial PRIMARY KEY);\nSELECT setval(pg_get_serial_sequence('t', 'id'), 10);",
        "CREATE TABLE t (id serial PRIMARY KEY);\nSELECT setval('t_id_seq'::regclass, 10);",
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY);\nALTER TABLE t ALTER COLUMN id RESTART WITH 5;",
        "SELECT nextval('s');",
    ],
)
def test_sequence_changes_not_reported(sql: str) -> None:
    assert lines("ban-alter-sequence-values", sql) == []


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER SEQUENCE s AS integer;",
        "ALTER SEQUENCE IF EXISTS s CYCLE;",
        "ALTER SEQUENCE s CACHE 20;",
        "SELECT pg_catalog.setval('public.s', (SELECT max(id) FROM t));",
        "ALTER TABLE t ALTER COLUMN id RESTART;",
    ],
)
def test_sequence_changes_reported(sql: str) -> None:
    assert lines("ban-alter-sequence-values", sql) == [1]


# --- views, detach ------------------------------------------------------------------------------


def test_view_options_through_alter_table_on_a_known_view() -> None:
    history = "CREATE VIEW v AS SELECT 1 AS x;"
    findings = lint_with_history(
        "ban-alter-view-options", history, "ALTER TABLE v SET (security_invoker = on);"
    )
    assert len(findings) == 1 and "querying role" in findings[0].message
    # A plain table's storage options are not view options.
    plain = lint_with_history(
        "ban-alter-view-options", "CREATE TABLE t (id int);", "ALTER TABLE t SET (fillfactor = 70);"
    )
    assert plain == []


def test_view_option_turned_off_has_the_opposite_message() -> None:
    (finding,) = lint("ban-alter-view-options", "ALTER VIEW v SET (security_invoker = false);")
    assert "view owner instead of the querying role" in finding.message


def test_detach_finalize_and_partition_created_earlier_are_not_reported() -> None:
    assert lines("ban-detach-inheritance", "ALTER TABLE p DETACH PARTITION c FINALIZE;") == []
    sql = "CREATE TABLE c (id int);\nALTER TABLE c NO INHERIT p;"
    assert lines("ban-detach-inheritance", sql) == []


# --- triggers ----------------------------------------------------------------------------------


def test_disable_reenabled_in_the_same_transaction_is_not_reported() -> None:
    sql = (
        "BEGIN;\n"
        "ALTER TABLE t DISABLE TRIGGER tr;\n"
        "UPDATE t SET a = 1;\n"
        "ALTER TABLE t ENABLE TRIGGER tr;\n"
        "COMMIT;"
    )
    assert lines("ban-disable-trigger", sql) == []


def test_disable_reenabled_only_after_commit_is_reported() -> None:
    sql = (
        "BEGIN;\n"
        "ALTER TABLE t DISABLE TRIGGER tr;\n"
        "COMMIT;\n"
        "BEGIN;\n"
        "ALTER TABLE t ENABLE TRIGGER tr;\n"
        "COMMIT;"
    )
    assert lines("ban-disable-trigger", sql) == [2]


def test_disable_reenabled_outside_a_transaction_is_reported() -> None:
    sql = "ALTER TABLE t DISABLE TRIGGER tr;\nALTER TABLE t ENABLE TRIGGER tr;"
    assert lines("ban-disable-trigger", sql) == [1]
    assert lines("ban-disable-trigger", sql, in_transaction=True) == []


def test_disable_reenabled_inside_one_do_block_is_not_reported() -> None:
    sql = (
        "DO $$ BEGIN\n"
        "  ALTER TABLE t DISABLE TRIGGER USER;\n"
        "  UPDATE t SET a = 1;\n"
        "  ALTER TABLE t ENABLE TRIGGER USER;\n"
        "END $$;"
    )
    assert lines("ban-disable-trigger", sql) == []


def test_reenabling_another_trigger_or_table_does_not_count() -> None:
    sql = (
        "BEGIN;\n"
        "ALTER TABLE t DISABLE TRIGGER tr;\n"
        "ALTER TABLE t ENABLE TRIGGER other;\n"
        "ALTER TABLE u ENABLE TRIGGER tr;\n"
        "COMMIT;"
    )
    assert lines("ban-disable-trigger", sql) == [2]
    disable_all = (
        "BEGIN;\nALTER TABLE t DISABLE TRIGGER ALL;\nALTER TABLE t ENABLE TRIGGER USER;\nCOMMIT;"
    )
    assert lines("ban-disable-trigger", disable_all) == [2]


def test_enable_always_and_rules_are_reported() -> None:
    sql = "ALTER TABLE t ENABLE ALWAYS TRIGGER tr, DISABLE RULE r, ENABLE REPLICA RULE q;"
    messages = [f.message for f in lint("ban-disable-trigger", sql)]
    assert len(messages) == 3
    assert "logical replication" in messages[0] and "rule r" in messages[1]


def test_trigger_created_earlier_in_the_file_is_exempt() -> None:
    sql = (
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "ALTER TABLE t DISABLE TRIGGER tr;\n"
        "DROP TRIGGER tr ON t;"
    )
    assert lines("ban-disable-trigger", sql) == []
    assert lines("ban-drop-trigger", sql) == []


def test_drop_trigger_of_another_table_is_reported() -> None:
    sql = (
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "DROP TRIGGER tr ON u;"
    )
    assert lines("ban-drop-trigger", sql) == [2]


# --- indexes -----------------------------------------------------------------------------------


def test_drop_of_known_unique_index_mentions_on_conflict_columns() -> None:
    history = "CREATE TABLE t (id int, ref text);\nCREATE UNIQUE INDEX t_ref_key ON t (ref);"
    (finding,) = lint_with_history("ban-drop-index", history, "DROP INDEX t_ref_key;")
    assert "unique index of t" in finding.message and "ON CONFLICT (ref)" in finding.message


def test_drop_index_of_table_created_in_file_is_exempt() -> None:
    sql = "CREATE TABLE t (id int);\nCREATE INDEX t_id_idx ON t (id);\nDROP INDEX t_id_idx;"
    assert lines("ban-drop-index", sql) == []


# --- write restrictions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;",
        "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
        "ALTER TABLE t ADD COLUMN c bigserial PRIMARY KEY;",
        "ALTER TABLE t ADD COLUMN c int CHECK (c > 0);",
        "ALTER TABLE t ADD COLUMN c int UNIQUE;",
        "ALTER TABLE t ADD COLUMN c uuid UNIQUE DEFAULT gen_random_uuid();",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED;",
        "ALTER TABLE t ALTER CONSTRAINT c NOT ENFORCED;",
        "ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE INITIALLY DEFERRED;",
        "ALTER TABLE t VALIDATE CONSTRAINT c;",
        "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;",
        "CREATE INDEX CONCURRENTLY i ON t (a);",
        "CREATE TRIGGER tr INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION f();",
        "ALTER DOMAIN d DROP NOT NULL;",
        "ALTER FOREIGN TABLE ft ALTER COLUMN c SET NOT NULL;",
        "ALTER FOREIGN TABLE ft ADD CONSTRAINT c CHECK (a > 0);",
        "CREATE TABLE t (id int);\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
        "CREATE TABLE c (id int);\nALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (1) TO (10);",
    ],
)
def test_write_changes_that_reject_nothing_running_clients_do(sql: str) -> None:
    assert lines("ban-new-write-restriction", sql, pg=18) == []


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("ALTER TABLE t ADD COLUMN c int PRIMARY KEY;", "PRIMARY KEY without a default"),
        ("ALTER TABLE t ADD COLUMN c int CHECK (c > a);", "also reads a"),
        ("ALTER TABLE t ADD COLUMN c int UNIQUE DEFAULT 0;", "same default"),
        ("ALTER TABLE t ADD COLUMN c int UNIQUE NULLS NOT DISTINCT;", "same default"),
        ("ALTER TABLE t ADD COLUMN c int REFERENCES p ON DELETE RESTRICT;", "DELETEs"),
        ("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);", "EXCLUDE"),
        ("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a;", "NOT NULL a"),
        ("ALTER TABLE t ALTER CONSTRAINT c NOT DEFERRABLE;", "NOT DEFERRABLE"),
        ("ALTER TABLE t ALTER CONSTRAINT c ENFORCED;", "ENFORCED"),
        ("ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;", "GENERATED ALWAYS"),
        ("ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (1) TO (10);", "partition bound"),
        (
            "CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
            "CONSTRAINT TRIGGER",
        ),
        ("ALTER DOMAIN d SET NOT NULL;", "type d"),
        (
            "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE;",
            "also change rows",
        ),
    ],
)
def test_write_restrictions_reported(sql: str, words: str) -> None:
    findings = lint("ban-new-write-restriction", sql, pg=18)
    assert len(findings) == 1 and words in findings[0].message, findings


def test_set_not_null_on_a_column_already_not_null_is_not_reported() -> None:
    history = "CREATE TABLE t (id int NOT NULL, a int);"
    sql = "ALTER TABLE t ALTER COLUMN id SET NOT NULL, ALTER COLUMN a SET NOT NULL;"
    findings = lint_with_history("ban-new-write-restriction", history, sql)
    assert len(findings) == 1 and "t.a" in findings[0].message


def test_primary_key_using_index_on_not_null_columns_is_not_reported() -> None:
    history = "CREATE TABLE t (id int NOT NULL);\nCREATE UNIQUE INDEX t_id_key ON t (id);"
    sql = "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_key;"
    assert lint_with_history("ban-new-write-restriction", history, sql) == []


def test_unique_index_message_points_at_the_table_and_says_partial() -> None:
    (finding,) = lint(
        "ban-new-write-restriction",
        "CREATE UNIQUE INDEX i ON orders (ref) WHERE deleted_at IS NULL;",
    )
    assert "existing table orders" in finding.message and "WHERE clause" in finding.message
    assert finding.column == 26


# --- CREATE OR REPLACE ---------------------------------------------------------------------------


def test_replace_of_an_overload_created_earlier_is_reported() -> None:
    sql = (
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
        "CREATE OR REPLACE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 3';"
    )
    assert lines("ban-replace-view-function", sql) == [3]


def test_second_replace_of_the_same_object_is_reported_once() -> None:
    sql = (
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n"
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS x, 2 AS y;"
    )
    assert lines("ban-replace-view-function", sql) == [1]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (id int);\nCREATE OR REPLACE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
        "CREATE TABLE t (id int);\nCREATE OR REPLACE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
        "CREATE AGGREGATE ag (int) (sfunc = int4pl, stype = int);\nCREATE OR REPLACE AGGREGATE ag (int) (sfunc = int4pl, stype = int);",
    ],
)
def test_replace_of_objects_defined_in_the_file(sql: str) -> None:
    assert lines("ban-replace-view-function", sql) == []


def test_replace_of_view_known_as_existing_is_reported() -> None:
    findings = lint_with_history(
        "ban-replace-view-function",
        "CREATE VIEW v AS SELECT 1 AS x;",
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS x, 2 AS y;",
    )
    assert len(findings) == 1


# --- replica identity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "words"),
    [("NOTHING", "fails"), ("DEFAULT", "primary key"), ("FULL", "whole old row")],
)
def test_replica_identity_forms(form: str, words: str) -> None:
    (finding,) = lint("ban-replica-identity", f"ALTER TABLE t REPLICA IDENTITY {form};")
    assert words in finding.message


# --- revoke ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE SCHEMA billing;\nREVOKE ALL ON ALL TABLES IN SCHEMA billing FROM PUBLIC;",
        "CREATE SCHEMA billing;\nREVOKE ALL ON SCHEMA billing FROM PUBLIC;",
        "CREATE ROLE temp_reader;\nREVOKE SELECT ON orders FROM temp_reader;",
        "CREATE ROLE grp;\nREVOKE grp FROM app;",
        "CREATE SEQUENCE s;\nREVOKE ALL ON SEQUENCE s FROM PUBLIC;",
        "CREATE TYPE mood AS ENUM ('sad');\nREVOKE USAGE ON TYPE mood FROM PUBLIC;",
        "ALTER FUNCTION f() OWNER TO admin;",
        "ALTER GROUP readers ADD USER app;",
    ],
)
def test_revokes_not_reported(sql: str) -> None:
    assert lines("ban-revoke", sql) == []


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        (
            "CREATE SCHEMA IF NOT EXISTS billing;\nREVOKE ALL ON SCHEMA billing FROM PUBLIC;",
            "PUBLIC",
        ),
        ("ALTER GROUP readers DROP USER app;", "membership in readers"),
        ("REVOKE ADMIN OPTION FOR readers FROM app;", "ADMIN OPTION"),
        ("REVOKE GRANT OPTION FOR SELECT ON t FROM r CASCADE;", "CASCADE"),
        ("CREATE TABLE t (id int);\nREVOKE SELECT ON t, orders FROM r;", "orders"),
        (
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
            "REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;",
            "FUNCTION f()",
        ),
    ],
)
def test_revokes_reported(sql: str, words: str) -> None:
    findings = lint("ban-revoke", sql)
    assert len(findings) == 1 and words in findings[0].message, findings


# --- set default -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT NULL;",
        "ALTER TABLE t ALTER COLUMN c DROP DEFAULT;",
        "CREATE DOMAIN d AS int;\nALTER DOMAIN d SET DEFAULT 1;",
        "CREATE TABLE t (c int);\nALTER TABLE t ALTER COLUMN c SET DEFAULT 1;",
        "CREATE VIEW v AS SELECT 1 AS c;\nALTER VIEW v ALTER COLUMN c SET DEFAULT 1;",
    ],
)
def test_set_default_not_reported(sql: str) -> None:
    assert lines("ban-set-default", sql) == []


def test_set_default_of_a_column_added_to_another_table_is_reported() -> None:
    sql = "ALTER TABLE u ADD COLUMN c int;\nALTER TABLE t ALTER COLUMN c SET DEFAULT 1;"
    assert lines("ban-set-default", sql) == [2]


# --- versions ----------------------------------------------------------------------------------


def test_generated_expression_rule_only_runs_from_pg17() -> None:
    sql = "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (a + 1);"
    assert lines("ban-alter-generated-expression", sql, pg=16) == []
    assert lines("ban-alter-generated-expression", sql, pg=17) == [1]
    add = "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a + 1) STORED;"
    assert lines("ban-alter-generated-expression", add, pg=17) == []


# --- robustness --------------------------------------------------------------------------------


def test_every_rule_survives_odd_statements() -> None:
    sql = (
        "ALTER TABLE ONLY t ALTER COLUMN c SET DEFAULT 1;\n"
        "ALTER ROLE CURRENT_USER SET search_path = x;\n"
        "GRANT SELECT ON t TO r;\n"
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r;\n"
        "DROP POLICY IF EXISTS p ON s.t;\n"
        "DROP INDEX IF EXISTS i;\n"
        "SELECT setval(x, 1) FROM seqs;\n"
        "ALTER TABLE t ALTER CONSTRAINT c INITIALLY IMMEDIATE;\n"
        "CREATE UNIQUE INDEX ON t ((lower(a)));\n"
    )
    settings = Settings(select=RULES, pg_version=18)
    findings = lint_text("t.sql", sql, settings, select_rules(settings))
    assert {f.rule for f in findings} >= {"ban-set-default", "ban-alter-role-options"}


# --- what the migration created (the catalog's new flags) --------------------------------------


def lint_down(rule: str, up: str, down: str) -> list[Finding]:
    """Lint a down migration on the catalog its up left, as migration sets do."""
    catalog = Catalog()
    for statement in parse_sql(up).statements:
        catalog.apply(statement)
    settings = Settings(select=(rule,))
    analyser = Analyser(settings.pg_version, False, catalog.copy())
    findings = run_checks(
        "down.sql", down, parse_sql(down, part="down"), settings, select_rules(settings), analyser
    )
    return [f for f in findings if f.rule == rule]


def test_down_statements_are_not_reported() -> None:
    # The breaking family skips rollbacks: reverting removes what the up added, and the
    # catalog of a down counts the up's objects as existing (the up has shipped).
    up = "CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION log();"
    down = "DROP TRIGGER audit ON orders;"
    assert lint_down("ban-drop-trigger", up, down) == []
    assert lint_down("ban-drop-trigger", "SELECT 1;", down) == []
    assert len(lines("ban-drop-trigger", down)) == 1


def test_down_restoring_a_function_its_up_replaced_is_reported_on_the_up_only() -> None:
    body = "CREATE OR REPLACE FUNCTION total() RETURNS int LANGUAGE sql AS 'SELECT 1';"
    assert len(lines("ban-replace-view-function", body)) == 1
    assert lint_down("ban-replace-view-function", body, body) == []


def test_objects_of_an_earlier_file_are_existing_ones() -> None:
    settings = Settings(select=("ban-drop-trigger",))
    active = select_rules(settings)
    analyser = Analyser(settings.pg_version)
    first = "CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION log();"
    second = "DROP TRIGGER audit ON orders;"
    found = []
    for name, sql in (("1.sql", first), ("2.sql", second)):
        analyser.reset_file()
        found += run_checks(name, sql, parse_sql(sql), settings, active, analyser)
    assert [(f.path, f.rule) for f in found] == [("2.sql", "ban-drop-trigger")]


def test_module_holds_exactly_its_rules() -> None:
    assert len(RULES) == 25
