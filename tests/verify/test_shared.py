"""Which statements verify does not run on a --dsn server (pglint.verify.shared)."""

from __future__ import annotations

import pytest

from pglint.sources import parse_part
from pglint.verify.shared import MISSING, opaque, server_wide


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
        ("DO $$ BEGIN PERFORM nowhere(); END $$", "does not exist before it runs"),
        ("DO $$ BEGIN PERFORM pg_terminate_backend(1); END $$", "beyond the scratch database"),
        ("DO LANGUAGE plperl $$ 1 $$", "in plperl"),
        ("SELECT public.f()", "user"),
        ("CALL g()", "user"),
        ("ALTER TABLE t ADD COLUMN c int DEFAULT f()", "user"),
        ("SELECT pg_reload_conf()", "beyond the scratch database"),
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
    ],
)
def test_readable(sql):
    statement = _statement(sql)
    assert opaque(statement.kind, statement.node, _user_functions) is None
