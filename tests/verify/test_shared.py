"""Which statements verify does not run on a --dsn server (pglint.verify.shared)."""

from __future__ import annotations

import pytest

from pglint.sources import parse_part
from pglint.verify.shared import MISSING, opaque, plpgsql_body, server_wide, sql_body


def _statement(sql: str):
    return parse_part("x.sql", sql, 0, len(sql), "up").statements[0]


@pytest.mark.parametrize(
    "sql",
    [
        "COMMENT ON ROLE r IS 'x'",
        "COMMENT ON DATABASE d IS 'x'",
        "COMMENT ON TABLESPACE s IS 'x'",
        "SECURITY LABEL ON ROLE r IS 'x'",
        "GRANT CONNECT ON DATABASE d TO r",
        "GRANT SET ON PARAMETER work_mem TO r",
        "GRANT pg_read_all_data TO r",
        "REVOKE pg_read_all_data FROM r",
        "ALTER ROLE r RENAME TO s",
        "ALTER DATABASE d OWNER TO r",
        "REASSIGN OWNED BY a TO b",
        "DROP OWNED BY a",
        "ALTER ROLE r CONNECTION LIMIT 3",
    ],
)
def test_server_wide(sql):
    statement = _statement(sql)
    assert server_wide(statement.kind, statement.node)


@pytest.mark.parametrize(
    "sql",
    ["COMMENT ON TABLE t IS 'x'", "GRANT SELECT ON t TO r", "ALTER TABLE t RENAME TO u"],
)
def test_not_server_wide(sql):
    statement = _statement(sql)
    assert not server_wide(statement.kind, statement.node)


def _user_functions(schema, name):
    return {"f": "user", "g": "user"}.get(name, MISSING if name == "nowhere" else None)


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DO $$ BEGIN EXECUTE 'ALTER ROLE r LOGIN'; END $$", "built at run time"),
        (
            "DO $$ DECLARE x record; BEGIN FOR x IN EXECUTE 'SELECT 1' LOOP END LOOP; END $$",
            "built at run time",
        ),
        ("DO $$ BEGIN ALTER ROLE r LOGIN; END $$", "shared by the whole server"),
        ("DO $$ BEGIN COMMENT ON ROLE r IS 'x'; END $$", "shared by the whole server"),
        ("DO $$ BEGIN PERFORM f(); END $$", "user"),
        ("DO $$ BEGIN IF g() THEN RAISE NOTICE 'x'; END IF; END $$", "user"),
        ("DO $$ DECLARE y int; BEGIN y := f(); END $$", "user"),
        ("DO $$ BEGIN PERFORM nowhere(); END $$", "does not exist yet"),
        ("DO $$ BEGIN PERFORM pg_terminate_backend(1); END $$", "beyond the scratch database"),
        ("DO LANGUAGE plperl $$ 1 $$", "in plperl"),
        ("SELECT public.f()", "user"),
        ("CALL g()", "user"),
        ("ALTER TABLE t ADD COLUMN c int DEFAULT f()", "user"),
        ("SELECT pg_reload_conf()", "beyond the scratch database"),
        # Each runs f() or g() later, on inserts, reads or any DDL.
        ("CREATE TABLE t (id int DEFAULT f())", "user"),
        ("CREATE VIEW v AS SELECT f()", "user"),
        ("CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION g()", "user"),
        ("CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION public.g()", "user"),
    ],
)
def test_opaque(sql, reason):
    statement = _statement(sql)
    found = opaque(statement.kind, statement.node, _user_functions)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "sql",
    [
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x') "
        "THEN CREATE TYPE x AS ENUM ('a'); END IF; END $$",
        "DO $$ DECLARE y int; BEGIN y := length('abc'); UPDATE t SET a = now(); END $$",
        "SELECT nowhere()",  # PostgreSQL rejects it: nothing runs
        "CREATE TABLE t (id uuid DEFAULT gen_random_uuid())",
        "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT f()'",  # runs nothing yet
    ],
)
def test_readable(sql):
    statement = _statement(sql)
    assert opaque(statement.kind, statement.node, _user_functions) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("BEGIN NEW.at := now(); RETURN NEW; END", None),
        ("BEGIN PERFORM f(); RETURN NEW; END", "user"),
        (
            "BEGIN EXECUTE 'ALTER ROLE r LOGIN'; RETURN NEW; END",
            "the function t() it calls runs SQL",
        ),
        ("BEGIN GRANT pg_monitor TO r; RETURN NEW; END", "changes objects shared"),
    ],
)
def test_plpgsql_function_bodies(body, reason):
    source = f"CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $b${body}$b$"
    found = plpgsql_body(source, "the function t() it calls", _user_functions)
    assert found is None if reason is None else reason in found


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("SELECT length('x'); UPDATE t SET a = 1", None),
        ("SELECT 1; ALTER ROLE r LOGIN", "changes objects shared"),
        ("SELECT g()", "user"),
        (
            "CREATE FUNCTION s() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(); END",
            "user",
        ),
    ],
)
def test_sql_function_bodies(source, reason):
    found = sql_body(source, "the function s() it calls", _user_functions)
    assert found is None if reason is None else reason in found
