"""``pglint verify``: replay, seed, trace, compare and round-trip migrations on a real server.

For each migration set (one scratch database each):

1. the migrations before the first one under test are applied untraced, to build the schema;
2. before each migration under test, empty tables get synthetic rows (:mod:`.seed`);
3. its up runs statement by statement under the tracer (:mod:`.trace`), honouring the
   layout's transaction mode; each observation is compared with the static model's effect
   (:mod:`.compare`), disagreements become ``static-model-mismatch`` findings;
4. a migration with a rollback is round-tripped: schema snapshot, up, down, snapshot
   (``rollback-not-restoring`` when they differ), up again (``rollback-not-reapplyable``
   when it fails). An up or down that fails reports PostgreSQL's error at the statement
   (``migration-failed``), and the rest of that set is not verified.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import psycopg

from pglint.config import Settings
from pglint.findings import Finding, Severity
from pglint.layouts.base import Migration, MigrationSet, Part, Reader
from pglint.model.catalog import Catalog
from pglint.model.effects import Analyser, Effect, Touch
from pglint.model.locks import LockMode
from pglint.model.statements import Statement
from pglint.sources import is_python, parse_part
from pglint.sources.positions import SourceText
from pglint.verify import cleanup, roundtrip, shared
from pglint.verify.compare import RelationFacts, compare
from pglint.verify.dsn import Server
from pglint.verify.seed import SeedResult, seed, unseed
from pglint.verify.trace import Observation, PgError, Session

#: The rules verify reports (pages in rules/, reported by this module, not by checks).
RULES = (
    "migration-failed",
    "rollback-not-restoring",
    "rollback-not-reapplyable",
    "static-model-mismatch",
)

SYNTHETIC_NOTE = (
    "Timings come from synthetic data ({rows} rows per existing table) on a throwaway "
    "database: they show relative cost, not how long production will take."
)


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    rows: int = 1000
    statement_timeout: float = 60.0
    timeout: float = 900.0
    assume_in_transaction: bool = False
    layout: str | None = None
    exclude: tuple[str, ...] = ()
    only: set[Path] | None = None
    severity: Mapping[str, Severity] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_settings(
        cls, settings: Settings, only: set[Path] | None = None, **values: Any
    ) -> VerifyOptions:
        """The options a run's settings decide (transaction mode, layout, exclusions,
        severities, ignored rules), plus ``values`` (rows and timeouts)."""
        return cls(
            assume_in_transaction=settings.assume_in_transaction,
            layout=settings.layout,
            exclude=settings.exclude,
            only=only,
            severity=settings.severity,
            ignore=settings.ignore,
            **values,
        )


@dataclass(slots=True)
class StatementReport:
    """One traced statement: where, how it ran, what the server did, what the model said."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    sql: str
    kind: str
    mode: str
    duration_ms: float
    relations: list[RelationFacts] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    mismatches: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "sql": self.sql,
            "kind": self.kind,
            "transaction": self.mode,
            "duration_ms": round(self.duration_ms, 3),
            "relations": [r.as_dict() for r in self.relations],
            "rewritten": list(self.rewritten),
            "catalogue_changes": list(self.changes),
            "notes": list(self.notes),
            "error": self.error,
            "mismatches": list(self.mismatches),
        }


@dataclass(slots=True)
class MigrationReport:
    root: str
    layout: str
    label: str
    paths: list[str]
    transaction: str
    statements: list[StatementReport] = field(default_factory=list)
    seeded: dict[str, int] = field(default_factory=dict)
    not_seeded: dict[str, str] = field(default_factory=dict)
    rollback: str = "none"
    rollback_differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "set": self.root,
            "layout": self.layout,
            "migration": self.label,
            "paths": list(self.paths),
            "transaction": self.transaction,
            "seeded": dict(self.seeded),
            "not_seeded": dict(self.not_seeded),
            "statements": [s.as_dict() for s in self.statements],
            "rollback": self.rollback,
            "rollback_differences": list(self.rollback_differences),
            "notes": list(self.notes),
        }


