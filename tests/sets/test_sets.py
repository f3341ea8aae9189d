"""Migration sets end to end: replay, changesets, --diff, rollback rules, set problems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pglint.config import Settings
from pglint.runner import lint_paths
from tests.conftest import git


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rules_at(findings, name: str) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in findings if Path(f.path).name == name]


SET = {
    "1_create.up.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n",
    "1_create.down.sql": "DROP TABLE orders;\n",
    "2_index.up.sql": "CREATE INDEX orders_status_idx ON orders (status);\n",
    "2_index.down.sql": "DROP INDEX orders_status_idx;\n",
}
SELECT = ("require-concurrent-index-creation",)


def test_earlier_migrations_make_existing_tables(tmp_path: Path) -> None:
    write(tmp_path, SET)
    findings, count = lint_paths([str(tmp_path)], Settings(select=SELECT))
    assert count == 4
    assert rules_at(findings, "2_index.up.sql") == [("require-concurrent-index-creation", 1)]


def test_single_file_replays_the_migrations_before_it(tmp_path: Path) -> None:
    write(tmp_path, SET)
    findings, count = lint_paths([str(tmp_path / "2_index.up.sql")], Settings(select=SELECT))
    assert count == 2  # the up, and its rollback (linted and reported with it)
    assert [f.rule for f in findings] == ["require-concurrent-index-creation"]


def test_migrations_of_one_change_ship_together(tmp_path: Path) -> None:
    """A table created earlier in the same change is new and empty when the index is built."""
    write(tmp_path, SET)
    files = [str(tmp_path / "1_create.up.sql"), str(tmp_path / "2_index.up.sql")]
    findings, _ = lint_paths(files, Settings(select=SELECT))
    assert findings == []


def test_type_change_judged_against_replayed_type(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_a.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(20));\n",
            "1_a.down.sql": "DROP TABLE t;\n",
            "2_widen.up.sql": "ALTER TABLE t ALTER COLUMN name TYPE varchar(40);\n",
            "2_widen.down.sql": "ALTER TABLE t ALTER COLUMN name TYPE varchar(20);\n",
            "3_int.up.sql": "ALTER TABLE t ALTER COLUMN id TYPE numeric;\n",
            "3_int.down.sql": "ALTER TABLE t ALTER COLUMN id TYPE bigint;\n",
        },
    )
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("changing-column-type",)))
    by_file = {Path(f.path).name: f.message for f in findings}
    assert "2_widen.up.sql" not in by_file
    assert "bigint" in by_file["3_int.up.sql"] and "numeric" in by_file["3_int.up.sql"]
    assert "varchar(40)" in by_file["2_widen.down.sql"]


def test_rollback_rules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_a.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n",
            "2_b.up.sql": "ALTER TABLE t ADD COLUMN note text;\n",
            "2_b.down.sql": "-- nothing yet\n",
            "3_c.up.sql": "CREATE INDEX CONCURRENTLY t_note_idx ON t (note);\n",
            "3_c.down.sql": "SELECT 1;\n",
            "4_d.up.sql": "-- pglint: irreversible dropping the archive is final\nDROP TABLE IF EXISTS archive;\n",
        },
    )
    rules = ("missing-rollback", "empty-rollback", "rollback-incomplete")
    findings, _ = lint_paths([str(tmp_path)], Settings(select=rules))
    got = sorted((Path(f.path).name, f.rule) for f in findings)
    assert got == [
        ("1_a.up.sql", "missing-rollback"),
        ("2_b.down.sql", "empty-rollback"),
        ("3_c.down.sql", "rollback-incomplete"),
    ]
    incomplete = next(f for f in findings if f.rule == "rollback-incomplete")
    assert "index t_note_idx still exists" in incomplete.message


#: A diesel set whose second down works on the table its up created.
ROLLBACK_SET = {
    "migrations/2024-01-01-000000_init/up.sql": "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    "migrations/2024-01-01-000000_init/down.sql": "DROP TABLE orders;\n",
    "migrations/2024-02-01-000000_users/up.sql": (
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n"
    ),
    "migrations/2024-02-01-000000_users/down.sql": (
        "CREATE TABLE scratch (id bigint, x text);\n"
        "CREATE INDEX scratch_x_idx ON scratch (x);\n"
        "CREATE INDEX users_name_idx ON users (name);\n"
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n"
        "ALTER TABLE users ALTER COLUMN id TYPE int;\n"
        "DROP TABLE scratch;\n"
        "DROP TABLE users;\n"
    ),
}
ROLLBACK_RULES = (
    "require-concurrent-index-creation",
    "adding-not-nullable-field",
    "changing-column-type",
    "require-lock-timeout",
    "ban-drop-table",
)


def test_rollback_locks_the_tables_its_up_created(tmp_path: Path) -> None:
    """The down runs after the up has shipped: the up's tables are live, the down's own
    are new; the breaking family skips down statements."""
    write(tmp_path, ROLLBACK_SET)
    findings, _ = lint_paths([str(tmp_path)], Settings(select=ROLLBACK_RULES))
    assert sorted(rules_at(findings, "down.sql")) == [
        ("adding-not-nullable-field", 4),
        ("changing-column-type", 5),
        ("require-concurrent-index-creation", 3),
        ("require-lock-timeout", 1),  # DROP TABLE orders, the first migration's down
        ("require-lock-timeout", 3),
        ("require-lock-timeout", 4),
        ("require-lock-timeout", 5),
        ("require-lock-timeout", 7),
    ]
    # The same when only the newest migration is linted (as with --diff): it has shipped
    # by the time its rollback runs.
    down = tmp_path / "migrations/2024-02-01-000000_users/down.sql"
    up = down.with_name("up.sql")
    alone, _ = lint_paths([str(up), str(down)], Settings(select=ROLLBACK_RULES))
    assert [(f.rule, f.line) for f in alone] == [
        ("require-concurrent-index-creation", 3),
        ("require-lock-timeout", 3),
        ("adding-not-nullable-field", 4),
        ("require-lock-timeout", 4),
        ("require-lock-timeout", 5),
        ("changing-column-type", 5),
        ("require-lock-timeout", 7),
    ]


def test_rollback_in_a_dbmate_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/migrations/20240101000000_users.sql": (
                "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, name text);\n"
                "ALTER TABLE users RENAME COLUMN name TO full_name;\n\n"
                "-- migrate:down\nALTER TABLE users RENAME COLUMN full_name TO name;\n"
                "CREATE INDEX users_name_idx ON users (name);\n"
            ),
        },
    )
    rules = ("require-concurrent-index-creation", "renaming-column")
    findings, _ = lint_paths([str(tmp_path)], Settings(select=rules))
    assert [(f.rule, f.line) for f in findings] == [("require-concurrent-index-creation", 7)]


def test_one_query_scripts_with_begin_and_commit(tmp_path: Path) -> None:
    """golang-migrate sends each file as one query: statements outside the script's own
    BEGIN … COMMIT still run in a transaction block (PostgreSQL's implicit one)."""
    write(
        tmp_path / "m",
        {
            "1_init.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a int);\n",
            "1_init.down.sql": "DROP TABLE t;\n",
            "2_x.up.sql": "CREATE TABLE a (id bigint);\nBEGIN;\nCREATE TABLE b (id bigint);\nCOMMIT;\n",
            "2_x.down.sql": "DROP TABLE IF EXISTS b;\nDROP TABLE IF EXISTS a;\n",
            "3_y.up.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);\nBEGIN;\n"
            "CREATE TABLE c (id bigint);\nCOMMIT;\n",
            "3_y.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx;\n",
            "4_z.up.sql": "BEGIN;\nCREATE TABLE d (id bigint);\nCOMMIT;\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a2_idx ON t (a);\n",
            "4_z.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS t_a2_idx;\n",
        },
    )
    rules = (
        "ban-concurrent-index-creation-in-transaction",
        "prefer-robust-stmts",
        "transaction-nesting",
        "ban-uncommitted-transaction",
    )
    findings, _ = lint_paths([str(tmp_path)], Settings(select=rules))
    got = sorted((Path(f.path).name, f.rule, f.line) for f in findings)
    assert got == [
        ("1_init.down.sql", "prefer-robust-stmts", 1),  # one statement: no transaction
        ("1_init.up.sql", "prefer-robust-stmts", 1),
        ("3_y.up.sql", "ban-concurrent-index-creation-in-transaction", 1),
        ("4_z.up.sql", "ban-concurrent-index-creation-in-transaction", 4),
    ]
    assert all("one multi-statement query" in f.message for f in findings if "ban-" in f.rule)


def test_one_query_script_nesting_and_uncommitted_blocks(tmp_path: Path) -> None:
    """BEGIN takes over the implicit block of a one-query script (no nesting finding); a
    second BEGIN nests, and a block never committed is reported from its BEGIN."""
    write(
        tmp_path / "m",
        {
            "1_a.up.sql": "CREATE TABLE a (id bigint);\nBEGIN;\nBEGIN;\nCREATE TABLE b (id bigint);\n"
            "COMMIT;\n",
            "1_a.down.sql": "SELECT 1;\n",
            "2_b.up.sql": "CREATE TABLE c (id bigint);\nBEGIN;\nCREATE TABLE d (id bigint);\n",
            "2_b.down.sql": "SELECT 1;\n",
        },
    )
    rules = ("transaction-nesting", "ban-uncommitted-transaction")
    findings, _ = lint_paths([str(tmp_path)], Settings(select=rules))
    got = sorted((Path(f.path).name, f.rule, f.line) for f in findings)
    assert got == [
        ("1_a.up.sql", "transaction-nesting", 3),
        ("2_b.up.sql", "ban-uncommitted-transaction", 2),
    ]
    nesting = next(f for f in findings if f.rule == "transaction-nesting")
    assert "opened at line 2" in nesting.message


def test_set_problems(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_a.up.sql": "SELECT 1;\n",
            "1_a.down.sql": "SELECT 1;\n",
            "1_b.up.sql": "SELECT 2;\n",
            "2_c.down.sql": "SELECT 3;\n",
        },
    )
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("invalid-migration-set",)))
    messages = " | ".join(f.message for f in findings)
    assert "duplicate migration version 1" in messages
    assert "without an up migration" in messages


