"""Command line: ``pglint check``, ``pglint rules``, ``pglint explain``.

Only turns flags into Settings and calls the engine; each command imports what it needs.
Exit codes: 0 nothing failing, 1 failing findings, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from pglint import __version__, options
from pglint.options import EXIT_FINDINGS, fail


def _collect_less() -> None:
    """Tune the garbage collector for one short linting run, as mypy does: parse trees are
    many small containers, and with the default thresholds the collector scans them (and
    everything imported) over and over while finding no cycles worth the time."""
    import gc

    gc.freeze()  # what start-up loaded is never garbage
    gc.set_threshold(10_000, 20, 100)


def use_colour(stream: object, environ: Mapping[str, str]) -> bool:
    """Colour on a terminal, unless NO_COLOR is set and not empty (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not environ.get("NO_COLOR")


def _stdout(machine: bool) -> None:
    """Make standard output safe to write any finding to, whatever the locale's encoding.

    Machine formats (JSON, SARIF, GitHub commands) are read as UTF-8 by editors and CI, so
    they are written as UTF-8. Text for people keeps the terminal's encoding, with what it
    cannot show escaped (``\\u65e5``) rather than a UnicodeEncodeError.
    """
    stream = sys.stdout
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        stream.flush()
        if machine:
            reconfigure(encoding="utf-8", errors="strict")
        else:
            reconfigure(errors="backslashreplace")
    except (OSError, ValueError):  # a closed or foreign stream: leave it as it is
        pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pglint")
def main() -> None:
    """pglint: find what a PostgreSQL migration would break or lock in production."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--select",
    multiple=True,
    help="Use exactly these rules (comma-separated; opt-in rules included).",
)
@click.option("--include", multiple=True, help="Add opt-in rules to the default set.")
@click.option("--ignore", multiple=True, help="Do not use these rules.")
@options.pg_version
@options.assume_in_transaction
@options.config
@click.option("--stdin-filename", default=None, help="Path to report for input read from '-'.")
@options.fail_on
@options.exit_zero
@click.option(
    "--warn-unused-ignores",
    is_flag=True,
    default=None,
    help="Report suppression comments that silence nothing or name unknown rules.",
)
@options.exclude
@options.layout
@options.diff(
    "Only lint migrations added or changed since git REF (earlier ones are replayed for context)."
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="PGLINT_NO_CACHE",
    help="Lint everything again instead of reusing the findings of unchanged migration sets.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PGLINT_CACHE_DIR",
    default=None,
    help="Cache folder [default: .pglint_cache beside the config file, else in the working directory].",
)
def check(
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    include: tuple[str, ...],
    ignore: tuple[str, ...],
    pg_version: str | None,
    assume_in_transaction: bool | None,
    config_file: Path | None,
    stdin_filename: str | None,
    fail_on: str | None,
    exit_zero: bool,
    warn_unused_ignores: bool | None,
    exclude: tuple[str, ...],
    layout: str | None,
    diff_ref: str | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Lint migration files. PATHS are files or directories (searched for *.sql); '-' reads stdin."""
    from pglint.config import ConfigError, settings_from_flags
    from pglint.findings import Severity
    from pglint.runner import lint_paths

    _collect_less()
    try:
        settings = settings_from_flags(
            config_file,
            pg_version=pg_version,
            select=select,
            include=include,
            ignore=ignore,
            assume_in_transaction=assume_in_transaction,
            fail_on=fail_on,
            warn_unused_ignores=warn_unused_ignores,
            layout=layout,
            exclude=exclude,
        )
        if not paths and diff_ref is not None:
            paths = (".",)  # the migrations changed since REF, wherever they are
        if not paths:
            fail("no paths given (use '-' to read standard input)")
        stdin_text = None
        if "-" in paths:
            stdin_text = sys.stdin.buffer.read()
        only = None
        if diff_ref is not None:
            from pglint.gitdiff import changed_files

            only = changed_files(diff_ref)
        cache = None
        if not no_cache:
            from pglint.cache import ResultCache, default_folder

            folder = cache_dir or (Path(settings.cache_dir) if settings.cache_dir else None)
            cache = ResultCache(folder or default_folder(settings), settings)
        empty: list[str] = []
        findings, files = lint_paths(
            paths, settings, stdin_text, stdin_filename or "<stdin>", only, cache=cache, empty=empty
        )
    except ConfigError as error:
        fail(str(error))
        return
    for nothing in empty:  # a CI job pointed at a wrong folder must not pass unnoticed
        click.echo(
            f"pglint: warning: {nothing}: no .sql or Alembic migration files found", err=True
        )
    from pglint.report import get_reporter

    _stdout(machine=fmt != "text")
    colour = fmt == "text" and use_colour(sys.stdout, os.environ)
    get_reporter(fmt, colour=colour).report(findings, files, sys.stdout)
    failing = any(
        f.severity.rank >= settings.fail_on.rank or f.rule == "syntax-error" for f in findings
    )
    if failing and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    del Severity


@main.command("layouts")
@click.argument("paths", nargs=-1, required=True)
@options.config
@options.layout
@options.exclude
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def layouts_command(
    paths: tuple[str, ...],
    config_file: Path | None,
    layout: str | None,
    exclude: tuple[str, ...],
    fmt: str,
) -> None:
    """Show the migration sets found under PATHS: layout, order, rollbacks, problems.

    Settings come from the config file and the flags as for 'check', so the sets shown are
    the ones 'check' lints.
    """
    import json

    from pglint.config import ConfigError, settings_from_flags
    from pglint.discovery import discover
    from pglint.layouts import find_sets
    from pglint.layouts.base import Reader

    try:
        settings = settings_from_flags(config_file, layout=layout, exclude=exclude)
        files = discover(paths, settings.exclude)
        named = set(discover(paths)) if settings.exclude else set(files)
        sets = find_sets(files, Reader(), settings.layout, complete=True)
    except ConfigError as error:
        fail(str(error))
        return
    # Migrations ``check`` does not report on (excluded, or beside the files named) are
    # still replayed for context.
    linted = set(files)
    if fmt == "json":
        data = [
            {
                "root": str(s.root),
                "layout": s.layout,
                "supports_rollback": s.supports_rollback,
                "migrations": [
                    {
                        "version": m.version,
                        "name": m.name,
                        "transaction": m.transaction,
                        "up": [str(p.path) for p in m.up],
                        "down": [str(p.path) for p in m.down] if m.down is not None else None,
                        "linted": not linted.isdisjoint(m.paths),
                    }
                    for m in s.migrations
                ],
                "problems": [{"path": str(p.path), "message": p.message} for p in s.problems],
                "ignored": [{"path": str(p), "reason": r} for p, r in sorted(s.ignored.items())],
            }
            for s in sets
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for s in sets:
        paired = sum(1 for m in s.migrations if m.down is not None)
        click.echo(
            f"{s.root}: {s.layout}, {len(s.migrations)} migrations, {paired} with a rollback"
        )
        for number, m in enumerate(s.migrations, 1):
            tx = {True: "in transaction", False: "no transaction", None: "transaction not stated"}[
                m.transaction
            ]
            if m.transaction is not None and any(p.one_query for p in m.up):
                tx += " (one query)"  # see one_query_transaction: implicit blocks
            down = "rollback" if m.down is not None else "no rollback"
            if not linted.isdisjoint(m.paths):
                shown = ""
            elif not named.isdisjoint(m.paths):
                shown = "; excluded"
            else:
                shown = "; context only"
            click.echo(f"  {number:>4}. {m.label}  ({tx}; {down}{shown})")
        for problem in s.problems:
            click.echo(f"  problem: {problem.path}: {problem.message}")
        for path, reason in sorted(s.ignored.items()):
            click.echo(f"  ignored: {path}: {reason}")


@main.command("plan")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--diff",
    "diff_ref",
    default=None,
    metavar="REF",
    help="Plan only the migrations added or changed since git REF (earlier ones are replayed).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown (SCHEMA_CHANGES.md) or the same content as JSON.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--stats",
    "stats_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Table sizes and row estimates exported with 'pglint stats-query' (enables durations).",
)
@click.option("--title", default=None, help="Title of the report.")
@click.option(
    "--throughput-mb-s",
    type=click.FloatRange(min=0.001),
    default=None,
    help="Assumed read/write throughput for duration estimates, in MB/s [default: 100].",
)
@options.pg_version
@options.assume_in_transaction
@options.config
@options.layout
@options.exclude
@click.option(
    "--verify",
    is_flag=True,
    help="Also run the migrations on a real PostgreSQL (as 'pglint verify') and add what it "
    "observed.",
)
@click.option("--dsn", default=None, metavar="URL", help="With --verify: use this server.")
@click.option("--pg-bin", default=None, metavar="DIR", help="With --verify: initdb's folder.")
@click.option(
    "--rows", type=click.IntRange(min=0), default=1000, help="With --verify: synthetic rows."
)
def plan_command(
    paths: tuple[str, ...],
    diff_ref: str | None,
    fmt: str,
    output: Path | None,
    stats_file: Path | None,
    title: str | None,
    throughput_mb_s: float | None,
    pg_version: str | None,
    assume_in_transaction: bool | None,
    config_file: Path | None,
    layout: str | None,
    exclude: tuple[str, ...],
    verify: bool = False,
    dsn: str | None = None,
    pg_bin: str | None = None,
    rows: int = 1000,
) -> None:
    """Write the plan of migrations (SCHEMA_CHANGES.md): changes, locks, rollback, checks.

    Exits 0 whatever the findings (they are part of the report), 2 on a usage error.
    """

    from pglint.config import ConfigError, settings_from_flags
    from pglint.plan import PlanOptions, make_plan, render
    from pglint.plan.stats import DEFAULT_THROUGHPUT_MB_S, load_stats

    try:
        settings = settings_from_flags(
            config_file,
            pg_version=pg_version,
            assume_in_transaction=assume_in_transaction,
            layout=layout,
            exclude=exclude,
        )
        if "-" in paths:
            fail("plan reads migration files; standard input is not supported")
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            fail(f"no such file or directory: {missing[0]}")
        only = None
        if diff_ref is not None:
            from pglint.gitdiff import changed_files

            only = changed_files(diff_ref)
        options = PlanOptions(
            title=title,
            stats=load_stats(stats_file) if stats_file is not None else None,
            throughput_mb_s=throughput_mb_s or DEFAULT_THROUGHPUT_MB_S,
            diff_ref=diff_ref,
        )
        if verify:
            from dataclasses import replace

            from pglint.verify.plan import render_verified, run_verify, verified_facts

            verified = run_verify(paths, settings, only, dsn=dsn, pg_bin=pg_bin, rows=rows)
            options = replace(options, verified=verified_facts(verified))
            plan = make_plan(paths, settings, options, only)
            report = render_verified(plan, verified, fmt)
        else:
            report = render(make_plan(paths, settings, options, only), fmt)
    except ConfigError as error:
        fail(str(error))
        return
    if output is None:
        _stdout(machine=fmt == "json")
        click.echo(report, nl=False)
        return
    try:
        output.write_text(report, encoding="utf-8", newline="\n")
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")


@main.command("stats-query")
def stats_query_command() -> None:
    """Print the read-only SQL query whose output 'pglint plan --stats' reads.

    Run it against production: pglint stats-query | psql -X -At "$DATABASE_URL" > stats.json
    """
    from pglint.plan.stats import STATS_QUERY

    click.echo(STATS_QUERY, nl=False)


@main.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list rules pglint reports itself (syntax-error, ...).",
)
def rules_command(fmt: str, show_all: bool) -> None:
    """List the rule catalogue."""
    import json

    from pglint.rules import load_catalogue

    catalogue = load_catalogue()
    rows = [r for r in catalogue.rules.values() if show_all or r.fn is not None]
    if fmt == "json":
        data = [
            {
                "name": r.name,
                "family": r.family,
                "severity": r.severity.value,
                "default": r.default,
                "postgresql": str(r.pg),
                "aliases": list(r.aliases),
                "summary": r.summary,
                "squawk": r.squawk,
            }
            for r in rows
        ]
        click.echo(json.dumps(data, indent=2))
        return
    width = max(len(r.name) for r in rows)
    for r in sorted(rows, key=lambda r: (r.family, r.name)):
        state = "on " if r.default else "opt"
        click.echo(
            f"{r.name:<{width}}  {r.family:<12} {r.severity.value:<7} {state}  pg {r.pg!s:<6} {r.summary}"
        )


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print a rule's documentation page."""
    from pglint.pages import load_pages
    from pglint.rules import load_catalogue

    found = load_catalogue().resolve(rule)
    if found is None:
        fail(f"unknown rule {rule!r} (see 'pglint rules')")
        return
    page = load_pages()[found.name]
    click.echo(
        f"{found.name} ({found.family}, {found.severity.value}, {'on by default' if found.default else 'opt-in'}, PostgreSQL {found.pg})"
    )
    if found.aliases:
        click.echo(f"aliases: {', '.join(found.aliases)}")
    click.echo(page.body.strip())


# ``pglint verify`` lives with the rest of verify; its module imports only click.
from pglint.verify.cli import verify as _verify  # noqa: E402

main.add_command(_verify)
