"""Transaction and session state while a file runs: BEGIN/COMMIT, SET lock_timeout and friends.

The state follows what PostgreSQL does, statement by statement
(https://www.postgresql.org/docs/current/sql-set.html,
https://www.postgresql.org/docs/current/sql-savepoint.html):

* ``BEGIN`` inside an open transaction is ignored (PostgreSQL only warns), and so are
  ``COMMIT``/``ROLLBACK`` with no transaction open. ``COMMIT AND CHAIN`` and
  ``ROLLBACK AND CHAIN`` end the transaction and start a new one of the same kind.
* ``SET`` (or ``SET SESSION``, or ``set_config(name, value, false)``) changes the session
  value; it survives ``COMMIT`` but a ``ROLLBACK`` of the transaction it ran in undoes it.
* ``SET LOCAL`` (or ``set_config(name, value, true)``) lasts until the end of the current
  transaction and has no effect outside one. A later plain ``SET`` of the same name in the
  same transaction replaces it.
* ``RESET name``, ``SET name TO DEFAULT``, ``RESET ALL`` and ``DISCARD ALL`` go back to the
  server default, taken to be 0 (no timeout). A value of 0 (``'0'``, ``'0s'``, ``0``)
  disables a timeout.
* ``ROLLBACK TO SAVEPOINT`` undoes settings changed and releases locks taken after the
  savepoint; ``RELEASE SAVEPOINT`` keeps them.
* A top-level ``DO`` block outside a transaction block runs in a transaction of its own: the
  statements found inside it (``Statement.nested``) are in that transaction, which ends
  with the next top-level statement.
* A script sent as one multi-statement simple Query (``one_query``) runs in an implicit
  transaction block: a ``BEGIN`` turns it into an explicit block that the statements
  before it belong to, and after a ``COMMIT``/``ROLLBACK`` the next statements run in a
  new implicit block
  (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pglint.model.statements import Node, Statement

if TYPE_CHECKING:
    from pglint.model.effects import Touch

#: The settings the state follows (the names are case-insensitive in PostgreSQL).
TRACKED = ("lock_timeout", "statement_timeout")

_BEGIN = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
_END = ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE")


@dataclass(slots=True)
class _Savepoint:
    name: str
    session: dict[str, bool]
    local: dict[str, bool]
    held: int


@dataclass(slots=True)
class TransactionState:
    """Where a file is, transaction-wise, between two statements.

    ``depth`` is 1 while a ``BEGIN`` of the file is open (PostgreSQL does not nest
    transactions), ``implicit`` is the migration tool's own transaction
    (``--assume-in-transaction``) and ``do_block`` the transaction of a top-level ``DO``
    block. ``session``/``local`` map a tracked setting to whether it is enabled (a
    timeout above 0); ``held`` lists the touches of existing relations whose locks the
    open transaction holds.
    """

    depth: int = 0
    implicit: bool = False
    do_block: bool = False
    session: dict[str, bool] = field(default_factory=dict)
    local: dict[str, bool] = field(default_factory=dict)
    held: list[Touch] = field(default_factory=list)
    savepoints: list[_Savepoint] = field(default_factory=list)
    #: Session settings when the open transaction began (what ROLLBACK restores).
    at_start: dict[str, bool] = field(default_factory=dict)
    #: The number of the open (or last) transaction, counted from 1 in each file: two
    #: statements with the same number run in one transaction.
    number: int = 0
    #: The file is one multi-statement simple Query: ``implicit`` is PostgreSQL's implicit
    #: transaction block, which BEGIN makes explicit and COMMIT ends until the next statement.
    one_query: bool = False

    def __post_init__(self) -> None:
        if self.implicit and not self.number:
            self.number = 1

    @property
    def in_transaction(self) -> bool:
        return self.depth > 0 or self.implicit or self.do_block

    @property
    def explicit(self) -> bool:
        """A transaction block opened by a ``BEGIN`` of the file is open."""
        return self.depth > 0

    def setting(self, name: str) -> bool:
        """Whether the tracked setting ``name`` is in force (a timeout above 0)."""
        if self.in_transaction and name in self.local:
            return self.local[name]
        return self.session.get(name, False)

    @property
    def lock_timeout(self) -> bool:
        return self.setting("lock_timeout")

    @property
    def statement_timeout(self) -> bool:
        return self.setting("statement_timeout")

    @property
    def held_locks(self) -> tuple[Touch, ...]:
        return tuple(self.held) if self.in_transaction else ()

    # --- transitions ----------------------------------------------------------------------

    def enter(self, statement: Statement) -> None:
        """Called before ``statement`` runs: a top-level statement ends a DO block's transaction."""
        if self.do_block and not statement.nested:
            self._finish(commit=True)

    def apply(self, statement: Statement, touches: Iterable[Touch] = ()) -> None:
        """Called after ``statement`` ran: transaction control, settings, locks now held."""
        if statement.kind == "TransactionStmt":
            self._transaction(statement)
            return
        if statement.kind == "DoStmt" and not statement.nested and not self.in_transaction:
            self._start(do_block=True)
            return
        apply_settings(self, statement)
        if self.in_transaction:
            self.held.extend(t for t in touches if not t.new)

    def _transaction(self, statement: Statement) -> None:
        node = statement.node
        kind = node.get("kind", "")
        if statement.nested:
            # COMMIT/ROLLBACK inside a DO block are only allowed when the block runs outside
            # a transaction block (PostgreSQL 11+): they end the block's transaction and
            # the block goes on in a new one.
            if self.do_block and not self.depth and not self.implicit and kind in _END[:2]:
                self._finish(commit=kind == "TRANS_STMT_COMMIT")
                self._start(do_block=True)
            return
        if kind in _BEGIN:
            if self.one_query and self.implicit:
                # The implicit block becomes an explicit one: the same transaction.
                self.depth, self.implicit = 1, False
            elif not self.in_transaction:
                self._start(depth=1)
        elif kind in _END:
            if self.in_transaction:
                depth, implicit = self.depth, self.implicit
                self._finish(commit=kind != "TRANS_STMT_ROLLBACK")
                if node.get("chain"):
                    self._start(depth=depth, implicit=implicit)
            if self.one_query and not self.in_transaction:
                self._start(implicit=True)  # for the statements that follow
        elif kind == "TRANS_STMT_SAVEPOINT":
            if self.in_transaction:
                self.savepoints.append(
                    _Savepoint(
                        node.get("savepoint_name", ""),
                        dict(self.session),
                        dict(self.local),
                        len(self.held),
                    )
                )
        elif kind in ("TRANS_STMT_ROLLBACK_TO", "TRANS_STMT_RELEASE"):
            at = self._savepoint(node.get("savepoint_name", ""))
            if at is None:
                return
            if kind == "TRANS_STMT_RELEASE":
                del self.savepoints[at:]
                return
            point = self.savepoints[at]
            del self.savepoints[at + 1 :]
            self.session = dict(point.session)
            self.local = dict(point.local)
            del self.held[point.held :]
        # COMMIT PREPARED / ROLLBACK PREPARED act on another, prepared transaction.

    def _savepoint(self, name: str) -> int | None:
        for at in range(len(self.savepoints) - 1, -1, -1):
            if self.savepoints[at].name == name:
                return at
        return None

    def _start(self, *, depth: int = 0, implicit: bool = False, do_block: bool = False) -> None:
        self.depth, self.implicit, self.do_block = depth, implicit, do_block
        self.number += 1
        self.at_start = dict(self.session)
        self.local.clear()
        self.held.clear()
        self.savepoints.clear()

    def _finish(self, *, commit: bool) -> None:
        if not commit:
            self.session = dict(self.at_start)
        self.depth = 0
        self.implicit = self.do_block = False
        self.local.clear()
        self.held.clear()
        self.savepoints.clear()


