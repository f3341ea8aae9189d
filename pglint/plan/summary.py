"""The judgement sections: executive summary, checklist, phase notes, confidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pglint.plan.model import (
    PHASES,
    ChecklistItem,
    Confidence,
    Deduction,
    DroppedObject,
    FindingRow,
    Level,
    LockRow,
    MigrationInfo,
    ModifiedTable,
    NewTable,
    Phase,
    Query,
    RollbackPlan,
    Summary,
    Verdict,
)
from pglint.plan.nodes import key
from pglint.plan.stats import format_bytes, format_duration

if TYPE_CHECKING:
    from pglint.plan.builder import Builder

#: How the confidence score is computed (also in docs/plan.md).
CONFIDENCE_METHOD = (
    "Start at 10 and subtract: 1 per error finding (at most 4); 0.25 per warning (at most 2); "
    "1 per statement or file pglint could not analyse (syntax errors, unreadable files, DO "
    "blocks without analysable SQL; at most 3); 1 when some changes have neither a down "
    "migration nor a derivable inverse, or destroy data; 0.5 per down migration that does not "
    "restore the schema (at most 1); 0.5 when the migrations use tables they do not define "
    "(their columns and sizes are unknown); 1 when existing tables are rewritten or scanned "
    "and no --stats were given (durations unknown). The score is rounded to the nearest 0.5 "
    "and never drops below 0."
)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _steps_of(rows: list) -> tuple[str, bool]:
    """``step 3`` or ``steps 2, 5 and 1 more`` for the steps of ``rows``, and whether there
    is one step (for the verb)."""
    numbers = sorted({r.step for r in rows})
    word = "step" if len(numbers) == 1 else "steps"
    return f"{word} {_names([str(n) for n in numbers], 8)}", len(numbers) == 1


def _names(items: list[str], limit: int = 4) -> str:
    shown = items[:limit]
    text = ", ".join(shown)
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


#: Findings that mean PostgreSQL (or the migration tool's transaction) rejects the migration
#: as written: whatever its locks, it does not run. ``migration-failed`` is verify's proof.
FAILING_RULES = frozenset(
    {
        "syntax-error",
        "ban-concurrent-index-creation-in-transaction",
        "ban-enum-value-add-in-transaction",
        "ban-duplicate-column-assignments",
        "unsupported-in-target-version",
        "migration-failed",
    }
)


#: In a ``migration-failed`` message of verify: the up failed on synthetic rows only.
SYNTHETIC_ONLY = "on empty tables the migration succeeds"


def verdict(builder: Builder, findings: tuple[FindingRow, ...] = ()) -> tuple[Verdict, str]:
    from pglint.plan.builder import display_path

    downs = {
        display_path(r.part.path)
        for captured in builder.collected.migrations
        for r in captured.record.view.down or ()
    }
    # A down migration that fails is a broken rollback (section 6), not a failing deploy; an
    # up that verify saw fail only on its synthetic rows may well run on production's.
    failing = [
        f
        for f in findings
        if f.rule in FAILING_RULES and f.path not in downs and SYNTHETIC_ONLY not in f.message
    ]
    if failing:
        first = failing[0]
        more = len(failing) - 1
        also = f" ({_plural(more, 'more finding')} like it in section 9)" if more else ""
        return Verdict.FAILS, (
            f"PostgreSQL rejects {first.path}:{first.line} ({first.rule}): {first.message}{also}"
        )
    rows = builder.s.rows
    if not rows:
        return Verdict.ONLINE, "no statement locks a table that exists before its migration runs"
    worst = max(rows, key=lambda r: r.level.rank)
    reason = f"step {worst.step} ({worst.path}:{worst.line}): {worst.reason}"
    if worst.level == Level.HIGH:
        return Verdict.WINDOW, reason
    if worst.level == Level.MED:
        return Verdict.CARE, reason
    brief = brief_blocking(builder)
    if brief:
        numbers = list(dict.fromkeys(r.step for r in brief))
        steps = _names([str(n) for n in numbers], 8)
        tables = _names(list(dict.fromkeys(r.relation for r in brief)))
        which = (
            f"step {steps} briefly takes" if len(numbers) == 1 else f"steps {steps} briefly take"
        )
        return Verdict.RETRY, (
            f"{which} a lock that blocks "
            f"reads or writes of {tables}; lock_timeout bounds the queue behind it, but while a "
            "long transaction holds the table the statement is cancelled and the migration has "
            "to be retried"
        )
    return Verdict.ONLINE, "every lock on an existing table blocks only DDL and VACUUM, or nothing"


def brief_blocking(builder: Builder) -> list[LockRow]:
    """LOW locks that block reads or writes: brief, and bounded by lock_timeout (which may
    cancel them), such as ADD COLUMN's ACCESS EXCLUSIVE."""
    return [
        r
        for r in builder.s.rows
        if r.level == Level.LOW
        and r.lock_timeout
        and (r.blocks_reads or r.blocks_writes)
        and r.work == "catalog only"
    ]


