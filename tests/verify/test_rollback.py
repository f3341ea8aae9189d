"""Round trips of rollbacks, failures and transaction modes on the real server."""

from __future__ import annotations

import io

from tests.verify.conftest import write_set

ORDERS = """
-- file: 00001_create_orders.sql
-- +goose Up
CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total numeric(12,2));
-- +goose Down
DROP TABLE orders;
"""


def _verify(pg_server, folder, **options):
    from pglint.verify.runner import Verifier, VerifyOptions

    settings = {"rows": 100, "timeout": 60, "layout": "goose", **options}
    return Verifier(pg_server, VerifyOptions(**settings)).verify_paths([str(folder)])


def _verify_after_orders(pg_server, tmp_path, migrations, **options):
    """Verify a goose set: the ``orders`` table's migration, then ``migrations``."""
    return _verify(pg_server, write_set(tmp_path / "m", ORDERS + migrations), **options)


def _migration(report, label):
    return next(m for m in report.migrations if m.label == label)


def test_correct_rollback(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_status.sql
-- +goose Up
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);
CREATE TYPE priority AS ENUM ('low', 'high');
ALTER TABLE orders ADD COLUMN priority priority DEFAULT 'low';
-- +goose Down
ALTER TABLE orders DROP COLUMN priority;
DROP TYPE priority;
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
ALTER TABLE orders DROP COLUMN shipped_at;
DROP INDEX orders_status_idx;
""",
    )
    assert report.findings == []
    migration = _migration(report, "00002_status")
    assert migration.rollback == "restored; up applied again"
    assert migration.rollback_differences == []
    assert migration.seeded == {"orders": 100}
    index = migration.statements[0]
    assert index.sql.startswith("CREATE INDEX") and index.mode == "in the migration's transaction"
    facts = index.relations[0]
    assert facts.relation == "orders" and facts.observed_lock.sql_name == "SHARE"
    assert facts.observed_scan is True and facts.rows == 100
    assert "added index orders_status_idx" in index.changes


def test_rollback_that_forgets_an_index(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_status.sql
-- +goose Up
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
-- +goose Down
ALTER TABLE orders DROP COLUMN shipped_at;

-- file: 00003_after.sql
-- +goose Up
CREATE INDEX orders_shipped_at_idx ON orders (shipped_at);
-- +goose Down
DROP INDEX orders_shipped_at_idx;
""",
    )
    migration = _migration(report, "00002_status")
    assert migration.rollback == "not reapplyable"
    # The scratch database is rebuilt, and the next migration is still verified.
    assert any("started a new scratch database" in note for note in report.notes)
    after = _migration(report, "00003_after")
    assert after.rollback == "restored; up applied again" and after.statements
    assert migration.rollback_differences == ["index orders_status_idx still exists"]
    restoring = [f for f in report.findings if f.rule == "rollback-not-restoring"]
    assert len(restoring) == 1
    assert "index orders_status_idx still exists" in restoring[0].message
    assert restoring[0].path.endswith("00002_status.sql") and restoring[0].line == 5
    again = [f for f in report.findings if f.rule == "rollback-not-reapplyable"]
    assert len(again) == 1 and "already exists" in again[0].message and again[0].line == 2


def test_rollback_that_fails(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_status.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
-- +goose Down
ALTER TABLE orders DROP COLUMN shipped_on;
""",
    )
    failed = [f for f in report.findings if f.rule == "migration-failed"]
    assert len(failed) == 1, report.findings
    finding = failed[0]
    assert "the rollback fails" in finding.message
    assert 'column "shipped_on" of relation "orders" does not exist' in finding.message
    assert "42703" in finding.message
    assert (finding.line, finding.column) == (4, 1)
    assert _migration(report, "00002_status").rollback == "failed"


def test_failing_up_points_at_postgres_position(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_bad.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN note text;
UPDATE orders SET note = missing_column;
-- +goose Down
ALTER TABLE orders DROP COLUMN note;

-- file: 00003_never.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN never int;
-- +goose Down
ALTER TABLE orders DROP COLUMN never;
""",
    )
    failed = [f for f in report.findings if f.rule == "migration-failed"]
    assert len(failed) == 1
    assert (failed[0].line, failed[0].column) == (3, 26)  # at missing_column
    assert "later migrations of this set were not verified" in " ".join(report.notes)
    assert "00003_never" not in [m.label for m in report.migrations]


