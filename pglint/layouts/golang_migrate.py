"""golang-migrate: ``<version>_<name>.up.sql`` and ``<version>_<name>.down.sql``.

Versions are unsigned integers compared numerically. golang-migrate's PostgreSQL driver
sends each file as one query and adds no transaction of its own, but PostgreSQL runs every
statement of a multi-statement query in a transaction block (an implicit one outside the
file's own BEGIN … COMMIT): a file of several statements is transactional (``CREATE INDEX
CONCURRENTLY`` fails in it), a one-statement file is not (golang-migrate issue #284). The ``x-multi-statement`` option, which splits files, is a
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
    duplicates,
    one_query_transaction,
)

PATTERN = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.(?P<role>up|down)\.sql$")


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    matched = [PATTERN.match(p.name) for p in files]
    return bool(files) and all(matched) and any(m and m["role"] == "down" for m in matched)


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    ups: dict[str, Path] = {}
    downs: dict[str, Path] = {}
    names: dict[str, str] = {}
    problems: list[SetProblem] = []
    for path in files:
        match = PATTERN.match(path.name)
        if match is None:
            problems.append(
                SetProblem(path, f"{path.name} is not named <version>_<name>.up.sql or .down.sql")
            )
            continue
        key = match["version"]
        target = ups if match["role"] == "up" else downs
        if key in target:
            problems.append(
                SetProblem(
                    path, f"duplicate migration version {key}: {target[key].name} and {path.name}"
                )
            )
            continue
        target[key] = path
        names.setdefault(key, match["name"])
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
                version=key,
                name=names[key],
                up=(Part(path, "up", one_query=True),),
                down=down,
                transaction=transaction,
                sort_key=(int(key),),
                down_transaction=down[0].transaction if down else None,
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    problems += duplicates(migrations, root)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems)


LAYOUT = Layout(
    name="golang-migrate",
    title="golang-migrate",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="no transaction of its own; a multi-statement file runs in transaction blocks (its own BEGIN … COMMIT, else implicit ones)",
)
