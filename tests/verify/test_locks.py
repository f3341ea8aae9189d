"""Locks and rewrites traced on a real server, against pg-truth and the static model.

Each case is a migration set of two files: the measured schema of
``shared/pg-truth/README.md`` (t with indexes on c and d, p, enum mood, a trigger function,
plus the case's own setup) applied untraced, then the statement under test, traced by
``pglint verify`` on tables filled with synthetic rows. For every case:

* the strongest lock on the target relation and whether it was rewritten match the row of
  ``ddl-locks-pg15.tsv`` (when ``shared/`` is present and the server is PostgreSQL 15);
* the static model agrees with the server: no ``static-model-mismatch`` finding, except the
  differences the model makes on purpose (:data:`KNOWN`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import SHARED

TRUTH = SHARED / "pg-truth" / "ddl-locks-pg15.tsv"

_COLUMNS = "a int, b text, c varchar(20), d timestamp, e jsonb"
_REST = """
CREATE INDEX t_c_idx ON t (c);
CREATE INDEX t_d_idx ON t (d);
CREATE TABLE p (id int PRIMARY KEY);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'meh');
CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
"""
BASE = f"CREATE TABLE t (id int PRIMARY KEY, {_COLUMNS});{_REST}"
_TRIGGER = "CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();"
_PT = f"CREATE TABLE pt (id int NOT NULL, {_COLUMNS}) PARTITION BY RANGE (id);"
_MV = "CREATE MATERIALIZED VIEW mv AS SELECT id, a, b FROM t; CREATE UNIQUE INDEX mv_id ON mv (id);"

#: id (as in pg-truth) → (statement, extra setup, setup replacing BASE or None).
CASES: dict[str, tuple[str, str, str | None]] = {
    "create_index": ("CREATE INDEX t_b_idx ON t (b)", "", None),
    "create_unique_index": ("CREATE UNIQUE INDEX t_a_uidx ON t (a)", "", None),
    "drop_index": ("DROP INDEX t_c_idx", "", None),
    "rename_index": ("ALTER INDEX t_c_idx RENAME TO t_c_idx2", "", None),
    "reindex_table": ("REINDEX TABLE t", "", None),
    "add_column_nullable": ("ALTER TABLE t ADD COLUMN f int", "", None),
    "add_column_default_const": ("ALTER TABLE t ADD COLUMN f int DEFAULT 42", "", None),
    "add_column_default_random": (
        "ALTER TABLE t ADD COLUMN f double precision DEFAULT random()",
        "",
        None,
    ),
    "add_column_with_check": ("ALTER TABLE t ADD COLUMN f int CHECK (f > 0)", "", None),
    "drop_column": ("ALTER TABLE t DROP COLUMN b", "", None),
    "rename_column": ("ALTER TABLE t RENAME COLUMN b TO b2", "", None),
    "alter_type_int_to_bigint": ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "", None),
    "alter_type_varchar20_to_varchar40": (
        "ALTER TABLE t ALTER COLUMN c TYPE varchar(40)",
        "",
        None,
    ),
    "alter_type_varchar20_to_text": ("ALTER TABLE t ALTER COLUMN c TYPE text", "", None),
    "alter_type_timestamp_to_timestamptz_utc": (
        "ALTER TABLE t ALTER COLUMN d TYPE timestamptz",
        "",
        None,
    ),
    "set_not_null": ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "", None),
    "set_default": ("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0", "", None),
    "add_check": ("ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0)", "", None),
    "add_check_not_valid": (
        "ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID",
        "",
        None,
    ),
    "validate_check": (
        "ALTER TABLE t VALIDATE CONSTRAINT t_a_pos",
        "ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID;",
        None,
    ),
    "add_fk": ("ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id)", "", None),
    "drop_fk": (
        "ALTER TABLE t DROP CONSTRAINT t_a_fk",
        "ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES p (id);",
        None,
    ),
    "add_unique": ("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a)", "", None),
    "add_primary_key": (
        "ALTER TABLE t ADD PRIMARY KEY (id)",
        "",
        f"CREATE TABLE t (id int NOT NULL, {_COLUMNS});{_REST}",
    ),
    "set_unlogged": ("ALTER TABLE t SET UNLOGGED", "", None),
    "cluster": ("CLUSTER t USING t_pkey", "", None),
    "truncate": ("TRUNCATE t", "", None),
    "drop_table": ("DROP TABLE t", "", None),
    "create_trigger": (
        "CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg_fn()",
        "",
        None,
    ),
    "disable_trigger": ("ALTER TABLE t DISABLE TRIGGER t_trg", _TRIGGER, None),
    "drop_trigger": ("DROP TRIGGER t_trg ON t", _TRIGGER, None),
    "enum_add_value": (
        "ALTER TYPE mood ADD VALUE 'happy'",
        "ALTER TABLE t ADD COLUMN f mood;",
        None,
    ),
    "attach_partition": (
        "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (2000000000)",
        _PT,
        None,
    ),
    "detach_partition": (
        "ALTER TABLE pt DETACH PARTITION t",
        _PT + "ALTER TABLE pt ATTACH PARTITION t FOR VALUES FROM (0) TO (2000000000);",
        None,
    ),
    "create_matview": ("CREATE MATERIALIZED VIEW mv AS SELECT id, a, b FROM t", "", None),
    "refresh_matview": ("REFRESH MATERIALIZED VIEW mv", _MV, None),
    "refresh_matview_concurrently": ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", _MV, None),
    "comment_on_table": ("COMMENT ON TABLE t IS 'pgtruth'", "", None),
    "set_fillfactor": ("ALTER TABLE t SET (fillfactor = 70)", "", None),
    "set_statistics": ("ALTER TABLE t ALTER COLUMN a SET STATISTICS 500", "", None),
}

#: Statements that cannot run in a transaction block: traced by polling pg_locks, on more
#: rows so that they run long enough to be seen on a busy machine.
NON_TRANSACTIONAL: dict[str, tuple[str, str, str | None]] = {
    "create_index_concurrently": ("CREATE INDEX CONCURRENTLY t_b_idx ON t (b)", "", None),
    "drop_index_concurrently": ("DROP INDEX CONCURRENTLY t_c_idx", "", None),
    "reindex_index_concurrently": ("REINDEX INDEX CONCURRENTLY t_c_idx", "", None),
    "vacuum_full": ("VACUUM FULL t", "", None),
}

#: Where the static model differs from the server on purpose, and verify says so in a note
#: instead of a finding: id → the note's start.
KNOWN = {
    # The model assumes the rewrite because the server's TimeZone is not in the migration;
    # the throwaway server runs in UTC, where PostgreSQL skips it.
    "alter_type_timestamp_to_timestamptz_utc": "no rewrite: timestamp ↔ timestamptz",
}

#: The relation pg-truth measured for each target (t after RENAME is t_renamed).
_TARGET_NAMES = {"t": ("t",), "pt": ("pt",), "mv": ("mv",)}


def _truth() -> dict[str, dict[str, str]]:
    if not TRUTH.is_file():
        return {}
    with TRUTH.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}


TRUTH_ROWS = _truth()


def _build(root: Path, cases: dict[str, tuple[str, str, str | None]]) -> set[Path]:
    targets = set()
    for case, (statement, extra, base) in cases.items():
        folder = root / case
        folder.mkdir(parents=True)
        (folder / "00001_setup.sql").write_text((base or BASE) + extra + "\n")
        target = folder / "00002_case.sql"
        target.write_text(statement + ";\n")
        targets.add(target.resolve())
    return targets


def _run(pg_server, root: Path, cases, rows: int):
    from pglint.verify.runner import Verifier, VerifyOptions

    targets = _build(root, cases)
    options = VerifyOptions(rows=rows, only=targets, timeout=120)
    return Verifier(pg_server, options).verify_paths([str(root)])


@pytest.fixture(scope="module")
def traced(pg_server, tmp_path_factory):
    """case id → (StatementReport of the case's statement, its findings).

    The cases are independent migration sets (one scratch database each): four runs share
    the work, as creating a database takes most of a case's time.
    """
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(CASES)
    batches = [({n: CASES[n] for n in names[i::3]}, 200) for i in range(3)]
    batches.append((NON_TRANSACTIONAL, 20000))
    with ThreadPoolExecutor(len(batches)) as pool:
        runs = list(
            pool.map(
                lambda batch: _run(pg_server, tmp_path_factory.mktemp("locks"), *batch), batches
            )
        )
    reports = {}
    findings = []
    for report in runs:
        findings.extend(report.findings)
        for migration in report.migrations:
            case = Path(migration.root).name
            statements = [s for s in migration.statements if s.kind != "TransactionStmt"]
            reports[case] = statements[0] if statements else None
    by_case: dict[str, list] = {}
    for finding in findings:
        by_case.setdefault(Path(finding.path).parent.name, []).append(finding)
    return reports, by_case, pg_server


ALL = {**CASES, **NON_TRANSACTIONAL}


def test_enough_statement_kinds():
    assert len(ALL) >= 20


def _target(case: str) -> str:
    row = TRUTH_ROWS.get(case)
    return row["target"] if row else ("mv" if "matview" in case and "create" not in case else "t")


def _facts(entry, case: str):
    names = {"t", "t_renamed"} if case == "rename_table" else {_target(case)}
    for facts in entry.relations:
        if facts.relation in names:
            return facts
    return None


@pytest.mark.parametrize("case", sorted(ALL))
def test_traced_and_model_agrees(traced, case):
    reports, findings, _ = traced
    entry = reports.get(case)
    assert entry is not None, f"{case}: not traced ({findings.get(case)})"
    assert entry.error is None, entry.error
    own = [f for f in findings.get(case, []) if f.rule != "static-model-mismatch"]
    assert not own, own
    mismatches = [f for f in findings.get(case, []) if f.rule == "static-model-mismatch"]
    assert not mismatches, [f.message for f in mismatches]
    if case in KNOWN:
        notes = [n for f in entry.relations for n in f.notes]
        assert any(n.startswith(KNOWN[case]) for n in notes), entry.relations


@pytest.mark.parametrize("case", sorted(ALL))
def test_matches_pg_truth(traced, case):
    reports, _, server = traced
    row = TRUTH_ROWS.get(case)
    if row is None:
        pytest.skip(f"pg-truth not found at {TRUTH} (shared/ sits next to the checkout)")
    if server.major != 15:
        pytest.skip(f"pg-truth was measured on PostgreSQL 15, the server is {server.version}")
    entry = reports[case]
    facts = _facts(entry, case)
    measured = row["locks_on_t"].split(" [")[0]
    observed = facts.observed_lock.pg_locks_name if facts and facts.observed_lock else "none"
    assert observed == measured, f"{case}: {entry.sql}: observed {observed}, pg-truth {measured}"
    if row["rewrite"] in ("yes", "no") and facts is not None and facts.observed_rewrite is not None:
        assert facts.observed_rewrite == (row["rewrite"] == "yes"), f"{case}: rewrite"


def test_rewrite_detection(traced):
    """int → bigint rewrites the table; widening a varchar does not."""
    reports, _, _ = traced
    widened = _facts(reports["alter_type_varchar20_to_varchar40"], "x")
    bigint = _facts(reports["alter_type_int_to_bigint"], "x")
    assert (
        bigint.observed_rewrite is True
        and "table t" in reports["alter_type_int_to_bigint"].rewritten
    )
    assert widened.observed_rewrite is False
    assert not any(
        r.startswith("table ") for r in reports["alter_type_varchar20_to_varchar40"].rewritten
    )
    assert bigint.predicted_rewrite and not widened.predicted_rewrite


def test_scans_are_seen(traced):
    reports, _, _ = traced
    assert _facts(reports["set_not_null"], "x").observed_scan is True
    assert _facts(reports["add_check_not_valid"], "x").observed_scan is False
    assert _facts(reports["validate_check"], "x").observed_scan is True


def test_non_transactional_statements_are_polled(traced):
    reports, _, _ = traced
    for case in NON_TRANSACTIONAL:
        assert reports[case].mode == "outside a transaction block", case
    cic = _facts(reports["create_index_concurrently"], "x")
    assert cic.observed_lock is not None and cic.observed_lock.sql_name == "SHARE UPDATE EXCLUSIVE"
    assert any("added index t_b_idx" in c for c in reports["create_index_concurrently"].changes)
