"""Run the linter over migration sets and keep what the plan needs from each migration.

Every migration of the sets the paths belong to is linted (earlier ones replay the
schema), and for each one the catalog is copied right after its up ran: the copy taken
after migration N-1 is the schema migration N starts from. Only the target migrations
(those under PATHS, or changed since ``--diff REF``) go into the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pglint.config import Settings
from pglint.findings import Finding
from pglint.model.catalog import Catalog
from pglint.sets import MigrationRecord


@dataclass(frozen=True, slots=True)
class Captured:
    """One target migration: its record and the schema before and after its up."""

    record: MigrationRecord
    before: Catalog
    after: Catalog


@dataclass(slots=True)
class Collected:
    migrations: list[Captured] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    targets: set[Path] = field(default_factory=set)
    files: int = 0


class _Collector:
    def __init__(self, targets: set[Path]) -> None:
        self.targets = targets
        self.last: dict[Path, Catalog] = {}
        self.captured: list[Captured] = []

    def __call__(self, record: MigrationRecord) -> None:
        root = record.migration_set.root
        before = self.last.get(root) or Catalog()
        after = record.catalog.copy()
        self.last[root] = after
        if any(p.resolve() in self.targets for p in record.view.migration.paths):
            self.captured.append(Captured(record, before, after))


def collect(paths: Sequence[str], settings: Settings, only: set[Path] | None) -> Collected:
    """Lint the sets under ``paths`` and capture the target migrations (``only``: --diff)."""
    from pglint.discovery import discover
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader
    from pglint.runner import lint_paths

    files = discover(paths, settings.exclude)
    targets = {f.resolve() for f in files if only is None or f.resolve() in only}
    # Name every file of the sets involved, so that each migration is linted and
    # reported (the ones before a target replay the schema the target starts from).
    everything = set(files)
    for mset in find_sets(files, Reader(), settings.layout, complete=True):
        everything.update(p for m in mset.migrations for p in m.paths)
    collector = _Collector(targets)
    findings, _ = lint_paths([str(p) for p in sorted(everything)], settings, on_migration=collector)
    # The findings of a target migration's down parts belong to the plan too.
    reported = set(targets)
    for captured in collector.captured:
        reported.update(p.resolve() for p in captured.record.view.migration.paths)
    result = Collected(collector.captured, targets=reported, files=len(reported))
    result.findings = sorted(
        (f for f in findings if Path(f.path).resolve() in reported), key=Finding.sort_key
    )
    return result