def blocking_time(builder: Builder) -> list[tuple[str, float]]:
    """Per table, the estimated seconds of the long steps that block its reads or writes.

    Only with --stats: the sum of the estimates of the rewrites, scans and index builds
    that run under a lock blocking the table's writes (or reads), and of the long steps
    that run while such a lock is held from an earlier statement of the transaction.
    """
    if builder.options.stats is None:
        return []
    totals: dict[str, float] = {}
    for row in builder.s.rows:
        if row.level != Level.HIGH or row.estimate_seconds is None:
            continue
        if row.work in ("catalog only", "truncate"):
            continue
        totals[row.relation] = totals.get(row.relation, 0.0) + row.estimate_seconds
    return [(table, seconds) for table, seconds in totals.items() if seconds >= 1]


def summarise(
    builder: Builder,
    migrations: tuple[MigrationInfo, ...],
    new_tables: tuple[NewTable, ...],
    modified: tuple[ModifiedTable, ...],
    dropped: tuple[DroppedObject, ...],
    findings: tuple[FindingRow, ...],
    confidence: Confidence,
) -> Summary:
    s = builder.s
    sentences = []
    if not migrations:
        scope = f" since {builder.options.diff_ref}" if builder.options.diff_ref else ""
        sentences.append(f"No migration was added or changed{scope}: there is nothing to plan.")
    else:
        roots = list(dict.fromkeys(m.set_root for m in migrations))
        layouts = list(dict.fromkeys(m.layout for m in migrations))
        where = (
            f"the {layouts[0]} migration set {roots[0]}"
            if len(roots) == 1
            else f"{len(roots)} migration sets"
        )
        span = (
            migrations[0].label
            if len(migrations) == 1
            else f"{migrations[0].label} to {migrations[-1].label}"
        )
        sentences.append(
            f"This plan covers {_plural(len(migrations), 'migration')} ({span}) of {where}."
        )
    data_steps = list(s.data)
    one = len(migrations) == 1

    def verb(word: str) -> str:
        """``create`` for several migrations, ``creates`` for one."""
        if not one:
            return word
        return " ".join(w + "s" if w not in ("or", "data", "in") else w for w in word.split())

    parts = []
    tables = [t for t in new_tables if t.kind in ("table", "partitioned")]
    views = [t for t in new_tables if t.kind not in ("table", "partitioned")]
    if tables:
        parts.append(
            f"{verb('create')} {_plural(len(tables), 'table')} ({_names([t.name for t in tables])})"
        )
    if views:
        parts.append(
            f"{verb('create')} {_plural(len(views), 'view')} ({_names([t.name for t in views])})"
        )
    if modified:
        parts.append(
            f"{verb('change or lock')} {_plural(len(modified), 'table')} that already "
            f"{'exists' if len(modified) == 1 else 'exist'} when {'its' if one else 'their'} migration runs "
            f"({_names([t.name for t in modified])})"
        )
    if s.indexes:
        parts.append(f"{verb('add')} {_plural(len(s.indexes), 'index', 'indexes')}")
    if dropped:
        parts.append(
            f"{verb('drop')} {_plural(len(dropped), 'object')} ({_names([d.name for d in dropped])})"
        )
    if data_steps:
        parts.append(f"{verb('migrate')} data in {_plural(len(data_steps), 'statement')}")
    if s.other:
        parts.append(f"{verb('create or change')} {_plural(len(set(s.other)), 'other object')}")
    subject = "It" if one else "They"
    if parts:
        text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        sentences.append(f"{subject} {text}.")
    elif migrations:
        sentences.append(
            f"{subject} {'changes' if one else 'change'} no table, index or other schema object."
        )
    decision, reason = verdict(builder, findings)
    loss = [
        d
        for d in dropped
        if not d.lost.startswith("nothing") and not d.lost.startswith("only the index")
    ]
    if loss:
        sentences.append(
            f"{_plural(len(loss), 'drop')} cannot be undone by a rollback: {_names([f'{d.kind} {d.name}' for d in loss], 3)}."
        )
    blocking = blocking_time(builder)
    if blocking:
        rate = builder.options.throughput_mb_s
        sentences.append(
            "With the table sizes given, the blocking steps keep "
            + ", ".join(
                f"{table} blocked for {format_duration(seconds)}" for table, seconds in blocking
            )
            + f" (at {rate:g} MB/s, lock waits not included; section 5)."
        )
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    infos = sum(1 for f in findings if f.severity == "info")
    sentences.append(
        f"pglint reports {_plural(errors, 'error')}, {_plural(warnings, 'warning')} and "
        f"{_plural(infos, 'note')} (section 9); confidence in this plan is {confidence.score:g}/10 (section 10)."
    )
    counts = {
        "migrations": len(migrations),
        "statements": len(s.steps),
        "new_tables": len(new_tables),
        "modified_tables": len(modified),
        "new_indexes": len(s.indexes),
        "dropped_objects": len(dropped),
        "data_migrations": len(data_steps),
        "errors": errors,
        "warnings": warnings,
        "notes": infos,
    }
    return Summary(tuple(sentences), decision, reason, counts)


