"""Lint a list of paths: discovery, migration sets, reading, parsing, checking. No output here.

Each set root (a folder of migrations) is one unit of work: its set is built, looked up in
the result cache and, if need be, linted. Large runs share the roots out between forked
worker processes, one per core. The engine (and with it the parser and the rule modules)
is imported only when something has to be linted: a run whose every set comes from the
cache never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pglint.config import Settings
from pglint.discovery import decode, discover
from pglint.findings import Finding, Row
from pglint.layouts.base import MigrationSet, Reader

if TYPE_CHECKING:
    from pglint.cache import ResultCache
    from pglint.engine import ActiveRules
    from pglint.sets import MigrationRecord, RunState


def lint_one(
    path: str, text: str | None, error: str | None, settings: Settings, active: ActiveRules
) -> list[Finding]:
    from pglint.engine import lint_text, unreadable

    if text is None:
        return [unreadable(path, error or f"{path}: cannot read", active)]
    return lint_text(path, text, settings, active)


#: The rule that notes, once per run, that a layout has no rollback convention: on the
#: first migration of the first set of that layout, in path order. Each set is linted as
#: if it were the first (so that its findings depend on nothing outside it, and can be
#: cached and linted apart); the run then drops this rule's findings from the later sets
#: of the layout, where it reports nothing else.
LAYOUT_NOTE_RULE = "missing-rollback"

#: Below this many migration files a run stays in one process: starting workers costs more.
PARALLEL_THRESHOLD = 400

#: Collector thresholds of a worker (the default first one is 700 allocations).
_WORKER_GC = (10_000, 20, 100)


@dataclass(slots=True)
class _RootResult:
    """What one set root gave the run."""

    layout: str
    #: The layout has no rollback convention: its note is given once per run.
    notes_once: bool
    findings: list[Finding] = field(default_factory=list)
    #: The findings as rows: as the cache keeps them, and on their way back from a
    #: worker (cheaper to pickle than objects).
    rows: list[Row] | None = None
    #: Whether any of the set's files is reported on, and how many files the report covers.
    reported: bool = False
    files: int = 0
    #: Requested files of the root that the set does not run (linted each on its own).
    leftover: list[Path] = field(default_factory=list)
    served: bool = False  # from the cache
    linted: bool = False

    def all_findings(self) -> list[Finding]:
        if self.rows is None:
            return self.findings
        return [Finding.from_row(row) for row in self.rows]


class _Run:
    """One ``lint_paths`` call: its settings, the files asked for, the cache and the rules."""

    def __init__(
        self,
        settings: Settings,
        requested: set[Path],
        cache: ResultCache | None,
        state: RunState | None,
    ) -> None:
        self.settings = settings
        self.requested = requested
        self.cache = cache
        #: Shared by every set when a plan collects migration records (never cached).
        self.state = state
        self.reader = Reader()
        self._rules: ActiveRules | None = None

    @property
    def has_rules(self) -> bool:
        return self._rules is not None

    def rules(self) -> ActiveRules:
        """The selected rules, resolved on first use (settings were checked when the
        cached entries were written, so a run served from the cache needs none)."""
        if self._rules is None:
            from pglint.engine import select_rules

            self._rules = select_rules(self.settings)
        return self._rules

    def root(self, root: Path, members: list[Path]) -> _RootResult:
        """Build the set at ``root`` and lint it, or take its findings from the cache."""
        from pglint.layouts import build_set

        mset = build_set(root, members, self.reader, self.settings.layout, complete=True)
        in_set = {p for m in mset.migrations for p in m.paths}
        problems = {p.path for p in mset.problems}
        covered = in_set | problems | set(mset.ignored)
        result = _RootResult(mset.layout, not mset.supports_rollback)
        result.leftover = [p for p in members if p in self.requested and p not in covered]
        targets = (in_set | problems) & self.requested
        if not targets:
            return result
        result.reported = True
        # The files the report covers: those asked for, and the other files of their
        # migrations (a rollback's findings are reported with its up migration).
        result.files = len(
            (targets & problems).union(
                *(m.paths for m in mset.migrations if not targets.isdisjoint(m.paths))
            )
        )
        reported = None if targets >= in_set else frozenset(targets)
        if self.cache is not None:
            slot = f"set:{mset.layout}:{mset.root}"
            key = self._key(mset, reported)
            result.rows = self.cache.get(slot, key)
            if result.rows is not None:
                result.served = True
                return result
        from pglint.sets import RunState, lint_set

        state = self.state or RunState()
        targets_set = None if reported is None else set(reported)
        result.findings = lint_set(
            mset, targets_set, self.settings, self.rules(), self.reader, state
        )
        result.linted = True
        if self.cache is not None:
            self.cache.put(slot, key, result.findings)
        return result

    def _key(self, mset: MigrationSet, reported: frozenset[Path] | None) -> str:
        """The cache key of a set: the set as its layout built it, what is reported, and
        the text of every file its migrations run."""
        assert self.cache is not None
        key = self.cache.key().add(mset).add(reported)
        paths: dict[Path, None] = {}
        for migration in mset.migrations:
            for part in (*migration.up, *(migration.down or ()), *migration.verify):
                paths.setdefault(part.path, None)
        for problem in mset.problems:
            paths.setdefault(problem.path, None)
        for path in paths:
            key.add(str(path)).add_text(*self.reader.read(path))
        return key.hexdigest()

    def lone_file(self, path: Path) -> list[Finding]:
        """A file no set runs, linted on its own."""
        text, error = self.reader.read(path)
        if self.cache is None:
            return lint_one(str(path), text, error, self.settings, self.rules())
        key = self.cache.key().add(str(path)).add_text(text, error).hexdigest()
        rows = self.cache.get(f"file:{path}", key)
        if rows is not None:
            return [Finding.from_row(row) for row in rows]
        found = lint_one(str(path), text, error, self.settings, self.rules())
        self.cache.put(f"file:{path}", key, found)
        return found


def _folder_size(root: Path, members: list[Path]) -> int:
    """About how many migration files the set at ``root`` has (its folder's entries)."""
    try:
        with os.scandir(root) as entries:
            return max(len(members), sum(1 for _ in entries))
    except OSError:
        return len(members)


def _workers(sizes: list[int]) -> int:
    """How many processes to use: one per core for large runs, where fork is available."""
    if len(sizes) < 2 or sum(sizes) < PARALLEL_THRESHOLD:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, len(sizes)))


