"""Lint a list of paths: discovery, migration sets, reading, parsing, checking. No output here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import Settings
from pglint.discovery import decode, discover
from pglint.engine import ActiveRules, lint_text, select_rules, unreadable
from pglint.findings import Finding

if TYPE_CHECKING:
    from pglint.sets import MigrationRecord


def lint_one(
    path: str, text: str | None, error: str | None, settings: Settings, active: ActiveRules
) -> list[Finding]:
    if text is None:
        return [unreadable(path, error or f"{path}: cannot read", active)]
    return lint_text(path, text, settings, active)


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    stdin: bytes | None = None,
    stdin_name: str = "<stdin>",
    only: set[Path] | None = None,
    on_migration: Callable[[MigrationRecord], None] | None = None,
) -> tuple[list[Finding], int]:
    """Findings for every migration under ``paths`` and the number of files linted.

    Files are grouped into migration sets (one per migration folder); the migrations
    before a linted one are replayed for context. ``only`` limits the report to those
    files (``--diff``).
    """
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader
    from pglint.sets import RunState, lint_set

    active = select_rules(settings)
    files = discover([p for p in paths if p != "-"], settings.exclude)
    findings: list[Finding] = []
    count = 0
    if stdin is not None:
        text, error = decode(stdin, stdin_name)
        findings.extend(lint_one(stdin_name, text, error, settings, active))
        count += 1
    requested = {f for f in files if only is None or f.resolve() in only}
    reader = Reader()
    state = RunState(on_migration=on_migration)
    covered: set[Path] = set()
    for mset in find_sets(files, reader, settings.layout, complete=True):
        members = {p for m in mset.migrations for p in m.paths}
        covered |= members | {p.path for p in mset.problems} | set(mset.ignored)
        targets = (members | {p.path for p in mset.problems}) & requested
        if not targets:
            continue
        count += len(targets & members)
        findings.extend(
            lint_set(mset, None if targets >= members else targets, settings, active, reader, state)
        )
    # Files a layout does not treat as migrations (sqitch verify scripts, stray files) are
    # still linted, each on its own.
    for path in sorted(requested - covered):
        text, error = reader.read(path)
        findings.extend(lint_one(str(path), text, error, settings, active))
        count += 1
    return findings, count
