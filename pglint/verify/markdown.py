"""``pglint verify --format markdown``: a per-statement lock table per migration, then the
findings, ready for a pull-request comment or a CI job summary."""

from __future__ import annotations

from typing import IO

from pglint.verify.compare import RelationFacts
from pglint.verify.runner import MigrationReport, StatementReport, VerifyReport


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str, limit: int = 90) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + text.replace("`", "'") + "`"


def _locks(relations: list[RelationFacts], polled: bool) -> str:
    items = [f"{f.relation}: {f.lock_words(polled)[0]}" for f in relations]
    return "<br>".join(_cell(i) for i in items) or "—"


def _blocks(relations: list[RelationFacts], polled: bool) -> str:
    items = []
    for facts in relations:
        blocked = facts.lock_words(polled)[1]
        if blocked != "nothing":
            items.append(f"{facts.relation}: {blocked}")
    return "<br>".join(_cell(i) for i in items) or "nothing"


def _model(entry: StatementReport) -> str:
    if entry.mismatches:
        return "⚠ " + "<br>".join(_cell(m) for m in entry.mismatches)
    if any(f.predicted for f in entry.relations):
        return "agrees"
    return "—"


def _statement_row(entry: StatementReport) -> str:
    rewrite = ", ".join(entry.rewritten) or "no"
    scans = ", ".join(f.relation for f in entry.relations if f.observed_scan) or "no"
    if entry.error:
        return (
            f"| {entry.line} | {_code(entry.sql)} | {_cell(entry.mode)} | "
            f"{entry.duration_ms:.1f} ms | ✗ {_cell(entry.error)} | | | | |"
        )
    polled = entry.mode == "outside a transaction block"
    return (
        f"| {entry.line} | {_code(entry.sql)} | {_cell(entry.mode)} | {entry.duration_ms:.1f} ms "
        f"| {_locks(entry.relations, polled)} | {_blocks(entry.relations, polled)} "
        f"| {_cell(rewrite)} "
        f"| {_cell(scans)} | {_model(entry)} |"
    )


def _migration(migration: MigrationReport, stream: IO[str]) -> None:
    write = stream.write
    write(f"### {_cell(migration.label)}\n\n")
    write(f"{_cell(migration.transaction)}.")
    if migration.seeded:
        seeded = ", ".join(f"{n} ({r} rows)" for n, r in migration.seeded.items())
        write(f" Seeded: {_cell(seeded)}.")
    write("\n\n")
    if migration.statements:
        write(
            "| Line | Statement | Transaction | Time | Locks taken | Blocks | New relfilenode | Full scan | Static model |\n"
        )
        write("|---:|---|---|---:|---|---|---|---|---|\n")
        for entry in migration.statements:
            write(_statement_row(entry) + "\n")
        write("\n")
    for entry in migration.statements:
        for note in entry.notes:
            write(f"- Line {entry.line}: {_cell(note)}\n")
    for note in migration.notes:
        write(f"- {_cell(note)}\n")
    rollback = {
        "none": "no rollback",
        "restored": "the rollback restores the schema",
        "restored; up applied again": "the rollback restores the schema, and the up applies again",
        "not restoring": "**the rollback does not restore the schema**",
        "not reapplyable": "**the up fails when applied again after the rollback**",
        "failed": "**the rollback fails**",
    }.get(migration.rollback, migration.rollback)
    write(f"Rollback: {rollback}.\n")
    for difference in migration.rollback_differences:
        write(f"- {_cell(difference)}\n")
    write("\n")


def render_markdown(report: VerifyReport, stream: IO[str], title: str | None = None) -> None:
    """Write the report; ``title`` replaces the heading (``pglint plan --verify``)."""
    write = stream.write
    version = f"PostgreSQL {report.version}" if report.version else "PostgreSQL"
    write(f"## {title or f'pglint verify ({version})'}\n\n")
    write(f"> {report.synthetic_note}\n\n")
    for note in report.notes:
        write(f"- {_cell(note)}\n")
    if report.notes:
        write("\n")
    for migration in report.migrations:
        _migration(migration, stream)
    write("### Findings\n\n")
    if not report.findings:
        write(f"No problems found in {report.files} file{'s' if report.files != 1 else ''}.\n")
        return
    for f in report.findings:
        write(
            f"- **{f.severity.value}** `{f.rule}` {_cell(f.path)}:{f.line}:{f.column}: {_cell(f.message)}\n"
        )
        if f.help:
            write(f"  {_cell(f.help)}\n")
