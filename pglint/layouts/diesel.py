"""Diesel (and tools with the same folder pairs): ``<root>/<version>_<name>/up.sql`` + ``down.sql``.

The version is the folder name up to its first ``_`` with the dashes removed
(``2019-02-26-002946_create_user`` → ``20190226002946``; ``00000000000000_diesel_initial_setup``);
Diesel orders migrations by comparing those versions as strings
(``migrations_internals::version_from_string`` in diesel_migrations).

Transactions (https://docs.rs/diesel_migrations/latest/diesel_migrations/struct.FileBasedMigrations.html):
each migration, up and down, runs in a transaction unless the folder's ``metadata.toml``
says ``run_in_transaction = false``. A ``metadata.toml`` that parses but lacks the key also
turns the transaction off (the field is ``#[serde(default)] bool``); one that does not
parse is ignored. Without its transaction Diesel sends the file with ``batch_execute``, one
query, so PostgreSQL still runs a multi-statement file in transaction blocks (implicit ones
outside its own BEGIN … COMMIT).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from pglint.discovery import is_regular_file
from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    duplicates,
    folder_pairs,
    one_query_transaction,
)

_DIGITS = re.compile(r"^\d+$")


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    if any(p.name == "migration.sql" for p in files):
        return False
    for path in files:
        if path.name == "up.sql" and path.parent.parent == root:
            return True
        if (
            path.name == "down.sql"
            and path.parent.parent == root
            and is_regular_file(path.parent / "up.sql")
        ):
            return True
    return False


def version_of(folder: str) -> str:
    return folder.split("_", 1)[0].replace("-", "")


def run_in_transaction(folder: Path) -> tuple[bool, str]:
    """Diesel's ``run_in_transaction`` for a migration folder, and where it comes from."""
    metadata = folder / "metadata.toml"
    try:
        if not is_regular_file(metadata):  # never open a FIFO
            raise FileNotFoundError(metadata)
        text = metadata.read_text(encoding="utf-8")
    except OSError:
        return True, "diesel runs each migration in a transaction (no metadata.toml)"
    except UnicodeDecodeError:
        return True, "diesel runs each migration in a transaction (metadata.toml is unreadable)"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True, "diesel runs each migration in a transaction (metadata.toml does not parse)"
    value = data.get("run_in_transaction", False)
    if value is True:
        return True, f"{folder.name}/metadata.toml sets run_in_transaction = true"
    if "run_in_transaction" in data:
        return False, f"{folder.name}/metadata.toml sets run_in_transaction = false"
    return (
        False,
        f"{folder.name}/metadata.toml has no run_in_transaction key, which diesel reads as false",
    )


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    pairs, problems = folder_pairs(
        root, files, "up.sql", "<version>_<name>/up.sql or down.sql", "diesel"
    )
    migrations = []
    for folder, up, down in pairs:
        version = version_of(folder.name)
        name = folder.name.split("_", 1)[1] if "_" in folder.name else ""
        if not _DIGITS.match(version):
            problems.append(
                SetProblem(
                    up,
                    f"migration folder {folder.name} does not start with a version (digits and dashes before the first _)",
                )
            )
        text = reader.read(up)[0]
        if text == "":
            problems.append(
                SetProblem(
                    up, f"{folder.name}/up.sql is empty; diesel refuses to run an empty migration"
                )
            )
        transaction: bool | None  # None: up.sql could not be read
        transaction, reason = run_in_transaction(folder)
        wrapped = transaction
        down_transaction = None
        if not wrapped:
            transaction, reason = one_query_transaction(text, f"diesel ({reason}) sends up.sql")
            if down is not None:
                down_transaction, _ = one_query_transaction(reader.read(down)[0])
        migrations.append(
            Migration(
                version,
                name,
                (Part(up, "up", one_query=not wrapped),),
                (Part(down, "down", one_query=not wrapped),) if down is not None else None,
                transaction,
                (version, folder.name),
                down_transaction=down_transaction,
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    problems += duplicates(migrations, root)
    return MigrationSet(root, LAYOUT.name, migrations, True, problems)


LAYOUT = Layout(
    name="diesel",
    title="Diesel (<version>_<name>/up.sql + down.sql)",
    rollback=True,
    detect=detect,
    build=build,
    transaction_doc="each migration in a transaction unless metadata.toml sets run_in_transaction = false",
)
