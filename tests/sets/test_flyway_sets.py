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


def test_a_location_with_sub_folders_is_replayed_as_one(tmp_path: Path) -> None:
    """varchar(10) → varchar(20) is binary-coercible: no rewrite once 2023/V1 is replayed."""
    write(
        tmp_path / "db" / "migration",
        {
            "2023/V1__init.sql": "CREATE TABLE a (id bigint PRIMARY KEY, c varchar(10));\n",
            "2024/V2__widen.sql": "ALTER TABLE a ALTER COLUMN c TYPE varchar(20);\n",
        },
    )
    select = Settings(select=("changing-column-type",))
    findings, _ = lint_paths([str(tmp_path)], select)
    assert findings == []
    # as pre-commit names it
    findings, _ = lint_paths([str(tmp_path / "db/migration/2024/V2__widen.sql")], select)
    assert findings == []
    # a shrink is judged against the replayed type
    (tmp_path / "db/migration/2024/V3__shrink.sql").write_text(
        "ALTER TABLE a ALTER COLUMN c TYPE varchar(5);\n"
    )
    findings, _ = lint_paths([str(tmp_path / "db/migration/2024/V3__shrink.sql")], select)
    assert [f.rule for f in findings] == ["changing-column-type"]
    assert "varchar(20)" in findings[0].message
