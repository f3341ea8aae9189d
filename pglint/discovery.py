"""Paths on the command line → the migration files to lint, read safely."""

from __future__ import annotations

import functools
import os
import re
import stat
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


def _mode(path: Path) -> int | None:
    """The mode of what ``path`` names (symlinks followed), or None if it cannot be stat'ed."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):  # a symlink loop, no permission, a NUL in the name
        return None


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (symlinks followed); never raises."""
    mode = _mode(path)
    return mode is not None and stat.S_ISREG(mode)


def is_directory(path: Path) -> bool:
    """Whether ``path`` is a directory (symlinks followed); never raises."""
    mode = _mode(path)
    return mode is not None and stat.S_ISDIR(mode)


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str:
    """Why a file of this (non-regular) mode is not read."""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}); not linted"


def is_python_migration(path: Path) -> bool:
    """A cheap sniff for an Alembic revision file: it assigns revision and defines upgrade."""
    if not is_regular_file(path):
        return True  # let reading report the problem (never open a FIFO or a device)
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
    paths: Iterable[str],
    exclude: Sequence[str] = (),
    suffixes: Sequence[str] = MIGRATION_SUFFIXES,
    empty: list[str] | None = None,
) -> list[Path]:
    """Migration files under ``paths``: ``*.sql``, and ``*.py`` files that are Alembic revisions.

    Python files that are not migrations are skipped silently, also when named directly
    (pre-commit passes every changed file of a type). The directories of ``paths`` that
    hold no migration file are added to ``empty``.
    """
    # A negated pattern may take back a file inside an excluded folder: then folders are
    # walked all the same and each file decides.
    prune = tuple(exclude) if not any(p.startswith("!") for p in exclude) else ()
    found: list[Path] = []
    seen: set[Path] = set()
    endings = tuple(suffixes)
    for raw in paths:
        path = Path(raw)
        if is_directory(path):
            before = len(seen)
            hit = False
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
                    if exclude and _excluded(candidate, exclude):
                        continue
                    if candidate in seen:
                        hit = True  # also under an earlier path
                        continue
                    if name.endswith(".py") and not is_python_migration(candidate):
                        continue
                    seen.add(candidate)
                    found.append(candidate)
            if empty is not None and not hit and len(seen) == before:
                empty.append(raw)
        elif _exists(path):
            if path.suffix == ".py" and not is_python_migration(path):
                continue
            if not _excluded(path, exclude) and path not in seen:
                seen.add(path)
                found.append(path)
        else:
            raise ConfigError(f"{raw}: no such file or directory")
    return found


def _exists(path: Path) -> bool:
    """Whether there is a directory entry at ``path`` (a dangling symlink counts: its
    reading reports the problem)."""
    try:
        os.lstat(path)
    except (OSError, ValueError):
        return False
    return True


#: Byte order marks of encodings that are not UTF-8, longest first (UTF-32 LE starts
#: with UTF-16 LE's).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(data: bytes, path: str) -> tuple[str | None, str | None]:
    """(text, None) for a readable SQL file, else (None, a one-line reason)."""
    if len(data) > MAX_FILE_BYTES:
        return None, _too_large(path, len(data))
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            marks = " ".join(f"{b:02X}" for b in bom)
            return None, f"{path}: {encoding} encoded ({marks} BOM); save it as UTF-8; not linted"
    nul = data.find(b"\x00")  # anywhere: the parser would stop there, silently
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        return (
            None,
            f"{path}: binary file (NUL byte at offset {nul}, line {line}); not linted",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _python_encoding(data) if path.endswith(".py") else "utf-8"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return (
            None,
            f"{path}: not valid {_ENCODING_NAMES.get(encoding, encoding)} (byte 0x{data[error.start]:02x} at offset {error.start}, line {line}); not linted",
        )


#: How messages name the encodings (others as Python's codecs call them: iso-8859-1, …).
_ENCODING_NAMES = {"utf-8": "UTF-8"}


def _python_encoding(data: bytes) -> str:
    """The encoding of Python source as Python decodes it: its PEP 263 declaration
    (``# -*- coding: latin-1 -*-``), else UTF-8."""
    import io
    import tokenize  # only for Alembic files

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # a declaration Python rejects: decoding says what is wrong
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _too_large(path: str, size: int) -> str:
    mib = 1024 * 1024
    return f"{path}: file is {size // mib} MiB, larger than the {MAX_FILE_BYTES // mib} MiB limit; not linted"


def read_source(path: Path) -> tuple[str | None, str | None]:
    """Read and decode one file; never raises for I/O or encoding problems.

    Only regular files are opened (a FIFO would block, a device never end), and a file
    over the size limit is refused before it is read.
    """
    try:
        mode, size = _stat(path)
        if stat.S_ISDIR(mode):
            return None, f"{path}: is a directory"
        if not stat.S_ISREG(mode):
            return None, f"{path}: {_not_regular(mode)}"
        if size > MAX_FILE_BYTES:
            return None, _too_large(str(path), size)
        with open(path, "rb", buffering=0) as file:  # unbuffered: fewer system calls
            data = file.read()
    except IsADirectoryError:
        return None, f"{path}: is a directory"
    except OSError as error:
        return None, f"{path}: cannot read: {error.strerror or error}"
    return decode(data, str(path))


def _stat(path: Path) -> tuple[int, int]:
    """(mode, size) of ``path``, symlinks followed; raises OSError."""
    try:
        info = os.stat(path)
    except ValueError as error:  # a NUL in the name
        raise OSError(str(error)) from None
    return info.st_mode, info.st_size
