"""golang-migrate: ``<version>_<name>.up.sql`` and ``<version>_<name>.down.sql``.

Versions are unsigned integers, parsed (``strconv.ParseUint``) and compared as numbers:
``002_x`` and ``2_y`` have the same version, and ``0002_x.up.sql`` pairs with
``2_x.down.sql``. golang-migrate's PostgreSQL driver sends each file as one query and adds
no transaction of its own, but PostgreSQL runs every statement of a multi-statement query
in a transaction block (an implicit one outside the file's own BEGIN … COMMIT): a file of
several statements is transactional (``CREATE INDEX CONCURRENTLY`` fails in it), a
one-statement file is not (golang-migrate issue #284). The ``x-multi-statement`` option, which splits files, is a
connection setting the files do not show.
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
    one_query_transaction,
)

PATTERN = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.(?P<role>up|down)\.sql$")
_MAX_VERSION = 2**64 - 1


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    matched = [PATTERN.match(p.name) for p in files]
    return bool(files) and all(matched) and any(m and m["role"] == "down" for m in matched)


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    ups: dict[int, Path] = {}
    downs: dict[int, Path] = {}
    names: dict[int, tuple[str, str]] = {}
    problems: list[SetProblem] = []
    for path in files:
        match = PATTERN.match(path.name)
        if match is None:
            problems.append(
                SetProblem(path, f"{path.name} is not named <version>_<name>.up.sql or .down.sql")
            )
            continue
        key = int(match["version"])
        if key > _MAX_VERSION:
            problems.append(
                SetProblem(
                    path,
                    f"{path.name}: version above 2^64-1, which golang-migrate cannot parse; "
                    "it skips the file",
                )
            )
            continue
        target = ups if match["role"] == "up" else downs
        if key in target:
            problems.append(
                SetProblem(
                    path,
                    f"duplicate migration version {key}: {target[key].name} and {path.name} "
                    "(golang-migrate compares versions as numbers and refuses the folder)",
                )
            )
            continue
        target[key] = path
        if match["role"] == "up" or key not in names:
            names[key] = (match["version"], match["name"])
    for key, path in downs.items():
        if key not in ups:
            problems.append(SetProblem(path, f"{path.name} is a rollback without an up migration"))
    migrations = []
    for key, path in ups.items():
        transaction, reason = one_query_transaction(
            reader.read(path)[0], f"golang-migrate sends {path.name}"
        )
        down = None
        if key in downs:
            down_tx, _ = one_query_transaction(reader.read(downs[key])[0])
            down = (Part(downs[key], "down", transaction=down_tx, one_query=True),)
        migrations.append(
            Migration(
                version=names[key][0],
                name=names[key][1],
                up=(Part(path, "up", one_query=True),),
                down=down,
                transaction=transaction,
                sort_key=(key,),
                down_transaction=down[0].transaction if down else None,
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems)


LAYOUT = Layout(
    name="golang-migrate",
    title="golang-migrate",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="no transaction of its own; a multi-statement file runs in transaction blocks (its own BEGIN … COMMIT, else implicit ones)",
)