def test_layout_can_be_forced(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"001_x.sql": "-- +goose Up\nCREATE INDEX i ON t (a);\n-- +goose Down\nDROP INDEX i;\n"},
    )
    findings, _ = lint_paths([str(tmp_path)], Settings(select=SELECT, layout="plain"))
    assert [f.rule for f in findings] == ["require-concurrent-index-creation"]


JSON_DIFF = ("--format", "json", "--diff", "HEAD")


def test_diff_lints_only_changed_migrations(tmp_path: Path) -> None:
    write(tmp_path / "db", SET)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    write(
        tmp_path / "db",
        {
            "3_more.up.sql": "CREATE INDEX orders_id_idx ON orders (id);\n",
            "3_more.down.sql": "DROP INDEX orders_id_idx;\n",
        },
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pglint",
            "check",
            "--select",
            ",".join(SELECT),
            "--format",
            "json",
            "--diff",
            "HEAD",
            "db",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    data = json.loads(done.stdout)
    assert {Path(f["path"]).name for f in data["findings"]} == {"3_more.up.sql"}
    assert data["files_checked"] == 2
    # Without paths, --diff looks for the changed migrations under the working directory.
    anywhere = subprocess.run(
        [sys.executable, "-m", "pglint", "check", "--select", ",".join(SELECT), *JSON_DIFF],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(anywhere.stdout)["findings"] == data["findings"]
    bad = subprocess.run(
        [sys.executable, "-m", "pglint", "check", "--diff", "no-such-ref", "db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("pglint: error: --diff:")


@pytest.mark.parametrize("layout", ["nope"])
def test_unknown_layout_is_a_usage_error(tmp_path: Path, layout: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pglint", "check", "--layout", layout, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unknown layout 'nope'" in done.stderr


def test_gaps_in_a_numbered_sequence(tmp_path: Path) -> None:
    write(tmp_path, {f"{n}_m.up.sql": "SELECT 1;\n" for n in (1, 2, 5, 6, 9)})
    write(tmp_path, {f"{n}_m.down.sql": "SELECT 1;\n" for n in (1, 2, 5, 6, 9)})
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("invalid-migration-set",)))
    (gap,) = findings
    assert "3-4, 7-8 missing from the sequence 1-9" in gap.message
    assert Path(gap.path).name == "5_m.up.sql"


def test_lone_concurrent_index_in_a_layout_that_wraps_it_in_a_transaction(tmp_path: Path) -> None:
    """goose runs each migration in a transaction: even a one-statement file fails."""
    write(
        tmp_path,
        {
            "001_idx.sql": "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
            "-- +goose Down\nDROP INDEX CONCURRENTLY i;\n",
            "002_idx.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY j ON t (a);\n"
            "-- +goose Down\nDROP INDEX CONCURRENTLY j;\n",
        },
    )
    rule = "ban-concurrent-index-creation-in-transaction"
    findings, _ = lint_paths([str(tmp_path)], Settings(select=(rule,)))
    assert [(Path(f.path).name, f.line) for f in findings] == [
        ("001_idx.sql", 2),
        ("001_idx.sql", 4),
    ]
    assert "its migration tool runs inside a transaction" in findings[0].message


def test_worker_processes_find_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large runs lint their sets in forked workers; the findings are the same."""
    import pglint.runner

    for name in ("shop", "billing", "audit"):
        write(tmp_path / name / "migrations", SET)
    settings = Settings()
    serial = lint_paths([str(tmp_path)], settings)
    assert serial[0]
    runs = []
    parallel = pglint.runner._run_parallel

    def spy(run, roots, sizes, workers):
        runs.append(workers)
        return parallel(run, roots, sizes, workers)

    monkeypatch.setattr(pglint.runner, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(pglint.runner, "_run_parallel", spy)
    assert lint_paths([str(tmp_path)], settings) == serial
    assert runs == [min(os.cpu_count() or 1, 3)] or (os.cpu_count() or 1) == 1
    assert pglint.runner._inherited is None


PLAIN = {
    "001_create.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    "002_column.sql": "ALTER TABLE t ADD COLUMN note text;\n",
}


def _layout_notes(findings) -> list[str]:
    return [Path(f.path).parent.parent.name for f in findings if f.rule == "missing-rollback"]


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "workers"])
def test_a_layout_without_rollbacks_is_noted_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """The note goes on the first set of the layout in path order, however the sets are
    shared out; a run of a later set alone notes it there."""
    import pglint.runner

    if parallel:
        monkeypatch.setattr(pglint.runner, "PARALLEL_THRESHOLD", 1)
    for name in ("billing", "audit", "shop"):
        write(tmp_path / name / "migrations", PLAIN)
    findings, _ = lint_paths([str(tmp_path)], Settings())
    assert _layout_notes(findings) == ["audit"]
    alone, _ = lint_paths([str(tmp_path / "shop")], Settings())
    assert _layout_notes(alone) == ["shop"]


def test_the_layout_note_is_info_and_does_not_fail_a_clean_run(tmp_path: Path) -> None:
    """Plain files with nothing wrong pass with the default rules: the note is ``info``."""
    safe = "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY);\n"
    write(tmp_path / "migrations", {"001_create.sql": safe})
    findings, _ = lint_paths([str(tmp_path)], Settings())
    assert [(f.rule, f.severity.value) for f in findings] == [("missing-rollback", "info")]
    done = subprocess.run(
        [sys.executable, "-m", "pglint", "check", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "info [missing-rollback]" in done.stdout


def test_cached_sets_do_not_depend_on_the_other_sets_of_the_run(tmp_path: Path) -> None:
    """A set's cache entry serves a later run over other folders too (the once-per-run
    note is decided after the cache)."""
    from pglint.cache import ResultCache

    for name in ("audit", "shop"):
        write(tmp_path / name / "migrations", PLAIN)
    settings = Settings()
    both, _ = lint_paths([str(tmp_path)], settings, cache=ResultCache(tmp_path / ".c", settings))
    cache = ResultCache(tmp_path / ".c", settings)
    alone, _ = lint_paths([str(tmp_path / "shop")], settings, cache=cache)
    assert cache.hits == 1 and cache.misses == 0
    assert _layout_notes(both) == ["audit"]
    assert _layout_notes(alone) == ["shop"]
    assert alone == lint_paths([str(tmp_path / "shop")], settings)[0]


def test_dbmate_schema_dump_is_not_linted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/migrations/20230101000000_init.sql": (
                "-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY);\n"
                "-- migrate:down\nDROP TABLE a;\n"
            ),
            "db/schema.sql": (
                "CREATE TABLE public.a (id bigint NOT NULL, c character varying(10));\n"
                "CREATE TABLE public.schema_migrations (version character varying(128));\n\n"
                "--\n-- Dbmate schema migrations\n--\n\n"
                "INSERT INTO public.schema_migrations (version) VALUES\n    ('20230101000000');\n"
            ),
        },
    )
    findings, count = lint_paths([str(tmp_path)], Settings(select=("prefer-text-field",)))
    assert (findings, count) == ([], 1)
    findings, count = lint_paths(
        [str(tmp_path / "db" / "schema.sql")], Settings(select=("prefer-text-field",))
    )
    assert (findings, count) == ([], 0)


def _goose(up: str, down: str) -> str:
    return f"-- +goose Up\n{up}\n-- +goose Down\n{down}\n"


_GOOSE_BASE = _goose("CREATE TABLE t (id bigint PRIMARY KEY, status text);", "DROP TABLE t;")

#: Rollbacks that rely on what PostgreSQL drops by itself (each checked with pglint verify
#: on PostgreSQL 15: the rollback restores the schema).
IMPLICIT_DROPS = {
    "drop-column-index": (
        "ALTER TABLE t ADD COLUMN z int; CREATE INDEX t_z ON t (z);",
        "ALTER TABLE t DROP COLUMN z;",
    ),
    "drop-column-indexes-and-constraints": (
        "ALTER TABLE t ADD COLUMN k text, ADD COLUMN w int, ADD COLUMN q int;"
        " CREATE INDEX t_k_status ON t (status, k); CREATE INDEX t_lk ON t (lower(k));"
        " CREATE INDEX t_pw ON t (status) WHERE w > 0; CREATE INDEX t_inc ON t (id) INCLUDE (q);"
        " ALTER TABLE t ADD CONSTRAINT t_kw UNIQUE (k, w);"
        " ALTER TABLE t ADD CONSTRAINT q_pos CHECK (q > 0);",
        "ALTER TABLE t DROP COLUMN k, DROP COLUMN w; ALTER TABLE t DROP COLUMN q;",
    ),
    "drop-partitioned-table": (
        "CREATE TABLE ev (id bigint, at date) PARTITION BY RANGE (at);"
        " CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
        " PARTITION BY RANGE (at);"
        " CREATE TABLE ev_h1 PARTITION OF ev_2024 FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');"
        " CREATE INDEX ev_h1_id ON ev_h1 (id);",
        "DROP TABLE ev;",
    ),
    "unique-using-index": (
        "CREATE UNIQUE INDEX CONCURRENTLY t_s_u ON t (status);"
        " ALTER TABLE t ADD CONSTRAINT t_s_uc UNIQUE USING INDEX t_s_u;",
        "ALTER TABLE t DROP CONSTRAINT t_s_uc;",
    ),
    "primary-key-using-index": (
        "CREATE TABLE p (id bigint NOT NULL); CREATE UNIQUE INDEX p_id ON p (id);"
        " ALTER TABLE p ADD PRIMARY KEY USING INDEX p_id;",
        "ALTER TABLE p DROP CONSTRAINT p_id; DROP TABLE p;",
    ),
    "drop-table-cascade": (
        "CREATE TABLE child (id bigint PRIMARY KEY); CREATE VIEW v AS SELECT * FROM child;"
        " CREATE VIEW v2 AS SELECT * FROM v; CREATE MATERIALIZED VIEW mv AS SELECT id FROM child;"
        " ALTER TABLE t ADD CONSTRAINT t_child FOREIGN KEY (id) REFERENCES child (id);",
        "DROP TABLE child CASCADE;",
    ),
    "drop-schema-cascade": (
        "CREATE SCHEMA app; CREATE TABLE app.x (id bigint PRIMARY KEY);"
        " CREATE INDEX x_i ON app.x (id); CREATE TYPE app.e AS ENUM ('a'); CREATE SEQUENCE app.s;",
        "DROP SCHEMA app CASCADE;",
    ),
    "drop-type-cascade": (
        "CREATE TYPE mood AS ENUM ('a'); ALTER TABLE t ADD COLUMN mo mood, ADD COLUMN ma mood[];"
        " CREATE INDEX t_mo ON t (mo);",
        "DROP TYPE mood CASCADE;",
    ),
}


@pytest.mark.parametrize("case", sorted(IMPLICIT_DROPS))
def test_rollbacks_may_rely_on_what_postgres_drops_itself(tmp_path: Path, case: str) -> None:
    up, down = IMPLICIT_DROPS[case]
    write(tmp_path, {"00001_base.sql": _GOOSE_BASE, "00002_case.sql": _goose(up, down)})
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("rollback-incomplete",)))
    assert [f.message for f in findings] == []


@pytest.mark.parametrize(
    ("up", "down", "left"),
    [
        # Only indexes and constraints that involve the dropped column go with it.
        (
            "ALTER TABLE t ADD COLUMN z int; CREATE INDEX t_z ON t (z);"
            " CREATE INDEX t_s ON t (status) WHERE id > 0;",
            "ALTER TABLE t DROP COLUMN z;",
            "index t_s still exists",
        ),
        # Without CASCADE the views stay (PostgreSQL refuses the DROP).
        (
            "CREATE TABLE child (id bigint PRIMARY KEY); CREATE VIEW v AS SELECT * FROM child;",
            "DROP TABLE child;",
            "view v still exists",
        ),
        # A view the up creates without locking anything is compared too.
        ("CREATE VIEW tv AS SELECT id FROM t;", "SELECT 1;", "view tv still exists"),
        # Dropping a CHECK constraint drops no index.
        (
            "CREATE UNIQUE INDEX t_s_u ON t (status); ALTER TABLE t ADD CONSTRAINT t_s_c"
            " CHECK (status <> '');",
            "ALTER TABLE t DROP CONSTRAINT t_s_c;",
            "index t_s_u still exists",
        ),
        # DROP SCHEMA … CASCADE empties that schema only.
        (
            "CREATE SCHEMA app; CREATE TABLE app.x (id bigint); CREATE TABLE y (id bigint);",
            "DROP SCHEMA app CASCADE;",
            "table y still exists",
        ),
    ],
)
def test_rollbacks_that_leave_objects_are_still_reported(
    tmp_path: Path, up: str, down: str, left: str
) -> None:
    write(tmp_path, {"00001_base.sql": _GOOSE_BASE, "00002_case.sql": _goose(up, down)})
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("rollback-incomplete",)))
    assert len(findings) == 1 and left in findings[0].message, [f.message for f in findings]


def test_indexes_and_constraints_follow_a_renamed_column(tmp_path: Path) -> None:
    # PostgreSQL refers to columns by number: after RENAME COLUMN the index is on the new
    # name, and dropping a new column that took the old name leaves it alone.
    base = _goose(
        "CREATE TABLE t (id bigint PRIMARY KEY, status text); CREATE INDEX t_s ON t (status);"
        " ALTER TABLE t ADD CONSTRAINT t_s_c CHECK (status <> '');",
        "DROP TABLE t;",
    )
    up = "ALTER TABLE t RENAME COLUMN status TO state; ALTER TABLE t ADD COLUMN status text;"
    down = "ALTER TABLE t DROP COLUMN status; ALTER TABLE t RENAME COLUMN state TO status;"
    write(tmp_path, {"00001_base.sql": base, "00002_rename.sql": _goose(up, down)})
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("rollback-incomplete",)))
    assert [f.message for f in findings] == []