#: The run under way in forked workers, and its roots: workers inherit them, so that only
#: root numbers and results go through the pipes.
_inherited: tuple[_Run, list[tuple[Path, list[Path]]]] | None = None


def _root_in_worker(number: int) -> _RootResult:
    """Root ``number`` of the parallel run under way (in a forked worker)."""
    assert _inherited is not None
    run, roots = _inherited
    result = run.root(*roots[number])
    if result.rows is None:
        result.rows = [finding.as_row() for finding in result.findings]
        result.findings = []
    return result


def _run_parallel(
    run: _Run, roots: list[tuple[Path, list[Path]]], sizes: list[int], workers: int
) -> list[_RootResult]:
    """Each root's result, from worker processes, largest first so that the cores finish
    together."""
    global _inherited
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(range(len(roots)), key=lambda i: -sizes[i])
    context = multiprocessing.get_context("fork")
    _inherited = (run, roots)
    # The workers' garbage collections need not scan what they inherit (nor copy the
    # memory pages it is on), and run less often: parse trees are many small containers.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers, context, initializer=gc.set_threshold, initargs=_WORKER_GC
        ) as pool:
            results = dict(zip(order, pool.map(_root_in_worker, order), strict=True))
    finally:
        gc.unfreeze()
        _inherited = None
    if run.cache is not None:  # the workers counted in their own copies
        run.cache.hits += sum(r.served for r in results.values())
        run.cache.misses += sum(r.linted for r in results.values())
    return [results[i] for i in range(len(roots))]


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    stdin: bytes | None = None,
    stdin_name: str = "<stdin>",
    only: set[Path] | None = None,
    on_migration: Callable[[MigrationRecord], None] | None = None,
    cache: ResultCache | None = None,
    empty: list[str] | None = None,
) -> tuple[list[Finding], int]:
    """Findings for every migration under ``paths`` and the number of files linted.

    Files are grouped into migration sets (one per migration folder); the migrations
    before a linted one are replayed for context. ``only`` limits the report to those
    files (``--diff``). With ``cache``, sets and lone files whose inputs are unchanged
    since an earlier run take their findings from it. With ``on_migration`` (a plan),
    every migration's record goes there, and the cache is not used. The directories of
    ``paths`` that hold no migration file are added to ``empty``.
    """
    from pglint.layouts import group_by_root

    state = None
    if on_migration is not None:
        from pglint.sets import RunState

        cache = None  # a plan needs every migration's record, not only findings
        state = RunState(on_migration=on_migration)
    files = discover([p for p in paths if p != "-"], settings.exclude, empty=empty)
    requested = {f for f in files if only is None or f.resolve() in only}
    run = _Run(settings, requested, cache, state)
    if cache is None:
        run.rules()  # bad rule names in the settings fail before any work
    findings: list[Finding] = []
    count = 0
    if stdin is not None:
        text, error = decode(stdin, stdin_name)
        findings.extend(lint_one(stdin_name, text, error, settings, run.rules()))
        count += 1
    roots = list(group_by_root(files).items())
    sizes = [_folder_size(root, members) for root, members in roots]
    workers = 1 if state is not None else _workers(sizes)
    if workers > 1:
        results = _run_parallel(run, roots, sizes, workers)
    else:
        results = [run.root(root, members) for root, members in roots]
    noted: set[str] = set()
    leftover: list[Path] = []
    for result in results:
        found = result.all_findings()
        if result.reported and result.notes_once:
            if result.layout in noted:
                found = [f for f in found if f.rule != LAYOUT_NOTE_RULE]
            noted.add(result.layout)
        findings.extend(found)
        count += result.files
        leftover += result.leftover
    # Files a layout does not treat as migrations (sqitch verify scripts, stray files) are
    # still linted, each on its own.
    for path in sorted(leftover):
        findings.extend(run.lone_file(path))
        count += 1
    if not run.has_rules and not any(r.served or r.linted for r in results):
        run.rules()  # nothing was linted or served: still reject bad settings
    findings.sort(key=Finding.sort_key)
    return findings, count