@dataclass(slots=True)
class VerifyReport:
    server: str = ""
    version: str = ""
    rows: int = 0
    migrations: list[MigrationReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    #: Why the run stopped before the end (``--timeout``), or "".
    stopped: str = ""

    @property
    def synthetic_note(self) -> str:
        return SYNTHETIC_NOTE.format(rows=self.rows)

    def as_dict(self) -> dict[str, object]:
        return {
            "server": self.server,
            "postgresql": self.version,
            "rows": self.rows,
            "note": self.synthetic_note,
            "notes": list(self.notes),
            "stopped": self.stopped or None,
            "migrations": [m.as_dict() for m in self.migrations],
        }


class _Stop(Exception):
    """The rest of a migration set cannot be verified (the reason is already reported)."""


class _Rebuild(Exception):
    """The scratch database is not as migration ``number`` left it (its round trip broke
    it): build a new one, apply the migrations up to ``number`` untraced, go on from there."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class RunTimeout(Exception):
    """The whole run exceeded ``--timeout``."""


# --- rules -----------------------------------------------------------------------------------


class _Rules:
    """Severity and help of the verify rules, honouring ``severity`` and ``ignore`` settings."""

    def __init__(self, options: VerifyOptions) -> None:
        from pglint.rules import load_catalogue

        catalogue = load_catalogue()
        self.rules = {name: catalogue.rules[name] for name in RULES}
        ignored: set[str] = set()
        for name in options.ignore:
            try:
                ignored.update(r.name for r in catalogue.resolve_all([name]))
            except KeyError:
                continue
        self.ignored = ignored
        self.severity = {}
        for name, value in options.severity.items():
            rule = catalogue.resolve(name)
            if rule is not None:
                self.severity[rule.name] = value

    def finding(
        self,
        rule: str,
        path: Path | str,
        text: str,
        start: int,
        end: int,
        message: str,
        help: str | None = None,
    ) -> Finding | None:
        if rule in self.ignored:
            return None
        entry = self.rules[rule]
        source = SourceText(str(path), text)
        severity = self.severity.get(rule, entry.severity)
        return source.finding(start, end, rule, severity, message, help or entry.help)


# --- parsed parts ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Step:
    """A top-level statement with its effect and the effects of statements nested in it."""

    statement: Statement
    effect: Effect
    nested: list[Effect] = field(default_factory=list)

    @property
    def touches(self) -> list[Touch]:
        found = list(self.effect.touches)
        for effect in self.nested:
            found.extend(effect.touches)
        return found

    @property
    def transactional(self) -> bool:
        return self.effect.transactional and all(e.transactional for e in self.nested)


@dataclass(slots=True)
class _PartRun:
    part: Part
    path: Path
    text: str
    steps: list[_Step]
    transactional: bool


def _steps(effects: list[Effect]) -> list[_Step]:
    steps: list[_Step] = []
    for effect in effects:
        origin = effect.statement.origin
        if origin == "do" and steps and steps[-1].statement.kind == "DoStmt":
            steps[-1].nested.append(effect)
        elif origin in ("do", "function"):
            continue  # runs when its function or block runs, not on its own
        else:
            steps.append(_Step(effect.statement, effect))
    return steps


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- the runner --------------------------------------------------------------------------------


class Verifier:
    """Verifies migration sets on one server; collects reports and findings."""

    def __init__(self, server: Server, options: VerifyOptions) -> None:
        self.server = server
        self.options = options
        self.rules = _Rules(options)
        self.report = VerifyReport(
            server=server.description,
            version=server.version,
            rows=options.rows,
            notes=list(server.notes),
        )
        self.reader = Reader()
        #: While set, a failing part is kept in ``_held`` instead of being reported.
        self._hold_failures = False
        self._held: tuple | None = None
        #: Tables of the current set that hold synthetic rows, in the order they were filled.
        self._set_seed = SeedResult()
        #: Whether synthetic rows were put into the current set's database at all.
        self._synthetic = False
        self.deadline = time.monotonic() + options.timeout if options.timeout > 0 else None
        #: Statements PostgreSQL refused inside the migration's transaction, reported once.
        self._refused: set[tuple[str, int]] = set()

    # -- entry points

    def verify_paths(self, paths: Sequence[str]) -> VerifyReport:
        from pglint.discovery import discover
        from pglint.layouts import find_sets

        files = discover(list(paths), self.options.exclude)
        only = self.options.only
        requested = {f for f in files if only is None or f.resolve() in only}
        for mset in find_sets(files, self.reader, self.options.layout, complete=True):
            members = {p for m in mset.migrations for p in m.paths}
            targets = members & requested
            if not targets:
                continue
            self.report.files += len(targets)
            self.verify_set(mset, None if targets >= members else targets)
        self.report.findings.sort(key=Finding.sort_key)
        return self.report

    def verify_set(self, mset: MigrationSet, targets: set[Path] | None = None) -> None:
        if any(is_python(str(p)) for m in mset.migrations for p in m.paths):
            self.report.notes.append(
                f"{mset.root}: Alembic (Python) migrations are not run by verify yet; "
                "this set was skipped"
            )
            return
        self._check_deadline()
        referenced, created = self._role_names(mset)
        # Roles belong to the whole server: the ones this set creates (and, on the throwaway
        # server, the ones it only names, created here so that GRANTs work) are dropped
        # again afterwards, so that the next set (or the --dsn server) is left as it was.
        existing = self.server.roles()
        ours = created - existing
        if self.server.embedded:
            ours |= referenced - existing
        handle = cleanup.register(lambda: self.server.drop_roles(ours))
        resume = -1
        try:
            while True:
                try:
                    with self.server.scratch_database() as database:
                        session = Session(
                            self.server.conninfo(database),
                            self.server.admin,
                            self.options.statement_timeout,
                            self.deadline,
                        )
                        try:
                            if self.server.embedded:
                                self._create_roles(session, referenced - created - existing)
                            self._run_set(session, mset, targets, resume)
                            return
                        finally:
                            session.close()
                except _Rebuild as rebuild:
                    resume = rebuild.number
                    # The scratch database is gone; roles its migrations created go too,
                    # since replaying them creates them again.
                    self.server.drop_roles(created - existing)
        except _Stop:
            pass
        finally:
            cleanup.run_one(handle)

    # -- one set

    def _run_set(
        self, session: Session, mset: MigrationSet, targets: set[Path] | None, resume: int = -1
    ) -> None:
        """Apply and verify the set's migrations; those up to ``resume`` only apply."""
        self._set_seed = SeedResult()
        self._synthetic = False
        catalog = Catalog()
        analyser = Analyser(self.server.major or 15, self.options.assume_in_transaction, catalog)
        for number, migration in enumerate(mset.migrations):
            self._check_deadline()
            target = number > resume and (
                targets is None or any(p in targets for p in migration.paths)
            )
            parts = self._analyse(migration, migration.up, analyser, mset)
            assert parts is not None  # or the set stopped
            if not target:
                self._execute(session, migration, parts, "up", mset, replay=True)
                catalog.release()
                continue
            down_parts = None
            if migration.down is not None:
                down_analyser = Analyser(
                    self.server.major or 15,
                    self.options.assume_in_transaction,
                    copy.deepcopy(catalog),
                )
                # A rollback that cannot be read or parsed is reported, and only its round
                # trip is skipped: the up is traced, and the set goes on.
                down_parts = self._analyse(
                    migration, migration.down, down_analyser, mset, fatal=False
                )
            self._verify_migration(session, mset, migration, parts, down_parts, number)
            catalog.release()

    def _analyse(
        self,
        migration: Migration,
        parts: Sequence[Part],
        analyser: Analyser,
        mset: MigrationSet,
        fatal: bool = True,
    ) -> list[_PartRun] | None:
        """The parts' statements and effects. A part that cannot be read or parsed is
        reported; then the set stops (``fatal``), or None is returned."""
        runs = []
        for part in parts:
            text, error = self.reader.read(part.path)
            if text is None:
                message = f"{migration.label}: cannot read {part.path}: {error or 'unreadable'}"
                if fatal:
                    self._stop_with("migration-failed", part.path, "", 0, 1, message, mset)
                self._add("migration-failed", part.path, "", 0, 1, message)
                return None
            end = len(text) if part.end is None else part.end
            parsed = parse_part(str(part.path), text, part.start, end, part.role)
            if parsed.problems:
                problem = parsed.problems[0]
                message = (
                    f"{migration.label}: PostgreSQL cannot parse this {part.role} "
                    f"migration: {problem.message}"
                )
                if fatal:
                    self._stop_with(
                        "migration-failed",
                        part.path,
                        text,
                        problem.offset,
                        problem.end,
                        message,
                        mset,
                    )
                self._add(
                    "migration-failed",
                    part.path,
                    text,
                    problem.offset,
                    problem.end,
                    message + "; its round trip was not verified",
                )
                return None
            mode = migration.transaction_of(part)
            transactional = self.options.assume_in_transaction if mode is None else mode
            analyser.reset_file(transactional, one_query=part.one_query)
            effects = list(analyser.effects(parsed.statements))
            runs.append(_PartRun(part, part.path, text, _steps(effects), transactional))
        return runs

    def _stop_with(
        self,
        rule: str,
        path: Path,
        text: str,
        start: int,
        end: int,
        message: str,
        mset: MigrationSet,
        help: str | None = None,
    ) -> NoReturn:
        finding = self._add(rule, path, text, start, end, message, help)
        self.report.notes.append(
            f"{mset.root}: later migrations of this set were not verified ({rule} at "
            f"{path}{f':{finding.line}' if finding else ''})"
        )
        raise _Stop

    def _add(
        self,
        rule: str,
        path: Path,
        text: str,
        start: int,
        end: int,
        message: str,
        help: str | None = None,
    ) -> Finding | None:
        finding = self.rules.finding(rule, path, text, start, end, message, help)
        if finding is not None:
            self.report.findings.append(finding)
        return finding

    # -- one migration under test

    def _verify_migration(
        self,
        session: Session,
        mset: MigrationSet,
        migration: Migration,
        parts: list[_PartRun],
        down_parts: list[_PartRun] | None,
        number: int,
    ) -> None:
        report = MigrationReport(
            str(mset.root),
            mset.layout,
            migration.label,
            [str(p) for p in migration.paths],
            _transaction_words(parts, migration),
        )
        self.report.migrations.append(report)
        seeded = seed(session.conn, self.options.rows)
        report.seeded, report.not_seeded = dict(seeded.rows), seeded.skipped
        self._set_seed.rows.update(seeded.rows)
        self._set_seed.order.extend(seeded.order)
        self._synthetic = self._synthetic or bool(seeded.order)
        existing = session.relations()
        rows = _row_counts(session, existing)
        before = session.committed_snapshot()
        session.schema = None
        trace = (report, set(existing), rows, seeded)
        self._hold_failures = True
        try:
            error = self._execute(session, migration, parts, "up", mset, trace=trace, stop=False)
        finally:
            self._hold_failures = False
        if error is not None:
            self._up_failed(session, mset, migration, parts, report, before, trace)
        if down_parts is None:
            report.rollback = "none" if migration.down is None else "unparsable: not round-tripped"
            return
        if not any(run.steps for run in down_parts) or _irreversible(self.reader, migration):
            report.rollback = "empty or irreversible: not round-tripped"
            return
        self._round_trip(session, mset, migration, parts, down_parts, report, before, number)

    def _up_failed(
        self,
        session: Session,
        mset: MigrationSet,
        migration: Migration,
        parts: list[_PartRun],
        report: MigrationReport,
        before: roundtrip.Schema,
        trace: tuple,
    ) -> None:
        """Report a failing up; when the synthetic rows may be the cause, try it on empty
        tables, and go on with the set if it succeeds there."""
        assert self._held is not None
        run, step, error = self._held
        data_error = error.sqlstate[:2] in ("22", "23") and bool(self._set_seed.order)
        # Only when the failed up left nothing behind (it ran in a transaction) can it run
        # again; the synthetic rows go first (they were put into empty tables).
        if not data_error or session.committed_snapshot() != before or not self._unseed(session):
            self._report_failure(migration, run, step, error, "up", False, False, trace)
            self._stop_note(mset, f"{migration.label} fails ({error.describe()})")
        rows = self.options.rows
        existing, counts = trace[1], trace[2]
        counts.update(
            _row_counts(session, {o: r for o, r in session.relations().items() if o in existing})
        )
        report.statements.clear()
        report.notes.append(
            f"with {rows} synthetic rows per table the migration failed ({error.describe()}); "
            "the statements above ran again on empty tables"
        )
        session.schema = None
        retry = self._execute(session, migration, parts, "up", mset, trace=trace, stop=False)
        if retry is not None:
            self._stop_note(mset, f"{migration.label} fails ({retry.describe()})")
        self._report_failure(
            migration,
            run,
            step,
            error,
            "up",
            False,
            False,
            None,
            suffix=(
                f", with {rows} synthetic rows in each existing table; on empty tables the "
                "migration succeeds, so make sure production rows satisfy it (--rows 0 skips "
                "this check)"
            ),
        )

    def _unseed(self, session: Session) -> bool:
        """Delete this set's synthetic rows; False (and nothing deleted) when that fails."""
        try:
            session.conn.execute("BEGIN")
            unseed(session.conn, self._set_seed)
            session.conn.execute("COMMIT")
            return True
        except psycopg.Error:
            session.conn.execute("ROLLBACK")
            return False

    def _round_trip(
        self,
        session: Session,
        mset: MigrationSet,
        migration: Migration,
        parts: list[_PartRun],
        down_parts: list[_PartRun],
        report: MigrationReport,
        before: roundtrip.Schema,
        number: int,
    ) -> None:
        after_up = session.committed_snapshot()
        failure = self._execute(session, migration, down_parts, "rollback", mset, stop=False)
        if failure is not None:
            report.rollback = "failed"
            if session.committed_snapshot() != after_up:
                self._rebuild_note(mset, migration, "its rollback failed half-way")
                raise _Rebuild(number)
            return
        after_down = session.committed_snapshot()
        # Labels the up added to an enum stay (PostgreSQL cannot drop one): said, not
        # counted, as rollback-incomplete does.
        labels = roundtrip.added_enum_labels(before, after_down)
        for key, added in labels.items():
            after_down[key] = before[key]
            report.notes.append(
                f"{key} keeps the labels the up added ({', '.join(map(repr, added))}): "
                "PostgreSQL cannot drop an enum label, so no rollback can remove them"
            )
        differences = roundtrip.differences(before, after_down)
        report.rollback_differences = differences
        if differences:
            report.rollback = "not restoring"
            part = down_parts[0]
            shown = differences[:8]
            more = f"; and {len(differences) - 8} more" if len(differences) > 8 else ""
            finding = self.rules.finding(
                "rollback-not-restoring",
                part.path,
                part.text,
                _part_start(part),
                _part_start(part) + 1,
                f"{migration.label}: after the up and the rollback, the schema differs from "
                f"before the migration: {'; '.join(shown)}{more}",
            )
            if finding is not None:
                self.report.findings.append(finding)
        else:
            report.rollback = "restored"
        failure = self._execute(session, migration, parts, "up", mset, stop=False, reapply=True)
        if failure is not None:
            report.rollback = "not reapplyable"
            self._rebuild_note(mset, migration, "its up could not be applied again")
            raise _Rebuild(number)
        if not differences:
            report.rollback = "restored; up applied again"

    def _rebuild_note(self, mset: MigrationSet, migration: Migration, why: str) -> None:
        self.report.notes.append(
            f"{mset.root}: after {migration.label}'s rollback ({why}), verify started a new "
            "scratch database and applied the migrations up to it again before going on"
        )

    def _stop_note(self, mset: MigrationSet, why: str) -> None:
        self.report.notes.append(
            f"{mset.root}: later migrations of this set were not verified: {why}"
        )
        raise _Stop

    # -- executing parts

    def _execute(
        self,
        session: Session,
        migration: Migration,
        parts: list[_PartRun],
        role: str,
        mset: MigrationSet,
        *,
        replay: bool = False,
        trace: tuple | None = None,
        stop: bool = True,
        reapply: bool = False,
    ) -> PgError | None:
        """Run parts in order; returns the first error (after reporting it) or None."""
        for run in parts:
            error = self._execute_part(session, migration, run, role, mset, replay, trace, reapply)
            if error is not None:
                if stop:
                    self._stop_note(mset, f"{migration.label} fails ({error.describe()})")
                return error
        return None

    def _execute_part(
        self,
        session: Session,
        migration: Migration,
        run: _PartRun,
        role: str,
        mset: MigrationSet,
        replay: bool,
        trace: tuple | None,
        reapply: bool,
    ) -> PgError | None:
        tool_transaction = False
        if run.transactional:
            session.conn.execute("BEGIN")
            tool_transaction = True
        # A multi-statement script sent as one query: after its COMMIT, the statements that
        # follow run in a new implicit transaction block (see one_query_transaction).
        one_query = run.transactional and run.part.one_query
        for number, step in enumerate(run.steps, 1):
            statement = step.statement
            self._check_deadline(session)
            skip = self._skip_reason(session, statement)
            if skip is not None:
                if trace is not None:
                    trace[0].notes.append(f"line {_line(run, statement)}: not run: {skip}")
                elif not reapply:
                    note = f"{run.path}:{_line(run, statement)}: not run: {skip}"
                    if note not in self.report.notes:
                        self.report.notes.append(note)
                continue
            outside = tool_transaction and not step.transactional and session.in_transaction
            if outside:
                # The layout runs this migration in a transaction, but PostgreSQL cannot run
                # this statement in one. Let the server refuse it there, as it will refuse
                # the migration tool (migration-failed); then run it outside, and say so.
                if self._ran_in_transaction(session, migration, run, step, role, replay, trace):
                    continue
                session.conn.execute("COMMIT")
            if trace is not None:
                error = self._traced(session, run, step, trace, outside)
            else:
                _, error = session.run(statement.text)
                session.take_notices()
            if outside and error is None:
                session.conn.execute("BEGIN")
            if statement.kind == "TransactionStmt":
                tool_transaction = False
                more = number < len(run.steps)
                if one_query and error is None and more and not session.in_transaction:
                    session.conn.execute("BEGIN")
                    tool_transaction = True
            if error is not None:
                if session.in_transaction:
                    session.conn.execute("ROLLBACK")
                if error.timed_out:
                    self._check_deadline()  # pglint's --timeout, not a failing migration
                if self._hold_failures:
                    self._held = (run, step, error)
                else:
                    self._report_failure(migration, run, step, error, role, replay, reapply, trace)
                return error
        if session.in_transaction:
            session.conn.execute("ROLLBACK" if session.failed_transaction else "COMMIT")
        return None

    def _ran_in_transaction(
        self,
        session: Session,
        migration: Migration,
        run: _PartRun,
        step: _Step,
        role: str,
        replay: bool,
        trace: tuple | None,
    ) -> bool:
        """Run a statement the model says cannot run in a transaction block inside the
        migration's transaction (in a savepoint), as the migration tool would. PostgreSQL's
        refusal is reported (once, and not for migrations only replayed); True when it ran
        there after all."""
        session.conn.execute("SAVEPOINT pglint_tool")
        _, error = session.run(step.statement.text)
        session.take_notices()
        if error is None:
            session.conn.execute("RELEASE SAVEPOINT pglint_tool")
            if trace is not None:
                trace[0].notes.append(
                    f"line {_line(run, step.statement)}: ran inside the migration's "
                    "transaction, although pglint's model says it cannot (not traced)"
                )
            return True
        session.conn.execute("ROLLBACK TO SAVEPOINT pglint_tool")
        key = (str(run.path), step.statement.start)
        if error.sqlstate in _REFUSED_IN_TRANSACTION and not replay and key not in self._refused:
            self._refused.add(key)
            why = migration.transaction_reason or "the migration tool runs it in a transaction"
            self._report_failure(
                migration,
                run,
                step,
                error,
                role,
                False,
                False,
                None,
                suffix=f"; {why}, so the tool fails here (verify ran it outside to go on)",
            )
        return False

    def _traced(
        self, session: Session, run: _PartRun, step: _Step, trace: tuple, outside: bool
    ) -> PgError | None:
        report, existing, rows, _seeded = trace
        names = [t.relation for t in step.touches if not t.new]
        # ACCESS SHARE would make a statement that wants ACCESS EXCLUSIVE wait: not stalled.
        stall = [
            t.relation for t in step.touches if not t.new and t.lock < LockMode.ACCESS_EXCLUSIVE
        ]
        try:
            observation = session.trace(
                step.statement, names, transactional=step.transactional and not outside, stall=stall
            )
        except psycopg.Error as error:
            # One of pglint's own queries around the statement failed (a migration that sets
            # a tiny statement_timeout, say): the migration cannot go on in this session.
            failure = PgError.of(error)
            return replace(failure, message=f"pglint's tracing failed here: {failure.message}")
        statement = step.statement
        source = SourceText(str(run.path), run.text)
        span = source.span(statement.start, max(statement.end, statement.start + 1))
        entry = StatementReport(
            str(run.path),
            span.line,
            span.column,
            span.end_line,
            span.end_column,
            _shorten(statement.text),
            statement.kind,
            observation.mode,
            observation.duration * 1000,
        )
        if outside:
            entry.notes.append(
                "cannot run inside a transaction block, so it ran outside the migration's "
                "transaction (the migration tool would fail here)"
            )
        entry.notes.extend(observation.notices)
        report.statements.append(entry)
        if observation.error is not None:
            entry.error = observation.error.describe()
            return observation.error
        if statement.kind == "TransactionStmt":
            return None
        comparison = compare(
            observation,
            step.touches,
            existing,
            rows,
            statement.kind,
            step.transactional,
            utc=session.utc,
        )
        entry.relations = comparison.relations
        entry.rewritten = _rewritten(observation, existing)
        entry.changes = observation.changes
        entry.mismatches = comparison.mismatches
        if comparison.mismatches:
            version = f"PostgreSQL {self.server.version}".strip()
            finding = self.rules.finding(
                "static-model-mismatch",
                run.path,
                run.text,
                statement.start,
                statement.end,
                f"the static model and {version} disagree: " + "; ".join(comparison.mismatches),
            )
            if finding is not None:
                self.report.findings.append(finding)
        return None

    def _report_failure(
        self,
        migration: Migration,
        run: _PartRun,
        step: _Step,
        error: PgError,
        role: str,
        replay: bool,
        reapply: bool,
        trace: tuple | None,
        suffix: str = "",
    ) -> None:
        statement = step.statement
        start, end = statement.start, statement.end
        if error.position is not None and 0 < error.position <= len(statement.text):
            start = statement.start + error.position - 1
            end = start + 1
        code = f" (SQLSTATE {error.sqlstate})" if error.sqlstate and not error.timed_out else ""
        detail = error.describe() + code
        if error.hint:
            detail += f"; hint: {error.hint}"
        detail += suffix
        if trace is not None and error.sqlstate[:2] in ("22", "23") and self._synthetic:
            detail += (
                f" — the existing tables hold {self.options.rows} synthetic rows each "
                "(--rows); production data may differ"
            )
        if reapply:
            rule = "rollback-not-reapplyable"
            message = (
                f"{migration.label}: after its rollback, the up migration fails when applied "
                f"again: {detail}"
            )
        else:
            rule = "migration-failed"
            what = {"up": "migration", "rollback": "rollback"}.get(role, role)
            earlier = " (an earlier migration, applied to build the schema)" if replay else ""
            message = f"{migration.label}{earlier}: the {what} fails on PostgreSQL: {detail}"
        finding = self.rules.finding(rule, run.path, run.text, start, end, message)
        if finding is not None:
            self.report.findings.append(finding)

    # -- helpers

    def _skip_reason(self, session: Session, statement: Statement) -> str | None:
        """Why a statement is not run, or None to run it."""
        if statement.kind == "CopyStmt" and _copy_with_client(statement):
            return "COPY … STDIN/STDOUT exchanges data with the client"
        if self.server.embedded:
            return None
        if shared.server_wide(statement.kind, statement.node):
            return "it changes the whole server, and --dsn names a server verify must not change"
        if statement.kind == "CreateRoleStmt":
            name = statement.node.get("role", "")
            rows = session.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (name,))
            if rows:
                return f"role {name} already exists on the --dsn server, which verify leaves as is"
            return None
        reason = shared.opaque(
            statement.kind, statement.node, lambda schema, name: _function(session, schema, name)
        )
        if reason is not None:
            return f"{reason}; {shared.SHARED_NOTE}"
        return None

    def _check_deadline(self, session: Session | None = None) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RunTimeout(
                f"the verify run exceeded --timeout ({self.options.timeout:g} s) and stopped"
            )

    def _role_names(self, mset: MigrationSet) -> tuple[set[str], set[str]]:
        """Roles the set's migrations name (GRANT … TO, OWNER TO, …), and those they create."""
        names: set[str] = set()
        created: set[str] = set()
        for migration in mset.migrations:
            for part in (*migration.up, *(migration.down or ())):
                text = self.reader.text(part.path)
                end = len(text) if part.end is None else part.end
                try:
                    parsed = parse_part(str(part.path), text, part.start, end, part.role)
                except Exception:
                    continue
                for statement in parsed.statements:
                    if statement.kind == "CreateRoleStmt":
                        created.add(statement.node.get("role", ""))
                    names.update(_role_names(statement.node))
        return names, created

    def _create_roles(self, session: Session, names: set[str]) -> None:
        """Roles the migrations only name, created NOLOGIN (throwaway server only)."""
        for name in sorted(names):
            with suppress(Exception):
                session.conn.execute(f'CREATE ROLE "{name.replace(chr(34), chr(34) * 2)}" NOLOGIN')


