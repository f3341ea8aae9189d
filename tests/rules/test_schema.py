"""Edge cases of the schema rules that the page examples do not cover."""

from __future__ import annotations

import pytest

from pglint.config import ConfigError, Settings
from pglint.engine import lint_text, select_rules
from pglint.findings import Finding
from pglint.rules import load_catalogue
from pglint.rules.schema import long_identifiers, quote_ident, truncate_identifier
from tests.rules.helpers import lint


def columns_of(findings: list[Finding]) -> list[int]:
    return [f.column for f in findings]


# --- shared column-type walk -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "type_sql"),
    [
        ("prefer-bigint-over-int", "int4"),
        ("prefer-bigint-over-smallint", "int2"),
        ("prefer-timestamp-tz", "timestamp(6)"),
        ("prefer-text-field", "varchar(30)"),
        ("prefer-jsonb", "json"),
        ("ban-char-field", "character(4)"),
    ],
)
def test_all_three_clauses_and_temp_tables(rule: str, type_sql: str) -> None:
    sql = (
        f"CREATE TABLE a (c {type_sql});\n"
        f"ALTER TABLE b ADD COLUMN c {type_sql};\n"
        f"ALTER TABLE b ALTER COLUMN d TYPE {type_sql};\n"
        f"CREATE TEMP TABLE scratch (c {type_sql});\n"
        f"CREATE FOREIGN TABLE remote (c {type_sql}) SERVER other;\n"
    )
    assert [f.line for f in lint(rule, sql)] == [1, 2, 3]


def test_finding_points_at_the_type() -> None:
    (finding,) = lint("prefer-jsonb", "CREATE TABLE a (id bigint, body json);")
    assert finding.column == len("CREATE TABLE a (id bigint, body ") + 1
    assert "column a.body is json" in finding.message


def test_user_types_of_the_same_name_are_not_reported() -> None:
    sql = (
        "CREATE TABLE a (j app.json, t app.timestamp, v app.varchar(3), i app.int4, c app.bpchar);"
    )
    for rule in ("prefer-jsonb", "prefer-timestamp-tz", "prefer-text-field", "ban-char-field"):
        assert lint(rule, sql) == [], rule
    assert lint("prefer-bigint-over-int", sql) == []


def test_mixed_case_names_are_quoted_in_messages() -> None:
    (finding,) = lint("prefer-bigint-over-int", 'CREATE TABLE "JobRun" ("runCount" integer);')
    assert 'column "JobRun"."runCount" is integer' in finding.message


def test_arrays_are_checked() -> None:
    assert len(lint("prefer-jsonb", "CREATE TABLE a (j json[]);")) == 1
    assert len(lint("prefer-timestamp-tz", "CREATE TABLE a (t timestamp[]);")) == 1
    assert len(lint("prefer-bigint-over-int", "CREATE TABLE a (i int[]);")) == 1


# --- ban-char-field --------------------------------------------------------------------------


def test_char_spellings() -> None:
    sql = 'CREATE TABLE a (a char, b character(2), c bpchar, d nchar(3), e "char", f varchar(2));'
    findings = lint("ban-char-field", sql)
    assert len(findings) == 4
    assert "char (which means char(1))" in findings[0].message
    assert "is char(2)" in findings[1].message
    assert "is bpchar" in findings[2].message


def test_explicit_char_1_is_not_called_bare_char() -> None:
    (finding,) = lint("ban-char-field", "CREATE TABLE a (flag char(1));")
    assert "is char(1):" in finding.message


# --- prefer-bigint-over-int ------------------------------------------------------------------


def test_serial_counts_as_integer() -> None:
    findings = lint("prefer-bigint-over-int", "CREATE TABLE a (id serial, b serial4, c bigserial);")
    assert len(findings) == 2


def test_message_names_the_integer_key_a_foreign_key_follows() -> None:
    sql = "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id int REFERENCES a);"
    findings = lint("prefer-bigint-over-int", sql)
    assert "it references a.id, integer too" in findings[1].message


def test_ignore_references_follows_table_level_and_self_references() -> None:
    sql = (
        "CREATE TABLE p (x bigint, y int, PRIMARY KEY (x, y));\n"
        "CREATE TABLE c (\n"
        "  px bigint, py int, parent int REFERENCES c (own), own int UNIQUE,\n"
        "  FOREIGN KEY (px, py) REFERENCES p (x, y));\n"
    )
    findings = lint("prefer-bigint-over-int", sql, options={"ignore_references": True})
    # p.y and c.own are keys themselves; c.py follows p.y; c.parent follows c.own.
    assert [(f.line, f.message.split(" is ")[0]) for f in findings] == [
        (1, "column p.y"),
        (3, "column c.own"),
    ]


