"""The ``pglint verify`` command. Imports only click and the shared options at module level:
psycopg and the server machinery load when the command runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pglint import options
from pglint.options import EXIT_FINDINGS, fail

FORMATS = ("text", "json", "sarif", "github", "markdown")


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format (markdown: a per-statement lock table).",
)
@click.option(
    "--dsn",
    default=None,
    metavar="URL",
    help="Use this existing server instead of a throwaway one; pglint creates a scratch "
    "database there and always drops it (other databases are never touched).",
)
@click.option(
    "--pg-bin",
    default=None,
    metavar="DIR",
    help="Folder holding initdb and postgres for the throwaway server "
    "[default: PATH, pg_config --bindir, the usual Debian/RPM/Homebrew folders].",
)
@click.option(
    "--rows",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Synthetic rows put in each existing table before a migration runs (0: none).",
)
@click.option(
    "--statement-timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Cancel a statement that runs longer.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=900.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop the run after this long (0: no limit); a stopped run exits 2.",
)
@options.assume_in_transaction
@options.layout
@options.diff(
    "Only verify migrations added or changed since git REF (earlier ones are applied "
    "to build the schema)."
)
@options.config
@click.option("--ignore", multiple=True, help="Do not report these rules.")
@options.fail_on
@options.exit_zero
@options.exclude
def verify(
    paths: tuple[str, ...],
    fmt: str,
    dsn: str | None,
    pg_bin: str | None,
    rows: int,
    statement_timeout: float,
    timeout: float,
    assume_in_transaction: bool | None,
    layout: str | None,
    diff_ref: str | None,
    config_file: Path | None,
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    exclude: tuple[str, ...],
) -> None:
    """Run migrations on a real PostgreSQL and check their locks, rewrites and rollbacks.

    Starts a throwaway server (or uses --dsn), applies earlier migrations, fills tables with
    synthetic rows, traces each statement of the migrations under test, compares it with
    pglint's static model, and proves each rollback restores the schema.
    """
    from pglint.config import ConfigError, settings_from_flags
    from pglint.verify.cleanup import Terminated
    from pglint.verify.cluster import ServerError

    if not paths:
        fail("no paths given")
    try:
        settings = settings_from_flags(
            config_file,
            assume_in_transaction=assume_in_transaction,
            fail_on=fail_on,
            layout=layout,
            ignore=ignore,
            exclude=exclude,
        )
        only = None
        if diff_ref is not None:
            from pglint.gitdiff import changed_files

            only = changed_files(diff_ref)
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise ConfigError(f"no such file or directory: {missing[0]}")
    except ConfigError as error:
        fail(str(error))
        return
    try:
        from pglint.verify.runner import VerifyOptions
        from pglint.verify.runner import verify as run_verify
    except ImportError as error:
        fail(
            f"pglint verify needs psycopg 3 ({error}); install it with pip install 'pglint[verify]'"
        )
        return
    options = VerifyOptions.from_settings(
        settings, only, rows=rows, statement_timeout=statement_timeout, timeout=timeout
    )
    try:
        report = run_verify(paths, options, dsn=dsn, pg_bin=pg_bin)
    except ServerError as error:
        fail(str(error))
        return
    except KeyboardInterrupt:
        click.echo(
            "pglint: verify interrupted; the throwaway server and data were removed", err=True
        )
        sys.exit(130)
    except Terminated as signal:
        click.echo(f"pglint: verify {signal}; the throwaway server and data were removed", err=True)
        sys.exit(128 + signal.signum)
    from pglint.verify.output import render

    colour = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    render(report, fmt, sys.stdout, colour=colour)
    if report.stopped:
        # An incomplete run must not pass a CI gate.
        fail(f"{report.stopped}; the report covers the migrations verified before that")
        return
    failing = any(f.severity.rank >= settings.fail_on.rank for f in report.findings)
    if failing and not exit_zero:
        sys.exit(EXIT_FINDINGS)
