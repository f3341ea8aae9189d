"""``pglint verify`` from the command line: --dsn on a separately started server, output
formats, exit codes, and the message when no PostgreSQL can be found."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pglint.cli import main
from tests.verify.conftest import write_set

SET = """
-- file: 00001_create_orders.sql
-- +goose Up
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
-- +goose Down
DROP TABLE orders;

-- file: 00002_status.sql
-- +goose Up
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD COLUMN note text;
-- +goose Down
ALTER TABLE orders DROP COLUMN note;
"""


def _databases(pg_server) -> set[str]:
    import psycopg

    with psycopg.connect(pg_server.admin, autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture(scope="module")
def migrations(tmp_path_factory):
    return write_set(tmp_path_factory.mktemp("cli") / "migrations", SET)


def _invoke(args):
    return CliRunner().invoke(main, ["verify", *args], catch_exceptions=False)


def test_dsn_run_uses_and_drops_a_scratch_database(pg_server, migrations):
    import psycopg

    # Another database on the same server, which verify must leave alone.
    with psycopg.connect(pg_server.admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS keep_me")
        conn.execute("CREATE DATABASE keep_me")
    keep = pg_server.conninfo("keep_me")
    with psycopg.connect(keep, autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)")
    before = _databases(pg_server)
    result = _invoke(["--dsn", keep, "--rows", "20", "--format", "json", str(migrations)])
    assert result.exit_code == 1, result.output  # rollback-not-restoring is an error
    document = json.loads(result.output)
    rules = sorted(f["rule"] for f in document["findings"])
    assert rules == ["rollback-not-reapplyable", "rollback-not-restoring"]
    assert document["verify"]["server"].startswith("the server at ")
    assert _databases(pg_server) == before  # the scratch database is gone
    with psycopg.connect(keep, autocommit=True) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = 'public'::regnamespace"
            )
        }
        assert tables == {"precious"}
        assert conn.execute("SELECT count(*) FROM precious").fetchone()[0] == 1


def test_dsn_as_url(pg_server, migrations):
    cluster = pg_server.cluster
    url = f"postgresql://postgres@/postgres?host={cluster.host}&port={cluster.port}"
    result = _invoke(["--dsn", url, "--rows", "5", "--exit-zero", str(migrations)])
    assert result.exit_code == 0, result.output
    assert "index orders_status_idx still exists" in result.output


def test_unreachable_dsn_is_a_usage_error(tmp_path, migrations):
    result = _invoke(["--dsn", f"host={tmp_path} port=1 user=nobody dbname=x", str(migrations)])
    assert result.exit_code == 2
    assert "cannot connect to the server at" in result.output


@pytest.fixture(scope="module")
def report(pg_server, migrations):
    from pglint.verify.runner import Verifier, VerifyOptions

    return Verifier(pg_server, VerifyOptions(rows=30)).verify_paths([str(migrations)])


def test_formats(report):
    import io

    from pglint.verify.output import render

    def out(fmt):
        stream = io.StringIO()
        render(report, fmt, stream)
        return stream.getvalue()

    text = out("text")
    assert "Timings come from synthetic data (30 rows per existing table)" in text
    assert "CREATE INDEX orders_status_idx ON orders (status)" in text
    assert "orders: SHARE, blocking writes" in text
    assert "[rollback-not-restoring]" in text
    document = json.loads(out("json"))
    assert document["version"] == 1 and document["files_checked"] == 2
    statement = document["verify"]["migrations"][1]["statements"][0]
    assert statement["relations"][0]["observed"]["lock"] == "SHARE"
    assert statement["relations"][0]["predicted"]["lock"] == "SHARE"
    assert "synthetic" in document["verify"]["note"]
    sarif = json.loads(out("sarif"))
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {
        "rollback-not-restoring",
        "rollback-not-reapplyable",
    }
    github = out("github").splitlines()
    assert github and all(line.startswith("::error ") for line in github)
    markdown = out("markdown")
    assert "| Line | Statement | Transaction | Time | Locks taken |" in markdown
    assert "| 2 | `CREATE INDEX orders_status_idx ON orders (status)` |" in markdown
    assert "orders: SHARE" in markdown and "orders: writes" in markdown


def test_no_postgresql_binaries_found(monkeypatch, migrations):
    import pglint.verify.cluster as cluster

    monkeypatch.setattr(cluster, "candidate_dirs", lambda: [])
    monkeypatch.delenv("PGLINT_PG_BIN", raising=False)
    result = _invoke([str(migrations)])
    assert result.exit_code == 2
    assert "needs PostgreSQL server binaries" in result.output
    assert "apt-get install postgresql" in result.output and "--dsn" in result.output


def test_bad_pg_bin(tmp_path, migrations):
    result = _invoke(["--pg-bin", str(tmp_path), str(migrations)])
    assert result.exit_code == 2 and "--pg-bin" in result.output


def test_plan_verify(pg_server, migrations):
    result = _invoke_plan(["--verify", "--dsn", pg_server.admin, "--rows", "10", str(migrations)])
    assert result.exit_code == 0, result.output
    assert "## 11. Verified on PostgreSQL" in result.output
    assert "| 2 | `CREATE INDEX orders_status_idx ON orders (status)` |" in result.output
    assert "rollback-not-restoring" in result.output  # verify's findings join the plan's
    result = _invoke_plan(
        ["--verify", "--dsn", pg_server.admin, "--format", "json", str(migrations)]
    )
    document = json.loads(result.output)
    assert document["verify"]["migrations"][1]["rollback"] == "not reapplyable"
    assert "rollback-not-restoring" in {f["rule"] for f in document["findings"]}


def _invoke_plan(args):
    return CliRunner().invoke(main, ["plan", *args], catch_exceptions=False)


def test_dsn_never_changes_the_server(pg_server, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_server.sql").write_text(
        "CREATE DATABASE made_by_a_migration;\nCREATE ROLE made_by_a_migration;\n"
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO made_by_a_migration;\n"
    )
    before = _databases(pg_server)
    result = _invoke(["--dsn", pg_server.admin, "--format", "json", str(folder)])
    assert result.exit_code == 0, result.output
    statements = json.loads(result.output)["verify"]["migrations"][0]
    assert any("changes the whole server" in note for note in statements["notes"])
    assert _databases(pg_server) == before
    import psycopg

    with psycopg.connect(pg_server.admin) as conn:
        roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
    assert "made_by_a_migration" not in roles  # created for the run, dropped after it


def test_diff_verifies_only_changed_migrations(pg_server, tmp_path, monkeypatch):
    import subprocess

    repo = tmp_path / "repo"
    folder = write_set(repo / "migrations", SET)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "init"], check=True)
    (folder / "00003_more.sql").write_text(
        "-- +goose Up\nALTER TABLE orders ADD COLUMN extra int;\n"
        "-- +goose Down\nALTER TABLE orders DROP COLUMN extra;\n"
    )
    monkeypatch.chdir(repo)
    result = _invoke(["--dsn", pg_server.admin, "--diff", "HEAD", "--format", "json", str(folder)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [m["migration"] for m in document["verify"]["migrations"]] == ["00003_more"]
    assert document["files_checked"] == 1


SHARED = """\
CREATE TABLE t (id int PRIMARY KEY);
COMMENT ON ROLE pglint_existing IS 'changed by migration';
DO $$ BEGIN EXECUTE 'ALTER ROLE pglint_existing CONNECTION LIMIT 3'; END $$;
DO $$ BEGIN ALTER ROLE pglint_existing CONNECTION LIMIT 4; END $$;
CREATE FUNCTION limit_it() RETURNS trigger LANGUAGE plpgsql
  AS $f$ BEGIN EXECUTE 'ALTER ROLE pglint_existing CONNECTION LIMIT 5'; RETURN NEW; END $f$;
