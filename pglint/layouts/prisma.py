"""Prisma Migrate: ``<root>/<timestamp>_<name>/migration.sql``, applied in folder-name order.

Prisma lists the migration folders and applies them sorted by name (the timestamp prefix
makes that chronological; ``01_init`` … ``19_x`` style names sort the same way).

Transactions: Prisma adds no BEGIN/COMMIT of its own. Its PostgreSQL connector applies a
migration with ``apply_migration_script``, which sends the whole ``migration.sql`` as one
simple Query (``client.simple_query(script)`` in prisma-engines' schema engine), and
PostgreSQL runs every statement of a multi-statement Query in a transaction block, an
implicit one outside the script's own BEGIN … COMMIT
(https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT).
So a migration of several statements is transactional and ``CREATE INDEX CONCURRENTLY``
works only as the single statement of its migration (prisma/prisma discussion #10601).

Rollbacks: Prisma Migrate has no down migrations. Its docs suggest generating one per
migration with ``prisma migrate diff … --script > down.sql`` and applying it with
``prisma db execute --file down.sql``
(https://www.prisma.io/docs/orm/prisma-migrate/workflows/generating-down-migrations); a
``down.sql`` in a migration's folder is paired as that migration's rollback.
"""

from __future__ import annotations

from pathlib import Path

from pglint.discovery import is_regular_file
from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    folder_pairs,
    one_query_transaction,
)

NOTE = (
    "Prisma's docs suggest generating a down.sql for each migration with "
    "'prisma migrate diff --from-schema-datamodel <new> --to-schema-datamodel <old> --script > down.sql', "
    "applied with 'prisma db execute --file down.sql'; pglint pairs a down.sql in a migration's "
    "folder as its rollback"
)


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    if any(p.name == "migration.sql" and p.parent.parent == root for p in files):
        return True
    if is_regular_file(root / "migration_lock.toml"):
        return True
    return any(
        p.name == "down.sql"
        and p.parent.parent == root
        and is_regular_file(p.parent / "migration.sql")
        for p in files
    )


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    pairs, problems = folder_pairs(
        root, files, "migration.sql", "<timestamp>_<name>/migration.sql", "Prisma Migrate"
    )
    migrations = []
    for folder, up, down in pairs:
        version, _, name = folder.name.partition("_")
        transaction, reason = one_query_transaction(
            reader.read(up)[0], "Prisma Migrate sends migration.sql"
        )
        down_transaction = None
        if down is not None:
            down_transaction, _ = one_query_transaction(reader.read(down)[0])
        migrations.append(
            Migration(
                version,
                name,
                (Part(up, "up", one_query=True),),
                (Part(down, "down", one_query=True),) if down is not None else None,
                transaction,
                (folder.name,),
                down_transaction=down_transaction,
                transaction_reason=reason,
            )
        )
    migrations.sort(key=lambda m: m.sort_key)
    return MigrationSet(root, LAYOUT.name, migrations, False, problems, note=NOTE)


LAYOUT = Layout(
    name="prisma",
    title="Prisma Migrate (<timestamp>_<name>/migration.sql)",
    rollback=False,
    detect=detect,
    build=build,
    transaction_doc="one query per migration: a multi-statement migration.sql runs in transaction blocks (its own BEGIN … COMMIT, else implicit ones)",
)
