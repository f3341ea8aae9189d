"""Lint a list of paths: discovery, migration sets, reading, parsing, checking. No output here."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import Settings
from pglint.discovery import decode, discover
from pglint.engine import ActiveRules, lint_text, select_rules, unreadable
from pglint.findings import Finding
from pglint.layouts.base import MigrationSet
from pglint.rules import load_catalogue

if TYPE_CHECKING:
    from pglint.sets import MigrationRecord


def lint_one(
    path: str, text: str | None, error: str | None, settings: Settings, active: ActiveRules
) -> list[Finding]:
    if text is None:
        return [unreadable(path, error or f"{path}: cannot read", active)]
    return lint_text(path, text, settings, active)


@dataclass(frozen=True, slots=True)
class _Job:
    """One migration set to lint, with the files to report on (None: all)."""

    migration_set: MigrationSet
    targets: frozenset[Path] | None
    noted: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.migration_set.migrations)


#: Below this many migrations a run stays in one process: starting workers costs more.
PARALLEL_THRESHOLD = 400


def _workers(jobs: list[_Job]) -> int:
    """How many processes to use: one per core for large runs, where fork is available."""
    if len(jobs) < 2 or sum(j.size for j in jobs) < PARALLEL_THRESHOLD:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, len(jobs)))


def _lint_job(settings: Settings, job: _Job) -> list[Finding]:
    from pglint.layouts.base import Reader
    from pglint.sets import RunState, lint_set

    state = RunState(noted_layouts=set(job.noted))
    targets = None if job.targets is None else set(job.targets)
    return lint_set(job.migration_set, targets, settings, select_rules(settings), Reader(), state)


def _run_parallel(jobs: list[_Job], settings: Settings, workers: int) -> list[Finding]:
    """Lint sets in worker processes, largest first so that the cores finish together."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    load_catalogue()  # loaded once here; forked workers inherit it
    ordered = sorted(jobs, key=lambda j: -j.size)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = list(pool.map(_lint_job, [settings] * len(ordered), ordered))
    return [finding for result in results for finding in result]


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
    covered: set[Path] = set()
    jobs: list[_Job] = []
    noted: set[str] = set()
    for mset in find_sets(files, reader, settings.layout, complete=True):
        members = {p for m in mset.migrations for p in m.paths}
        covered |= members | {p.path for p in mset.problems} | set(mset.ignored)
        targets = (members | {p.path for p in mset.problems}) & requested
        if not targets:
            continue
        count += len(targets & members)
        # The note about a layout without rollbacks is given once per run, by its first set.
        already = frozenset(noted)
        if not mset.supports_rollback:
            noted.add(mset.layout)
        jobs.append(_Job(mset, None if targets >= members else frozenset(targets), already))
    workers = _workers(jobs) if on_migration is None else 1
    if workers > 1:
        findings.extend(_run_parallel(jobs, settings, workers))
    else:
        for job in jobs:
            state = RunState(noted_layouts=set(job.noted), on_migration=on_migration)
            targets = None if job.targets is None else set(job.targets)
            findings.extend(lint_set(job.migration_set, targets, settings, active, reader, state))
    # Files a layout does not treat as migrations (sqitch verify scripts, stray files) are
    # still linted, each on its own.
    for path in sorted(requested - covered):
        text, error = reader.read(path)
        findings.extend(lint_one(str(path), text, error, settings, active))
        count += 1
    findings.sort(key=Finding.sort_key)
    return findings, count
