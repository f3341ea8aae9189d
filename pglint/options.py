"""Command-line pieces the commands share: options with one meaning everywhere, the exit
codes, and the usage-error exit. Imports only click."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pglint.config import DEFAULT_PG_VERSION

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> None:
    """A usage or configuration error: one line on stderr, exit code 2."""
    click.echo(f"pglint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


pg_version = click.option(
    "--pg-version",
    type=str,
    default=None,
    help=f"Target PostgreSQL major version [default: {DEFAULT_PG_VERSION}, the oldest version "
    "the PostgreSQL project still supports].",
)
assume_in_transaction = click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Migrations whose layout does not say run inside a transaction (as most migration "
    "tools do).",
)
config = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: .pglint.toml or [tool.pglint] in pyproject.toml, searched "
    "upwards).",
)
layout = click.option(
    "--layout",
    default=None,
    help="Migration tool layout instead of detecting it (see 'pglint layouts').",
)
exclude = click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
fail_on = click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 [default: warning].",
)
exit_zero = click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when findings are reported."
)


def diff(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--diff REF``: only the migrations a git change adds or edits; ``what`` says what
    happens to them and to the earlier ones."""
    return click.option("--diff", "diff_ref", default=None, metavar="REF", help=what)
