"""Flyway: ``V<version>__<description>.sql``, ``U<version>__…`` undo, ``R__…`` repeatable.

Naming (https://documentation.red-gate.com/fd/migrations-184127470.html): the prefix is
``V`` (versioned), ``U`` (undo, the rollback of the ``V`` with the same version) or ``R``
(repeatable), then the version (parts separated by ``.`` or ``_``, compared as numbers:
``1.10`` after ``1.9``; ``1.0`` and ``1`` are the same version), then ``__`` and a
description. Repeatable migrations run after the versioned ones, ordered by description;
they have no undo (an undo migration names a version), so none is expected.
``B<version>__…`` baseline migrations (Flyway Teams) replace the versioned migrations up to
their version on an empty database only; they are listed as ignored. Prefixes are
upper-case, as Flyway's defaults are.

Locations: Flyway scans a location recursively and merges what it finds into one sequence,
so a location organised in sub-folders (``2023/``, ``2024/``, ``views/``) is one set, with
duplicates found across them (:func:`location`, used by ``set_root``). Without the
configured ``locations``, pglint takes the folders above a script's folder (up to three)
whose sub-folders hold Flyway scripts, and stops at a project's top (``pom.xml``, ``.git``,
``flyway.conf``…) and at sub-folders that repeat each other's versions: those are separate
locations, such as per-database ``postgres/`` and ``h2/`` folders.

Transactions: Flyway runs each migration in its own transaction by default
(``executeInTransaction``, default true:
https://documentation.red-gate.com/fd/flyway-execute-in-transaction-setting-277578997.html).
A script configuration turns that off: a file ``<script>.sql.conf`` next to the script with
``executeInTransaction=false``, or (recent Flyway) a ``-- flyway:executeInTransaction=false``
comment line in the script. Without one, Flyway's PostgreSQL parser runs a script outside a
transaction when one of its statements cannot run in one (``CREATE/DROP INDEX
CONCURRENTLY``, ``REINDEX SCHEMA/DATABASE/SYSTEM``, ``VACUUM``, ``ALTER SYSTEM``,
``CREATE/DROP DATABASE/TABLESPACE/SUBSCRIPTION``, ``DISCARD ALL``: ``PostgreSQLParser``
in flyway-database-postgresql). Statements then run one by one in autocommit. Such a
script that also has statements that can run in a transaction is refused ("Detected both
transactional and non-transactional statements within the same migration") unless Flyway's
``mixed`` setting is true (default false) or a script configuration sets
``executeInTransaction``: a set problem, unless flyway.conf or flyway.toml in or above the
set's folder sets ``mixed``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglint.discovery import is_regular_file
from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    version_key,
)

PATTERN = re.compile(
    r"^(?:(?P<prefix>[VUB])(?P<version>\d+(?:[._]\d+)*)|(?P<repeatable>R))__(?P<description>.*)\.sql$"
)

#: Statement starts Flyway's PostgreSQL parser treats as non-transactional
#: (``ALTER TYPE … ADD VALUE`` only before PostgreSQL 12, which this layer cannot know).
_NON_TRANSACTIONAL = re.compile(
    r"^(?:(?:CREATE|DROP) (?:DATABASE|TABLESPACE|SUBSCRIPTION)\b"
    r"|ALTER SYSTEM\b"
    r"|(?:CREATE|DROP)(?: UNIQUE)? INDEX CONCURRENTLY\b"
    r"|REINDEX(?: VERBOSE)? (?:SCHEMA|DATABASE|SYSTEM)\b"
    r"|VACUUM\b"
    r"|DISCARD ALL\b)",
    re.IGNORECASE,
)
_INLINE_CONFIG = re.compile(
    r"^\s*--\s*flyway:executeInTransaction\s*=\s*(?P<value>\w+)", re.IGNORECASE | re.MULTILINE
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    matched = [PATTERN.match(p.name) for p in files]
    hits = [m for m in matched if m]
    runnable = any(m["prefix"] == "V" or m["repeatable"] for m in hits)
    return runnable and 2 * len(hits) >= len(files)


def normalized(version: str) -> tuple[int, ...]:
    """Flyway's version identity: numeric parts, trailing zeros dropped (``1.0`` is ``1``)."""
    parts = list(version_key(version))
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _script_config(path: Path) -> dict[str, str]:
    """``key=value`` pairs of ``<script>.sql.conf`` (empty when there is none)."""
    conf = path.with_name(path.name + ".conf")
    if not is_regular_file(conf):  # absent (or a FIFO, never opened)
        return {}
    try:
        text = conf.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        settings[key.strip().removeprefix("flyway.")] = value.strip()
    return settings


