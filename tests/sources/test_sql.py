"""Splitting and parsing SQL files: offsets, syntax errors, DO blocks, routine bodies."""

from __future__ import annotations

import pytest

from pglint.sources.positions import SourceText
from pglint.sources.sql import parse_sql


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.origin) for s in parse_sql(text).statements]


def _texts(text: str) -> list[str]:
    """Each statement's extent, cut from the file by its offsets."""
    return [text[s.start : s.end] for s in parse_sql(text).statements]


def _problems(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of each syntax problem."""
    source = SourceText("x.sql", text)
    return [(*source.position(p.offset), p.message) for p in parse_sql(text).problems]


# --- plain files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n", "-- only a comment\n", "/* a\n block */", ";;\n;"])
def test_empty_and_comment_only_files(text):
    parsed = parse_sql(text)
    assert parsed.statements == [] and parsed.problems == []


def test_comments_do_not_split_or_start_statements():
    text = "-- lead ; comment\n/* x; */ SELECT 1 /* ; */; -- trailing ;\n  SELECT 2;"
    assert _texts(text) == ["SELECT 1 /* ; */", "SELECT 2"]


def test_dollar_quoted_bodies_keep_their_semicolons():
    text = (
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN NEW.a := 1; RETURN NEW; END;\n$$;\n"
        "SELECT $tag$ ; $$ ; $tag$;\n"
    )
    texts = _texts(text)
    assert len(texts) == 2
    assert texts[0].startswith("CREATE FUNCTION") and texts[0].endswith("$$")
    assert texts[1] == "SELECT $tag$ ; $$ ; $tag$"


def test_non_ascii_text_gives_character_offsets():
    # pglast reports byte offsets in parse trees; statements and node locations are
    # characters of the decoded file.
    text = "SELECT 'ü', 'é漢字'; ALTER TABLE ü ADD COLUMN ä int;"
    statements = parse_sql(text).statements
    assert _texts(text) == ["SELECT 'ü', 'é漢字'", "ALTER TABLE ü ADD COLUMN ä int"]
    alter = statements[1]
    column = alter.node["cmds"][0]["AlterTableCmd"]["def"]["ColumnDef"]
    assert text[alter.offset_of(column["location"]) :].startswith("ä int")
    relation = alter.node["relation"]
    assert text[alter.offset_of(relation["location"])] == "ü"


def test_crlf_line_endings():
    text = "SELECT 1;\r\nALTER TABLE t\r\n  ADD COLUMN a int;\r\nSELEC 2;\r\nSELECT 3;\r\n"
    assert _texts(text) == ["SELECT 1", "ALTER TABLE t\r\n  ADD COLUMN a int", "SELECT 3"]
    assert _problems(text) == [(4, 1, 'syntax error at or near "SELEC"')]


# --- syntax errors -----------------------------------------------------------------------------


def test_syntax_error_is_located_and_statements_around_it_survive():
    text = "SELECT 1;\nCREATE TABLE (id int);\nSELECT 3;\n"
    # psql: ERROR: syntax error at or near "(" LINE 2: CREATE TABLE (id int);  (column 14)
    assert _problems(text) == [(2, 14, 'syntax error at or near "("')]
    assert _kinds(text) == [("SelectStmt", "sql"), ("SelectStmt", "sql")]
    assert _texts(text) == ["SELECT 1", "SELECT 3"]


def test_error_at_the_semicolon():
    assert _problems("SELECT 1;\nSELECT 2 FROM;\n") == [(2, 14, 'syntax error at or near ";"')]


def test_several_errors_are_each_reported():
    text = "SELEC 1;\nSELECT 2;\nALTER TABEL t;\nSELECT 4;"
    assert [(line, col) for line, col, _ in _problems(text)] == [(1, 1), (3, 7)]
    assert len(parse_sql(text).statements) == 2


def test_syntax_error_after_non_ascii_text():
    text = "SELECT 'ü';\nSELECT 'üüü' FROM WHERE;\nSELECT 'ö';"
    assert _problems(text) == [(2, 19, 'syntax error at or near "WHERE"')]
    assert _texts(text) == ["SELECT 'ü'", "SELECT 'ö'"]


def test_unterminated_quote_reports_the_rest_of_the_file():
    text = "SELECT 1;\nSELECT 'abc;\nSELECT 2;\n"
    problems = _problems(text)
    assert len(problems) == 1
    line, column, message = problems[0]
    assert (line, column) == (2, 8) and message.startswith("unterminated quoted string")
    assert _texts(text) == ["SELECT 1"]


def test_quoted_part_of_a_message_is_one_short_line():
    rest = "".join(f"CREATE INDEX i{n} ON t (a);\n" for n in range(100))
    ((_, _, message),) = _problems(f"SELECT 1;\nSELECT 'oops;\n{rest}")
    assert message == 'unterminated quoted string at or near "\'oops;…"'
    long = "x" * 60
    ((_, _, message),) = _problems(f"SELECT '{long}")
    assert message == f'unterminated quoted string at or near "\'{long[:39]}…"'
    # Short quotes are PostgreSQL's message unchanged.
    assert _problems("SELECT 1 +;")[0][2] == 'syntax error at or near ";"'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # PostgreSQL 15 reports position 23 (1-based): just after "TABLE".
        ("SELECT 1;\nCREATE TABLE", (2, 13)),
        ("SELECT 'é', (1", (1, 15)),
        # The server counts trailing blanks and newlines too (position 28: a line after the
        # file's last newline); pglint stays just after the last character an editor shows.
        ("SELECT 1;\nCREATE TABLE  \n\n", (2, 13)),
    ],
)
def test_end_of_input_is_just_after_the_last_character(text, where):
    ((line, column, message),) = _problems(text)
    assert (line, column) == where and message == "syntax error at end of input"


def test_unterminated_block_comment():
    text = "SELECT 1; /* never closed\nSELECT 2;"
    problems = _problems(text)
    assert [(line, col) for line, col, _ in problems] == [(1, 11)]
    assert problems[0][2].startswith("unterminated /* comment")
    assert _texts(text) == ["SELECT 1"]


def test_unterminated_dollar_quote():
    text = "SELECT 1;\nDO $$ BEGIN PERFORM 1;\n"
    problems = _problems(text)
    assert len(problems) == 1 and problems[0][:2] == (2, 4)
    assert _texts(text) == ["SELECT 1"]


# --- psql meta-commands -------------------------------------------------------------------------


def test_psql_meta_commands_are_skipped_to_the_end_of_their_line():
    text = "\\set ON_ERROR_STOP on\n\\connect mydb\nCREATE INDEX i ON t (a);\n\\i x.sql\nSELECT 2;"
    parsed = parse_sql(text)
    assert parsed.problems == []
    assert _texts(text) == ["CREATE INDEX i ON t (a)", "SELECT 2"]


def test_backslashes_elsewhere_are_not_meta_commands():
    text = "SELECT E'\\\\x', $$\n\\x$$;\n-- c\n\\echo hi\nSELECT 1 \\g\n;\n"
    assert _texts(text) == ["SELECT E'\\\\x', $$\n\\x$$"]
    # Inside a statement a backslash is PostgreSQL's syntax error, as before.
    assert [message for _, _, message in _problems(text)] == ['syntax error at or near "\\"']


# --- DO blocks ---------------------------------------------------------------------------------


def test_do_block_statements_are_returned_where_they_are():
    text = (
        "-- é\n"
        "DO $$\nBEGIN\n"
        "  ALTER TABLE t ADD COLUMN a int;\n"
        "  IF true THEN\n    CREATE INDEX t_a ON t (a);\n  END IF;\n"
        "  EXECUTE 'DROP TABLE x';\n"
        "END\n$$;\n"
        "SELECT 1;"
    )
    statements = parse_sql(text).statements
    assert [(s.kind, s.origin) for s in statements] == [
        ("DoStmt", "sql"),
        ("AlterTableStmt", "do"),
        ("IndexStmt", "do"),
        ("SelectStmt", "sql"),
    ]
    source = SourceText("x.sql", text)
    alter, index = statements[1], statements[2]
    assert text[alter.start : alter.end] == "ALTER TABLE t ADD COLUMN a int"
    assert source.position(alter.start) == (4, 3)
    assert text[index.start : index.end] == "CREATE INDEX t_a ON t (a)"
    assert source.position(index.start) == (6, 5)
    assert alter.nested and not statements[0].nested
    # Node locations inside a nested statement point into the file too.
    relation = index.node["relation"]
    assert text[index.offset_of(relation["location"])] == "t"


def test_do_block_in_single_quotes():
    text = "DO 'BEGIN PERFORM ''x''; UPDATE t SET a = 1; END';"
    statements = parse_sql(text).statements
    assert [(s.kind, s.origin) for s in statements] == [("DoStmt", "sql"), ("UpdateStmt", "do")]
    update = statements[1]
    assert text[update.start : update.end] == "UPDATE t SET a = 1"


def test_do_block_with_language_clause_first():
    text = "DO LANGUAGE plpgsql $b$ BEGIN INSERT INTO t VALUES (1); END $b$;"
    assert _kinds(text) == [("DoStmt", "sql"), ("InsertStmt", "do")]


def test_do_blocks_in_other_languages_are_opaque():
    text = "DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE t') $$;"
    assert _kinds(text) == [("DoStmt", "sql")]


def test_invalid_plpgsql_inside_do_is_not_a_syntax_error():
    # PostgreSQL's parser takes the body as a string; PL/pgSQL checks it only when it runs.
    text = "DO $$ BEGIN THIS IS NOT PLPGSQL; END $$;\nSELECT 1;"
    parsed = parse_sql(text)
    assert parsed.problems == []
    assert [s.kind for s in parsed.statements] == ["DoStmt", "SelectStmt"]


def test_do_block_after_a_syntax_error():
    text = "SELEC 1;\nDO $$ BEGIN DELETE FROM t; END $$;\n"
    assert _kinds(text) == [("DoStmt", "sql"), ("DeleteStmt", "do")]
    statements = parse_sql(text).statements
    assert text[statements[1].start : statements[1].end] == "DELETE FROM t"


# --- SQL-standard routine bodies ------------------------------------------------------------------

_ATOMIC = (
    "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n"
    "BEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND;\n"
)


def test_begin_atomic_body_is_one_statement():
    assert _kinds(_ATOMIC + "SELECT 3;") == [("CreateFunctionStmt", "sql"), ("SelectStmt", "sql")]


def test_begin_atomic_body_survives_a_syntax_error_elsewhere():
    # Cutting at every semicolon would turn the body's END into a COMMIT.
    text = (
        _ATOMIC + "SELEC 3;\nCREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC DELETE FROM t; END;\n"
    )
    parsed = parse_sql(text)
    assert [s.kind for s in parsed.statements] == ["CreateFunctionStmt", "CreateFunctionStmt"]
    assert [(line, col) for line, col, _ in _problems(text)] == [(6, 1)]


def test_begin_atomic_body_after_a_comment_survives_a_syntax_error():
    text = "-- the function\n" + _ATOMIC + "SELEC 3;\n"
    assert [s.kind for s in parse_sql(text).statements] == ["CreateFunctionStmt"]


def test_begin_and_end_outside_routines_still_split():
    text = "SELEC 1;\nBEGIN;\nSELECT 2;\nEND;\n"
    assert [s.kind for s in parse_sql(text).statements] == [
        "TransactionStmt",
        "SelectStmt",
        "TransactionStmt",
    ]


def test_base_offset_is_added():
    parsed = parse_sql("SELECT 1; SELEC 2;", base=100)
    assert parsed.statements[0].start == 100
    assert parsed.problems[0].offset == 110
