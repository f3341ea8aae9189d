"""Migration tool layouts: find the migration sets among paths and order them.

Each module describes one tool (``LAYOUT``). :func:`find_sets` groups files by the folder
that holds a tool's migrations, recognises the tool, and returns ordered
:class:`~pglint.layouts.base.MigrationSet` objects.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pglint.discovery import is_regular_file
from pglint.layouts.base import Layout, MigrationSet, Reader, gaps
from pglint.layouts.dbmate import SCHEMA_DUMP_REASON, is_schema_dump
from pglint.layouts.flyway import location as flyway_location
from pglint.layouts.flyway import merges as flyway_merges

#: Layout modules in detection order: the most specific markers first, ``plain`` last.
MODULES: tuple[str, ...] = (
    "alembic",
    "sqitch",
    "diesel",
    "prisma",
    "flyway",
    "popx",
    "goose",
    "dbmate",
    "drizzle",
    "golang_migrate",
    "plain",
)

FOLDER_FILES = frozenset({"up.sql", "down.sql", "migration.sql"})
SQITCH_DIRS = frozenset({"deploy", "revert", "verify"})


@cache
def layouts() -> dict[str, Layout]:
    found = {}
    for name in MODULES:
        layout: Layout = importlib.import_module(f"pglint.layouts.{name}").LAYOUT
        found[layout.name] = layout
    return found


def set_root(path: Path, memo: dict[object, Any] | None = None) -> Path:
    """The folder that holds the migration set a file belongs to.

    ``memo`` keeps what was learnt about folders (Flyway trees) across calls of one run.
    """
    parent = path.parent
    if path.name in FOLDER_FILES:
        return parent.parent
    # sqitch: deploy/<change>.sql, and deploy/<dir>/<change>.sql for change names with "/".
    if not SQITCH_DIRS.isdisjoint(path.parts[:-1]):
        for ancestor in path.parents:
            if ancestor.name in SQITCH_DIRS and is_regular_file(ancestor.parent / "sqitch.plan"):
                return ancestor.parent
    # Versioned folders (v1.0/, v1.1/, …, each holding that version's scripts) are one set,
    # ordered by version: the scripts of v1.1 run against the schema v1.0 built.
    if _VERSION_DIR.fullmatch(parent.name) and path.suffix == ".sql":
        return parent.parent
    # Flyway scans a location recursively: per-release sub-folders of one location are one set.
    if path.suffix == ".sql":
        top = flyway_location(parent, {} if memo is None else memo)
        if top is not None:
            return top
    return parent


_VERSION_DIR = re.compile(r"[vV]\d+(?:\.\d+)+")


def detect(root: Path, files: list[Path], reader: Reader, forced: str | None = None) -> Layout:
    table = layouts()
    if forced is not None:
        return table[forced]
    for layout in table.values():
        if layout.detect(root, files, reader):
            return layout
    return table["plain"]


def sql_files_in(root: Path) -> set[Path]:
    """Every .sql file of a set root: its own files and those one folder down.

    These are context for the files asked for, so only regular files count: a FIFO, a
    dangling symlink or a symlink loop among them is left out (when asked for, or found
    by walking a folder given, such a file is reported as unreadable instead).
    """
    found: list[Path] = []
    memo: dict[object, Any] = {}
    for entry in _entries(root):
        if entry.name.endswith(".sql") and _is_file(entry):
            found.append(root / entry.name)
        elif _is_dir(entry):
            folder = root / entry.name
            for inner in _entries(folder):
                if inner.name.endswith(".sql") and _is_file(inner):
                    path = folder / inner.name
                    if set_root(path, memo) == root:
                        found.append(path)
    if flyway_merges(root, memo):  # the location's deeper folders
        for path in root.glob("*/*/**/*.sql"):
            if is_regular_file(path) and set_root(path, memo) == root:
                found.append(path)
    if is_regular_file(root / "sqitch.plan"):
        for name in sorted(SQITCH_DIRS):
            try:
                found += [p for p in root.glob(f"{name}/*/**/*.sql") if is_regular_file(p)]
            except OSError:
                continue
    return set(found)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The entries of a folder (none if it cannot be listed), like ``Path.glob`` sees them."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a regular file; one that cannot be stat'ed (a symlink loop) is not."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def find_sets(
    files: Iterable[Path], reader: Reader, forced: str | None = None, complete: bool = False
) -> list[MigrationSet]:
    """Group ``files`` into migration sets, one per set root, in path order.

    With ``complete``, each root's other migration files are added too (pre-commit names
    single files; the migrations before them are needed to replay the schema).
    """
    return [
        build_set(root, members, reader, forced, complete)
        for root, members in group_by_root(files).items()
    ]


def group_by_root(files: Iterable[Path]) -> dict[Path, list[Path]]:
    """``files`` by the root of the set each belongs to, roots and files in path order."""
    groups: dict[Path, list[Path]] = {}
    memo: dict[object, Any] = {}
    for path in files:
        groups.setdefault(set_root(path, memo), []).append(path)
    return {root: sorted(groups[root]) for root in sorted(groups)}


def build_set(
    root: Path, members: list[Path], reader: Reader, forced: str | None, complete: bool
) -> MigrationSet:
    """The migration set at ``root`` holding ``members`` (see :func:`find_sets`).

    Schema dumps (dbmate's ``db/schema.sql``) are not migrations: the set lists them as
    ignored.
    """
    layout = detect(root, members, reader, forced)
    if complete:
        siblings = sql_files_in(root)
        if len(siblings) > len(members) and (
            layout.name != "plain" or all(_in_sequence(p) for p in members)
        ):
            members = sorted(set(members) | siblings)
            layout = detect(root, members, reader, forced)
    dumps = [p for p in members if p.suffix == ".sql" and is_schema_dump(reader.text(p))]
    if dumps:
        members = [p for p in members if p not in dumps]
        layout = detect(root, members, reader, forced)
    built = layout.build(root, members, reader)
    built.problems.extend(gaps(built))
    for path in dumps:
        built.ignored[path] = SCHEMA_DUMP_REASON
    return built


def _in_sequence(path: Path) -> bool:
    """A plain file whose name starts with a version, so that files before it ran first."""
    return path.name[:1].isdigit() or (path.name[:1] in "vV" and path.name[1:2].isdigit())
