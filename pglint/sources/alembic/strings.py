"""Python string literals: their values, where each character sits in the file, bind params.

SQL handed to ``op.execute`` is parsed from the string's value; :class:`SqlText` maps an
index into that value back to the file, so findings point at the SQL inside the literal
(escapes, implicit concatenation and ``\\``-newlines included).
"""

from __future__ import annotations

import ast
import codecs
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from pglint.model.statements import SyntaxProblem
from pglint.sources.sql import ParsedSql


@dataclass(frozen=True, slots=True)
class SqlText:
    """A string's value and, per stretch of it, where its characters are in the file."""

    value: str
    #: (value index, file offset, length), sorted; characters outside map to ``anchor``.
    segments: tuple[tuple[int, int, int], ...]
    anchor: int
    #: The string goes through SQLAlchemy's text(): ``:name`` is a bind parameter.
    bind_params: bool = False

    def __call__(self, index: int) -> int:
        """File offset of character ``index`` of the value (``len(value)``: just past it)."""
        if not self.segments:
            return self.anchor
        at = bisect_right(self.segments, (index, 1 << 62, 0)) - 1
        if at < 0:
            return self.segments[0][1]
        start, offset, length = self.segments[at]
        if index - start <= length:
            return offset + (index - start)
        return offset + length

    def exact(self) -> int | None:
        """The file offset of the value's start when the value is one unbroken stretch."""
        if len(self.segments) == 1 and self.segments[0][2] == len(self.value):
            return self.segments[0][1]
        return None

    def __add__(self, other: SqlText) -> SqlText:
        shift = len(self.value)
        moved = tuple((s + shift, o, n) for s, o, n in other.segments)
        return SqlText(
            self.value + other.value,
            self.segments + moved,
            self.anchor,
            self.bind_params or other.bind_params,
        )


_ESCAPE = re.compile(
    r"\\(?:\n|N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.S
)
_PREFIX = re.compile(r"^([a-zA-Z]*)('''|\"\"\"|'|\")")


def literal(source: str, offset: int) -> SqlText | None:
    """The value of a Python string literal written as ``source`` at ``offset``.

    None for bytes and f-strings.
    """
    match = _PREFIX.match(source)
    if match is None:
        return None
    prefix, quote = match.group(1).lower(), match.group(2)
    if "b" in prefix or "f" in prefix:
        return None
    begin = len(match.group(0))
    raw = source[begin : len(source) - len(quote)]
    base = offset + begin
    if "r" in prefix or "\\" not in raw:
        return SqlText(raw, ((0, base, len(raw)),), base)
    segments: list[tuple[int, int, int]] = []
    pieces: list[str] = []
    length = 0
    last = 0
    for escape in _ESCAPE.finditer(raw):
        if escape.start() > last:
            plain = raw[last : escape.start()]
            segments.append((length, base + last, len(plain)))
            pieces.append(plain)
            length += len(plain)
        try:
            decoded = codecs.decode(escape.group(0), "unicode_escape")
        except UnicodeDecodeError:
            decoded = escape.group(0)
        if escape.group(0) == "\\\n":
            decoded = ""
        for char in decoded:
            segments.append((length, base + escape.start(), 0))
            pieces.append(char)
            length += 1
        last = escape.end()
    if last < len(raw):
        segments.append((length, base + last, len(raw) - last))
        pieces.append(raw[last:])
    value = "".join(pieces)
    try:
        expected = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        expected = value
    if expected != value and expected != value.replace("\r\n", "\n").replace("\r", "\n"):
        # Python reads a CRLF inside a literal as LF; anything else unexpected: the value
        # Python gives, every character located at the string's start.
        return SqlText(expected, (), base)
    return SqlText(value, tuple(segments), base)


_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def without_binds(sql: str) -> tuple[str, bool]:
    """SQLAlchemy text(): ``:name`` → ``$1`` (same length), ``\\:`` → `` :``; and whether
    there was a bind parameter."""
    found = False

    def placeholder(match: re.Match[str]) -> str:
        nonlocal found
        found = True
        return "$1".ljust(len(match.group(0)))

    sql = _BIND.sub(placeholder, sql)
    if "\\:" in sql:
        sql = sql.replace("\\:", " :")
    return sql, found


def remap(parsed: ParsedSql, sql: SqlText) -> ParsedSql:
    """Move statements parsed from a string's value to where its characters are in the file."""
    statements = []
    for statement in parsed.statements:
        start = sql(statement.start)
        end = max(start + 1, sql(statement.end))
        statements.append(
            replace(statement, start=start, end=end, locate=_Remapped(statement.locate, sql))
        )
    problems = [
        SyntaxProblem(
            p.message, sql(p.offset), max(sql(p.offset) + 1, sql(max(p.end - 1, p.offset)) + 1)
        )
        for p in parsed.problems
    ]
    return ParsedSql(statements, problems)


class _Remapped:
    """A statement's ``locate`` composed with the value → file mapping."""

    __slots__ = ("_inner", "_map")

    def __init__(self, inner: Callable[[int], int], mapping: SqlText) -> None:
        self._inner = inner
        self._map = mapping

    def __call__(self, byte_offset: int) -> int:
        return self._map(self._inner(byte_offset))
