"""Flyway sets end to end: repeatable migrations, mixed scripts, nested folders."""

from __future__ import annotations

from pathlib import Path

from pglint.config import Settings
from pglint.runner import lint_paths
from tests.sets.test_sets import rules_at, write


def test_repeatable_migrations_need_no_undo(tmp_path: Path) -> None:
    write(
        tmp_path / "db",
        {
            "V1__init.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n",
            "R__view.sql": "CREATE OR REPLACE VIEW v AS SELECT id FROM a;\n",
        },
    )
    findings, _ = lint_paths([str(tmp_path)], Settings(select=("missing-rollback",)))
    assert rules_at(findings, "R__view.sql") == []
    # the versioned migration still needs its U1__init.sql
    assert rules_at(findings, "V1__init.sql") == [("missing-rollback", 1)]
