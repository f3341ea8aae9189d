"""Plans of small golang-migrate sets written on the fly: verdicts, kinds of relations,
rollback SQL, queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pglast import parse_sql

from pglint.cli import main
from pglint.config import Settings
from pglint.plan import PlanOptions, make_plan, render
from pglint.plan.json import json_schema
from pglint.plan.model import FindingRow, Plan, Verdict, Verified, VerifiedRollback


def plan_of(tmp_path: Path, monkeypatch, *migrations: tuple[str, str | None]) -> Plan:
    """Plan the last of ``migrations`` ((up, down) pairs of golang-migrate files), all rules."""
    folder = tmp_path / "m"
    folder.mkdir()
    for number, (up, down) in enumerate(migrations, 1):
        (folder / f"{number}_m.up.sql").write_text(up, encoding="utf-8")
        if down is not None:
            (folder / f"{number}_m.down.sql").write_text(down, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return make_plan([f"m/{len(migrations)}_m.up.sql"], Settings(), PlanOptions())


BASE = ("CREATE TABLE t (id int PRIMARY KEY, a int);\n", "DROP TABLE t;\n")


def test_interval_types_roll_back_as_valid_sql(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        ("CREATE TABLE t (id int PRIMARY KEY, iv interval minute, iv2 interval(3));", None),
        ("ALTER TABLE t ALTER COLUMN iv TYPE interval, ALTER COLUMN iv2 TYPE interval;", None),
    )
    (rollback,) = plan.rollback
    assert rollback.source == "generated"
    text = "\n".join(rollback.statements)
    assert "TYPE interval(3) USING iv2::interval(3)" in text
    assert "TYPE interval minute USING iv::interval minute" in text
    parse_sql(text)
    assert "change type of iv from interval minute to interval" in plan.modified_tables[0].changes


def test_a_migration_postgresql_rejects_fails_as_written(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        BASE,
        (
            "CREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n",
            "DROP INDEX t_a;\nDROP INDEX t_id;\n",
        ),
    )
    assert plan.summary.verdict == Verdict.FAILS
    assert "ban-concurrent-index-creation-in-transaction" in plan.summary.verdict_reason
    assert "1 more finding like it" in plan.summary.verdict_reason
    assert "**Verdict: fails as written.** PostgreSQL rejects m/2_m.up.sql:1" in render(plan)


def test_a_syntax_error_fails_as_written(tmp_path, monkeypatch):
    plan = plan_of(tmp_path, monkeypatch, BASE, ("ALTER TABLE t ADD COLUMN b int,;", "SELECT 1;"))
    assert plan.summary.verdict == Verdict.FAILS
    assert "(syntax-error)" in plan.summary.verdict_reason


def test_a_single_concurrent_build_is_safe(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path, monkeypatch, BASE, ("CREATE INDEX CONCURRENTLY t_a ON t (a);", "DROP INDEX t_a;")
    )
    assert plan.summary.verdict == Verdict.ONLINE


def test_a_renamed_index_counts_for_its_table(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        ("CREATE TABLE t (id int PRIMARY KEY, a int);\nCREATE INDEX t_a_idx ON t (a);\n", None),
        ("ALTER INDEX t_a_idx RENAME TO t_a_idx2;", "ALTER INDEX t_a_idx2 RENAME TO t_a_idx;"),
    )
    assert [(m.name, m.changes) for m in plan.modified_tables] == [
        ("t", ("rename index t_a_idx to t_a_idx2",))
    ]
    assert [e.name for e in plan.er_diagram.entities] == ["t"]
    assert [r.relation for r in plan.locks] == ["t_a_idx"]


def test_an_unknown_dropped_index_is_no_table(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        BASE,
        ("DROP INDEX IF EXISTS old_idx;\nUPDATE t SET a = 1 WHERE a IS NULL;\n", "SELECT 1;"),
    )
    assert [m.name for m in plan.modified_tables] == ["t"]
    assert "old_idx" not in {e.name for e in plan.er_diagram.entities}
    queries = "\n".join(q.sql for q in plan.validation + plan.monitoring)
    assert "FROM t" in queries and "old_idx" not in queries
    assert not any("old_idx" in d for d in plan.confidence.dependencies)


MATVIEW = (
    "CREATE TABLE t (id int PRIMARY KEY);\n"
    "CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;\n"
    "CREATE UNIQUE INDEX mv_id ON mv (id);\n",
    None,
)


def test_concurrent_refresh_is_online_and_plain_refresh_is_not(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path, monkeypatch, MATVIEW, ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv;", None)
    )
    levels = {r.relation: (r.lock, r.level.value) for r in plan.locks}
    assert levels == {"mv": ("EXCLUSIVE", "LOW"), "t": ("ACCESS SHARE", "LOW")}
    assert not any(m.downtime for m in plan.modified_tables)
    assert plan.summary.verdict == Verdict.ONLINE
    assert "blocks only nothing" not in render(plan)


def test_plain_refresh_blocks_reads_for_its_duration(tmp_path, monkeypatch):
    plan = plan_of(tmp_path, monkeypatch, MATVIEW, ("REFRESH MATERIALIZED VIEW mv;", None))
    assert plan.summary.verdict == Verdict.WINDOW


DEFAULT_SET = (
    ("CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL DEFAULT 5);", "DROP TABLE t;"),
    ("ALTER TABLE t ALTER COLUMN a DROP DEFAULT;", "SELECT 1;"),
)
NOT_RESTORED = "column t.a is now 'integer NOT NULL' (was 'integer NOT NULL DEFAULT 5')"


def _verified(result: str, rule: str, path: str) -> Verified:
    finding = FindingRow(rule, "error", path, 1, 1, f"2_m: {NOT_RESTORED}", "Fix it.")
    return Verified("15.18", (finding,), (VerifiedRollback("2_m", result, (NOT_RESTORED,)),))


def test_verified_rollback_failures_join_the_plan(tmp_path, monkeypatch):
    plain = plan_of(tmp_path, monkeypatch, *DEFAULT_SET)
    options = PlanOptions(
        verified=_verified("not restoring", "rollback-not-restoring", "m/2_m.down.sql")
    )
    plan = make_plan(["m/2_m.up.sql"], Settings(), options)
    (rollback,) = plan.rollback
    assert rollback.verified == "not restoring"
    assert f"verified on PostgreSQL 15.18: {NOT_RESTORED}" in rollback.not_restored
    assert "rollback-not-restoring" in {f.rule for f in plan.findings}
    assert plan.confidence.score < plain.confidence.score
    reasons = {d.reason for d in plan.confidence.deductions}
    assert "1 down migration does not restore the schema" in reasons
    assert plan.summary.verdict == plain.summary.verdict  # a broken down is no failing deploy
    text = render(plan)
    assert "with `--verify`: **not restoring**" in text
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(render(plan, "json"))
    document["verify"] = {
        "postgresql": "15.18",
        "migrations": [
            {
                "migration": "2_m",
                "statements": [],
                "rollback": "not restoring",
                "rollback_differences": [],
            }
        ],
    }
    jsonschema.validate(document, json_schema())


def test_a_verified_failure_of_an_up_fails_as_written(tmp_path, monkeypatch):
    plan_of(tmp_path, monkeypatch, *DEFAULT_SET)
    options = PlanOptions(verified=_verified("none", "migration-failed", "m/2_m.up.sql"))
    plan = make_plan(["m/2_m.up.sql"], Settings(), options)
    assert plan.summary.verdict == Verdict.FAILS


def test_an_up_failing_only_on_synthetic_rows_does_not_fail_as_written(tmp_path, monkeypatch):
    plan_of(tmp_path, monkeypatch, *DEFAULT_SET)
    message = (
        "2_m fails: 23502, with 10 synthetic rows in each existing table; on empty tables "
        "the migration succeeds, so make sure production rows satisfy it"
    )
    finding = FindingRow("migration-failed", "error", "m/2_m.up.sql", 1, 1, message, "Fix it.")
    options = PlanOptions(verified=Verified("15.18", (finding,), ()))
    plan = make_plan(["m/2_m.up.sql"], Settings(), options)
    assert plan.summary.verdict != Verdict.FAILS


def test_plan_verify_on_postgresql(tmp_path, monkeypatch):
    """The whole path on a real server: verify's proof reaches the rollback and the JSON
    validates against the documented schema (verify key included)."""
    pytest.importorskip("psycopg")
    from pglint.verify.cluster import binaries_available

    if not binaries_available():
        pytest.skip("PostgreSQL server binaries (initdb, postgres) not found")
    plan_of(tmp_path, monkeypatch, *DEFAULT_SET)
    done = CliRunner().invoke(
        main, ["plan", "m/2_m.up.sql", "--verify", "--rows", "10", "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    document = json.loads(done.output)
    (rollback,) = document["rollback"]
    assert rollback["verified"] == "not restoring"
    assert any(NOT_RESTORED in n for n in rollback["not_restored"])
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, json_schema())


def test_brief_blocking_locks_with_lock_timeout_need_retries(tmp_path, monkeypatch):
    """ADD COLUMN with lock_timeout: LOW, but its ACCESS EXCLUSIVE may be cancelled."""
    plan = plan_of(
        tmp_path,
        monkeypatch,
        BASE,
        (
            "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN b int;\n",
            "ALTER TABLE t DROP COLUMN b;",
        ),
    )
    assert [r.level.value for r in plan.locks] == ["LOW"]
    assert plan.summary.verdict == Verdict.RETRY
    assert plan.summary.verdict_reason.startswith("step 2 briefly takes a lock that blocks")
    assert any("fails on lock_timeout" in c.item for c in plan.checklist)


def test_locks_blocking_only_ddl_are_safe_online(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        BASE,
        ("ALTER TABLE t VALIDATE CONSTRAINT t_pkey;", "SELECT 1;"),
    )
    assert [r.lock for r in plan.locks] == ["SHARE UPDATE EXCLUSIVE"]
    assert plan.summary.verdict == Verdict.ONLINE
    assert not any("fails on lock_timeout" in c.item for c in plan.checklist)


def _v1(plan: Plan):
    return next((q for q in plan.validation if q.title.startswith("Row counts")), None)


def test_a_table_moved_to_another_schema_is_not_counted_after(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        (
            "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE old_t (id int);\nCREATE SCHEMA arch;\n",
            None,
        ),
        ("ALTER TABLE old_t SET SCHEMA arch;\nALTER TABLE t ADD COLUMN a int;\n", None),
    )
    v1 = _v1(plan)
    assert v1 is not None and v1.tables == ("t",)
    assert "move table old_t to schema arch" in plan.steps[0].summary
    assert any("move table old_t" in c.reason for c in plan.checklist)


def test_a_renamed_table_is_still_monitored_for_lock_waits(tmp_path, monkeypatch):
    plan = plan_of(tmp_path, monkeypatch, BASE, ("ALTER TABLE t RENAME TO t2;", None))
    assert [r.relation for r in plan.locks] == ["t"]
    assert [q.title for q in plan.monitoring][:1] == ["Sessions waiting for a lock"]


def test_an_update_leaves_row_counts_as_they_are(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        BASE,
        ("UPDATE t SET a = 1 WHERE a IS NULL;\nDELETE FROM t WHERE a < 0;\n", None),
    )
    v1 = _v1(plan)
    assert v1 is not None
    assert (
        v1.expect
        == "the same counts before and after, except for t (rows added or removed by step 2)"
    )


def test_index_keys_keep_order_collation_and_operator_class(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        ("CREATE TABLE t (id int PRIMARY KEY, a int, b text);", None),
        (
            'CREATE INDEX t_1 ON t (a DESC NULLS LAST, b COLLATE "C" text_pattern_ops, id);\n'
            "CREATE UNIQUE INDEX t_2 ON t (a) NULLS NOT DISTINCT;\n",
            None,
        ),
    )
    first, _ = plan.new_indexes
    assert first.columns == ("a DESC NULLS LAST", 'b COLLATE "C" text_pattern_ops', "id")
    assert plan.steps[1].summary == "create unique index t_2 on t (a) nulls not distinct"


def test_orphan_checks_follow_match_full_and_name_the_validating_step(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        (
            "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));\nCREATE TABLE c (x int, y int);\n",
            None,
        ),
        (
            "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (x, y) REFERENCES p NOT VALID;\n"
            "ALTER TABLE c VALIDATE CONSTRAINT c_fk;\n"
            "ALTER TABLE c ADD CONSTRAINT c_full FOREIGN KEY (x, y) REFERENCES p (a, b) MATCH FULL;\n",
            None,
        ),
    )
    simple, full = (q for q in plan.validation if q.title.startswith("Orphans"))
    assert "VALIDATE CONSTRAINT c_fk fail (step 2)" in simple.purpose
    assert "WHERE c.x IS NOT NULL AND c.y IS NOT NULL" in simple.sql
    assert "ADD CONSTRAINT c_full fail (step 3)" in full.purpose
    assert "(MATCH FULL)" in full.purpose
    assert (
        "WHERE (c.x IS NOT NULL OR c.y IS NOT NULL)\n  AND (c.x IS NULL OR c.y IS NULL OR NOT EXISTS"
        in full.sql
    )
    parse_sql(full.sql)


def test_a_dropped_default_comes_with_the_query_that_saves_it(tmp_path, monkeypatch):
    plan = plan_of(
        tmp_path,
        monkeypatch,
        ("CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT 5);", None),
        ("ALTER TABLE t ALTER COLUMN a DROP DEFAULT;", None),
    )
    (note,) = plan.rollback[0].not_derived
    assert "not known" not in note
    query = note.split("save it with ", 1)[1].removesuffix(" before migrating")
    assert query.startswith("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef")
    parse_sql(query)