def phase_notes(builder: Builder, phases: tuple[Phase, ...]) -> tuple[str, ...]:
    order = {name: n for n, name in enumerate(PHASES)}
    late: list[int] = []
    first_later = None
    highest = None
    for step in builder.s.steps:
        if step.phase == "session":
            continue
        if highest is not None and order[step.phase] < order[highest.phase]:
            late.append(step.number)
            first_later = first_later or highest
        if highest is None or order[step.phase] > order[highest.phase]:
            highest = step
    if late and first_later is not None:
        steps = ", ".join(str(n) for n in late[:10]) + (" …" if len(late) > 10 else "")
        return (
            f"{'step' if len(late) == 1 else 'steps'} {steps} {'runs' if len(late) == 1 else 'run'} after a step of a later phase "
            f"(first: step {first_later.number}, {PHASES[first_later.phase].lower()}); the usual "
            "order is create and alter, migrate data, add constraints, validate, clean up",
        )
    if len([p for p in phases if p.key != "session"]) > 1:
        return ("the steps follow the usual order of the phases",)
    return ()


def checklist(
    builder: Builder, rollback: tuple[RollbackPlan, ...], validation: tuple[Query, ...]
) -> tuple[ChecklistItem, ...]:
    from pglint.plan.checks import LONG_TRANSACTIONS_SQL

    s = builder.s
    items: list[ChecklistItem] = []
    irreversible = [i for plan in rollback for i in plan.irreversible]
    if irreversible:
        items.append(
            ChecklistItem(
                "Take a backup, or check that point-in-time recovery covers the migration",
                "these migrations destroy data no rollback restores: " + _names(irreversible, 3),
            )
        )
    saves = [n for plan in rollback for n in plan.not_derived if "save" in n]
    if saves:
        items.append(
            ChecklistItem(
                "Save the definitions of the objects the migrations drop or replace",
                "pglint cannot derive them for the rollback: " + _names(saves, 3),
            )
        )
    high = [r for r in s.rows if r.level == Level.HIGH]
    if high:
        tables = list(dict.fromkeys(r.relation for r in high))
        items.append(
            ChecklistItem(
                f"Schedule a maintenance window for {_names(tables)}",
                f"{_plural(len(high), 'lock')} block reads or writes for as long as a table is large "
                "(section 5)",
            )
        )
    blocking = [r for r in s.rows if (r.blocks_reads or r.blocks_writes) and not r.lock_timeout]
    if blocking:
        steps, one = _steps_of(blocking)
        items.append(
            ChecklistItem(
                "Set lock_timeout before the statements that take blocking locks, and retry on timeout",
                f"{steps} {'waits for its' if one else 'wait for their'} lock with no limit, "
                "and every query on the table queues behind a waiting lock",
                "SET lock_timeout = '2s';",
            )
        )
    brief = brief_blocking(builder)
    if brief:
        steps, one = _steps_of(brief)
        items.append(
            ChecklistItem(
                "Be ready to run the migration again if it fails on lock_timeout",
                f"{steps} {'gives' if one else 'give'} up after lock_timeout rather than queue "
                "traffic behind a long transaction "
                '("canceling statement due to lock timeout")',
            )
        )
    if any(r.blocks_reads or r.blocks_writes for r in s.rows):
        items.append(
            ChecklistItem(
                "Check that no long-running transaction is open",
                "a blocking lock waits for every transaction that touched the table to end",
                LONG_TRANSACTIONS_SQL,
            )
        )
    if s.non_transactional_in_tx:
        items.append(
            ChecklistItem(
                "Move the statements that cannot run in a transaction into a migration that runs outside one",
                _names(s.non_transactional_in_tx, 3),
            )
        )
    rewrites = list(
        dict.fromkeys(r.relation for r in s.rows if r.rewrite and r.work == "table rewrite")
    )
    if rewrites:
        detail = ""
        if builder.options.stats is not None:
            sizes = [builder.options.stats.find(t) for t in rewrites]
            known = [f"{t.qualified} {format_bytes(t.total_bytes)}" for t in sizes if t is not None]
            if known:
                detail = f" ({', '.join(known)})"
        items.append(
            ChecklistItem(
                f"Check free disk space for a full copy of {_names(rewrites)} and its indexes{detail}",
                "a rewrite writes the new copy before it frees the old one, and both go to the WAL",
            )
        )
    pre = [q for q in validation if q.when.startswith("before") and q.when != "before and after"]
    if pre:
        items.append(
            ChecklistItem(
                f"Run the before-checks of section 7 ({', '.join(q.id for q in pre)}) and fix what they find",
                "they show whether a constraint, index or NOT NULL step will fail on existing rows",
            )
        )
    breaking = []
    for step in s.steps:
        for change in step.changes:
            kinds = (
                "drop_column",
                "rename_column",
                "rename_table",
                "set_schema_table",
                "drop_table",
                "alter_type",
            )
            created = s.created.get(key(change.relation or ""))
            if created is not None and created.migration == step.migration:
                continue  # the same migration created it: nothing uses it yet
            if change.kind in kinds and change.relation:
                breaking.append(f"{change.detail} ({change.relation})")
    if breaking:
        items.append(
            ChecklistItem(
                "Deploy application code that no longer depends on the old shape first",
                "the running application breaks when these change under it: " + _names(breaking, 4),
            )
        )
    if s.external:
        items.append(
            ChecklistItem(
                f"Check that the tables the migrations use but do not create exist in production ({_names(sorted(s.external))})",
                "none of the replayed migrations creates them, so pglint cannot know their columns or size",
            )
        )
    earlier = _earlier(builder)
    if earlier:
        items.append(
            ChecklistItem(
                f"Check that the migrations before these are applied: {earlier}",
                "these migrations build on them",
            )
        )
    return tuple(items)


