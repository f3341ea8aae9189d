"""Turn offsets into 1-based lines and character columns, and byte offsets into characters."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from pglint.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, end-inclusive line and character-column range in a file."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(slots=True)
class SourceText:
    """A file's decoded text with a lazily built line index."""

    path: str
    text: str
    _starts: list[int] = field(default_factory=list, repr=False)

    def _line_starts(self) -> list[int]:
        if not self._starts:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._starts = starts
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        """Return (line, column), both 1-based, of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        starts = self._starts or self._line_starts()
        index = bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        """Span of the characters ``text[start:end]``; the end column is the last character."""
        return Span(*self._span(start, end))

    def _span(self, start: int, end: int) -> tuple[int, int, int, int]:
        """:meth:`span` as a tuple (no object to build: findings are made in bulk)."""
        size = len(self.text)
        starts = self._starts or self._line_starts()
        start = max(0, min(start, size))
        last = max(start, min(end - 1, size))
        line = bisect_right(starts, start)
        end_line = bisect_right(starts, last, line - 1)
        return line, start - starts[line - 1] + 1, end_line, last - starts[end_line - 1] + 1

    def finding(
        self, start: int, end: int, rule: str, severity: Severity, message: str, help: str = ""
    ) -> Finding:
        """A finding on ``text[start:end]`` (at least one character)."""
        line, column, end_line, end_column = self._span(start, max(end, start + 1))
        return Finding(self.path, line, column, end_line, end_column, rule, severity, message, help)


class OffsetMap:
    """Map byte offsets of a parsed string (as pglast reports them) to characters in the file.

    ``text`` is the string that was handed to the parser and ``base`` the character
    offset at which it starts in the file. ASCII text maps one to one. Otherwise the
    UTF-8 byte offset of every ``_CHUNK``-th character is computed once (one int per
    chunk), and a lookup encodes at most one chunk (none in an ASCII one): linear time
    overall, whatever the order of the lookups.
    """

    __slots__ = ("_bytes_at", "_text", "base")

    _CHUNK = 256

    def __init__(self, text: str, base: int = 0) -> None:
        self._text = text
        self.base = base
        self._bytes_at: list[int] | None = None
        if not text.isascii():
            chunk = self._CHUNK
            bytes_at = [0]
            total = 0
            for i in range(0, len(text), chunk):
                total += len(text[i : i + chunk].encode("utf-8"))
                bytes_at.append(total)
            self._bytes_at = bytes_at

    def __call__(self, byte_offset: int) -> int:
        if byte_offset < 0:
            byte_offset = 0
        bytes_at = self._bytes_at
        if bytes_at is None:
            return self.base + byte_offset
        index = bisect_right(bytes_at, byte_offset) - 1
        start = index * self._CHUNK
        if index >= len(bytes_at) - 1:  # at or past the end
            return self.base + len(self._text)
        within = byte_offset - bytes_at[index]
        end = start + self._CHUNK
        if bytes_at[index + 1] - bytes_at[index] == min(end, len(self._text)) - start:
            return self.base + start + within  # an ASCII chunk
        piece = self._text[start:end].encode("utf-8")[:within]
        # A cut inside a multi-byte character counts only the characters before it.
        return self.base + start + len(piece.decode("utf-8", errors="ignore"))


class FixedOffset:
    """A map that sends every location to one place (statements synthesised from code)."""

    __slots__ = ("base",)

    def __init__(self, base: int) -> None:
        self.base = base

    def __call__(self, byte_offset: int) -> int:
        return self.base
