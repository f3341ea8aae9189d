"""Locking rules: statements that block reads or writes on a live table."""

from __future__ import annotations

from collections.abc import Iterator

from pglint.engine import Context
from pglint.model.effects import Effect
from pglint.rules.registry import Hit, check


@check("require-concurrent-index-creation", kinds=("IndexStmt",))
def require_concurrent_index_creation(effect: Effect, ctx: Context) -> Iterator[Hit]:
    if effect.node.get("concurrent") or not effect.existing:
        return
    table = effect.existing[0]
    yield Hit(
        f"CREATE INDEX on existing table {table.relation} takes a {table.lock.sql_name} lock, "
        f"blocking {table.lock.blocked} while the index builds"
    )
