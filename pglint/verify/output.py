"""Render a verify report: text (traces, then findings as ``check`` prints them), json
(``check``'s document plus a ``verify`` section), markdown, and sarif/github (findings only)."""

from __future__ import annotations

import json
from typing import IO

from pglint.findings import JSON_SCHEMA_VERSION
from pglint.verify.compare import RelationFacts
from pglint.verify.runner import StatementReport, VerifyReport

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(report: VerifyReport, fmt: str, stream: IO[str], colour: bool = False) -> None:
    if fmt == "markdown":
        from pglint.verify.markdown import render_markdown

        render_markdown(report, stream)
        return
    if fmt == "json":
        document = {
            "version": JSON_SCHEMA_VERSION,
            "files_checked": report.files,
            "findings": [f.as_dict() for f in report.findings],
            "verify": report.as_dict(),
        }
        json.dump(document, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    from pglint.report import get_reporter

    if fmt == "text":
        render_traces(report, stream)
    get_reporter(fmt, colour=colour).report(report.findings, report.files, stream)


def describe_relation(facts: RelationFacts, polled: bool = False) -> str:
    """``orders: SHARE (blocks writes), full scan of 1000 rows; model agrees``."""
    lock, blocked = facts.lock_words(polled)
    parts = [f"{lock}, blocking {blocked}" if blocked != "nothing" else f"lock: {lock}"]
    if facts.observed_rewrite:
        parts.append("rewritten")
    if facts.observed_scan:
        parts.append(f"full scan ({facts.tuples_read} tuples read, {facts.rows} rows)")
    text = f"{facts.relation}: " + ", ".join(parts)
    if facts.notes:
        text += f" ({'; '.join(facts.notes)})"
    if not facts.predicted:
        return text + "; not in the model"
    if facts.mismatches:
        return text + "; the model disagrees"
    return text + "; the model agrees"


def _model(facts: RelationFacts) -> str:
    if not facts.predicted:
        return "—"
    bits = [facts.predicted_lock.sql_name if facts.predicted_lock else "no lock"]
    if facts.predicted_rewrite:
        bits.append("rewrite")
    if facts.predicted_scan:
        bits.append("scan")
    return ", ".join(bits)


def statement_heading(entry: StatementReport) -> str:
    return f"{entry.path}:{entry.line}: {entry.sql}"


def render_traces(report: VerifyReport, stream: IO[str]) -> None:
    write = stream.write
    version = f"PostgreSQL {report.version}" if report.version else "PostgreSQL"
    write(f"pglint verify on {version} ({report.server})\n")
    write(report.synthetic_note + "\n")
    for note in report.notes:
        write(f"note: {note}\n")
    for migration in report.migrations:
        write(f"\n{migration.label}: {migration.transaction}\n")
        if migration.seeded:
            seeded = ", ".join(f"{name} ({rows} rows)" for name, rows in migration.seeded.items())
            write(f"  seeded: {seeded}\n")
        for name, reason in migration.not_seeded.items():
            write(f"  not seeded: {name}: {reason}\n")
        for entry in migration.statements:
            write(f"  {statement_heading(entry)}\n      {entry.duration_ms:.1f} ms, {entry.mode}\n")
            for facts in entry.relations:
                polled = entry.mode == "outside a transaction block"
                write(f"      {describe_relation(facts, polled)} (model: {_model(facts)})\n")
            if entry.rewritten:
                write(f"      new relfilenode: {', '.join(entry.rewritten)}\n")
            for change in entry.changes:
                write(f"      catalogue: {change}\n")
            for note in entry.notes:
                write(f"      note: {note}\n")
            if entry.error:
                write(f"      error: {entry.error}\n")
        for note in migration.notes:
            write(f"  note: {note}\n")
        write(f"  rollback: {migration.rollback}\n")
        for difference in migration.rollback_differences:
            write(f"    {difference}\n")
    write("\n")
