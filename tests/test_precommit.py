"""The pre-commit hooks: ids and file types, and a run on the files pre-commit would pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def hooks() -> dict[str, dict[str, str]]:
    """The hook entries of .pre-commit-hooks.yaml (flat ``key: value`` lines per hook)."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines():
        if line.startswith("- id: "):
            current = {}
            found[line.removeprefix("- id: ").strip()] = current
        elif ":" in line and current is not None:
            key, value = line.strip().split(":", 1)
            current[key] = value.strip()
    return found


def test_hook_definitions() -> None:
    table = hooks()
    assert table["pglint"]["types"] == "[sql]"
    assert table["pglint"]["require_serial"] == "true"
    assert table["pglint"]["entry"] == "pglint check"
    assert table["pglint-alembic"]["types"] == "[python]"


def test_hook_run_on_changed_files(tmp_path: Path) -> None:
    """pre-commit runs `pglint check FILE...` with the staged files, some not migrations."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "1_t.up.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, a int);\n")
    (tmp_path / "db" / "1_t.down.sql").write_text("DROP TABLE t;\n")
    (tmp_path / "db" / "2_i.up.sql").write_text("CREATE INDEX t_a_idx ON t (a);\n")
    (tmp_path / "db" / "2_i.down.sql").write_text("DROP INDEX t_a_idx;\n")
    (tmp_path / "app.py").write_text("print('not a migration')\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pglint",
            "check",
            "--select",
            "require-concurrent-index-creation",
            "db/2_i.up.sql",
            "app.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("db/2_i.up.sql:1:1: error [require-concurrent-index-creation]")
    assert "1 of 2 files" in done.stdout  # the up and its rollback, linted with it