def _earlier(builder: Builder) -> str:
    out = []
    for captured in builder.collected.migrations[:1]:
        mset = captured.record.migration_set
        labels = [m.label for m in mset.migrations]
        first = captured.record.view.migration.label
        if first in labels and labels.index(first) > 0:
            out.append(f"up to {labels[labels.index(first) - 1]}")
    return ", ".join(out)


def confidence(
    builder: Builder, findings: tuple[FindingRow, ...], rollback: tuple[RollbackPlan, ...]
) -> Confidence:
    s = builder.s
    deductions: list[Deduction] = []
    errors = [
        f
        for f in findings
        if f.severity == "error" and f.rule not in ("syntax-error", "unreadable-file")
    ]
    warnings = [f for f in findings if f.severity == "warning"]
    if errors:
        deductions.append(
            Deduction(min(4.0, float(len(errors))), f"{_plural(len(errors), 'error finding')}")
        )
    if warnings:
        deductions.append(
            Deduction(min(2.0, 0.25 * len(warnings)), f"{_plural(len(warnings), 'warning')}")
        )
    unanalysed = list(s.unanalysed)
    unanalysed += [
        f"{f.path}:{f.line}: {f.message}"
        for f in findings
        if f.rule in ("syntax-error", "unreadable-file")
    ]
    if unanalysed:
        deductions.append(
            Deduction(
                min(3.0, float(len(unanalysed))),
                f"{_plural(len(unanalysed), 'statement or file', 'statements or files')} pglint could not analyse",
            )
        )
    no_rollback = [p for p in rollback if p.source != "down" and (p.not_derived or p.irreversible)]
    lossy = [p for p in rollback if p.irreversible]
    if no_rollback or lossy:
        deductions.append(Deduction(1.0, "some changes have no rollback or destroy data"))
    incomplete = [p for p in rollback if p.not_restored]
    if incomplete:
        deductions.append(
            Deduction(
                min(1.0, 0.5 * len(incomplete)),
                f"{_plural(len(incomplete), 'down migration')} "
                f"{'does' if len(incomplete) == 1 else 'do'} not restore the schema",
            )
        )
    if s.external:
        deductions.append(
            Deduction(
                0.5, "tables defined outside the migrations: their columns and sizes are unknown"
            )
        )
    long_blocking = [
        r
        for r in s.rows
        if r.level in (Level.HIGH, Level.MED) and r.work not in ("catalog only", "truncate")
    ]
    if long_blocking and builder.options.stats is None:
        deductions.append(
            Deduction(
                1.0,
                "existing tables are rewritten, scanned or changed row by row and no --stats were given",
            )
        )
    score = max(0.0, 10.0 - sum(d.points for d in deductions))
    score = round(score * 2) / 2
    risks: list[str] = []
    high: dict[str, list] = {}
    for row in s.rows:
        if row.level == Level.HIGH:
            high.setdefault(row.relation, []).append(row)
    for relation, rows in high.items():
        steps = ", ".join(str(r.step) for r in rows)
        label = "step" if len(rows) == 1 else "steps"
        risks.append(
            f"{relation}: {label} {steps} block it for as long as it is large or as a later step runs ({rows[0].reason})"
        )
    for plan in rollback:
        for item in plan.irreversible:
            risks.append(f"irreversible: {item}")
    risks.extend(s.non_transactional_in_tx)
    risks.extend(unanalysed)
    rules = sorted({f.rule for f in findings if f.severity == "error"})
    if rules:
        risks.append("error findings: " + ", ".join(rules))
    dependencies: list[str] = []
    for relation, where in sorted(s.external.items()):
        dependencies.append(
            f"{relation} must already exist (first used at {where}); no migration here creates it"
        )
    earlier = _earlier(builder)
    if earlier:
        dependencies.append(f"earlier migrations applied: {earlier}")
    for migration in builder.collected.migrations:
        info = migration.record.view.migration
        if info.transaction is None and migration.record.view.layout != "plain":
            dependencies.append(
                f"{info.label}: the transaction mode is assumed ({'in' if migration.record.transaction else 'outside'} a transaction)"
            )
    extensions = [o for o in s.other if o.startswith("extension ")]
    for ext in extensions:
        dependencies.append(
            f"{ext} must be installable on the server (it needs the right privileges)"
        )
    if any(m.record.view.layout == "plain" for m in builder.collected.migrations):
        dependencies.append(
            "plain SQL files: whether they run in a transaction depends on how they are run "
            + (
                "(assumed: in one, --assume-in-transaction)"
                if builder.settings.assume_in_transaction
                else "(assumed: not in one)"
            )
        )
    return Confidence(
        score,
        tuple(deductions),
        tuple(dict.fromkeys(risks)),
        tuple(dict.fromkeys(dependencies)),
        CONFIDENCE_METHOD,
    )