# --- settings ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]*)\s*")


def timeout_enabled(value: str | None) -> bool:
    """Whether a timeout value turns the timeout on: ``'0'``, ``'0s'``, ``0`` disable it.

    A value that is not a constant number (``None`` for unknown) counts as enabled: the
    migration meant to set a timeout, and PostgreSQL rejects a malformed one.
    """
    if value is None:
        return True
    match = _NUMBER.fullmatch(value.lower())
    if match is None:
        return True
    return float(match.group(1)) > 0


def _const_text(node: Node) -> str | None:
    """The text of a constant (``'1s'``, ``500``, ``1.5``); None if it is not a constant."""
    while "TypeCast" in node:
        node = node["TypeCast"].get("arg", {})
    const = node.get("A_Const")
    if const is None:
        return None
    if "ival" in const:
        return str(const["ival"].get("ival", 0))
    if "sval" in const:
        return const["sval"].get("sval", "")
    if "fval" in const:
        return const["fval"].get("fval", "0")
    if "boolval" in const:
        return "true" if const["boolval"].get("boolval") else "false"
    return None


def _variable_set(node: Node) -> Iterator[tuple[str, bool, bool]]:
    kind = node.get("kind")
    name = (node.get("name") or "").lower()
    local = bool(node.get("is_local"))
    if kind == "VAR_SET_VALUE":
        args = node.get("args", ())
        value = _const_text(args[0]) if args else "0"
        yield name, timeout_enabled(value), local
    elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
        yield name, False, local
    elif kind == "VAR_RESET_ALL":
        for tracked in TRACKED:
            yield tracked, False, False


def _set_config_calls(node: Node) -> Iterator[tuple[str, bool, bool]]:
    for target in node.get("targetList", ()):
        call = target.get("ResTarget", {}).get("val", {}).get("FuncCall")
        if not call:
            continue
        fname = [n.get("String", {}).get("sval", "") for n in call.get("funcname", ())]
        args = call.get("args", ())
        if not fname or fname[-1].lower() != "set_config" or len(args) != 3:
            continue
        name = _const_text(args[0])
        if name is None:
            continue
        local = (_const_text(args[2]) or "false").lower() in ("true", "t", "on", "yes", "1")
        yield name.lower(), timeout_enabled(_const_text(args[1])), local


def settings_of(statement: Statement) -> list[tuple[str, bool, bool]]:
    """(name, enabled, is_local) for each setting ``statement`` changes."""
    if statement.kind == "VariableSetStmt":
        return list(_variable_set(statement.node))
    if statement.kind == "SelectStmt":
        return list(_set_config_calls(statement.node))
    if statement.kind == "DiscardStmt" and statement.node.get("target") == "DISCARD_ALL":
        return [(name, False, False) for name in TRACKED]
    return []


def apply_settings(state: TransactionState, statement: Statement) -> None:
    """Apply ``statement``'s SET / RESET / set_config to the tracked settings."""
    for name, enabled, local in settings_of(statement):
        if name not in TRACKED:
            continue
        if local:
            if state.in_transaction:
                state.local[name] = enabled
        else:
            state.session[name] = enabled
            state.local.pop(name, None)
