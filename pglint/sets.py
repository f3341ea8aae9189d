"""Lint migration sets: replay earlier migrations for context, lint the targets, pair rollbacks.

For each migration in its tool's order: the up parts run through the analyser on the
set's shared catalog (so objects from earlier migrations are existing ones), the down
parts run on a copy of the catalog as it stands after the up (released: the up has shipped
when its rollback runs, so what it created is existing too), and migration-scope checks
(rollback rules) compare schema snapshots taken before the up and after the down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pglint.config import Settings
from pglint.engine import ActiveRule, ActiveRules, Context, run_checks, unreadable
from pglint.findings import Finding
from pglint.layouts.base import Migration, MigrationSet, Part, Reader
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser, Effect
from pglint.model.objects import events_of
from pglint.model.snapshot import changes as rollback_changes
from pglint.rules.registry import Hit
from pglint.sources import is_python, parse_part
from pglint.sources.directives import Directive, find_directives
from pglint.sources.positions import SourceText


@dataclass(frozen=True, slots=True)
class PartResult:
    """One linted part: where it came from and the effects of its statements."""

    part: Part
    effects: tuple[Effect, ...]
    readable: bool


@dataclass(frozen=True, slots=True)
class MigrationView:
    """What migration-scope checks see: one migration, its up and down, and their schemas."""

    migration: Migration
    layout: str
    supports_rollback: bool
    up: tuple[PartResult, ...]
    down: tuple[PartResult, ...] | None
    rollback_changes: tuple[str, ...]
    irreversible: str | None
    first_without_rollback_concept: bool = False
    note: str = ""

    def path_of(self, effect: Effect) -> Path | None:
        for result in (*self.up, *(self.down or ())):
            if any(e is effect for e in result.effects):
                return result.part.path
        return None


@dataclass(frozen=True, slots=True)
class MigrationRecord:
    """What one linted migration did, for consumers beyond findings (``pglint plan``).

    ``catalog`` is the live catalog right after the up ran: copy what you need at once,
    later migrations keep changing it.
    """

    migration_set: MigrationSet
    view: MigrationView
    catalog: Catalog
    findings: tuple[Finding, ...]
    transaction: bool


@dataclass(slots=True)
class RunState:
    """State shared across the sets of one run."""

    noted_layouts: set[str] = field(default_factory=set)
    on_migration: Callable[[MigrationRecord], None] | None = None


def _mode(migration: Migration, part: Part, settings: Settings) -> tuple[bool, bool]:
    """Whether a part runs in a transaction (its layout's word, else --assume-in-transaction),
    and whether the layout stated it."""
    mode = migration.transaction_of(part)
    return (settings.assume_in_transaction, False) if mode is None else (mode, True)


def _directives(reader: Reader, path: Path, cache: dict[Path, list[Directive]]) -> list[Directive]:
    found = cache.get(path)
    if found is None:
        found = find_directives(reader.text(path), is_python(str(path)))
        cache[path] = found
    return found


def _run_part(
    part: Part,
    mode: tuple[bool, bool],
    analyser: Analyser,
    settings: Settings,
    active: ActiveRules | None,
    reader: Reader,
    directives: dict[Path, list[Directive]],
    findings: list[Finding],
) -> PartResult:
    transaction, stated = mode
    text, error = reader.read(part.path)
    if text is None:
        reported = any(f.path == str(part.path) and f.rule == "unreadable-file" for f in findings)
        if active is not None and not reported:
            findings.append(unreadable(str(part.path), error or "cannot read", active))
        return PartResult(part, (), False)
    end = len(text) if part.end is None else part.end
    parsed = parse_part(str(part.path), text, part.start, end, part.role)
    analyser.reset_file(transaction, stated=stated, one_query=part.one_query)
    effects: list[Effect] = []
    if active is None:
        for effect in analyser.effects(parsed.statements):
            effects.append(effect)
    else:
        findings.extend(
            run_checks(
                str(part.path),
                text,
                parsed,
                settings,
                active,
                analyser,
                _directives(reader, part.path, directives),
                effects.append,
                (part.start, end),
            )
        )
    return PartResult(part, tuple(effects), True)


def _irreversible(
    reader: Reader, migration: Migration, directives: dict[Path, list[Directive]]
) -> str | None:
    for path in migration.paths:
        for directive in _directives(reader, path, directives):
            if directive.kind == "irreversible":
                return directive.reason or "marked irreversible"
    return migration.irreversible


def _relations(results: tuple[PartResult, ...]) -> set[str]:
    names: set[str] = set()
    for result in results:
        for effect in result.effects:
            for touch in effect.touches:
                names.add(touch.relation)
                names.add(touch.relation.rpartition(".")[2])
            # Relations a statement creates or drops without locking them (CREATE VIEW).
            for event in events_of(effect.statement):
                if event.key[0] == "rel":
                    names.add(event.key[1])
                    names.add(event.key[1].rpartition(".")[2])
    return names


def lint_set(
    mset: MigrationSet,
    targets: set[Path] | None,
    settings: Settings,
    active: ActiveRules,
    reader: Reader,
    state: RunState | None = None,
) -> list[Finding]:
    """Findings for the target migrations of one set (all of them when ``targets`` is None)."""
    state = state or RunState()
    findings: list[Finding] = []
    directives: dict[Path, list[Directive]] = {}
    catalog = Catalog()
    analyser = Analyser(settings.pg_version, settings.assume_in_transaction, catalog)
    # Migration-scope checks all see the set's catalog: one context each for the set.
    migration_rules = [
        (e, Context(settings.pg_version, e.options, catalog, settings))
        for e in active.by_name.values()
        if e.rule.scope == "migration" and e.rule.fn
    ]
    for problem in mset.problems:
        if "invalid-migration-set" in active.by_name and (
            targets is None or problem.path in targets
        ):
            findings.append(_set_problem(problem.path, problem.message, active))
    for migration in mset.migrations:
        report = targets is None or any(p in targets for p in migration.paths)
        transaction = (
            settings.assume_in_transaction
            if migration.transaction is None
            else migration.transaction
        )
        rule_set = active if report else None
        # The catalog before the up, for the rollback comparison (a cheap copy-on-write copy).
        before = catalog.copy() if report and migration.down is not None else None
        up = tuple(
            _run_part(
                part,
                _mode(migration, part, settings),
                analyser,
                settings,
                rule_set,
                reader,
                directives,
                findings,
            )
            for part in migration.up
        )
        if report:
            mark = len(findings)
            own, view = _migration_checks(
                mset,
                migration,
                up,
                catalog,
                before,
                transaction,
                settings,
                active,
                reader,
                directives,
                state,
                migration_rules,
            )
            findings.extend(own)
            if state.on_migration is not None:
                state.on_migration(
                    MigrationRecord(mset, view, catalog, tuple(findings[mark:]), transaction)
                )
        # A migration that has shipped created existing objects. Migrations of the change
        # being linted (--diff, or files named on the command line) ship together, so what
        # an earlier one of them creates stays new (unreleased, empty) for the later ones.
        if targets is None or not report:
            catalog.release()
    return findings


def _migration_checks(
    mset: MigrationSet,
    migration: Migration,
    up: tuple[PartResult, ...],
    catalog: Catalog,
    before: Catalog | None,
    transaction: bool,
    settings: Settings,
    active: ActiveRules,
    reader: Reader,
    directives: dict[Path, list[Directive]],
    state: RunState,
    migration_rules: list[tuple[ActiveRule, Context]],
) -> tuple[list[Finding], MigrationView]:
    findings: list[Finding] = []
    down: tuple[PartResult, ...] | None = None
    changes: tuple[str, ...] = ()
    if migration.down is not None:
        # The rollback runs against the schema as the up left it; lint it on a copy. It
        # runs after the up (and every migration before it) has shipped: what they
        # created is live, so existing (the copy's tables are cloned before the change).
        after_up = catalog.copy()
        after_up.release()
        down_analyser = Analyser(settings.pg_version, settings.assume_in_transaction, after_up)
        # A file that holds the up too (goose, dbmate, Alembic) and could not be read was
        # reported with the up: the down adds nothing to lint (active=None) nor report.
        unread = {result.part.path for result in up if not result.readable}
        down = tuple(
            _run_part(
                part,
                _mode(migration, part, settings),
                down_analyser,
                settings,
                None if part.path in unread else active,
                reader,
                directives,
                findings,
            )
            for part in migration.down
        )
        if before is not None and all(r.readable for r in (*up, *down)):
            relations = _relations(up) | _relations(down)
            changes = tuple(rollback_changes(before, after_up, relations))
    first = False
    if not mset.supports_rollback and mset.layout not in state.noted_layouts:
        state.noted_layouts.add(mset.layout)
        first = True
    view = MigrationView(
        migration,
        mset.layout,
        mset.supports_rollback,
        up,
        down,
        changes,
        _irreversible(reader, migration, directives),
        first,
        mset.note,
    )
    for entry, ctx in migration_rules:
        # (fn is not None: migration_rules keeps only rules that have a check.)
        for hit in entry.rule.fn(view, ctx):  # type: ignore[misc]
            findings.append(_locate(hit, view, entry, reader))
    return findings, view


def _locate(hit: Hit, view: MigrationView, entry, reader: Reader) -> Finding:
    path = view.path_of(hit.effect) if hit.effect is not None else None
    if path is None:
        path = getattr(hit, "path", None) or view.migration.up[0].path
    text = reader.text(Path(path))
    source = SourceText(str(path), text)
    if hit.effect is not None:
        start, end = hit.effect.statement.start, hit.effect.statement.end
    else:
        start, end = 0, max(1, min(len(text), len(text.split("\n", 1)[0])))
    severity = hit.severity or entry.severity
    return source.finding(
        start, end, entry.rule.name, severity, hit.message, hit.help or entry.rule.help
    )


def _set_problem(path: Path, message: str, active: ActiveRules) -> Finding:
    entry = active.by_name["invalid-migration-set"]
    return Finding(str(path), 1, 1, 1, 1, entry.rule.name, entry.severity, message, entry.rule.help)


def iter_targets(sets: list[MigrationSet]) -> Iterator[Path]:
    for mset in sets:
        for migration in mset.migrations:
            yield from migration.paths