def _irreversible(reader: Reader, migration: Migration) -> str | None:
    """Why a migration cannot be rolled back (``-- pglint: irreversible`` or the layout)."""
    from pglint.sources.directives import find_directives

    for path in migration.paths:
        for directive in find_directives(reader.text(path)):
            if directive.kind == "irreversible":
                return directive.reason or "marked irreversible"
    return migration.irreversible


def _role_names(node: object) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            # A RoleSpec node, wrapped in lists (GRANT … TO) or bare in typed fields (OWNER TO).
            spec = item.get("RoleSpec", item)
            if isinstance(spec, dict) and spec.get("roletype") == "ROLESPEC_CSTRING":
                name = spec.get("rolename")
                if name:
                    yield name
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _copy_with_client(statement: Statement) -> bool:
    node = statement.node
    return not node.get("filename") and not node.get("is_program")


def _function(
    session: Session, schema: str | None, name: str, seen: set[str] | None = None
) -> str | None:
    """Whether a function the migration calls may change shared objects (see
    :data:`shared.FunctionCheck`): built-in and C functions are trusted; the bodies of
    PL/pgSQL and SQL functions are read like a DO block; other languages are not."""
    seen = set() if seen is None else seen
    rows = session.query(
        "SELECT p.oid::int8, p.oid >= 16384 AND l.lanname NOT IN ('internal', 'c'), l.lanname,"
        " CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) END,"
        " p.prosrc"
        " FROM pg_catalog.pg_proc p"
        " JOIN pg_catalog.pg_language l ON l.oid = p.prolang"
        " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
        " WHERE p.proname = %s AND (%s::text IS NULL OR n.nspname = %s)",
        (name, schema, schema),
    )
    if not rows:
        return shared.MISSING
    for oid, user_code, language, definition, source in rows:
        if not user_code or str(oid) in seen:
            continue
        seen.add(str(oid))
        what = f"the function {name}() it calls"

        def check(schema: str | None, name: str) -> str | None:
            return _function(session, schema, name, seen)

        if language == "plpgsql" and definition:
            reason = shared.plpgsql_body(definition, what, check)
        elif language == "sql" and (source or definition):
            reason = shared.sql_body(source if source.strip() else definition, what, check)
        else:
            reason = f"it calls {name}(), a function in {language} that pglint cannot read"
        if reason is not None:
            return reason
    return None


