"""Alembic heads: only down_revision ends a head; depends_on orders but does not merge."""

from __future__ import annotations

from pathlib import Path

from pglint.discovery import discover
from pglint.layouts import find_sets
from pglint.layouts.base import Reader


def _revision(revision: str, down: str | None, depends: str | None = None) -> str:
    return (
        "from alembic import op\n\n"
        f"revision = {revision!r}\n"
        f"down_revision = {down!r}\n"
        f"depends_on = {depends!r}\n\n\n"
        "def upgrade():\n"
        f"    op.execute('CREATE TABLE t_{revision} (id bigint)')\n\n\n"
        "def downgrade():\n"
        f"    op.execute('DROP TABLE t_{revision}')\n"
    )


def _notes(folder: Path) -> dict[str, list[str]]:
    (mset,) = find_sets(discover([str(folder)]), Reader(), complete=True)
    return {m.version: [kind for kind, _ in m.notes] for m in mset.migrations}


def test_a_revision_reached_only_through_depends_on_is_a_head(tmp_path: Path) -> None:
    # Alembic's ScriptDirectory.get_heads() gives ['r2', 'r3'] for this graph.
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "1.py").write_text(_revision("r1", None))
    (versions / "3.py").write_text(_revision("r2", "r1"))
    (versions / "2.py").write_text(_revision("r3", "r1", "r2"))
    assert _notes(versions) == {"r1": [], "r2": ["heads"], "r3": ["heads"]}
    # depends_on still orders: r3 after r2, although its file name sorts first
    (mset,) = find_sets(discover([str(versions)]), Reader(), complete=True)
    assert [m.version for m in mset.migrations] == ["r1", "r2", "r3"]


def test_a_down_revision_ends_the_head(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "1.py").write_text(_revision("r1", None))
    (versions / "2.py").write_text(_revision("r2", "r1"))
    (versions / "3.py").write_text(_revision("r3", "r2", "r1"))
    assert _notes(versions) == {"r1": [], "r2": [], "r3": []}
