"""Plain folders of SQL files, run in natural order (``2_x.sql`` before ``10_x.sql``).

The fallback when no tool's markers are found. Nothing says whether a file runs in a
transaction, so ``--assume-in-transaction`` decides; there is no rollback convention.
"""

from __future__ import annotations

import re
from pathlib import Path

from pglint.layouts.base import Layout, Migration, MigrationSet, Part, Reader, natural_key

_VERSION = re.compile(r"^(?P<version>[vV]?\d[\d._-]*)(?:[_-](?P<name>.*))?$")


def detect(root: Path, files: list[Path], reader: Reader) -> bool:
    return True


def build(root: Path, files: list[Path], reader: Reader) -> MigrationSet:
    migrations = []
    for path in files:
        stem = path.name.removesuffix(".sql").removesuffix(".up")
        match = _VERSION.match(stem)
        version = match["version"].rstrip("._-") if match else stem
        name = (match["name"] or "") if match else ""
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        if "/" in relative:  # versioned folders: v1.10/schema.sql is version v1.10
            version, name = relative.rsplit("/", 1)[0], path.name.removesuffix(".sql")
        migrations.append(
            Migration(version, name, (Part(path, "up"),), None, None, natural_key(relative))
        )
    migrations.sort(key=lambda m: m.sort_key)
    return MigrationSet(root, LAYOUT.name, migrations, False)


def is_sequence(path: Path) -> bool:
    """Whether a plain file's name orders it in a sequence (starts with a version)."""
    return bool(_VERSION.match(path.name.removesuffix(".sql")))


LAYOUT = Layout(
    name="plain",
    title="plain numbered or timestamped files",
    rollback=False,
    detect=detect,
    build=build,
    transaction_doc="not stated; --assume-in-transaction decides",
)
