"""Rule dispatch: which checks the engine calls for a statement (kinds and sub-kinds)."""

from __future__ import annotations

import pytest

from pglint.config import Settings
from pglint.engine import select_rules
from pglint.model.nodes import statement_subtypes
from pglint.rules.registry import check
from pglint.sources.sql import parse_sql


def _statement(sql: str):
    (statement,) = parse_sql(sql).statements
    return statement


@pytest.mark.parametrize(
    ("sql", "subtypes"),
    [
        (
            "ALTER TABLE t ADD COLUMN a int, DROP COLUMN b",
            {"AT_AddColumn", "AT_DropColumn"},
        ),
        ("DROP INDEX i", {"OBJECT_INDEX"}),
        ("ALTER TABLE t RENAME COLUMN a TO b", {"OBJECT_COLUMN"}),
        ("CREATE TABLE t (a int)", set()),
    ],
)
def test_statement_subtypes(sql: str, subtypes: set[str]) -> None:
    statement = _statement(sql)
    assert statement_subtypes(statement.kind, statement.node) == subtypes


def _names(sql: str) -> set[str]:
    active = select_rules(Settings())
    statement = _statement(sql)
    return {entry.rule.name for entry in active.for_statement(statement.kind, statement.node)}


def test_sub_kinds_narrow_the_checks_of_a_statement() -> None:
    add = _names("ALTER TABLE t ADD COLUMN a int")
    drop = _names("ALTER TABLE t DROP COLUMN a")
    assert "adding-required-field" in add and "adding-required-field" not in drop
    assert "ban-drop-column" in drop and "ban-drop-column" not in add
    # Checks without sub-kinds (or without kinds) see every ALTER TABLE.
    assert {"require-lock-timeout", "unsupported-in-target-version"} <= add & drop
    both = _names("ALTER TABLE t ADD COLUMN a int, DROP COLUMN b")
    assert add | drop <= both


def test_sub_kinds_of_drop_statements() -> None:
    assert "require-concurrent-index-deletion" in _names("DROP INDEX i")
    assert "require-concurrent-index-deletion" not in _names("DROP TABLE t")
    assert "ban-drop-table" in _names("DROP TABLE t")
    assert "ban-drop-table" not in _names("DROP INDEX i")


def test_statements_of_a_kind_without_sub_kinds_get_every_check_of_that_kind() -> None:
    # AlterDomainStmt is listed plainly next to ALTER TABLE sub-kinds.
    assert "ban-drop-not-null" in _names("ALTER DOMAIN d DROP NOT NULL")


def test_only_statements_with_sub_kinds_may_name_one() -> None:
    with pytest.raises(ValueError, match="no sub-kinds"):
        check("made-up", kinds=("IndexStmt:concurrent",))
