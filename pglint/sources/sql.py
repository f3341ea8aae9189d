"""Split and parse SQL text with pglast into :class:`Statement` objects.

The whole file is parsed in one call (the fast path). When PostgreSQL's parser rejects
it, the file is cut into statements with PostgreSQL's own scanner and each piece is
parsed alone, so that every bad statement is reported at the location the parser gives
and the good ones around it are still linted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pglast.parser import ParseError, parse_plpgsql_json, parse_sql_json, scan

from pglint.model.statements import Node, Statement, SyntaxProblem
from pglint.sources.positions import OffsetMap


@dataclass(slots=True)
class ParsedSql:
    """The statements of one piece of SQL and the parts the parser rejected."""

    statements: list[Statement] = field(default_factory=list)
    problems: list[SyntaxProblem] = field(default_factory=list)


def parse_sql(text: str, base: int = 0, part: str = "up", origin: str = "sql") -> ParsedSql:
    """Parse ``text`` (which starts at character ``base`` of its file)."""
    result = ParsedSql()
    try:
        tree = json.loads(parse_sql_json(text))
    except ParseError:
        _parse_piecewise(text, base, part, origin, result)
        return result
    _collect(text, base, tree, part, origin, result)
    return result


def _collect(text: str, base: int, tree: Node, part: str, origin: str, result: ParsedSql) -> None:
    locate = OffsetMap(text, base)
    for raw in tree.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        start_byte = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        start = locate(start_byte)
        end = locate(start_byte + length) if length else base + len(text)
        # A statement's extent ends before its semicolon; trailing blanks are not part of it.
        stmt_text = text[start - base : end - base].rstrip()
        end = start + len(stmt_text)
        statement = Statement(kind, node, stmt_text, start, end, locate, origin, part)
        result.statements.append(statement)
        if kind == "DoStmt" and origin != "do":
            result.statements.extend(_do_block_statements(statement, text, base))


def _parse_piecewise(text: str, base: int, part: str, origin: str, result: ParsedSql) -> None:
    for start, end, error in _pieces(text):
        if error is not None:
            result.problems.append(SyntaxProblem(error[0], base + start + error[1], base + end))
            continue
        piece = text[start:end]
        try:
            tree = json.loads(parse_sql_json(piece))
        except ParseError as exc:
            message, index = _error_parts(exc, piece)
            result.problems.append(SyntaxProblem(message, base + start + index, base + end))
            continue
        _collect(piece, base + start, tree, part, origin, result)


def _error_parts(error: ParseError, text: str = "") -> tuple[str, int]:
    """(message, character index) of a parse error.

    "At end of input" errors point just after the last character that is not blank, where
    PostgreSQL points (it counts trailing blanks too, but a place after the file's last
    newline is on no line an editor shows). The quoted text of "at or near" is cut to its
    first line and at most _NEAR_LIMIT characters: after an unterminated quote or comment
    PostgreSQL quotes the whole rest of the file.
    """
    message = str(error.args[0]) if error.args else str(error)
    index = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else None
    if index is None:
        index = len(text.rstrip())
    near = _NEAR.search(message)
    if near is not None:
        quoted = near.group(1)
        short = quoted.splitlines()[0][:_NEAR_LIMIT] if quoted else quoted
        if short != quoted.rstrip():
            message = f"{message[: near.start(1)]}{short.rstrip()}…{message[near.end(1) :]}"
    return message, max(0, index)


_NEAR = re.compile(r'at or near "(.*)"$', re.DOTALL)
_NEAR_LIMIT = 40


def _pieces(text: str) -> Iterator[tuple[int, int, tuple[str, int] | None]]:
    """Yield (start, end, scanner_error) for each semicolon-separated piece of ``text``."""
    limit = len(text)
    scanner_error: tuple[str, int] | None = None
    try:
        tokens = scan(text)
    except ParseError as exc:
        # The scanner itself failed (an unterminated quote or comment): everything from
        # the statement holding that point to the end of the file is one bad piece.
        message, index = _error_parts(exc)
        scanner_error = (message, index)
        limit = index
        try:
            tokens = scan(text[:index])
        except ParseError:
            tokens = []
    start = 0
    body = _RoutineBody()
    code = False  # the current piece has a token that is not a comment
    meta_end = -1
    for token in tokens:
        name = token.name
        if token.start < meta_end:
            continue
        if name == "ASCII_92" and not code:
            # A psql meta-command (\set, \connect, \i …) at the start of a statement: it
            # is not SQL, and psql ends it at the end of its line. Skip that line.
            newline = text.find("\n", token.start)
            meta_end = start = limit if newline < 0 else newline + 1
        elif name == "ASCII_59" and not body.inside:
            # Keep the semicolon so the parser reports the same location as for the whole file.
            yield start, token.end + 1, None
            start = token.end + 1
            body = _RoutineBody()
            code = False
        elif name not in ("SQL_COMMENT", "C_COMMENT"):
            body.feed(name)
            code = True
    if scanner_error is not None:
        yield start, len(text), (scanner_error[0], scanner_error[1] - start)
        return
    if text[start:limit].strip():
        yield start, limit, None


class _RoutineBody:
    """Tracks ``BEGIN ATOMIC … END`` in ``CREATE [OR REPLACE] FUNCTION|PROCEDURE``.

    Semicolons inside such a body do not end the statement. Like psql, this looks at the
    statement's first keywords, then counts BEGIN and END (and CASE … END inside a body)
    outside parentheses.
    """

    __slots__ = ("depth", "head", "parens")

    def __init__(self) -> None:
        self.head: list[str] = []
        self.depth = 0
        self.parens = 0

    @property
    def inside(self) -> bool:
        return self.depth > 0

    def _routine(self) -> bool:
        head = self.head
        if len(head) < 2 or head[0] != "CREATE":
            return False
        if head[1] in ("FUNCTION", "PROCEDURE"):
            return True
        return (
            head[1:3] == ["OR", "REPLACE"]
            and len(head) > 3
            and head[3] in ("FUNCTION", "PROCEDURE")
        )

    def feed(self, name: str) -> None:
        if len(self.head) < 4:
            self.head.append(name)
        if name == "ASCII_40":
            self.parens += 1
        elif name == "ASCII_41":
            self.parens = max(0, self.parens - 1)
        elif self.parens == 0 and self._routine():
            if name == "BEGIN_P" or (name == "CASE" and self.depth > 0):
                self.depth += 1
            elif name == "END_P" and self.depth > 0:
                self.depth -= 1


# --- DO blocks -------------------------------------------------------------------------------

_WRAPPER_HEAD = "CREATE FUNCTION pglint_do() RETURNS void LANGUAGE plpgsql AS $pglint_body$"
_WRAPPER_TAIL = "$pglint_body$"


def _do_block_statements(do: Statement, text: str, base: int) -> list[Statement]:
    """Statements of a PL/pgSQL ``DO`` block that run when the migration runs."""
    body, language, body_start, doubled = None, "plpgsql", -1, False
    for arg in do.node.get("args", ()):
        elem = arg.get("DefElem", {})
        value = elem.get("arg", {}).get("String", {}).get("sval")
        if elem.get("defname") == "as":
            body = value
            quote_at = do.locate(elem.get("arg_location", -1))
            body_start = _body_offset(text, base, quote_at)
            # In a '…' body every quote of the code is written twice in the file.
            doubled = 0 <= quote_at - base < len(text) and text[quote_at - base] == "'"
        elif elem.get("defname") == "language" and value:
            language = value.lower()
    if body is None or language != "plpgsql" or "$pglint_body$" in body:
        return []
    try:
        tree = json.loads(parse_plpgsql_json(_WRAPPER_HEAD + body + _WRAPPER_TAIL))
    except (ParseError, ValueError):
        return []
    if body_start < 0:
        body_start = do.start
    line_starts = [0]
    line_starts.extend(i + 1 for i, ch in enumerate(body) if ch == "\n")
    found: list[Statement] = []
    for query, lineno in _embedded_queries(tree):
        line = min(max(lineno - 1, 0), len(line_starts) - 1)
        at = body.find(query, line_starts[line])
        if at < 0:
            at = body.find(query)
        at = at if at >= 0 else line_starts[line]
        offset = body_start + at + (body.count("'", 0, at) if doubled else 0)
        parsed = parse_sql(query, base=offset, part=do.part, origin="do")
        found.extend(parsed.statements)
    return found


def _body_offset(text: str, base: int, at: int) -> int:
    """Character offset in the file where a quoted body's content starts."""
    local = at - base
    if local < 0 or local >= len(text):
        return -1
    if text[local] == "$":
        close = text.find("$", local + 1)
        return base + close + 1 if close >= 0 else -1
    if text[local] in "'eE":
        return base + text.find("'", local) + 1
    return -1


def _embedded_queries(tree: object) -> Iterator[tuple[str, int]]:
    """Yield (sql, line) for every plain SQL statement inside a PL/pgSQL parse tree."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            execsql = item.get("PLpgSQL_stmt_execsql")
            if execsql is not None:
                query = execsql.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
                if query:
                    yield query, execsql.get("lineno", 1)
                continue
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
