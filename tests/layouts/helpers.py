"""Shared assertions for the layout tests."""

from __future__ import annotations

from pathlib import Path

from pglint.layouts import find_sets
from pglint.layouts.base import MigrationSet, Part, Reader


def one_set(files: list[Path], forced: str | None = None) -> MigrationSet:
    """The single migration set ``files`` form (fails when they form several)."""
    sets = find_sets(files, Reader(), forced)
    assert len(sets) == 1, [(s.root, s.layout) for s in sets]
    return sets[0]


def labels(mset: MigrationSet) -> list[str]:
    return [m.label for m in mset.migrations]


def messages(mset: MigrationSet) -> list[str]:
    return [p.message for p in mset.problems]


def section(part: Part) -> str:
    """The text of a part, read back from its file."""
    text = part.path.read_text(encoding="utf-8")
    return text[part.start : len(text) if part.end is None else part.end]
