"""Property tests: pglint never raises on any input, and the lock model is monotonic."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pglint.config import Settings
from pglint.discovery import decode
from pglint.engine import ActiveRules, lint_text, select_rules
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser
from pglint.rules import load_catalogue
from pglint.sources.sql import parse_sql

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@cache
def _everything() -> tuple[Settings, ActiveRules]:
    """Every rule on, opt-in ones too, so that every check sees the inputs."""
    names = tuple(sorted(load_catalogue().rules))
    chosen = Settings(include=names, warn_unused_ignores=True)
    return chosen, select_rules(chosen)


def _lint(text: str, pg: int = 15, in_transaction: bool = False) -> None:
    base, active = _everything()
    chosen = Settings(
        pg_version=pg,
        include=base.include,
        warn_unused_ignores=True,
        assume_in_transaction=in_transaction,
    )
    for finding in lint_text("fuzz.sql", text, chosen, active):
        assert finding.line >= 1 and finding.column >= 1
        assert finding.end_line >= finding.line
        assert finding.message


# --- never raise ---------------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    _lint(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    text, error = decode(data, "fuzz.sql")
    assert (text is None) != (error is None)
    if text is not None:
        _lint(text)


_STATEMENTS = [
    "ALTER TABLE t ADD COLUMN f int DEFAULT random()",
    "ALTER TABLE t ALTER COLUMN a TYPE bigint",
    "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES p (id) NOT VALID",
    "ALTER TABLE t VALIDATE CONSTRAINT t_fk",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (10)",
    "ALTER TABLE pt DETACH PARTITION t CONCURRENTLY",
    "CREATE TABLE n (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, p_id int REFERENCES p)",
    "CREATE TABLE n2 PARTITION OF pt DEFAULT",
    "CREATE INDEX CONCURRENTLY t_a ON t (a)",
    "CREATE UNIQUE INDEX t_b ON t (b)",
    "DROP INDEX CONCURRENTLY IF EXISTS t_a",
    "REINDEX TABLE t",
    "CREATE MATERIALIZED VIEW mv AS SELECT * FROM t WITH NO DATA",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    "UPDATE t SET a = 1",
    "DELETE FROM t WHERE a > 1",
    "INSERT INTO t (a) SELECT id FROM p",
    "SET lock_timeout = '2s'",
    "SET LOCAL statement_timeout = 0",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "VACUUM FULL t",
    "LOCK TABLE t IN SHARE MODE",
    "ALTER TYPE mood ADD VALUE 'x'",
    "DROP TABLE t CASCADE",
    "TRUNCATE t, p",
    "COMMENT ON COLUMN t.a IS 'x'",
    "ALTER TABLE t RENAME COLUMN a TO b",
    "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
]
_FRAGMENTS = [
    "ALTER",
    "TABLE",
    "t",
    "p",
    "ONLY",
    "ADD",
    "COLUMN",
    "CONSTRAINT",
    "DROP",
    "INDEX",
    "CONCURRENTLY",
    "ON",
    "(",
    ")",
    ",",
    ";",
    "a",
    "int",
    "DEFAULT",
    "now()",
    "NOT",
    "NULL",
    "VALID",
    "REFERENCES",
    "PRIMARY KEY",
    "USING",
    "TYPE",
    "SET",
    "BEGIN",
    "END",
    "ATOMIC",
    "CASE",
    "$$",
    "$x$",
    "'",
    "''",
    '"',
    "--",
    "/*",
    "*/",
    "\n",
    "\r\n",
    " ",
    "é",
    "漢",
    "DO",
    "LANGUAGE",
    "plpgsql",
    "EXECUTE",
    "PERFORM",
    "-- pglint: ignore",
    "-- pglint: ignore-file",
    "-- squawk-ignore-file",
    "-- +goose Up",
    "-- +goose StatementBegin",
    "-- migrate:down",
    "PARTITION",
    "OF",
    "FOR VALUES",
    "DEFAULT",
]

_do_block = st.lists(st.sampled_from(_STATEMENTS), max_size=3).map(
    lambda body: "DO $$ BEGIN " + " ".join(s + ";" for s in body) + " END $$"
)
_piece = st.one_of(
    st.sampled_from(_STATEMENTS).map(lambda s: s + ";"),
    st.sampled_from(_FRAGMENTS),
    _do_block,
    st.text(max_size=5),
)


# Whole valid statements in any order reach deep into the checks; fragments mixed in
# exercise the error paths.
_script = st.lists(st.one_of(st.sampled_from(_STATEMENTS), _do_block), max_size=12).map(
    lambda statements: "".join(s + ";\n" for s in statements)
)


@FUZZ
@given(
    st.one_of(_script, st.lists(_piece, max_size=25).map(" ".join)),
    st.sampled_from([10, 11, 12, 15, 18]),
    st.booleans(),
)
def test_sqlish_text(text, pg, in_transaction):
    _lint(text, pg, in_transaction)


# --- the lock model --------------------------------------------------------------------------------

_SETUP = """
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, a int, b text, c varchar(20), d timestamp, e jsonb);
CREATE INDEX t_c_idx ON t (c);
ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id) NOT VALID;
ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0);
"""

_SUBCOMMANDS = [
    "ADD COLUMN f1 int",
    "ADD COLUMN f2 int DEFAULT 0",
    "ADD COLUMN f3 uuid DEFAULT gen_random_uuid()",
    "ADD COLUMN f4 int REFERENCES p (id)",
    "ADD COLUMN f5 int CHECK (f5 > 0)",
    "ADD COLUMN f6 bigserial",
    "DROP COLUMN e",
    "DROP COLUMN a",
    "ALTER COLUMN b SET DEFAULT 'x'",
    "ALTER COLUMN b DROP DEFAULT",
    "ALTER COLUMN b SET NOT NULL",
    "ALTER COLUMN b DROP NOT NULL",
    "ALTER COLUMN c TYPE varchar(40)",
    "ALTER COLUMN c TYPE varchar(10)",
    "ALTER COLUMN d TYPE timestamptz",
    "ALTER COLUMN b SET STATISTICS 500",
    "ALTER COLUMN b SET STORAGE EXTERNAL",
    "ADD CONSTRAINT k1 CHECK (id > 0)",
    "ADD CONSTRAINT k2 CHECK (id > 0) NOT VALID",
    "ADD CONSTRAINT k3 FOREIGN KEY (a) REFERENCES p (id)",
    "ADD CONSTRAINT k4 FOREIGN KEY (a) REFERENCES p (id) NOT VALID",
    "ADD CONSTRAINT k5 UNIQUE (b)",
    "VALIDATE CONSTRAINT t_a_fk",
    "DROP CONSTRAINT t_a_fk",
    "DROP CONSTRAINT t_a_pos",
    "SET (fillfactor = 70)",
    "RESET (autovacuum_enabled)",
    "SET (user_catalog_table = true)",
    "DISABLE TRIGGER ALL",
    "ENABLE TRIGGER USER",
    "CLUSTER ON t_c_idx",
    "SET WITHOUT CLUSTER",
    "SET LOGGED",
    "SET TABLESPACE fast",
    "REPLICA IDENTITY FULL",
    "ENABLE ROW LEVEL SECURITY",
    "OWNER TO admin",
    "ALTER CONSTRAINT t_a_fk DEFERRABLE",
]


def _touches(subcommands: list[str]) -> dict[str, tuple]:
    catalog = Catalog()
    for statement in parse_sql(_SETUP).statements:
        catalog.apply(statement, new=False)
    parsed = parse_sql("ALTER TABLE t " + ", ".join(subcommands))
    assert not parsed.problems, parsed.problems
    effect = Analyser(15, catalog=catalog).effect(parsed.statements[0], 0)
    return {t.relation: (t.lock, t.rewrite, t.scan) for t in effect.touches}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_SUBCOMMANDS), min_size=2, max_size=6, unique=True))
def test_alter_table_locks_at_least_as_strongly_as_each_subcommand(subcommands):
    together = _touches(subcommands)
    for one in subcommands:
        for relation, (lock, rewrite, scan) in _touches([one]).items():
            assert relation in together, (one, relation)
            lock_all, rewrite_all, scan_all = together[relation]
            assert lock_all >= lock, (one, relation)
            assert rewrite_all or not rewrite, (one, relation)
            assert scan_all or not scan, (one, relation)
