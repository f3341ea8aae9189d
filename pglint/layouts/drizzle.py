"""drizzle-kit: ``<NNNN>_<name>.sql`` files cut by ``--> statement-breakpoint`` markers.

drizzle-orm's migrator reads ``meta/_journal.json`` and applies its entries in order, each
from ``<tag>.sql`` (``readMigrationFiles`` in drizzle-orm/src/migrator.ts). When the journal
is present it gives the order, and ``.sql`` files it does not list are never run; without it
(only the ``.sql`` files copied) the numeric prefix gives the order. The breakpoint marker
starts with ``--`` and is a comment to PostgreSQL.

Transactions: the PostgreSQL migrator opens one transaction and applies every pending
migration inside it (``PgDialect.migrate`` in drizzle-orm/src/pg-core/dialect.ts:
``session.transaction(async (tx) => { for (const migration of migrations) … })``), so each
migration runs in a transaction, and the migrations of one run share it
(:attr:`MigrationSet.shared_transaction`). drizzle has no down migrations.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pglint.discovery import is_regular_file
from pglint.layouts.base import (
    Layout,
    Migration,
    MigrationSet,
    Part,
    Reader,
    SetProblem,
    duplicates,
)

NAME = re.compile(r"^(?P<version>\d+)_(?P<name>[^.]+)\.sql$")
BREAKPOINT = "--> statement-breakpoint"
REASON = "drizzle's migrator applies all pending migrations inside one transaction"
NOTE = "drizzle-kit generates no down migrations; reverting means generating a new migration from the previous schema"


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    if is_regular_file(root / "meta" / "_journal.json"):
        return True
    named = [p for p in files if NAME.match(p.name)]
    if not named or 2 * len(named) < len(files):
        return False
    return any(BREAKPOINT in reader.text(p) for p in named)


def _journal(root: Path) -> tuple[list[dict] | None, str | None]:
    """The entries of ``meta/_journal.json`` that name a tag, in order, or (None, why)
    without a usable journal."""
    path = root / "meta" / "_journal.json"
    try:
        if not is_regular_file(path):  # absent (or a FIFO, never opened)
            raise FileNotFoundError(path)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"meta/_journal.json cannot be read ({error}); using the file names' order"
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None, "meta/_journal.json has no entries list; using the file names' order"
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("tag"), str)], None


def _late_entries(entries: list[dict]) -> list[tuple[str, str]]:
    """(tag, why) for each journal entry whose ``when`` is not after every earlier entry's.

    The migrator runs an entry only when its ``when`` (``folderMillis``) is later than the
    ``created_at`` of the last migration the database recorded (``PgDialect.migrate``), so
    such an entry is never applied to a database that already has the earlier one.
    """
    late = []
    latest: tuple[int, str] | None = None
    for entry in entries:
        when = entry.get("when")
        if not isinstance(when, int) or isinstance(when, bool):
            continue
        if latest is not None and when <= latest[0]:
            late.append(
                (
                    entry["tag"],
                    f"meta/_journal.json gives {entry['tag']} a `when` ({when}) that is not after "
                    f"{latest[1]}'s ({latest[0]}): drizzle's migrator skips it on every database "
                    f"that already applied {latest[1]}",
                )
            )
        if latest is None or when > latest[0]:
            latest = (when, entry["tag"])
    return late


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    problems: list[SetProblem] = []
    entries, journal_problem = _journal(root)
    tags = None if entries is None else [e["tag"] for e in entries]
    if journal_problem:
        problems.append(SetProblem(root / "meta" / "_journal.json", journal_problem))
    by_stem = {p.stem: p for p in files if p.parent == root}
    migrations = []
    if entries is not None and tags is not None:
        late = dict(_late_entries(entries))
        position = {tag: index for index, tag in enumerate(tags)}
        for path in files:
            if path.stem not in position:
                problems.append(
                    SetProblem(
                        path,
                        f"{path.name} is not listed in meta/_journal.json; drizzle's migrator never runs it",
                    )
                )
        for tag in tags:
            script = by_stem.get(tag) or (
                root / f"{tag}.sql" if is_regular_file(root / f"{tag}.sql") else None
            )
            if script is None:
                problems.append(
                    SetProblem(
                        root / "meta" / "_journal.json",
                        f"meta/_journal.json lists {tag} but {tag}.sql is missing",
                    )
                )
                continue
            if tag in late:
                problems.append(SetProblem(script, late[tag]))
            match = NAME.match(script.name)
            version, name = (match["version"], match["name"]) if match else (tag, "")
            migrations.append(_migration(script, version, name, (position[tag],)))
    else:
        for path in files:
            match = NAME.match(path.name)
            if match is None or path.parent != root:
                problems.append(
                    SetProblem(
                        path,
                        f"{path.name} is not named <number>_<name>.sql; drizzle-kit did not generate it",
                    )
                )
                continue
            migrations.append(
                _migration(
                    path, match["version"], match["name"], (int(match["version"]), path.name)
                )
            )
    migrations.sort(key=lambda m: m.sort_key)
    if tags is None:  # with a journal, its tags name the migrations, not their numbers
        problems += duplicates(
            migrations,
            root,
            key=lambda m: int(m.version) if m.version.isdigit() else None,
            word="number",
        )
    return MigrationSet(
        root, LAYOUT.name, migrations, False, problems, note=NOTE, shared_transaction=True
    )


def _migration(path: Path, version: str, name: str, key: tuple) -> Migration:
    return Migration(version, name, (Part(path, "up"),), None, True, key, transaction_reason=REASON)


LAYOUT = Layout(
    name="drizzle",
    title="drizzle-kit (<NNNN>_<name>.sql, --> statement-breakpoint)",
    rollback=False,
    detect=detect,
    build=build,
    transaction_doc="all pending migrations in one transaction",
)