def test_non_transactional_create_index_concurrently(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_index.sql
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
-- +goose Down
DROP INDEX CONCURRENTLY orders_status_idx;
""",
        rows=5000,
    )
    assert report.findings == []
    migration = _migration(report, "00002_index")
    assert migration.transaction.startswith("runs outside a transaction")
    (entry,) = migration.statements
    assert entry.mode == "outside a transaction block"
    facts = entry.relations[0]
    assert facts.observed_lock.sql_name == "SHARE UPDATE EXCLUSIVE"
    assert facts.predicted_lock.sql_name == "SHARE UPDATE EXCLUSIVE"
    assert facts.observed_scan is True
    assert "added index orders_status_idx" in entry.changes
    assert migration.rollback == "restored; up applied again"


def test_concurrently_inside_the_tools_transaction_runs_outside(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_index.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN note text;
CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);
-- +goose Down
DROP INDEX orders_note_idx;
ALTER TABLE orders DROP COLUMN note;
""",
    )
    migration = _migration(report, "00002_index")
    add, index = migration.statements
    assert add.mode == "in the migration's transaction"
    assert index.mode == "outside a transaction block"
    assert any("ran outside the migration's transaction" in n for n in index.notes)
    # goose would run it in the migration's transaction, where PostgreSQL refuses it.
    (failed,) = report.findings
    assert failed.rule == "migration-failed" and failed.line == 3
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in failed.message
    assert "SQLSTATE 25001" in failed.message and "the tool fails here" in failed.message
    assert migration.rollback == "restored; up applied again"  # reported once


def test_concurrently_in_a_one_query_script(pg_server, tmp_path):
    from pglint.verify.output import render

    folder = write_set(
        tmp_path / "m",
        """
-- file: 1_a.up.sql
CREATE TABLE t (id int PRIMARY KEY, a int);
-- file: 2_b.up.sql
CREATE INDEX CONCURRENTLY t_a_idx ON t (a);
CREATE INDEX CONCURRENTLY t_id_a_idx ON t (id, a);
-- file: 3_c.up.sql
CREATE INDEX CONCURRENTLY t_a_id_idx ON t (a, id);
""",
    )
    report = _verify(pg_server, folder, layout="golang-migrate")
    assert [f.rule for f in report.findings] == ["migration-failed"] * 2
    assert {f.line for f in report.findings} == {1, 2}
    assert all(f.path.endswith("2_b.up.sql") for f in report.findings)
    assert "as one implicit transaction" in report.findings[0].message
    # A script of one statement runs outside a transaction block: no finding for 3_c.
    assert _migration(report, "3_c").statements[0].mode == "outside a transaction block"
    stream = io.StringIO()
    render(report, "markdown", stream)
    markdown = stream.getvalue()
    assert "Line 1: cannot run inside a transaction block" in markdown
    assert "`migration-failed`" in markdown


def test_explicit_transaction_in_a_plain_file(pg_server, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_orders.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n"
    )
    (folder / "002_change.sql").write_text(
        "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN note text;\n"
        "CREATE INDEX orders_status_idx ON orders (status);\nCOMMIT;\n"
    )
    report = _verify(pg_server, folder, layout=None)
    assert report.findings == []
    migration = _migration(report, "002_change")
    kinds = [s.kind for s in migration.statements]
    assert kinds == [
        "TransactionStmt",
        "VariableSetStmt",
        "AlterTableStmt",
        "IndexStmt",
        "TransactionStmt",
    ]
    add = migration.statements[2]
    assert add.mode == "in the migration's transaction"
    index = migration.statements[3]
    # ACCESS EXCLUSIVE from the ALTER is still held: CREATE INDEX's SHARE is new.
    assert index.relations[0].observed_lock.sql_name == "SHARE"


