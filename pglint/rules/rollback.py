"""Rollback rules: every migration should have a rollback that really reverses it.

These checks run once per migration of a migration set (``scope="migration"``) and see
a :class:`~pglint.sets.MigrationView`: the up and down parts with their effects, and the
differences between the schema before the up and after the down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pglint.findings import Severity
from pglint.rules.registry import Hit, check

if TYPE_CHECKING:
    from pglint.engine import Context
    from pglint.sets import MigrationView

_ROLLBACK_NAMES = {
    "golang-migrate": "a <version>_<name>.down.sql file",
    "popx": "a <version>_<name>.down.sql file",
    "diesel": "a down.sql file in the migration's folder",
    "goose": "a -- +goose Down section",
    "dbmate": "a -- migrate:down section",
    "flyway": "an undo migration U<version>__<description>.sql",
    "sqitch": "a revert/<change>.sql script",
}


@dataclass(frozen=True, slots=True)
class MissingRollbackOptions:
    """Options of missing-rollback."""

    #: Note once per run that a layout has no rollback convention (Prisma, plain files).
    note_layouts_without_rollback: bool = True


@check("missing-rollback", scope="migration", options=MissingRollbackOptions)
def missing_rollback(view: MigrationView, ctx: Context) -> Iterator[Hit]:
    if view.irreversible:
        return
    if view.supports_rollback:
        if view.down is None and view.migration.rollback_possible:
            where = _ROLLBACK_NAMES.get(view.layout, "a rollback")
            yield Hit(
                f"migration {view.migration.label} has no rollback; {view.layout} expects {where}",
                help=f"Add {where} that reverses this migration, or mark it "
                "'-- pglint: irreversible <reason>'.",
            )
        return
    options = ctx.options or MissingRollbackOptions()
    if view.first_without_rollback_concept and options.note_layouts_without_rollback:
        convention = view.note or (
            "keep the reverse SQL next to each migration as down.sql and run it by hand or in CI"
        )
        yield Hit(
            f"{view.layout} migrations have no rollback convention, so none of this set's "
            f"migrations can be rolled back by the tool ({convention})",
            help="Adopt the convention, or set [options.missing-rollback] "
            "note-layouts-without-rollback = false to silence this note.",
            # A note, not a problem in the migration: it must not fail a clean run.
            severity=Severity.INFO,
        )


def _has_statements(view: MigrationView) -> bool:
    return any(result.effects for result in view.down or ())


def _has_unanalysed(view: MigrationView) -> bool:
    """Whether the up or down contains calls pglint could not turn into SQL."""
    return any(
        effect.kind == "UnanalysedCall"
        for result in (*view.up, *(view.down or ()))
        for effect in result.effects
    )


@check("empty-rollback", scope="migration")
def empty_rollback(view: MigrationView, ctx: Context) -> Iterator[Hit]:
    if view.down is None or view.irreversible or _has_statements(view):
        return
    if not any(result.readable for result in view.down):
        return
    if not any(result.effects for result in view.up):
        return  # an empty up needs no rollback
    path = view.down[0].part.path
    yield Hit(
        f"the rollback of migration {view.migration.label} ({path.name}) has no statements: "
        "rolling back would silently leave the schema as the up left it",
        path=str(path),
    )


@check("rollback-incomplete", scope="migration")
def rollback_incomplete(view: MigrationView, ctx: Context) -> Iterator[Hit]:
    if view.down is None or view.irreversible or not view.rollback_changes:
        return
    if not _has_statements(view):
        return  # empty-rollback says it better
    if _has_unanalysed(view):
        return  # dynamic SQL (reported by dynamic-sql-not-analysed) may do what seems missing
    shown = list(view.rollback_changes[:5])
    more = len(view.rollback_changes) - len(shown)
    listing = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    path = view.down[0].part.path
    yield Hit(
        f"the rollback of migration {view.migration.label} does not restore the schema: {listing}",
        path=str(path),
    )
