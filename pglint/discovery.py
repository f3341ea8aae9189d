"""Paths on the command line → the migration files to lint, read safely."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import ConfigError

if TYPE_CHECKING:
    import pathspec

#: Files larger than this are reported, not parsed.
MAX_FILE_BYTES = 20 * 1024 * 1024
SQL_SUFFIXES = (".sql",)
MIGRATION_SUFFIXES = (".sql", ".py")
_UPGRADE = re.compile(rb"^def upgrade\s*\(", re.M)
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})


def is_python_migration(path: Path) -> bool:
    """A cheap sniff for an Alembic revision file: it assigns revision and defines upgrade."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return True  # let reading report the problem
    return b"revision" in head and _UPGRADE.search(head) is not None


@functools.lru_cache(maxsize=8)
def _exclude_spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec  # only runs that exclude something need it

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _excluded(path: Path, patterns: Sequence[str], folder: bool = False) -> bool:
    """Whether ``path`` matches the exclude patterns (``.gitignore`` rules, anchored by
    :func:`pglint.config.anchor_patterns`)."""
    if not patterns:
        return False
    text = os.path.abspath(path).replace(os.sep, "/").lstrip("/")
    return _exclude_spec(tuple(patterns)).match_file(text + "/" if folder else text)


def discover(
    paths: Iterable[str], exclude: Sequence[str] = (), suffixes: Sequence[str] = MIGRATION_SUFFIXES
) -> list[Path]:
    """Migration files under ``paths``: ``*.sql``, and ``*.py`` files that are Alembic revisions.

    Python files that are not migrations are skipped silently, also when named directly
    (pre-commit passes every changed file of a type).
    """
    # A negated pattern may take back a file inside an excluded folder: then folders are
    # walked all the same and each file decides.
    prune = tuple(exclude) if not any(p.startswith("!") for p in exclude) else ()
    found: list[Path] = []
    seen: set[Path] = set()
    endings = tuple(suffixes)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and d not in _SKIPPED_DIRS
                    and not (prune and _excluded(Path(root, d), prune, folder=True))
                )
                for name in sorted(files):
                    if not name.endswith(endings):
                        continue
                    candidate = Path(root, name)
                    if not (exclude and _excluded(candidate, exclude)) and candidate not in seen:
                        if name.endswith(".py") and not is_python_migration(candidate):
                            continue
                        seen.add(candidate)
                        found.append(candidate)
        elif path.exists() or path.is_symlink():
            if path.suffix == ".py" and not is_python_migration(path):
                continue
            if not _excluded(path, exclude) and path not in seen:
                seen.add(path)
                found.append(path)
        else:
            raise ConfigError(f"{raw}: no such file or directory")
    return found


def decode(data: bytes, path: str) -> tuple[str | None, str | None]:
    """(text, None) for a readable SQL file, else (None, a one-line reason)."""
    if len(data) > MAX_FILE_BYTES:
        return (
            None,
            f"{path}: file is {len(data) // (1024 * 1024)} MiB, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit; not linted",
        )
    if b"\x00" in data[:8192]:
        return None, f"{path}: binary file (contains NUL bytes); not linted"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return (
            None,
            f"{path}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}, line {line}); not linted",
        )


def read_source(path: Path) -> tuple[str | None, str | None]:
    """Read and decode one file; never raises for I/O or encoding problems."""
    try:
        with open(path, "rb", buffering=0) as file:  # unbuffered: fewer system calls
            data = file.read()
    except IsADirectoryError:
        return None, f"{path}: is a directory"
    except OSError as error:
        return None, f"{path}: cannot read: {error.strerror or error}"
    return decode(data, str(path))
