"""Lint a list of paths: discovery, migration sets, reading, parsing, checking. No output here.

The engine (and with it the parser and the rule modules) is imported only when something
has to be linted: a run whose every set comes from the cache never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import Settings
from pglint.discovery import decode, discover
from pglint.findings import Finding, Row
from pglint.layouts.base import MigrationSet

if TYPE_CHECKING:
    from pglint.cache import ResultCache
    from pglint.engine import ActiveRules
    from pglint.layouts.base import Reader
    from pglint.sets import MigrationRecord


def lint_one(
    path: str, text: str | None, error: str | None, settings: Settings, active: ActiveRules
) -> list[Finding]:
    from pglint.engine import lint_text, unreadable

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


#: What forked workers inherit from the parallel run under way: its settings, rules, jobs
#: and the files read so far. Only job numbers go through the pipe (pickling a set costs
#: more than linting a small one).
_inherited: tuple[Settings, ActiveRules, list[_Job], Reader] | None = None


def _lint_job(number: int) -> list[Row]:
    """The findings of job ``number`` of the parallel run under way (in a forked worker),
    as rows: pickling tuples costs a third of pickling the objects."""
    from pglint.sets import RunState, lint_set

    assert _inherited is not None
    settings, active, jobs, reader = _inherited
    job = jobs[number]
    state = RunState(noted_layouts=set(job.noted))
    targets = None if job.targets is None else set(job.targets)
    findings = lint_set(job.migration_set, targets, settings, active, reader, state)
    return [finding.as_row() for finding in findings]


def _job_slot(job: _Job) -> str:
    """Where a set's entry lives in the cache: one entry per set folder and layout."""
    return f"set:{job.migration_set.layout}:{job.migration_set.root}"


def _job_key(cache: ResultCache, job: _Job, reader: Reader) -> str:
    """The cache key of a job: the set as its layout built it, what is reported, and the
    text of every file the set's migrations run."""
    mset = job.migration_set
    key = cache.key().add(mset).add(job.targets).add(job.noted)
    paths: dict[Path, None] = {}
    for migration in mset.migrations:
        for part in (*migration.up, *(migration.down or ()), *migration.verify):
            paths.setdefault(part.path, None)
    for problem in mset.problems:
        paths.setdefault(problem.path, None)
    for path in paths:
        key.add(str(path)).add_text(*reader.read(path))
    return key.hexdigest()


#: Collector thresholds of a worker (the default first one is 700 allocations).
_WORKER_GC = (10_000, 20, 100)


def _run_parallel(
    jobs: list[_Job], settings: Settings, workers: int, reader: Reader
) -> list[list[Finding]]:
    """Each job's findings, linted in worker processes, largest first so that the cores
    finish together."""
    global _inherited
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pglint.engine import select_rules

    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].size)
    context = multiprocessing.get_context("fork")
    # The catalogue is loaded here too; the texts that finding the sets (and the cache
    # keys) read are not read again.
    _inherited = (settings, select_rules(settings), jobs, reader)
    # The workers' garbage collections need not scan what they inherit (nor copy the
    # memory pages it is on), and run less often: parse trees are many small containers.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers, context, initializer=gc.set_threshold, initargs=_WORKER_GC
        ) as pool:
            done = pool.map(_lint_job, order)
            results = {
                number: [Finding.from_row(row) for row in rows]
                for number, rows in zip(order, done, strict=True)
            }
    finally:
        gc.unfreeze()
        _inherited = None
    return [results[i] for i in range(len(jobs))]


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    stdin: bytes | None = None,
    stdin_name: str = "<stdin>",
    only: set[Path] | None = None,
    on_migration: Callable[[MigrationRecord], None] | None = None,
    cache: ResultCache | None = None,
) -> tuple[list[Finding], int]:
    """Findings for every migration under ``paths`` and the number of files linted.

    Files are grouped into migration sets (one per migration folder); the migrations
    before a linted one are replayed for context. ``only`` limits the report to those
    files (``--diff``). With ``cache``, sets and lone files whose inputs are unchanged
    since an earlier run take their findings from it.
    """
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader

    rules: list[ActiveRules] = []

    def active() -> ActiveRules:
        """The selected rules, resolved on first use (settings were checked when the
        cached entries were written, so a run served from the cache needs none)."""
        if not rules:
            from pglint.engine import select_rules

            rules.append(select_rules(settings))
        return rules[0]

    if cache is None:
        active()  # bad rule names in the settings fail before any work
    files = discover([p for p in paths if p != "-"], settings.exclude)
    findings: list[Finding] = []
    count = 0
    if stdin is not None:
        text, error = decode(stdin, stdin_name)
        findings.extend(lint_one(stdin_name, text, error, settings, active()))
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
    if on_migration is not None:
        cache = None  # a plan needs every migration's record, not only findings
    pending = jobs
    keys: list[str] = []
    if cache is not None:
        pending = []
        for job in jobs:
            key = _job_key(cache, job, reader)
            stored = cache.get(_job_slot(job), key)
            if stored is None:
                pending.append(job)
                keys.append(key)
            else:
                findings.extend(stored)
    workers = _workers(pending) if on_migration is None else 1
    results: list[list[Finding]] = []
    if not pending:
        pass
    elif workers > 1:
        active()  # settings are checked here when the cache skipped it above
        results = _run_parallel(pending, settings, workers, reader)
    else:
        from pglint.sets import RunState, lint_set

        for job in pending:
            state = RunState(noted_layouts=set(job.noted), on_migration=on_migration)
            targets = None if job.targets is None else set(job.targets)
            results.append(lint_set(job.migration_set, targets, settings, active(), reader, state))
    for number, (job, result) in enumerate(zip(pending, results, strict=True)):
        findings.extend(result)
        if cache is not None:
            cache.put(_job_slot(job), keys[number], result)
    # Files a layout does not treat as migrations (sqitch verify scripts, stray files) are
    # still linted, each on its own.
    for path in sorted(requested - covered):
        text, error = reader.read(path)
        key = cache.key().add(str(path)).add_text(text, error).hexdigest() if cache else ""
        stored = cache.get(f"file:{path}", key) if cache is not None else None
        if stored is None:
            stored = lint_one(str(path), text, error, settings, active())
            if cache is not None:
                cache.put(f"file:{path}", key, stored)
        findings.extend(stored)
        count += 1
    if not rules and (cache is None or not cache.hits):
        active()  # nothing was linted or served: still reject bad settings
    findings.sort(key=Finding.sort_key)
    return findings, count
