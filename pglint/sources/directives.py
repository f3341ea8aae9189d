"""Suppression comments: ``-- pglint: ignore …``, ``-- pglint: ignore-file …`` and Squawk's.

Only real comments are directives: ``--`` and ``/* */`` comments of SQL (also inside the
body of a ``DO`` block or a function), ``#`` comments of Python files (and ``--`` comments
in the SQL strings they hold). Text in a string literal is never a directive.

``-- pglint: ignore NAMES [reason]`` alone on its line silences those rules for the next
statement (blank lines and comments may stand between); written after statement text on
the same line, or on any line inside a statement, it silences them for that statement
only. ``-- pglint: ignore-file NAMES [reason]`` anywhere silences them for the whole file.
NAMES is the leading run of words (separated by commas and/or blanks) that are known rule
names, compared ignoring case with ``_`` read as ``-``; the first other word starts the
reason, and ``--`` or ``:`` may introduce it explicitly. The first word, and a word
after a comma that is shaped like a rule name (``word-word``), count as names even when
unknown: such a name silences nothing and ``--warn-unused-ignores`` reports it. A
directive with nothing after its verb silences every rule; one with only a reason
silences nothing. ``-- squawk-ignore`` and ``-- squawk-ignore-file`` are read the same
way, except that, as in Squawk, a bare ``squawk-ignore`` silences nothing.
``-- pglint: irreversible <reason>`` marks a deliberate one-way migration.
"""

from __future__ import annotations

import io
import re
import tokenize
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from pglast.parser import ParseError, scan