def _statement_starts(text: str) -> list[str]:
    """The first words of each statement, blanks and comments collapsed to one space."""
    import pglast  # here, so that finding sets does not load the parser

    try:
        pieces = list(pglast.split(text, with_parser=False))
    except Exception:  # the scanner rejected the text: rough split
        pieces = text.split(";")
    starts = []
    for piece in pieces:
        words = " ".join(_COMMENTS.sub(" ", piece).split())
        if words:
            starts.append(words[:80])
    return starts


def transaction_mode(path: Path, reader: Reader) -> tuple[bool, str]:
    """Whether Flyway runs the script in a transaction, and why."""
    transaction, reason, _ = _transaction_mode(path, reader)
    return transaction, reason


def _short(start: str) -> str:
    return " ".join(start.split()[:4])


def _transaction_mode(path: Path, reader: Reader) -> tuple[bool, str, str | None]:
    """:func:`transaction_mode`, and the problem Flyway's ``mixed`` check finds, if any.

    Without a script configuration of ``executeInTransaction``, Flyway refuses a script
    that has both statements that can run in a transaction and statements that cannot,
    unless ``mixed`` is true (default false): "Detected both transactional and
    non-transactional statements within the same migration" (``ParserSqlScript``).
    """
    configured = _script_config(path).get("executeInTransaction")
    if configured is not None:
        value = configured.lower() != "false"
        return value, f"{path.name}.conf sets executeInTransaction={configured}", None
    text = reader.read(path)[0] or ""
    inline = _INLINE_CONFIG.search(text)
    if inline:
        value = inline["value"].lower() != "false"
        return value, f"{path.name} sets flyway:executeInTransaction={inline['value']}", None
    starts = _statement_starts(text)
    blocking = next((s for s in starts if _NON_TRANSACTIONAL.match(s)), None)
    if blocking is None:
        return (
            True,
            "Flyway runs each migration in a transaction (executeInTransaction defaults to true)",
            None,
        )
    reason = (
        f"Flyway runs {path.name} outside a transaction because it contains "
        f"{_short(blocking)}…, which cannot run in one"
    )
    other = next((s for s in starts if not _NON_TRANSACTIONAL.match(s)), None)
    if other is None:
        return False, reason, None
    return (
        False,
        reason,
        (
            f"{path.name} mixes {_short(other)}…, which Flyway runs in a transaction, with "
            f"{_short(blocking)}…, which cannot run in one: with Flyway's mixed setting false "
            '(its default) Flyway refuses the migration ("Detected both transactional and '
            'non-transactional statements within the same migration"). Move the '
            f"non-transactional statement to a migration of its own, set executeInTransaction=false "
            f"in {path.name}.conf, or run Flyway with mixed=true"
        ),
    )


def mixed_allowed(root: Path) -> bool:
    """Whether a Flyway config file in ``root`` or a folder above it (up to the repository's
    top) sets ``mixed`` to true: ``flyway.mixed=true`` in flyway.conf, ``mixed = true``
    under ``[flyway]`` in flyway.toml. The command line and environment are not seen."""
    for folder in (root, *root.resolve().parents):
        conf = folder / "flyway.conf"
        if conf.is_file():
            try:
                lines = conf.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            for line in lines:
                key, _, value = line.partition("=")
                if key.strip() == "flyway.mixed" and value.strip().lower() == "true":
                    return True
        toml = folder / "flyway.toml"
        if toml.is_file():
            from pglint.config import tomllib

            try:
                data = tomllib.loads(toml.read_text(encoding="utf-8", errors="replace"))
            except (tomllib.TOMLDecodeError, OSError):
                data = {}
            flyway = data.get("flyway")
            if isinstance(flyway, dict) and flyway.get("mixed") is True:
                return True
        if (folder / ".git").exists():
            break
    return False


