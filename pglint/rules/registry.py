"""How rule functions declare themselves: a decorator that only tags the function."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pglint.findings import Severity
from pglint.model.effects import Effect
from pglint.model.nodes import SUBTYPED_KINDS


# Not frozen (made in bulk): a frozen dataclass's __init__ costs ~0.1 µs a field.
@dataclass(slots=True)
class Hit:
    """What a check reports: a message, optionally a node location and a specific help text.

    ``at`` is a parse-node ``location`` inside the statement (the clause to point at);
    ``effect`` is required for file-scope checks, which report on a statement of their choice.
    """

    message: str
    at: int | None = None
    effect: Effect | None = None
    help: str | None = None
    end_at: int | None = None
    path: str | None = None  # migration-scope checks: the file to report in, when no effect
    #: Migration-scope checks: a fixed severity for this message (a note is ``info``
    #: whatever the rule's severity), instead of the rule's.
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str
    kinds: tuple[str, ...] | None
    options: type | None
    scope: str


def check(
    name: str,
    *,
    kinds: tuple[str, ...] | None = None,
    options: type | None = None,
    scope: str = "statement",
) -> Callable[[Callable[..., Iterator[Hit]]], Callable[..., Iterator[Hit]]]:
    """Tag ``fn`` as the check of rule ``name``.

    ``kinds`` lists the statement kinds (pglast node names) the check wants; the engine
    only calls it for those. A kind may name a sub-kind after a colon (see
    :func:`pglint.model.nodes.statement_subtypes`): ``AlterTableStmt:AT_AddColumn`` is an
    ALTER TABLE with an ADD COLUMN command, ``DropStmt:OBJECT_INDEX`` a DROP INDEX.
    ``scope="file"`` checks receive a :class:`FileView`.
    """

    for kind in kinds or ():
        base, colon, _ = kind.partition(":")
        if colon and base not in SUBTYPED_KINDS:
            raise ValueError(f"check {name!r}: {base} statements have no sub-kinds ({kind})")

    def tag(fn: Callable[..., Iterator[Hit]]) -> Callable[..., Iterator[Hit]]:
        # A tag on the function object, which its type does not declare.
        fn._pglint_check = CheckSpec(name, kinds, options, scope)  # type: ignore[attr-defined]
        return fn

    return tag


def spec_of(obj: Any) -> CheckSpec | None:
    return getattr(obj, "_pglint_check", None)
