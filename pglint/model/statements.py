"""The statement model: one parsed SQL statement with where it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class Statement:
    """One SQL statement, as pglast's JSON parse tree plus its place in the file.

    ``kind`` is the parse node type (``AlterTableStmt``), ``node`` its fields. ``start``
    and ``end`` are character offsets in the file; ``locate`` turns a node's ``location``
    (a byte offset as pglast reports it) into a character offset in the file.
    ``origin`` says where the statement was found: ``sql`` for top-level SQL, ``do`` for
    a statement inside a ``DO`` block, ``function`` for one inside a PL/pgSQL body,
    ``python`` for one taken from a Python migration.
    """

    kind: str
    node: Node
    text: str
    start: int
    end: int
    locate: Callable[[int], int] = field(repr=False, compare=False)
    origin: str = "sql"
    part: str = "up"
    #: Facts the model derives from the statement alone, computed once on first use (the
    #: node index, the object events, the column types); see :mod:`pglint.model.nodes`.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def nested(self) -> bool:
        """True for statements found inside a DO block or a function body."""
        return self.origin in ("do", "function")

    def offset_of(self, location: int | None) -> int:
        """Character offset in the file of a node location, or the statement start."""
        if location is None or location < 0:
            return self.start
        return max(self.start, min(self.locate(location), self.end))


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """A part of the file that PostgreSQL's parser rejects."""

    message: str
    offset: int
    end: int