#: Files that make a folder a project or module of its own: Flyway locations lie inside one.
_PROJECT_MARKERS = (
    ".git",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "package.json",
    "go.mod",
    "flyway.conf",
    "flyway.toml",
)
_SKIPPED = frozenset({"node_modules", "target", "build", "__pycache__", "venv"})
#: How many folders above a script's folder its location may start, and how many entries
#: a folder's tree may have for pglint to look through it.
_MAX_CLIMB = 3
_MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class _Folder:
    """One folder's listing: its Flyway scripts (as :func:`_identity`) and sub-folders."""

    scripts: frozenset[object]
    folders: tuple[str, ...]
    entries: int


def _identity(name: str) -> object | None:
    """What two scripts of one location must not share: a version, or a repeatable's name."""
    match = PATTERN.match(name)
    if match is None or match["prefix"] in ("U", "B"):
        return None
    return ("R", match["description"]) if match["repeatable"] else normalized(match["version"])


def _folder(path: Path, cache: dict[object, Any]) -> _Folder:
    found = cache.get(path)
    if found is None:
        scripts: set[object] = set()
        folders: list[str] = []
        entries = 0
        try:
            with os.scandir(path) as listing:
                for entry in listing:
                    entries += 1
                    if entry.name.endswith(".sql"):
                        identity = _identity(entry.name)
                        if identity is not None:
                            scripts.add(identity)
                    elif (
                        entry.name[:1] != "."
                        and entry.name not in _SKIPPED
                        and entry.is_dir(follow_symlinks=False)
                    ):
                        folders.append(entry.name)
        except OSError:
            pass
        found = cache[path] = _Folder(frozenset(scripts), tuple(sorted(folders)), entries)
    return found


def _tree_scripts(path: Path, cache: dict[object, Any], budget: list[int]) -> frozenset[object]:
    """The Flyway scripts of ``path``'s whole tree; ``budget`` counts down the entries
    looked at (below zero: too large to tell)."""
    key = ("tree", path)
    found = cache.get(key)
    if found is None:
        folder = _folder(path, cache)
        budget[0] -= folder.entries
        parts = [folder.scripts]
        for name in folder.folders:
            if budget[0] < 0:
                break
            parts.append(_tree_scripts(path / name, cache, budget))
        found = cache[key] = frozenset().union(*parts)
    return found


def _is_project(folder: Path) -> bool:
    return any((folder / name).exists() for name in _PROJECT_MARKERS)


def merges(folder: Path, cache: dict[object, Any]) -> bool:
    """Whether ``folder`` is one Flyway location with its sub-folders: Flyway scans a
    location recursively as one sequence, so per-release sub-folders (2023/, 2024/) are one
    set. Sub-folders are kept apart when they look like separate locations: projects of
    their own, or folders that repeat each other's versions (per-database folders such as
    postgres/ and h2/, each from V1)."""
    key = ("merges", folder)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _merges(folder, cache)
    return bool(found)


def _merges(folder: Path, cache: dict[object, Any]) -> bool:
    if _is_project(folder):
        return False
    listing = _folder(folder, cache)
    budget = [_MAX_ENTRIES]
    groups = [listing.scripts] if listing.scripts else []
    for name in listing.folders:
        scripts = _tree_scripts(folder / name, cache, budget)
        if budget[0] < 0:
            return False
        if scripts:
            if _is_project(folder / name):
                return False
            groups.append(scripts)
    if len(groups) < 2:
        return False
    for index, one in enumerate(groups):
        for other in groups[index + 1 :]:
            shared = len(one & other)
            if shared and 2 * shared > min(len(one), len(other)):
                return False
    return True