CREATE TRIGGER t_limit BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION limit_it();
INSERT INTO t VALUES (1);
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'u') THEN
  CREATE TABLE u (id int); END IF; END $$;
CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT one();
"""


@pytest.mark.parametrize("earlier", [False, True])
def test_dsn_leaves_shared_objects_alone(pg_server, tmp_path, earlier):
    import psycopg

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "1_a.up.sql").write_text(SHARED)
    if earlier:  # the statements are in a migration replayed before the one under test
        (folder / "2_b.up.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    with psycopg.connect(pg_server.admin, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pglint_existing")
        conn.execute("CREATE ROLE pglint_existing")
    try:
        target = folder / ("2_b.up.sql" if earlier else "1_a.up.sql")
        result = _invoke(["--dsn", pg_server.admin, "--format", "json", str(target)])
        assert result.exit_code == 0, result.output
        with psycopg.connect(pg_server.admin, autocommit=True) as conn:
            row = conn.execute(
                "SELECT rolconnlimit, shobj_description(oid, 'pg_authid') FROM pg_roles "
                "WHERE rolname = 'pglint_existing'"
            ).fetchone()
    finally:
        with psycopg.connect(pg_server.admin, autocommit=True) as conn:
            conn.execute("DROP ROLE IF EXISTS pglint_existing")
    assert row == (-1, None)
    verify = json.loads(result.output)["verify"]
    notes = verify["notes"] if earlier else verify["migrations"][0]["notes"]
    skipped = sorted(int(n.split(":")[-3 if earlier else 0].split()[-1]) for n in notes)
    assert skipped == [2, 3, 4, 7], notes
    text = "\n".join(notes)
    assert "changes the whole server" in text
    assert "its DO block runs SQL built at run time (EXECUTE)" in text
    assert "the function limit_it() it calls runs SQL built at run time" in text
    assert "shared by every database of the --dsn server" in text
    if not earlier:
        ran = [s["sql"][:20] for s in verify["migrations"][0]["statements"]]
        # What pglint can read runs: a DO block, a SQL function, the INSERT (its
        # trigger was not created).
        assert ran[-4:] == [
            "INSERT INTO t VALUES",
            "DO $$ BEGIN IF NOT E",
            "CREATE FUNCTION one(",
            "SELECT one()",
        ]


def test_throwaway_server_runs_what_dsn_does_not(pg_server, tmp_path):
    from pglint.verify.runner import Verifier, VerifyOptions

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "1_a.up.sql").write_text(SHARED.replace("pglint_existing", "pglint_made_here"))
    report = Verifier(pg_server, VerifyOptions(rows=0)).verify_paths([str(folder)])
    assert not report.migrations[0].notes
    assert len(report.migrations[0].statements) == 10


def test_run_timeout_is_not_a_failing_migration(pg_server, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_slow.sql").write_text("CREATE TABLE t (id int);\nSELECT pg_sleep(30);\n")
    result = _invoke(["--dsn", pg_server.admin, "--timeout", "1", "--format", "json", str(folder)])
    assert result.exit_code == 2  # an incomplete run does not pass
    document = json.loads(result.stdout)
    assert document["findings"] == []  # pglint's own limit, not PostgreSQL's failure
    assert any("exceeded --timeout (1 s)" in n for n in document["verify"]["notes"])
    assert "exceeded --timeout" in result.stderr


def test_json_matches_the_documented_schema(report, pg_server, tmp_path):
    import io
    from pathlib import Path

    jsonschema = pytest.importorskip("jsonschema")
    from pglint.verify.output import render
    from pglint.verify.schema import VERIFY_SCHEMA

    documented = Path(__file__).resolve().parents[2] / "docs" / "verify.schema.json"
    assert json.loads(documented.read_text()) == VERIFY_SCHEMA, "regenerate docs/verify.schema.json"
    jsonschema.Draft202012Validator.check_schema(VERIFY_SCHEMA)
    stream = io.StringIO()
    render(report, "json", stream)
    jsonschema.validate(json.loads(stream.getvalue())["verify"], VERIFY_SCHEMA)
    # A report with a failing statement, a rollback that is not round-tripped, notes.
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "1_a.up.sql").write_text("CREATE TABLE t (id int);\nCREATE INDEX ON t (nope);\n")
    (folder / "1_a.down.sql").write_text("DROP TABLE t DROP;\n")
    (folder / "2_b.up.sql").write_text("VACUUM t;\n")
    result = _invoke(["--dsn", pg_server.admin, "--format", "json", str(folder)])
    document = json.loads(result.output)
    assert {f["rule"] for f in document["findings"]} == {"migration-failed"}
    jsonschema.validate(document["verify"], VERIFY_SCHEMA)
