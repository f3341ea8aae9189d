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

import re
from pathlib import Path

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
            for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
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
                    path, f"duplicate migration version {version}: {other.name} and {path.name}"
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
                    f"{seen_descriptions[description].name} and {path.name}",
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
