"""The command line: exit codes, formats, selection, config, stdin, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pglint.cli import main

HAZARD = "CREATE INDEX orders_status_idx ON orders (status);\n"
SAFE = "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"


def run(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess:
    """Run pglint in a real process, as pre-commit and CI do."""
    return subprocess.run(
        [sys.executable, "-m", "pglint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_bad.sql").write_text(HAZARD)
    (tmp_path / "migrations" / "002_ok.sql").write_text(SAFE)
    return tmp_path


def invoke(args: list[str], cwd: Path, stdin: str | bytes | None = None):
    """Run the CLI in-process; ``--select`` defaults to the one rule these tests exercise."""
    if args[:1] == ["check"] and not any(a.startswith(("--select", "--ignore")) for a in args):
        args = [*args[:1], "--select", "require-concurrent-index-creation", *args[1:]]
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args, input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_findings_exit_1_and_text_format(project: Path) -> None:
    result = invoke(["check", "migrations"], project)
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(
        "migrations/001_bad.sql:1:1: error [require-concurrent-index-creation] "
    )
    assert "  help: " in result.output
    assert "Found 1 error in 1 of 2 files." in result.output


def test_clean_file_exits_0(project: Path) -> None:
    result = invoke(["check", "migrations/002_ok.sql"], project)
    assert result.exit_code == 0, result.output
    assert "No problems found in 1 file." in result.output


def test_exit_zero(project: Path) -> None:
    assert invoke(["check", "--exit-zero", "migrations"], project).exit_code == 0


def test_json_format_is_the_documented_schema(project: Path) -> None:
    result = invoke(["check", "--format", "json", "migrations"], project)
    data = json.loads(result.output)
    assert data["version"] == 1
    (finding,) = data["findings"]
    assert set(finding) >= {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "rule",
        "severity",
        "message",
        "help",
    }
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (
        1,
        1,
        1,
        49,
    )


def test_github_format(project: Path) -> None:
    result = invoke(["check", "--format", "github", "migrations"], project)
    line = result.output.splitlines()[0]
    assert line.startswith(
        "::error file=migrations/001_bad.sql,line=1,col=1,endLine=1,endColumn=49,title=pglint require-concurrent-index-creation::"
    )


def test_ignore_and_select(project: Path) -> None:
    ignored = [
        "check",
        "--select",
        "require-concurrent-index-creation,prefer-robust-stmts",
        "--ignore",
        "require-concurrent-index-creation,prefer-robust-stmts",
        "migrations",
    ]
    assert invoke(ignored, project).exit_code == 0
    result = invoke(["check", "--select", "syntax-error", "migrations"], project)
    assert result.exit_code == 0


def test_unknown_rule_is_usage_error(project: Path) -> None:
    result = run("check", "--ignore", "no-such-rule", "migrations", cwd=project)
    assert result.returncode == 2
    assert b"unknown rule 'no-such-rule'" in result.stderr
    assert b"Traceback" not in result.stderr


def test_missing_path_is_usage_error(project: Path) -> None:
    result = run("check", "nowhere.sql", cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "pglint: error: nowhere.sql: no such file or directory"


def test_stdin_with_filename(project: Path) -> None:
    result = run(
        "check",
        "--select",
        "require-concurrent-index-creation",
        "--format",
        "json",
        "--stdin-filename",
        "db/001.sql",
        "-",
        cwd=project,
        stdin=HAZARD.encode(),
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["path"] == "db/001.sql"


def test_fail_on_error_ignores_warnings(project: Path) -> None:
    (project / ".pglint.toml").write_text(
        '[severity]\nrequire-concurrent-index-creation = "warning"\n'
    )
    result = invoke(["check", "migrations"], project)
    assert result.exit_code == 1
    assert "warning [require-concurrent-index-creation]" in result.output
    assert invoke(["check", "--fail-on", "error", "migrations"], project).exit_code == 0


def test_syntax_error_always_fails(project: Path) -> None:
    (project / "migrations" / "003_broken.sql").write_text("SELECT 1;\nALTER TABLE t ADD COLUMN;\n")
    result = invoke(
        ["check", "--fail-on", "error", "--select", "syntax-error", "migrations"], project
    )
    assert result.exit_code == 1
    assert (
        'migrations/003_broken.sql:2:25: error [syntax-error] syntax error at or near ";"'
        in result.output
    )


def test_bad_files_are_reported_and_others_still_linted(project: Path) -> None:
    folder = project / "migrations"
    (folder / "003_binary.sql").write_bytes(b"\x00\x01\x02CREATE")
    (folder / "004_latin1.sql").write_bytes("SELECT 'café';".encode("latin-1"))
    result = run(
        "check",
        "--select",
        "require-concurrent-index-creation",
        "--format",
        "json",
        "migrations",
        cwd=project,
    )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    findings = json.loads(result.stdout)["findings"]
    by_path = {f["path"]: f for f in findings}
    assert "binary file" in by_path["migrations/003_binary.sql"]["message"]
    assert "not valid UTF-8" in by_path["migrations/004_latin1.sql"]["message"]
    assert by_path["migrations/001_bad.sql"]["rule"] == "require-concurrent-index-creation"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_unreadable_file(project: Path) -> None:
    secret = project / "migrations" / "005_secret.sql"
    secret.write_text(SAFE)
    secret.chmod(0)
    result = run("check", "--format", "json", "migrations", cwd=project)
    assert "cannot read" in result.stdout.decode()


def _json_findings(result: subprocess.CompletedProcess) -> dict[str, list[str]]:
    """Each reported path's findings as "rule: message" strings (no traceback allowed)."""
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    found: dict[str, list[str]] = {}
    for f in json.loads(result.stdout)["findings"]:
        found.setdefault(f["path"], []).append(f"{f['rule']}: {f['message']}")
    return found


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
@pytest.mark.parametrize("where", ["", "sub/"])
def test_a_symlink_loop_is_unreadable_and_the_rest_is_linted(project: Path, where: str) -> None:
    folder = project / "migrations"
    (folder / "sub").mkdir()
    try:
        os.symlink("003_loop.sql", folder / f"{where}003_loop.sql")
    except OSError:
        pytest.skip("cannot make symlinks here")
    select = ("--select", "require-concurrent-index-creation", "--format", "json")
    # Linting one file scans its siblings (context): the loop among them is left out.
    alone = _json_findings(run("check", *select, "migrations/001_bad.sql", cwd=project))
    assert list(alone) == ["migrations/001_bad.sql"]
    # Walking the folder finds it: reported, and the other files are still linted.
    walked = _json_findings(run("check", *select, "migrations", cwd=project))
    loop = f"migrations/{where}003_loop.sql"
    assert walked[loop] == [
        f"unreadable-file: {loop}: cannot read: Too many levels of symbolic links"
    ]
    assert "migrations/001_bad.sql" in walked
    named = _json_findings(run("check", *select, loop, cwd=project))
    assert named[loop][0].startswith("unreadable-file: ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_is_never_opened(project: Path) -> None:
    fifo = project / "migrations" / "003_pipe.sql"
    os.mkfifo(fifo)
    message = ["unreadable-file: migrations/003_pipe.sql: not a regular file (a FIFO); not linted"]
    select = ("--select", "require-concurrent-index-creation", "--format", "json")
    # Reading it would block until the run's timeout.
    walked = _json_findings(run("check", *select, "migrations", cwd=project))
    assert walked["migrations/003_pipe.sql"] == message
    assert "migrations/001_bad.sql" in walked
    named = _json_findings(run("check", *select, "migrations/003_pipe.sql", cwd=project))
    assert named["migrations/003_pipe.sql"] == message
    alone = _json_findings(run("check", *select, "migrations/001_bad.sql", cwd=project))
    assert list(alone) == ["migrations/001_bad.sql"]


def test_files_are_never_modified(project: Path) -> None:
    path = project / "migrations" / "001_bad.sql"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    run("check", "migrations", cwd=project)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_directory_without_sql(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.md").write_text("# not SQL\n")
    (tmp_path / "docs" / "helper.py").write_text("print('not a revision')\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001.sql").write_text(SAFE)
    # Each folder argument without migrations is named; one holding files already seen is not.
    select = ("--select", "require-concurrent-index-creation")
    result = run("check", *select, "empty", "migrations", "docs", "migrations/", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.decode().splitlines() == [
        "pglint: warning: empty: no .sql or Alembic migration files found",
        "pglint: warning: docs: no .sql or Alembic migration files found",
    ]
    result = run("check", "--format", "json", "empty", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["files_checked"] == 0
    assert b"empty: no .sql" in result.stderr


def test_files_checked_counts_the_rollbacks_reported(tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    (db / "1_t.up.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, a int);\n")
    (db / "1_t.down.sql").write_text("DROP TABLE t;\n")
    (db / "2_i.up.sql").write_text("CREATE INDEX t_a_idx ON t (a);\n")
    (db / "2_i.down.sql").write_text("DROP INDEX t_a_idx;\n")
    select = ("--select", "require-concurrent-index-creation,require-concurrent-index-deletion")
    # The up asked for, and its rollback reported with it (once "in 2 of 1 file").
    for args, count in ((["db/2_i.up.sql"], 2), (["db"], 4)):
        result = run("check", "--format", "json", *select, *args, cwd=tmp_path)
        report = json.loads(result.stdout)
        assert {f["path"] for f in report["findings"]} == {"db/2_i.up.sql", "db/2_i.down.sql"}
        assert report["files_checked"] == count
        text = run("check", *select, *args, cwd=tmp_path).stdout.decode()
        assert text.endswith(f"in 2 of {count} files.\n")
    # A file the layout reports a problem on (a rollback with no up) is counted too.
    (db / "3_x.down.sql").write_text("SELECT 1;\n")
    report = json.loads(run("check", "--format", "json", "db", cwd=tmp_path).stdout)
    assert report["files_checked"] == 5
    assert "db/3_x.down.sql" in {f["path"] for f in report["findings"]}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_on_a_stdout_that_cannot_encode_the_findings(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "a.sql").write_text('DROP TABLE IF EXISTS "日本";\n', encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pglint",
            "check",
            "--format",
            fmt,
            "--select=ban-drop-table",
            "a.sql",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "cp1252"},
    )
    assert done.returncode == 1, done.stderr.decode()
    if fmt == "text":  # the terminal's encoding, with what it cannot show escaped
        assert b'relation "\\u65e5\\u672c" does not exist' in done.stdout
    else:  # machine formats are UTF-8 whatever the locale
        assert "日本" in done.stdout.decode("utf-8")


def test_rules_and_explain() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules", "--format", "json"])
    names = {r["name"] for r in json.loads(listing.output)}
    assert "require-concurrent-index-creation" in names
    page = runner.invoke(main, ["explain", "require-concurrent-index-creation"])
    assert page.exit_code == 0
    assert "## Why it hurts" in page.output
    unknown = runner.invoke(main, ["explain", "nope"])
    assert unknown.exit_code == 2


def test_help_names_the_default_version() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    assert "default: 15" in result.output.replace("\n", " ")


class _Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("environ", "colour"), [({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True)]
)
def test_colour_on_a_terminal_unless_no_color_is_set_and_not_empty(environ, colour) -> None:
    from pglint.cli import use_colour

    assert use_colour(_Terminal(), environ) is colour
    assert use_colour(io.StringIO(), {}) is False
