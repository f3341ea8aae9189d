"""Start-up stays light: what ``pglint check`` on a SQL file loads.

Behavioural, not timed: a run on SQL must not load what only other commands or Python
migrations need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Modules a ``pglint check`` of SQL files has no use for.
NOT_FOR_SQL = (
    "libcst",
    "pglint.plan",
    "pglint.sources.alembic",
    "pglint.verify.runner",
    "pglint.verify.cluster",
    "pglint.gitdiff",
    "pglint.report.json",
    "pglint.report.sarif",
    "pglint.report.github",
    "multiprocessing",
    "concurrent",
    "subprocess",
)

_LOADED = """
import json, sys
from pglint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_modules(*args: str, cwd: Path) -> set[str]:
    """The modules a fresh ``pglint`` process has loaded when it exits."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PGLINT_NO_CACHE": "1"},
    )
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_check_of_sql_loads_only_what_it_needs(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text("CREATE INDEX i ON t (a);\n")
    loaded = loaded_modules("check", "001.sql", cwd=tmp_path)
    assert "pglint.report.text" in loaded  # the run happened
    unwanted = [m for m in loaded if any(m == p or m.startswith(p + ".") for p in NOT_FOR_SQL)]
    assert not sorted(unwanted)


def test_finding_migration_sets_does_not_load_the_parser(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text("CREATE INDEX i ON t (a);\n")
    loaded = loaded_modules("layouts", "001.sql", cwd=tmp_path)
    assert "pglint.layouts.plain" in loaded  # the run happened
    assert "pglast" not in loaded and "pglint.engine" not in loaded
