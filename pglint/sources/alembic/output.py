"""The statements read from one function, in order, with the transaction markers Alembic
implies and placeholders for what cannot be read."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from pglint.model.statements import Statement, SyntaxProblem
from pglint.sources.alembic import UNANALYSED
from pglint.sources.alembic.spans import Spans
from pglint.sources.positions import FixedOffset
from pglint.sources.sql import parse_sql

#: A synthetic ``BEGIN`` or ``COMMIT`` at a span, materialised by :meth:`Output.finish`.
Marker = tuple[str, tuple[int, int]]


class Output:
    """Collects the statements of one function (``role``: ``up`` or ``down``)."""

    def __init__(self, spans: Spans, role: str) -> None:
        self.spans = spans
        self.role = role
        self.events: list[Statement | Marker] = []
        self.problems: list[SyntaxProblem] = []

    def marker(self, kind: str, span: tuple[int, int]) -> None:
        """``BEGIN`` or ``COMMIT`` as Alembic's transaction handling implies it."""
        self.events.append((kind, span))

    def add(self, statements: list[Statement], problems: list[SyntaxProblem]) -> None:
        self.events.extend(statements)
        self.problems.extend(problems)

    def emit(self, call: Any, sqls: list[str], label: str) -> None:
        """The SQL an op call sends, every statement located at the call."""
        start, end = self.spans(call)
        locate = FixedOffset(start)
        for sql in sqls:
            parsed = parse_sql(sql, base=start, part=self.role, origin="python")
            if parsed.problems:
                message = parsed.problems[0].message
                self.note(
                    call,
                    f"could not be translated to SQL pglint can parse ({message}: {sql})",
                    label,
                )
                continue
            for statement in parsed.statements:
                self.events.append(replace(statement, start=start, end=end, locate=locate))

    def note(self, node: Any, reason: str, label: str, message: str | None = None) -> None:
        """A placeholder for a call whose SQL cannot be known (``label`` names the call)."""
        start, end = self.spans(node)
        self._placeholder(start, end, reason, label, message)

    def note_first_line(self, node: Any, reason: str, label: str) -> None:
        """A placeholder on the first line of a compound statement (a loop) or an expression;
        ``label`` ``for`` / ``while``: a loop, ``code``: a statement."""
        start, end = self.spans.first_line(node)
        self._placeholder(start, end, reason, label)

    def _placeholder(
        self, start: int, end: int, reason: str, label: str, message: str | None = None
    ) -> None:
        if label in ("for", "while"):
            display = f"this {label} loop"
        elif label == "code":
            display = "this statement"
        else:
            display = f"{label}(…)"
        node = {"reason": reason, "call": display}
        if message:
            node["message"] = message
        text = self.spans.text[start:end]
        self.events.append(
            Statement(UNANALYSED, node, text, start, end, FixedOffset(start), "python", self.role)
        )

    def finish(self, header: tuple[int, int]) -> list[Statement]:
        """The statements between ``BEGIN`` and ``COMMIT`` at ``header`` (the ``def`` line),
        empty transactions dropped; nothing at all for a function without statements."""
        if not any(isinstance(event, Statement) for event in self.events):
            return []
        events: list[Statement | Marker] = [("BEGIN", header), *self.events, ("COMMIT", header)]
        # Drop transactions with nothing in them (an autocommit block at the start or end).
        cleaned: list[Statement | Marker] = []
        for event in events:
            if (
                isinstance(event, tuple)
                and event[0] == "COMMIT"
                and cleaned
                and isinstance(cleaned[-1], tuple)
                and cleaned[-1][0] == "BEGIN"
            ):
                cleaned.pop()
                continue
            cleaned.append(event)
        out: list[Statement] = []
        for event in cleaned:
            if isinstance(event, Statement):
                out.append(event)
                continue
            kind, (start, end) = event
            out.append(
                replace(
                    _synthetic(kind),
                    start=start,
                    end=max(end, start + 1),
                    locate=FixedOffset(start),
                    origin="python",
                    part=self.role,
                )
            )
        return out


@lru_cache(maxsize=4)
def _synthetic(kind: str) -> Statement:
    return parse_sql(kind).statements[0]