def test_statement_timeout_cancels_a_statement_that_turns_the_timeout_off(pg_server, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_slow.sql").write_text("SET statement_timeout = 0;\nSELECT pg_sleep(30);\n")
    report = _verify(pg_server, folder, layout=None, statement_timeout=0.2)
    (failed,) = [f for f in report.findings if f.rule == "migration-failed"]
    assert "cancelled after 0.2 s (--statement-timeout)" in failed.message
    assert failed.line == 2


def test_failure_caused_by_rows_is_retried_on_empty_tables(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_note.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN shipped boolean;
ALTER TABLE orders ADD COLUMN note text NOT NULL;
-- +goose Down
ALTER TABLE orders DROP COLUMN note, DROP COLUMN shipped;

-- file: 00003_later.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN later int;
-- +goose Down
ALTER TABLE orders DROP COLUMN later;
""",
    )
    (failed,) = [f for f in report.findings if f.rule == "migration-failed"]
    assert 'column "note" of relation "orders" contains null values' in failed.message
    assert "on empty tables the migration succeeds" in failed.message
    assert failed.line == 3
    migration = _migration(report, "00002_note")
    assert any("synthetic rows" in note for note in migration.notes)
    assert migration.rollback == "restored; up applied again"
    # The set goes on, on freshly filled tables.
    assert migration.statements[0].sql.startswith("ALTER TABLE orders ADD COLUMN shipped")
    later = _migration(report, "00003_later")
    assert later.seeded == {"orders": 100}


def test_empty_and_irreversible_rollbacks_are_not_round_tripped(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_empty_down.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN a int;
-- +goose Down
-- nothing to undo here

-- file: 00003_irreversible.sql
-- pglint: irreversible the old values are gone
-- +goose Up
ALTER TABLE orders DROP COLUMN a;
-- +goose Down
ALTER TABLE orders ADD COLUMN a int;

-- file: 00004_after.sql
-- +goose Up
ALTER TABLE orders ADD COLUMN b int;
-- +goose Down
ALTER TABLE orders DROP COLUMN b;
""",
    )
    assert report.findings == []
    for label in ("00002_empty_down", "00003_irreversible"):
        assert _migration(report, label).rollback == "empty or irreversible: not round-tripped"
    assert _migration(report, "00004_after").rollback == "restored; up applied again"


def test_one_query_script_with_its_own_transaction(pg_server, tmp_path):
    """golang-migrate sends a file as one query: statements before BEGIN join its block,
    and those after COMMIT run in a new implicit one (as the static model says)."""
    folder = tmp_path / "m"
    folder.mkdir()
    files = {
        "1_orders.up.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n",
        "1_orders.down.sql": "DROP TABLE orders;\n",
        "2_change.up.sql": "ALTER TABLE orders ADD COLUMN note text;\nBEGIN;\n"
        "CREATE INDEX orders_status_idx ON orders (status);\nCOMMIT;\n"
        "ALTER TABLE orders ADD COLUMN memo text;\nCREATE INDEX orders_note_idx ON orders (note);\n",
        "2_change.down.sql": "DROP INDEX orders_note_idx;\nALTER TABLE orders DROP COLUMN memo;\n"
        "DROP INDEX orders_status_idx;\nALTER TABLE orders DROP COLUMN note;\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    report = _verify(pg_server, folder, layout="golang-migrate")
    assert report.findings == []
    migration = _migration(report, "2_change")
    modes = [(s.kind, s.mode) for s in migration.statements if s.kind != "TransactionStmt"]
    assert modes == [
        ("AlterTableStmt", "in the migration's transaction"),
        ("IndexStmt", "in the migration's transaction"),
        ("AlterTableStmt", "in the migration's transaction"),
        ("IndexStmt", "in the migration's transaction"),
    ]
    assert migration.rollback == "restored; up applied again"


def test_unparsable_rollback_skips_only_its_round_trip(pg_server, tmp_path):
    folder = write_set(
        tmp_path / "m",
        """
-- file: 1_a.up.sql
CREATE TABLE t (id int PRIMARY KEY);
-- file: 1_a.down.sql
DROP TABLE t;
-- file: 2_b.up.sql
ALTER TABLE t ADD COLUMN a int;
-- file: 2_b.down.sql
ALTER TABLE t DROP COLUMN a DROP COLUMN b;
-- file: 3_c.up.sql
ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;
-- file: 3_c.down.sql
ALTER TABLE t DROP COLUMN c;
""",
    )
    report = _verify(pg_server, folder, layout=None)
    assert [m.label for m in report.migrations] == ["1_a", "2_b", "3_c"]
    assert _migration(report, "2_b").rollback == "unparsable: not round-tripped"
    assert [s.kind for s in _migration(report, "2_b").statements] == ["AlterTableStmt"]
    assert _migration(report, "3_c").rollback == "restored; up applied again"
    (finding,) = report.findings
    assert finding.rule == "migration-failed" and finding.path.endswith("2_b.down.sql")
    assert "cannot parse this down migration" in finding.message
    assert "its round trip was not verified" in finding.message
    assert not any("not verified" in note for note in report.notes)


def test_narrow_unique_strings_are_seeded(pg_server, tmp_path):
    folder = write_set(
        tmp_path / "m",
        """
-- file: 1_a.up.sql
CREATE TABLE p (id bigint PRIMARY KEY, code char(3) UNIQUE NOT NULL, c2 varchar(2) UNIQUE);
CREATE TABLE t (id bigint PRIMARY KEY, p_id bigint NOT NULL REFERENCES p (id));
-- file: 2_b.up.sql
ALTER TABLE t ADD COLUMN note text;
""",
    )
    report = _verify(pg_server, folder, layout=None, rows=1000)
    migration = _migration(report, "2_b")
    assert migration.not_seeded == {}
    assert migration.seeded == {"p": 1000, "t": 1000}


def test_enum_labels_the_up_added_are_not_a_broken_rollback(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_type.sql
-- +goose Up
CREATE TYPE st AS ENUM ('a', 'it''s');
-- +goose Down
DROP TYPE st;

-- file: 00003_label.sql
-- +goose NO TRANSACTION
-- +goose Up
ALTER TYPE st ADD VALUE IF NOT EXISTS 'b';
ALTER TYPE st ADD VALUE IF NOT EXISTS 'o''k' BEFORE 'a';
CREATE INDEX IF NOT EXISTS orders_total_idx ON orders (total);
-- +goose Down
SELECT 1;
""",
    )
    migration = _migration(report, "00003_label")
    assert migration.rollback == "not restoring"
    assert migration.rollback_differences == ["index orders_total_idx still exists"]
    assert any("keeps the labels the up added (\"o'k\", 'b')" in n for n in migration.notes)
    (finding,) = [f for f in report.findings if f.rule == "rollback-not-restoring"]
    assert "enum" not in finding.message


def test_commit_in_a_do_block_inside_the_tools_transaction(pg_server, tmp_path):
    report = _verify_after_orders(
        pg_server,
        tmp_path,
        """
-- file: 00002_batches.sql
-- +goose Up
DO $$ BEGIN UPDATE orders SET total = 0; COMMIT; END $$;
""",
    )
    (failed,) = report.findings
    assert failed.rule == "migration-failed" and failed.line == 2
    assert "SQLSTATE 2D000" in failed.message
