"""The README and the code agree: layouts table, test command, packaging."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pglint.layouts import layouts

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_layouts_table_lists_every_layout() -> None:
    table = README.split("<!-- layouts-table -->", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    assert documented == set(layouts())


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in README
    assert "test-command" in ci


def test_entry_points_match_the_static_lists() -> None:
    from pglint.report import REPORTERS
    from pglint.rules import MODULES

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert set(project["pglint.rules"]) == set(MODULES)
    assert {k: v for k, v in project["pglint.reporters"].items()} == REPORTERS
