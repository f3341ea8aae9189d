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


# --- only real comments are directives ---------------------------------------------------------


def test_directive_text_in_a_string_literal_is_not_a_directive() -> None:
    assert lint(f"SELECT 'see -- pglint: ignore-file';\n{INDEX}\n") == [(RULE, 2)]
    text = f"COMMENT ON TABLE t IS $$ -- squawk-ignore-file $$;\n{INDEX}\n"
    assert lint(text) == [(RULE, 2)]
    assert lint(f"{INDEX}\nCOMMENT ON TABLE t IS '-- pglint: ignore {RULE}';\n") == [(RULE, 1)]
    assert find_directives("SELECT '-- pglint: ignore-file', E'\\n-- pglint: ignore';\n") == []
    # A rejected candidate does not hide a real comment later on its line.
    assert lint(f"{INDEX}\nSELECT '-- pglint: ignore'; -- pglint: ignore-file {RULE}\n") == []


def test_block_comments_and_comments_in_routine_bodies_are_directives() -> None:
    assert lint(f"/* -- pglint: ignore-file {RULE} */\n{INDEX}\n") == []
    assert lint(f"{INDEX}\n/*\n -- pglint: ignore-file {RULE}\n*/\n") == []
    assert lint(f"{INDEX} /* pglint: ignore {RULE} */\n") == []
    (directive,) = find_directives(f"/* pglint: ignore {RULE} the reason */ SELECT 1;\n")
    assert directive.rules == (RULE,) and directive.reason == "the reason"
    do = "DO $$\nBEGIN\n  -- pglint: ignore {0}\n  CREATE INDEX i ON t (a);\nEND $$;\n"
    assert lint(do.format(RULE)) == []
    quoted = "DO '\nBEGIN\n  RAISE NOTICE ''it''''s'';\n  -- pglint: ignore {0}\n  {1}\nEND';\n"
    assert lint(quoted.format(RULE, INDEX)) == []
    # A string inside the body is still a string.
    in_string = "DO $$\nBEGIN\n  RAISE NOTICE '-- pglint: ignore {0}';\n  {1}\nEND $$;\n"
    assert lint(in_string.format(RULE, INDEX)) == [(RULE, 4)]


def test_text_after_an_unterminated_quote_holds_no_directive() -> None:
    # The scanner stops at the quote; the rest of the file is inside it for PostgreSQL too.
    directives = find_directives(
        f"-- pglint: ignore {RULE}\nSELECT 'oops;\n-- pglint: ignore-file\n"
    )
    assert [d.kind for d in directives] == ["ignore"]


def test_python_comments_only() -> None:
    code = 'x = "# pglint: ignore-file"  # pglint: ignore ban-drop-table\n'
    (directive,) = find_directives(code, python=True)
    assert directive.rules == ("ban-drop-table",) and directive.trailing
    sql_in_string = 'op.execute("""\n-- pglint: ignore ban-drop-table\nDROP TABLE t""")\n'
    (directive,) = find_directives(sql_in_string, python=True)
    assert directive.line == 2 and not directive.trailing
    # In the SQL of a Python string, only its comments count.
    in_sql_string = "op.execute(\"SELECT '-- pglint: ignore-file'\")\n"
    assert find_directives(in_sql_string, python=True) == []
    (directive,) = find_directives('op.execute(f"DROP TABLE {t} -- pglint: ignore x")', True)
    assert directive.trailing and directive.rules == ("x",)


# --- rule names and reasons --------------------------------------------------------------------


def test_names_ignore_case_and_read_underscores_as_hyphens() -> None:
    assert lint(f"-- pglint: ignore-file Require_Concurrent_Index_Creation\n{INDEX}\n") == []


def test_free_text_instead_of_names_silences_nothing_and_is_reported() -> None:
    for directive in ("-- pglint: ignore 40 rows only", "-- pglint: ignore-file Ban-Drop-Tabel"):
        text = f"{directive}\n{INDEX}\n"
        assert lint(text) == [(RULE, 2)]
        assert lint(text, warn_unused_ignores=True) == [("unused-ignore", 1), (RULE, 2)]


def test_reason_only_silences_nothing() -> None:
    text = f"-- pglint: ignore -- the table is small\n{INDEX}\n"
    assert lint(text) == [(RULE, 2)]
    assert lint(text, warn_unused_ignores=True) == [("unused-ignore", 1), (RULE, 2)]


def test_reason_after_a_comma_colon_or_dashes() -> None:
    for separator in (", approved", ": approved", " -- approved", " approved"):
        (directive,) = find_directives(f"-- pglint: ignore ban-drop-table{separator} by DBA\n")
        assert directive.rules == ("ban-drop-table",)
        assert directive.reason == "approved by DBA"


def test_names_separated_by_commas_or_blanks() -> None:
    for names in ("ban-drop-table, ban-drop-column", "ban-drop-table ban-drop-column"):
        (directive,) = find_directives(f"-- pglint: ignore {names} old data\n")
        assert directive.rules == ("ban-drop-table", "ban-drop-column")
        assert directive.reason == "old data"


def test_misspelt_name_after_a_comma_is_reported() -> None:
    text = f"-- pglint: ignore {RULE}, ban-drop-tabel\n{INDEX}\n"
    assert lint(text) == []
    assert lint(text, warn_unused_ignores=True) == [("unused-ignore", 1)]


# --- which statement a line directive covers ---------------------------------------------------


def test_end_of_line_ignore_covers_its_own_statement_only() -> None:
    text = f"CREATE INDEX a ON t (a); -- pglint: ignore {RULE}\nCREATE INDEX b ON t (a);\n"
    assert lint(text) == [(RULE, 2)]


def test_end_of_line_ignore_in_a_do_block() -> None:
    text = (
        "DO $$\nBEGIN\n"
        f"  CREATE INDEX a ON t (a); -- pglint: ignore {RULE}\n"
        "  CREATE INDEX b ON t (a);\nEND $$;\n"
    )
    assert lint(text) == [(RULE, 4)]


def test_line_before_may_be_separated_by_blank_lines_and_comments() -> None:
    assert lint(f"-- pglint: ignore {RULE}\n\n-- the table is small\n{INDEX}\n") == []