#: SQLSTATEs of a statement refused because it runs in a transaction block:
#: active_sql_transaction ("cannot run inside a transaction block") and
#: invalid_transaction_termination (a COMMIT in a procedure or DO block).
_REFUSED_IN_TRANSACTION = ("25001", "2D000")


def _line(run: _PartRun, statement: Statement) -> int:
    return SourceText(str(run.path), run.text).position(statement.start)[0]


def _part_start(run: _PartRun) -> int:
    if run.steps:
        return run.steps[0].statement.start
    return run.part.start


def _rewritten(observation: Observation, existing: set[int]) -> list[str]:
    found = []
    for oid in observation.rewritten:
        rel = observation.relation(oid)
        if rel is not None and oid in existing:
            found.append(f"{rel.kind_word} {rel.display}")
    return sorted(found)


def _row_counts(session: Session, relations: dict) -> dict[int, int]:
    counts = {}
    for oid, rel in relations.items():
        if rel.kind not in ("r", "m"):
            continue
        try:
            rows = session.query(
                f'SELECT count(*) FROM "{rel.schema.replace(chr(34), chr(34) * 2)}".'
                f'"{rel.name.replace(chr(34), chr(34) * 2)}"'
            )
        except Exception:
            continue
        counts[oid] = int(rows[0][0])
    return counts


