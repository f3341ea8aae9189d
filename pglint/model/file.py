"""One file as a whole: the questions about a statement that need the statements after it.

The :class:`~pglint.model.catalog.Catalog` knows what exists *before* a statement. A few
rules also ask what the rest of the file does: a view dropped and created again is
redefined, not removed; a table renamed aside for a replacement created under its old
name is being swapped out; a trigger disabled and enabled again in the same transaction
never stopped firing for anyone else. :class:`FileFacts` answers these from a timeline of
the file's object events (:mod:`pglint.model.objects`), built once, on the first question.

Positions are ``(statement index, sub-command number)``: an ALTER TABLE's sub-commands
run in order, so ``ADD COLUMN c`` (sub-command 1) comes before ``ALTER c SET DEFAULT``
(sub-command 2) of the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence

from pglint.model.objects import CREATE, DEFINE, DROP, ENSURE, RENAME, Key, Routine, events_of
from pglint.model.statements import Statement
from pglint.model.transaction import TransactionState

#: Where something happens in a file: (statement index, sub-command number).
Pos = tuple[int, int]


class FileFacts:
    """The statements of one file and their object timeline (statements of a ``down``
    migration are left out of the timeline: reverting is supposed to drop what ``up``
    created)."""

    __slots__ = (
        "_timeline",
        "_transactions",
        "implicit",
        "one_query",
        "skipped",
        "stated",
        "statements",
    )

    def __init__(
        self,
        statements: Sequence[Statement],
        implicit: bool = False,
        stated: bool = False,
        one_query: bool = False,
    ) -> None:
        self.statements = statements
        #: The migration tool runs the file in a transaction of its own.
        self.implicit = implicit
        #: The file's layout states its transaction mode (rather than a setting assuming it).
        self.stated = stated
        #: The tool sends the file as one multi-statement simple Query: ``implicit`` is
        #: PostgreSQL's implicit transaction block (see :class:`TransactionState`).
        self.one_query = one_query
        self._timeline: _Timeline | None = None
        self._transactions: list[int | None] | None = None
        #: Positions of ``IF NOT EXISTS`` creates that found the object existing (PostgreSQL
        #: skips them), filled in by the analyser as it goes: they make nothing new.
        self.skipped: set[Pos] = set()

    @property
    def top_level(self) -> int:
        """How many statements the file has outside DO blocks and function bodies."""
        return sum(1 for s in self.statements if not s.nested)

    # --- objects ------------------------------------------------------------------------------

    @property
    def timeline(self) -> _Timeline:
        if self._timeline is None:
            self._timeline = _Timeline(self.statements)
        return self._timeline

    def new(self, key: Key, pos: Pos) -> bool:
        """Created by a statement of this file before ``pos`` (a plain ``CREATE``, or a
        rename of such an object or of one set aside: see :meth:`again`), not skipped by
        ``IF NOT EXISTS``."""
        skipped = self.skipped
        return any(p < pos and p not in skipped for p in self.timeline.created.get(key, ()))

    def again(self, key: Key, pos: Pos) -> bool:
        """Created or replaced (``CREATE OR REPLACE``) by a statement after ``pos``."""
        return any(p > pos for p in self.timeline.defined.get(key, ()))

    def dropped_later(self, key: Key, pos: Pos) -> bool:
        """Dropped by a statement after ``pos``."""
        return any(p > pos for p in self.timeline.dropped.get(key, ()))

    def routine_new(self, routine: Routine, pos: Pos) -> bool:
        return any(
            made and p < pos and known.matches(routine) for known, p, made in self.timeline.routines
        )

    def routine_again(self, routine: Routine, pos: Pos) -> bool:
        return any(p > pos and known.matches(routine) for known, p, _ in self.timeline.routines)

    # --- transactions -------------------------------------------------------------------------

    def transaction(self, index: int) -> int | None:
        """The number of the transaction statement ``index`` runs in, None in autocommit:
        the same numbers as :attr:`Effect.transaction`, known before the file is analysed."""
        if self._transactions is None:
            state = TransactionState(implicit=self.implicit, one_query=self.one_query)
            numbers: list[int | None] = []
            for statement in self.statements:
                state.enter(statement)
                numbers.append(state.number if state.in_transaction else None)
                state.apply(statement)
            self._transactions = numbers
        return self._transactions[index] if index < len(self._transactions) else None


class _Timeline:
    """Where each object is created, defined, dropped and renamed in one file.

    ``created`` holds definitions that make an object new (``CREATE``); ``defined`` also
    holds ``CREATE OR REPLACE``, which may replace an object that existed before. A name
    given by a rename counts as created when the object was new, or when the file creates
    a replacement under the old name (a swap: the old object is set aside).
    """

    __slots__ = ("created", "defined", "dropped", "routines")

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.created: dict[Key, list[Pos]] = {}
        self.defined: dict[Key, list[Pos]] = {}
        self.dropped: dict[Key, list[Pos]] = {}
        #: (routine, position, made by a plain CREATE).
        self.routines: list[tuple[Routine, Pos, bool]] = []
        renames: list[tuple[Key, Key, Pos]] = []
        routine_renames: list[tuple[Routine, Routine, Pos]] = []
        for index, statement in enumerate(statements):
            if statement.part == "down":
                continue
            for event in events_of(statement):
                pos = (index, event.sub)
                if event.routine is not None:
                    if event.action in (CREATE, DEFINE):
                        self.routines.append((event.routine, pos, event.action == CREATE))
                    elif event.action == RENAME and event.new_routine is not None:
                        routine_renames.append((event.routine, event.new_routine, pos))
                elif event.action in (CREATE, ENSURE):
                    self._add(event.key, pos)
                elif event.action == DEFINE:
                    self._add(event.key, pos, replace=True)
                elif event.action == DROP:
                    self.dropped.setdefault(event.key, []).append(pos)
                elif event.action == RENAME and event.new_key is not None:
                    renames.append((event.key, event.new_key, pos))
        # Renames depend on each other (a swap renames the old object aside, then the new
        # one into its name), so repeat until nothing changes.
        changed = True
        while changed and (renames or routine_renames):
            changed = False
            for item in list(renames):
                old, renamed, pos = item
                if self._new(old, pos) or self._again(old, pos):
                    self._add(renamed, pos)
                    renames.remove(item)
                    changed = True
            for ritem in list(routine_renames):
                routine, routine_renamed, pos = ritem
                if self._routine_new(routine, pos) or self._routine_again(routine, pos):
                    self.routines.append((routine_renamed, pos, True))
                    routine_renames.remove(ritem)
                    changed = True

    def _add(self, key: Key, pos: Pos, replace: bool = False) -> None:
        self.defined.setdefault(key, []).append(pos)
        if not replace:
            self.created.setdefault(key, []).append(pos)

    def _new(self, key: Key, pos: Pos) -> bool:
        return any(p < pos for p in self.created.get(key, ()))

    def _again(self, key: Key, pos: Pos) -> bool:
        return any(p > pos for p in self.defined.get(key, ()))

    def _routine_new(self, routine: Routine, pos: Pos) -> bool:
        return any(made and p < pos and r.matches(routine) for r, p, made in self.routines)

    def _routine_again(self, routine: Routine, pos: Pos) -> bool:
        return any(p > pos and r.matches(routine) for r, p, _ in self.routines)
