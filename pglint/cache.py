"""The result cache: a migration set's findings, reused while nothing that decides them changed.

A set's findings depend on the text of every migration in it (earlier ones are replayed
for context), on how its layout ordered and grouped them, on the settings, on which files
are reported, and on pglint itself. The cache key covers all of these: the content of each
file, the set's structure as the layout built it, the settings, and a fingerprint of
pglint's code and rule pages and of the parser it uses. Anything else is a miss, and a
miss just lints.

The cache lives in ``.pglint_cache`` beside the configuration file (else in the working
directory), holds one entry per migration set, and is never needed: an unreadable,
corrupt or unwritable cache only makes a run slower. It stores findings, never the files
it checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import marshal
import os
import sys
from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from pathlib import Path, PurePath
from typing import TypeAlias, cast

from pglint import __version__
from pglint.config import Settings
from pglint.findings import ROW_LENGTH, Finding, Row, Severity

_SEVERITIES = frozenset(severity.value for severity in Severity)

#: Bumped when the entry format changes.
FORMAT = 1
#: Folders of other pglint builds kept beside the current one.
KEEP_BUILDS = 3
FOLDER_NAME = ".pglint_cache"


def default_folder(settings: Settings, cwd: Path | None = None) -> Path:
    """``.pglint_cache`` beside the configuration file, else in the working directory."""
    if settings.config_path:
        return Path(settings.config_path).resolve().parent / FOLDER_NAME
    return (cwd or Path.cwd()) / FOLDER_NAME


def _stat_files(
    folder: str, suffixes: tuple[str, ...], recursive: bool = False
) -> list[tuple[str, int, int]]:
    """Name, size and modification time of the files in ``folder`` with these suffixes."""
    found: list[tuple[str, int, int]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        try:
            if recursive and entry.is_dir() and entry.name != "__pycache__":
                found.extend(_stat_files(entry.path, suffixes, recursive))
            elif entry.name.endswith(suffixes):
                stat = entry.stat()
                found.append((entry.path, stat.st_size, stat.st_mtime_ns))
        except OSError:
            continue
    return sorted(found)


def _package_folder(name: str) -> str | None:
    """A package's folder, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return os.path.dirname(spec.origin)


def code_fingerprint() -> str:
    """What identifies this pglint build: its version, the size and time of each of its
    modules and rule pages, the parsers' files, and the Python that runs it."""
    from pglint.pages import pages_dir

    digest = hashlib.blake2b(digest_size=12)
    parts: list[object] = [FORMAT, __version__, sys.implementation.name, sys.version_info[:2]]
    parts.append(_stat_files(os.path.dirname(__file__), (".py",), recursive=True))
    parts.append(_stat_files(str(pages_dir()), (".md",)))
    for package in ("pglast", "libcst"):
        folder = _package_folder(package)
        if folder is not None:
            parts.append((package, _stat_files(folder, (".py", ".so", ".pyd"))))
    digest.update(repr(parts).encode())
    return digest.hexdigest()


_FIELDS: dict[type, Callable[[object], tuple]] = {}
_SIMPLE = (str, int, float, bool, type(None))
#: What :func:`_plain` makes of a value: simple values and nested tuples of them.
_Plain: TypeAlias = "str | int | float | bool | tuple[_Plain, ...] | None"


def _plain(value: object) -> _Plain:
    """A layout's dataclasses as nested tuples of strings and numbers, for hashing."""
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(v if type(v) in _SIMPLE else _plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(map(_plain, value), key=repr))
    if isinstance(value, dict):
        return tuple(sorted(((_plain(k), _plain(v)) for k, v in value.items()), key=repr))
    if isinstance(value, Enum):
        return value.value
    if type(value) in _SIMPLE:
        return cast(_Plain, value)
    fields_of = _FIELDS.get(type(value))
    if fields_of is None:
        if not dataclasses.is_dataclass(value):
            raise TypeError(f"cannot key a {type(value).__name__}")
        names = [f.name for f in dataclasses.fields(value)]
        fields_of = _FIELDS[type(value)] = (
            attrgetter(*names) if len(names) > 1 else _one_field(names[0])
        )
    return (
        type(value).__name__,
        *(v if type(v) in _SIMPLE else _plain(v) for v in fields_of(value)),
    )