def _transaction_words(parts: list[_PartRun], migration: Migration) -> str:
    modes = {run.transactional for run in parts}
    reason = f" ({migration.transaction_reason})" if migration.transaction_reason else ""
    if modes == {True}:
        return "runs in a transaction" + reason
    if modes == {False}:
        return "runs outside a transaction" + reason
    return "some parts in a transaction, some outside"


def verify(
    paths: Sequence[str],
    options: VerifyOptions,
    server: Server | None = None,
    dsn: str | None = None,
    pg_bin: str | None = None,
) -> VerifyReport:
    """Verify the migrations under ``paths`` on ``server``, an existing ``dsn``, or a
    throwaway cluster started (and removed) for the run."""
    from pglint.verify.cleanup import signals_raise

    with signals_raise():
        if server is not None:
            return _verify_on(server, paths, options)
        if dsn is not None:
            from pglint.verify.dsn import external

            return _verify_on(external(dsn), paths, options)
        from pglint.verify.cluster import Cluster
        from pglint.verify.dsn import EmbeddedServer

        with EmbeddedServer(Cluster.create(pg_bin)) as embedded:
            return _verify_on(embedded, paths, options)


def _verify_on(server: Server, paths: Sequence[str], options: VerifyOptions) -> VerifyReport:
    verifier = Verifier(server, options)
    try:
        return verifier.verify_paths(paths)
    except RunTimeout as error:
        verifier.report.notes.append(str(error))
        verifier.report.stopped = str(error)
        verifier.report.findings.sort(key=Finding.sort_key)
        return verifier.report


__all__ = ["RULES", "SeedResult", "VerifyOptions", "VerifyReport", "verify"]