def test_ignore_references_with_the_primary_key_of_the_target() -> None:
    sql = (
        "CREATE TABLE a (id bigint PRIMARY KEY);\n"
        "CREATE TABLE b (id bigint PRIMARY KEY, a_id int REFERENCES a);"
    )
    (finding,) = lint("prefer-bigint-over-int", sql, options={"ignore_references": True})
    assert "it references a.id, which is bigint" in finding.message


def test_ignore_references_in_alter_table() -> None:
    sql = (
        "ALTER TABLE b ADD COLUMN a_id int, "
        "ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id);\n"
        "ALTER TABLE b ADD COLUMN c_id int REFERENCES c;\n"
        "ALTER TABLE b ADD COLUMN n int;\n"
    )
    assert [
        f.line for f in lint("prefer-bigint-over-int", sql, options={"ignore_references": True})
    ] == [3]
    assert len(lint("prefer-bigint-over-int", sql)) == 3


def test_ignore_references_must_be_a_bool() -> None:
    settings = Settings(
        select=("prefer-bigint-over-int",),
        options={"prefer-bigint-over-int": {"ignore-references": "yes"}},
    )
    with pytest.raises(ConfigError):
        select_rules(settings)


# --- prefer-identity -------------------------------------------------------------------------


def test_identity_spellings_and_versions() -> None:
    sql = "CREATE TABLE a (a serial2, b serial4, c serial8, d int GENERATED ALWAYS AS IDENTITY);"
    findings = lint("prefer-identity", sql)
    assert len(findings) == 3
    assert findings[2].help.startswith("Use bigint GENERATED BY DEFAULT AS IDENTITY")
    assert lint("prefer-identity", sql, pg=9) == []


# --- prefer-text-field -----------------------------------------------------------------------


def test_allow_max_length_is_inclusive() -> None:
    sql = "CREATE TABLE a (x varchar(254), y varchar(255), z varchar(4000), w varchar);"
    findings = lint("prefer-text-field", sql, options={"allow_max_length": 255})
    assert [f.message.split(":")[0] for f in findings] == ["column a.x is varchar(254)"]
    assert len(lint("prefer-text-field", sql)) == 3


@pytest.mark.parametrize("value", ["255", 0, True])
def test_allow_max_length_is_validated(value: object) -> None:
    settings = Settings(
        select=("prefer-text-field",),
        options={"prefer-text-field": {"allow-max-length": value}},
    )
    with pytest.raises(ConfigError):
        select_rules(settings)


# --- prefer-timestamp-tz ---------------------------------------------------------------------


def test_timestamp_tz_alias_and_quoted_name() -> None:
    assert load_catalogue().resolve("prefer-timestamptz").name == "prefer-timestamp-tz"
    sql = 'CREATE TABLE a (a "timestamp", b timestamptz, c time, d date);'
    assert len(lint("prefer-timestamp-tz", sql)) == 1


# --- identifier-too-long ---------------------------------------------------------------------

LONG = "a" * 64


def test_exactly_63_bytes_is_fine_and_64_is_not() -> None:
    assert lint("identifier-too-long", f"CREATE TABLE {'a' * 63} (id bigint);") == []
    (finding,) = lint("identifier-too-long", f"CREATE TABLE {LONG} (id bigint);")
    assert "is 64 bytes" in finding.message
    assert f'named "{"a" * 63}"' in finding.message


def test_bytes_not_characters_are_counted() -> None:
    name = "é" * 32  # 32 characters, 64 bytes
    (finding,) = lint("identifier-too-long", f'CREATE TABLE "{name}" (id bigint);')
    assert f'named "{"é" * 31}"' in finding.message  # cut at a character boundary: 62 bytes


def test_references_to_long_names_are_not_reported() -> None:
    sql = f"DROP INDEX {LONG};\nALTER TABLE {LONG} ADD COLUMN x bigint;\nSELECT * FROM {LONG};"
    assert lint("identifier-too-long", sql) == []


