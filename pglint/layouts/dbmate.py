"""dbmate: ``<version>_<name>.sql`` files with ``-- migrate:up`` and ``-- migrate:down`` sections.

dbmate takes the files matching ``^(\\d+).*\\.sql$`` (the digits are the version) and
applies them in file-name order (``FindMigrations`` in pkg/dbmate/db.go). A file holds
one or more sections, each a ``-- migrate:up`` block followed by its ``-- migrate:down``
block; dbmate requires both, and nothing but comments before the first up.

Transactions (dbmate's README, "Creating Migrations", and ``parseMigrationOptions`` in
pkg/dbmate/migration.go): each block runs in its own transaction unless its directive
line says ``transaction:false``
(``-- migrate:up transaction:false``; the down directive has its own option). A block
without its transaction is sent as one query, so PostgreSQL still runs a multi-statement
block in transaction blocks (implicit ones outside its own BEGIN … COMMIT).

Schema dump: ``dbmate dump`` (and ``dbmate up``/``migrate`` by default) writes
``db/schema.sql``: ``pg_dump --schema-only`` followed by a ``-- Dbmate schema migrations``
comment block and an ``INSERT INTO … schema_migrations (version) VALUES …`` of the applied
versions (``schemaMigrationsDump`` in pkg/driver/postgres). It is a snapshot, not a
migration: :func:`is_schema_dump` recognises it wherever it lies, and sets list it as ignored.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    duplicates,
    one_query_transaction,
)

NAME = re.compile(r"^(?P<version>\d+)(?P<rest>.*)\.sql$")
UP = re.compile(r"^--\s*migrate:up(?:[ \t]*$|[ \t]+\S+)", re.MULTILINE)
DOWN = re.compile(r"^--\s*migrate:down(?:[ \t]*$|[ \t]+\S+)", re.MULTILINE)
_LINE_COMMENT = re.compile(r"^\s*(--.*)?$")


SCHEMA_DUMP_MARKER = "-- Dbmate schema migrations"
#: What follows the marker at the end of a dump: the applied versions, if any.
_DUMP_TAIL = re.compile(
    re.escape(SCHEMA_DUMP_MARKER) + r"[ \t]*\r?\n--[ \t]*\s*(?:INSERT INTO [^;]*;\s*)?\Z"
)
SCHEMA_DUMP_REASON = "dbmate schema dump (written by dbmate dump), not a migration"


def is_schema_dump(text: str) -> bool:
    """Whether ``text`` is a schema file written by dbmate: it ends with dbmate's
    ``-- Dbmate schema migrations`` block."""
    at = text.rfind(SCHEMA_DUMP_MARKER)
    return at >= 0 and _DUMP_TAIL.match(text, at) is not None


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    named = [p for p in files if NAME.match(p.name)]
    if not named or 2 * len(named) < len(files):
        return False
    return any(UP.search(reader.text(p)) for p in named)


def _options(text: str, at: int) -> dict[str, str]:
    """``key:value`` options of the directive line starting at ``at``."""
    end = text.find("\n", at)
    line = text[at : len(text) if end < 0 else end]
    line = re.sub(r"^--\s*migrate:(?:up|down)", "", line).strip()
    options = {}
    for pair in line.split():
        key, sep, value = pair.partition(":")
        if sep and ":" not in value:
            options[key] = value
    return options


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end + 1


def sections(text: str) -> tuple[list[tuple[Part | None, Part | None]], list[str]]:
    """Each section's (up, down) offsets as parts of a placeholder path, and the problems."""
    ups = [m.start() for m in UP.finditer(text)]
    problems: list[str] = []
    if not ups:
        return [], ["has no '-- migrate:up' block; dbmate refuses to run it"]
    if any(not _LINE_COMMENT.match(line) for line in text[: ups[0]].split("\n")):
        problems.append("has statements before '-- migrate:up'; dbmate refuses to run it")
    downs = [m.start() for m in DOWN.finditer(text)]
    if downs and downs[0] < ups[0]:
        problems.append("has '-- migrate:down' before '-- migrate:up'")
    found: list[tuple[Part | None, Part | None]] = []
    bounds = [*ups, len(text)]
    for start, end in itertools.pairwise(bounds):
        inner = [d for d in downs if start < d < end]
        if len(inner) > 1:
            problems.append("has two '-- migrate:down' blocks after one '-- migrate:up'")
        up_body = _line_end(text, start)
        if inner:
            down_at = inner[0]
            up = _part(text, "up", start, up_body, down_at)
            down_body = _line_end(text, down_at)
            down = _part(text, "down", down_at, down_body, end)
        else:
            problems.append(
                "has a '-- migrate:up' block without its '-- migrate:down'; dbmate requires one"
            )
            up = _part(text, "up", start, up_body, end)
            down = None
        found.append((up, down))
    return found, problems


def _part(text: str, role: str, directive: int, start: int, end: int) -> Part:
    """A section (of a placeholder path): in a transaction, or sent as one query when its
    directive says ``transaction:false``."""
    if _options(text, directive).get("transaction") != "false":
        return Part(Path(), role, start, end, True)
    return Part(Path(), role, start, end, one_query_transaction(text[start:end])[0], True)


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    migrations = []
    for path in files:
        match = NAME.match(path.name)
        if match is None:
            problems.append(
                SetProblem(
                    path, f"{path.name} does not start with a version number; dbmate skips it"
                )
            )
            continue
        version = match["version"]
        name = match["rest"].lstrip("_-")
        text, _ = reader.read(path)
        if text is None:
            migrations.append(
                Migration(
                    version,
                    name,
                    (Part(path, "up"),),
                    None,
                    True,
                    (path.name,),
                    transaction_reason="dbmate runs each block in a transaction",
                )
            )
            continue
        found, messages = sections(text)
        for message in messages:
            problems.append(SetProblem(path, f"{path.name} {message}"))
        if not found:
            migrations.append(
                Migration(version, name, (Part(path, "up"),), None, True, (path.name,))
            )
            continue
        up = tuple(replace(p, path=path) for p, _ in found if p is not None)
        down = tuple(replace(p, path=path) for _, p in found if p is not None)
        transaction = up[0].transaction
        down_transaction = down[0].transaction if down else None
        migrations.append(
            Migration(
                version,
                name,
                up,
                down or None,
                transaction,
                (path.name,),
                down_transaction=down_transaction,
                transaction_reason=_reason(path, text, up[0]),
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    problems += duplicates(migrations, root)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems)


def _reason(path: Path, text: str, up: Part) -> str:
    if not up.one_query:
        return "dbmate runs each migrate:up block in a transaction"
    how = f"{path.name} sets transaction:false, and dbmate sends its migrate:up block"
    return one_query_transaction(text[up.start : up.end], how)[1]


LAYOUT = Layout(
    name="dbmate",
    title="dbmate (-- migrate:up / -- migrate:down sections)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each block in a transaction unless its directive says transaction:false",
)
