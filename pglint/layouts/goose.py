"""goose: ``<version>_<name>.sql`` files with ``-- +goose Up`` and ``-- +goose Down`` sections.

The version is the number before the first ``_`` (goose parses it as a positive int64) and
migrations run in numeric order. The up part is the text after the ``-- +goose Up`` line
up to the ``-- +goose Down`` line, the down part the text after the Down line (character
offsets into the file, so statements keep their line numbers). ``-- +goose
StatementBegin``/``StatementEnd`` only group statements for goose's splitter and are
plain comments to PostgreSQL.

Annotations (goose's ``internal/sqlparser``): a line starting with ``--`` that contains
``+goose``; the annotation name is matched case-insensitively (``-- +goose up`` works).

Transactions: goose runs each migration, up and down, in a transaction, statement by
statement, unless the file has ``-- +goose NO TRANSACTION``; then each statement runs on
its own in autocommit (https://pressly.github.io/goose/documentation/annotations/).
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
    duplicates,
)

NAME = re.compile(r"^(?P<version>\d+)_(?P<name>.*)\.sql$")
ANNOTATION = re.compile(r"^--[^\n]*\+goose[ \t]+(?P<what>[^\n]*?)[ \t]*\r?$", re.MULTILINE)
_UP = re.compile(r"^--[^\n]*\+goose[ \t]+up[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
INT64_MAX = 2**63 - 1


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    named = [p for p in files if NAME.match(p.name)]
    if not named or 2 * len(named) < len(files):
        return False
    return any(_UP.search(reader.text(p)) for p in named)


def sections(text: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None, bool, list[str]]:
    """(up span, down span, uses a transaction, problems) of a goose SQL file."""
    up_at = down_at = None  # (start of the annotation line, end of it)
    transaction = True
    problems = []
    for match in ANNOTATION.finditer(text):
        what = " ".join(match["what"].split()).lower()
        line_end = text.find("\n", match.end())
        after = len(text) if line_end < 0 else line_end + 1
        if what == "up":
            if up_at is not None:
                problems.append("has two '-- +goose Up' annotations")
                continue
            up_at = (match.start(), after)
        elif what == "down":
            if down_at is not None:
                problems.append("has two '-- +goose Down' annotations")
                continue
            if up_at is None:
                problems.append("has '-- +goose Down' before '-- +goose Up'")
            down_at = (match.start(), after)
        elif what == "no transaction":
            transaction = False
    if up_at is None:
        problems.append("has no '-- +goose Up' annotation; goose refuses to run it")
        return None, None, transaction, problems
    up_end = down_at[0] if down_at is not None and down_at[0] > up_at[0] else len(text)
    up = (up_at[1], up_end)
    down = (down_at[1], len(text)) if down_at is not None and down_at[0] > up_at[0] else None
    return up, down, transaction, problems


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    migrations = []
    for path in files:
        match = NAME.match(path.name)
        if match is None:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name} is not named <version>_<name>.sql; goose cannot read its version",
                )
            )
            continue
        version = int(match["version"])
        if version < 1 or version > INT64_MAX:
            problems.append(
                SetProblem(path, f"{path.name}: goose versions must be between 1 and 2^63-1")
            )
            continue
        text, _ = reader.read(path)
        if text is None:
            migrations.append(
                Migration(
                    match["version"],
                    match["name"],
                    (Part(path, "up"),),
                    None,
                    True,
                    (version,),
                    transaction_reason="goose runs each migration in a transaction",
                )
            )
            continue
        up, down, transaction, found = sections(text)
        for message in found:
            problems.append(SetProblem(path, f"{path.name} {message}"))
        if up is None:
            up_parts = (Part(path, "up"),)
            down_parts = None
        else:
            up_parts = (Part(path, "up", up[0], up[1]),)
            down_parts = (Part(path, "down", down[0], down[1]),) if down is not None else None
        reason = (
            "goose runs each migration in a transaction"
            if transaction
            else f"{path.name} has '-- +goose NO TRANSACTION': goose runs each statement on its own"
        )
        migrations.append(
            Migration(
                match["version"],
                match["name"],
                up_parts,
                down_parts,
                transaction,
                (version,),
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    # goose compares versions as numbers: 1_a.sql and 001_b.sql collide.
    problems += duplicates(migrations, root, key=lambda m: m.sort_key)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems)


LAYOUT = Layout(
    name="goose",
    title="goose (-- +goose Up / Down sections)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each migration in a transaction unless -- +goose NO TRANSACTION",
)