def test_defined_names_of_many_kinds() -> None:
    sql = (
        f"CREATE INDEX {LONG}_i ON t (a);\n"
        f"ALTER TABLE t ADD COLUMN {LONG}_c bigint;\n"
        f"ALTER TABLE t ADD CONSTRAINT {LONG}_k CHECK (a > 0);\n"
        f"ALTER TABLE t RENAME COLUMN a TO {LONG}_r;\n"
        f"CREATE VIEW {LONG}_v AS SELECT 1;\n"
        f"CREATE SEQUENCE {LONG}_s;\n"
        f"CREATE FUNCTION {LONG}_f() RETURNS int LANGUAGE sql AS 'select 1';\n"
        f"CREATE TYPE {LONG}_e AS ENUM ('x');\n"
        f"CREATE SCHEMA {LONG}_schema;\n"
        f'CREATE TABLE "Mixed{LONG}" ("{LONG}" bigint);\n'
        f"DO $$ BEGIN CREATE TABLE {LONG}_do (id bigint); END $$;\n"
    )
    findings = lint("identifier-too-long", sql)
    whats = [f.message.split(" name ")[0] for f in findings]
    assert whats == [
        "index",
        "column",
        "constraint",
        "column",
        "view",
        "sequence",
        "function",
        "type",
        "schema",
        "table",
        "column",
        "table",
    ]


def test_truncation_helpers() -> None:
    assert truncate_identifier("x" * 70) == "x" * 63
    assert truncate_identifier("ab") == "ab"
    assert len(truncate_identifier("€" * 30).encode()) == 63  # 21 three-byte characters
    found = long_identifiers(f'SELECT "Q""{LONG}", {LONG.upper()}X')
    assert found[truncate_identifier('Q"' + LONG)] == 'Q"' + LONG
    assert found["a" * 63] == LONG + "x"


def test_quote_ident() -> None:
    assert quote_ident("orders") == "orders"
    assert quote_ident("JobRun") == '"JobRun"'
    assert quote_ident('a"b') == '"a""b"'


# --- require-enum-value-ordering -------------------------------------------------------------


def test_enum_message_names_the_current_last_label() -> None:
    sql = "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE public.mood ADD VALUE 'it''s fine';"
    (finding,) = lint("require-enum-value-ordering", sql)
    assert "ADD VALUE 'it''s fine' puts the new label last (after 'ok')" in finding.message


# --- require-table-schema --------------------------------------------------------------------


def test_table_schema_statements() -> None:
    sql = (
        "CREATE TABLE a (id bigint);\n"
        "CREATE TABLE public.b PARTITION OF p FOR VALUES IN (1);\n"
        "CREATE TABLE c AS SELECT 1;\n"
        "ALTER TABLE a RENAME CONSTRAINT x TO y;\n"
        "ALTER TABLE a RENAME COLUMN x TO y;\n"
        "ALTER TABLE a SET SCHEMA app;\n"
        "ALTER INDEX a_idx RENAME TO b_idx;\n"
        "CREATE INDEX i ON a (id);\n"
        "DROP TABLE public.d, e;\n"
        "DROP VIEW v;\n"
    )
    assert [f.line for f in lint("require-table-schema", sql)] == [1, 3, 4, 5, 6, 9]


def test_table_schema_skips_temporary_tables_after_creation() -> None:
    sql = (
        "ALTER TABLE scratch ADD COLUMN x bigint;\n"
        "CREATE TEMPORARY TABLE scratch (id bigint);\n"
        "ALTER TABLE scratch ADD COLUMN y bigint;\n"
        "DROP TABLE scratch;\n"
    )
    assert [f.line for f in lint("require-table-schema", sql)] == [1]


def test_table_schema_is_opt_in() -> None:
    assert load_catalogue().rules["require-table-schema"].default is False
    settings = Settings()
    findings = lint_text("t.sql", "CREATE TABLE a (id bigint);", settings, select_rules(settings))
    assert not [f for f in findings if f.rule == "require-table-schema"]


def test_enum_ordering_names_the_label_a_previous_add_value_put_last() -> None:
    sql = (
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
        "ALTER TYPE mood ADD VALUE 'happy';\n"
        "ALTER TYPE mood ADD VALUE 'glad';"
    )
    first, second = lint("require-enum-value-ordering", sql)
    assert "(after 'ok')" in first.message and "(after 'happy')" in second.message


def test_table_schema_after_a_temporary_table_is_dropped() -> None:
    sql = (
        "CREATE TEMP TABLE scratch (a int);\n"
        "INSERT INTO scratch VALUES (1);\n"
        "DROP TABLE scratch;\n"
        "CREATE TABLE scratch (a int);"
    )
    assert [f.line for f in lint("require-table-schema", sql)] == [4]