def location(folder: Path, cache: dict[object, Any]) -> Path | None:
    """The folder of the Flyway location that holds ``folder``'s scripts: ``folder`` itself,
    or an ancestor that :func:`merges` its sub-folders. None when ``folder`` holds no
    Flyway script."""
    if not _folder(folder, cache).scripts:
        return None
    top = folder
    for _ in range(_MAX_CLIMB):
        parent = top.parent
        if parent == top or not merges(parent, cache):
            break
        top = parent
    return top


def _shown(path: Path, root: Path) -> str:
    """A script's name, with its sub-folder when it lies below the location's top."""
    return (
        path.relative_to(root).as_posix()
        if path.parent != root and path.is_relative_to(root)
        else path.name
    )


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    ignored: dict[Path, str] = {}
    versioned: dict[tuple[int, ...], tuple[str, str, Path]] = {}
    undos: dict[tuple[int, ...], tuple[str, Path]] = {}
    repeatable: list[tuple[str, Path]] = []
    for path in files:
        match = PATTERN.match(path.name)
        if match is None:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} does not follow Flyway's naming (V<version>__<description>.sql, "
                    "U<version>__<description>.sql or R__<description>.sql); Flyway ignores it",
                )
            )
            continue
        if match["repeatable"]:
            repeatable.append((match["description"], path))
            continue
        version, description = match["version"], match["description"]
        key = normalized(version)
        if match["prefix"] == "B":
            ignored[path] = (
                "Flyway baseline migration: runs only on an empty database, instead of the versioned migrations up to its version"
            )
            continue
        table = versioned if match["prefix"] == "V" else undos
        if key in table:
            other = table[key][-1]
            problems.append(
                SetProblem(
                    path,
                    f"duplicate migration version {version}: {_shown(other, root)} and "
                    f"{_shown(path, root)}",
                )
            )
            continue
        if match["prefix"] == "V":
            versioned[key] = (version, description, path)
        else:
            undos[key] = (version, path)
    for key, (version, path) in undos.items():
        if key not in versioned:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} is an undo migration without a versioned migration V{version}",
                )
            )
    migrations = []
    mixed: list[SetProblem] = []

    def mode(path: Path) -> tuple[bool, str]:
        transaction, reason, problem = _transaction_mode(path, reader)
        if problem is not None:
            mixed.append(SetProblem(path, problem))
        return transaction, reason

    for key, (version, description, path) in versioned.items():
        transaction, reason = mode(path)
        down = None
        down_transaction = None
        if key in undos:
            undo = undos[key][1]
            down_transaction, _ = mode(undo)
            down = (Part(undo, "down"),)
        migrations.append(
            Migration(
                version,
                description,
                (Part(path, "up"),),
                down,
                transaction,
                (0, key),
                down_transaction=down_transaction if down_transaction != transaction else None,
                transaction_reason=reason,
            )
        )
    seen_descriptions: dict[str, Path] = {}
    for description, path in repeatable:
        if description in seen_descriptions:
            problems.append(
                SetProblem(
                    path,
                    f"two repeatable migrations with the description {description!r}: "
                    f"{_shown(seen_descriptions[description], root)} and {_shown(path, root)}",
                )
            )
            continue
        seen_descriptions[description] = path
        transaction, reason = mode(path)
        migrations.append(
            Migration(
                "R",
                description,
                (Part(path, "up"),),
                None,
                transaction,
                (1, (), description),
                transaction_reason=reason,
                rollback_possible=False,  # undo migrations need a version
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    if mixed and not mixed_allowed(root):
        problems += mixed
    return MigrationSet(root, LAYOUT.name, migrations, True, problems, ignored=ignored)


LAYOUT = Layout(
    name="flyway",
    title="Flyway (V/U/R prefixed scripts)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each migration in a transaction unless executeInTransaction=false or a non-transactional statement",
)
