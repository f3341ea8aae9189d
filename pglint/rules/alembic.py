"""Rules that only Alembic (Python) migrations can break.

``dynamic-sql-not-analysed`` reports the placeholder statements that
:mod:`pglint.sources.alembic` leaves where a call's SQL cannot be known statically;
``revision-graph`` reports the problems :mod:`pglint.layouts.alembic` found in the graph of
``revision`` / ``down_revision`` (the migration's ``notes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pglint.rules.registry import Hit, check

if TYPE_CHECKING:
    from pglint.engine import Context
    from pglint.model.effects import Effect
    from pglint.sets import MigrationView

#: Kind of the placeholder statements (pglint.sources.alembic.UNANALYSED, which a test keeps
#: equal; not imported, so loading the rules does not load pglint.sources and pglast).
_UNANALYSED = "UnanalysedCall"


@check("dynamic-sql-not-analysed", kinds=(_UNANALYSED,))
def dynamic_sql_not_analysed(effect: Effect, ctx: Context) -> Iterator[Hit]:
    message = effect.node.get("message")
    if not message:
        call = effect.node.get("call", "this call")
        reason = effect.node.get("reason", "cannot be read statically")
        message = (
            f"{call} {reason}: pglint reads the migration without running it, so no rule "
            "checked that SQL"
        )
    yield Hit(message)


@dataclass(frozen=True, slots=True)
class RevisionGraphOptions:
    """Options of revision-graph."""

    #: Do not report several heads (branches merged later, deployed with `upgrade heads`).
    allow_multiple_heads: bool = False


@check("revision-graph", scope="migration", options=RevisionGraphOptions)
def revision_graph(view: MigrationView, ctx: Context) -> Iterator[Hit]:
    if view.layout != "alembic" or not view.migration.up:
        return
    options = ctx.options or RevisionGraphOptions()
    path = view.migration.up[0].path
    for kind, message in view.migration.notes:
        if kind == "heads" and options.allow_multiple_heads:
            continue
        help = None
        if kind == "heads":
            help = "Merge the heads with `alembic merge heads`, or give each branch a branch_labels entry."
        elif kind == "duplicate":
            help = "Give the newer file a new revision id (and update the down_revision of its children)."
        yield Hit(message, path=str(path), help=help)