_DIRECTIVE = re.compile(
    r"(?:--|#|/\*)\s*(?:pglint:\s*(?P<verb>ignore-file|ignore|irreversible)|(?P<squawk>squawk-ignore-file|squawk-ignore))"
    r"(?![\w-])(?P<rest>[^\n]*)"
)
_SEPARATORS = re.compile(r"[\s,]*")
_WORD = re.compile(r"[^\s,:]+")
_RULE_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression or marker comment."""

    kind: str  # "ignore", "ignore-file", "irreversible"
    rules: tuple[str, ...]  # normalised names; empty: see silences_everything
    reason: str
    line: int
    offset: int
    end: int
    squawk: bool = False  # written as squawk-ignore / squawk-ignore-file
    trailing: bool = False  # statement text precedes the comment on its line

    def silences_everything(self) -> bool:
        """Bare (nothing after the verb): pglint's forms silence every rule; Squawk's
        bare line form none. A directive with a reason but no names silences nothing."""
        return (
            not self.rules and not self.reason and (not self.squawk or self.kind == "ignore-file")
        )


def find_directives(text: str, python: bool = False) -> list[Directive]:
    """All directives in ``text`` (a Python file if ``python``); cheap when it has none."""
    if "pglint:" not in text and "squawk-ignore" not in text:
        return []
    match = _DIRECTIVE.search(text)
    if match is None:
        return []
    if python:
        spans = _python_spans(text)
    else:
        # Comments after the last candidate's line do not matter: scan only up to it.
        last = max(text.rfind("pglint:"), text.rfind("squawk-ignore"))
        stop = text.find("\n", last)
        spans = _sql_spans(text, 0, len(text) if stop < 0 else stop)
    starts = [s[0] for s in spans]
    found = []
    while match is not None:
        candidate = match
        # A rejected candidate may hide a real one later on its line: search on from it.
        match = _DIRECTIVE.search(text, candidate.start() + 1)
        at = bisect_right(starts, candidate.start()) - 1
        if at < 0 or not candidate.start() < spans[at][1]:
            continue  # in a string literal or code, not in a comment
        span_start, span_end, kind = spans[at]
        if match is not None and match.start() < candidate.end():
            match = _DIRECTIVE.search(text, candidate.end())  # accepted: skip its own text
        found.append(_directive(text, candidate, span_start, span_end, kind))
    return found


def _directive(
    text: str, match: re.Match[str], span_start: int, span_end: int, kind: str
) -> Directive:
    """The directive ``match`` in a comment from span_start to span_end."""
    rest = text[match.start("rest") : min(match.end("rest"), span_end)]
    if kind == "block" and rest.endswith("*/"):
        rest = rest[:-2]
    verb = match.group("verb")
    if verb is None:
        verb = "ignore-file" if match.group("squawk").endswith("-file") else "ignore"
    if verb == "irreversible":
        names: tuple[str, ...] = ()
        reason = rest.strip()
    else:
        names, reason = _names(rest)
    line_start = text.rfind("\n", 0, match.start()) + 1
    trailing = bool(text[line_start : max(line_start, span_start)].strip())
    line = text.count("\n", 0, match.start()) + 1
    squawk = match.group("squawk") is not None
    return Directive(verb, names, reason, line, match.start(), match.end(), squawk, trailing)


def _names(rest: str) -> tuple[tuple[str, ...], str]:
    """(rule names, reason) of the text after ``ignore`` / ``ignore-file``."""
    known = _known_names()
    text = rest.strip()
    if text.startswith(":"):  # ``pglint: ignore: rule-a`` reads as ``ignore rule-a``
        text = text[1:]
    names: list[str] = []
    pos = 0
    while True:
        gap = _SEPARATORS.match(text, pos)
        assert gap is not None  # the pattern matches the empty string
        pos = gap.end()
        if pos >= len(text):
            return tuple(names), ""
        if text.startswith("--", pos) or text.startswith(":", pos):
            return tuple(names), text[pos:].lstrip("-:").strip()
        word = _WORD.match(text, pos)
        assert word is not None  # pos is at neither a separator nor ':'
        name = word.group().lower().replace("_", "-")
        if not (known(name) or not names or ("," in gap.group() and _RULE_SHAPE.fullmatch(name))):
            return tuple(names), text[pos:].strip()
        names.append(name)
        pos = word.end()


def _known_names() -> Callable[[str], bool]:
    from pglint.rules import load_catalogue  # imported late: only files with directives

    catalogue = load_catalogue()
    return lambda name: bool(catalogue.expand(name))


# --- where the comments are -------------------------------------------------------------------

_Span = tuple[int, int, str]  # (start, end, "line" | "block"), character offsets


def _sql_spans(text: str, base: int, stop: int | None = None) -> list[_Span]:
    """The comments of SQL ``text`` (up to at least ``stop``), and those in the bodies of DO
    blocks and functions."""
    try:
        if stop is None or stop >= len(text):
            tokens = scan(text)
        else:
            try:
                tokens = scan(text[:stop])
            except ParseError:  # cut inside a quote or comment: scan it all
                tokens = scan(text)
    except ParseError as exc:
        # An unterminated quote or comment: the scanner gives up. Everything from that
        # point on is inside the unterminated token for PostgreSQL too (and is reported
        # as one syntax error, nothing in it is linted), so only the comments before it
        # count; a directive in the unterminated part is not one.
        index = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        try:
            tokens = scan(text[:index])
        except ParseError:
            tokens = []
    spans: list[_Span] = []
    first = previous = ""
    for token in tokens:
        name = token.name
        if name in ("SQL_COMMENT", "C_COMMENT"):
            kind = "block" if name == "C_COMMENT" else "line"
            spans.append((base + token.start, base + token.end + 1, kind))
            continue
        if name == "SCONST" and (previous == "AS" or first == "DO"):
            spans.extend(_body_spans(text[token.start : token.end + 1], base + token.start))
        if name == "ASCII_59":
            first = ""
        elif not first:
            first = name
        previous = name
    return spans


def _body_spans(literal: str, base: int) -> list[_Span]:
    """Comments in the code of a ``$$ … $$`` or ``'…'`` routine body."""
    if "pglint:" not in literal and "squawk-ignore" not in literal:
        return []
    if literal.startswith("$"):
        tag = literal.index("$", 1) + 1
        return _sql_spans(literal[tag:-tag], base + tag)
    if not literal.startswith("'"):
        return []  # E'…' and U&'…' bodies: escapes make offsets unreliable; rare
    inner = literal[1:-1]
    # In a '…' body every quote of the code is doubled; scan the code, map offsets back.
    raw_at: list[int] = []
    i = 0
    while i < len(inner):
        raw_at.append(i)
        i += 2 if inner.startswith("''", i) else 1
    raw_at.append(len(inner))
    code = inner.replace("''", "'")
    return [
        (base + 1 + raw_at[start], base + 1 + raw_at[end], kind)
        for start, end, kind in _sql_spans(code, 0)
    ]


def _python_spans(text: str) -> list[_Span]:
    """``#`` comments of Python, and the comments of the SQL its string literals hold."""
    spans: list[_Span] = []
    line_starts = [0]
    line_starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    fstring_middle = getattr(tokenize, "FSTRING_MIDDLE", -1)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind not in (tokenize.COMMENT, tokenize.STRING, fstring_middle):
                continue
            start = line_starts[token.start[0] - 1] + token.start[1]
            end = line_starts[token.end[0] - 1] + token.end[1]
            if kind == tokenize.COMMENT:
                spans.append((start, end, "line"))
                continue
            if kind == tokenize.STRING:  # without the prefix and the quotes
                quote = start + len(token.string) - len(token.string.lstrip("bBfFrRuU"))
                width = 3 if text[quote : quote + 3] in ('"""', "'''") else 1
                start, end = quote + width, end - width
            if "pglint:" in text[start:end] or "squawk-ignore" in text[start:end]:
                spans.extend(_sql_spans(text[start:end], start))
    except (tokenize.TokenError, SyntaxError):
        pass  # invalid Python: the comments up to the error count
    return spans