def _one_field(name: str) -> Callable[[object], tuple]:
    """Like ``attrgetter(name)``, but a 1-tuple (as attrgetter gives for several names)."""
    return lambda v: (getattr(v, name),)


class Key:
    """Builds one entry's key from the pieces that decide its findings."""

    def __init__(self, run: str) -> None:
        self._digest = hashlib.blake2b(run.encode(), digest_size=20)

    def add(self, value: object) -> Key:
        # Format 2 writes equal values as equal bytes (later formats share repeated objects).
        self._digest.update(marshal.dumps(_plain(value), 2))
        self._digest.update(b"\0")
        return self

    def add_text(self, text: str | None, error: str | None) -> Key:
        if text is None:
            self._digest.update(b"\1" + (error or "").encode())
        else:
            self._digest.update(b"\2" + text.encode("utf-8", "surrogatepass"))
        self._digest.update(b"\0")
        return self

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class ResultCache:
    """Findings per migration set (or per lone file), on disk under ``folder``."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.build = code_fingerprint()
        # Every setting that changes findings; where they came from and the exit-code
        # threshold do not.
        decisive = dataclasses.replace(
            settings, config_path=None, cache_dir=None, fail_on=Settings().fail_on
        )
        self._run = self.build + repr(decisive)
        self._entries = folder / f"build-{self.build}"
        self.hits = 0
        self.misses = 0

    def key(self) -> Key:
        """A new key, already covering this run's pglint build and settings."""
        return Key(self._run)

    def _slot(self, name: str) -> Path:
        return self._entries / (hashlib.blake2b(name.encode(), digest_size=12).hexdigest())

    def get(self, name: str, key: str) -> list[Row] | None:
        """The findings stored for ``name`` under ``key``, as rows (see
        :meth:`Finding.from_row`); None when absent or stale."""
        try:
            data = self._slot(name).read_bytes()
            stored_key, rows = marshal.loads(data)
            if stored_key != key or not isinstance(rows, list):
                raise ValueError("stale")
            # Rows become findings later, outside this check: they must all fit.
            if not all(type(row) is tuple and len(row) == ROW_LENGTH for row in rows) or (
                {row[6] for row in rows} - _SEVERITIES
            ):
                raise ValueError("damaged")
        except (OSError, EOFError, ValueError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return rows

    def put(self, name: str, key: str, findings: list[Finding]) -> None:
        """Store findings for ``name``; a cache that cannot be written is left alone."""
        import tempfile

        try:
            self._prepare()
            strings: dict[str, str] = {}
            rows = [
                tuple(strings.setdefault(v, v) if isinstance(v, str) else v for v in f.as_row())
                for f in findings
            ]
            data = marshal.dumps((key, rows))
            handle, temporary = tempfile.mkstemp(dir=self._entries, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, self._slot(name))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._entries.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This folder is a cache made by pglint; it can be deleted at any time.\n"
            )
            (self.folder / ".gitignore").write_text("# Made by pglint.\n*\n")
        self._entries.mkdir(exist_ok=True)
        self._prune()

    def _prune(self) -> None:
        """Remove the entries of older pglint builds, keeping the most recent few."""
        import shutil

        builds = []
        for entry in self.folder.glob("build-*"):
            if entry != self._entries:
                try:
                    builds.append((entry.stat().st_mtime, entry))
                except OSError:
                    continue
        for _, entry in sorted(builds, reverse=True)[KEEP_BUILDS:]:
            shutil.rmtree(entry, ignore_errors=True)
