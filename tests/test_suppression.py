"""Suppression comments: pglint's own and Squawk's."""

from __future__ import annotations

from pglint.config import Settings
from pglint.engine import lint_text, select_rules
from pglint.sources.directives import find_directives

RULE = "require-concurrent-index-creation"
INDEX = "CREATE INDEX i ON t (a);"


def lint(text: str, **settings) -> list[tuple[str, int]]:
    settings.setdefault("select", (RULE, "ban-drop-table"))
    s = Settings(**settings)
    return [(f.rule, f.line) for f in lint_text("m.sql", text, s, select_rules(s))]


def test_ignore_on_line_before() -> None:
    assert lint(f"-- pglint: ignore {RULE} table is tiny\n{INDEX}\n") == []


def test_ignore_at_end_of_line() -> None:
    assert lint(f"{INDEX} -- pglint: ignore {RULE}\n") == []


def test_ignore_inside_a_multiline_statement() -> None:
    assert lint(f"CREATE INDEX i\n  ON t (a); -- pglint: ignore {RULE}\n") == []


def test_ignore_applies_to_one_statement_only() -> None:
    text = f"-- pglint: ignore {RULE}\n{INDEX}\n{INDEX}\n"
    assert lint(text) == [(RULE, 3)]


def test_ignore_does_not_jump_over_statements() -> None:
    text = f"-- pglint: ignore {RULE}\nSELECT 1;\n{INDEX}\n"
    assert lint(text) == [(RULE, 3)]


def test_other_rule_names_do_not_silence() -> None:
    assert lint(f"-- pglint: ignore ban-drop-table\n{INDEX}\n") == [(RULE, 2)]


def test_ignore_file_anywhere() -> None:
    assert lint(f"{INDEX}\n{INDEX}\n-- pglint: ignore-file {RULE}\n") == []


def test_squawk_comments_are_honoured() -> None:
    assert lint(f"-- squawk-ignore {RULE}\n{INDEX}\n") == []
    assert lint(f"{INDEX}\n-- squawk-ignore-file {RULE}\n") == []


def test_several_names_and_reason() -> None:
    (directive,) = find_directives("-- pglint: ignore rule-a, rule-b because the table is new\n")
    assert directive.rules == ("rule-a", "rule-b")
    assert directive.reason == "because the table is new"
    assert directive.kind == "ignore"


def test_no_names_silences_every_rule() -> None:
    assert lint(f"-- pglint: ignore\n{INDEX}\n") == []


def test_syntax_errors_cannot_be_silenced() -> None:
    assert lint("-- pglint: ignore-file syntax-error\nSELECT FROM WHERE;\n") == [
        ("syntax-error", 2)
    ]


def test_unused_and_unknown_ignores_reported_on_request() -> None:
    text = f"-- pglint: ignore {RULE}\nSELECT 1;\n-- pglint: ignore no-such-rule\nSELECT 2;\n"
    assert lint(text) == []
    found = lint(text, warn_unused_ignores=True)
    assert found == [("unused-ignore", 1), ("unused-ignore", 3)]


def test_used_ignore_is_not_reported() -> None:
    assert lint(f"-- pglint: ignore {RULE}\n{INDEX}\n", warn_unused_ignores=True) == []


def test_directives_inside_strings_of_other_text_are_not_needed() -> None:
    assert find_directives("SELECT 1;\n") == []


def test_bare_squawk_ignore_silences_nothing_like_squawk() -> None:
    assert lint(f"-- squawk-ignore\n{INDEX}\n") == [(RULE, 2)]
    assert lint(f"-- squawk-ignore-file\n{INDEX}\n") == []
