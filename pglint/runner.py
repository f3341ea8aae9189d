"""Lint a list of paths: discovery, reading, parsing, checking. No output here."""

from __future__ import annotations

from collections.abc import Sequence

from pglint.config import Settings
from pglint.discovery import decode, discover, read_source
from pglint.engine import ActiveRules, lint_text, select_rules, unreadable
from pglint.findings import Finding


def lint_one(
    path: str, text: str | None, error: str | None, settings: Settings, active: ActiveRules
) -> list[Finding]:
    if text is None:
        return [unreadable(path, error or f"{path}: cannot read", active)]
    try:
        return lint_text(path, text, settings, active)
    except RecursionError:
        return [unreadable(path, f"{path}: statement nesting too deep to analyse", active)]


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    stdin: bytes | None = None,
    stdin_name: str = "<stdin>",
) -> tuple[list[Finding], int]:
    """Findings for every file under ``paths`` and the number of files read."""
    active = select_rules(settings)
    files = discover([p for p in paths if p != "-"], settings.exclude)
    findings: list[Finding] = []
    count = 0
    if stdin is not None:
        text, error = decode(stdin, stdin_name)
        findings.extend(lint_one(stdin_name, text, error, settings, active))
        count += 1
    for path in files:
        text, error = read_source(path)
        findings.extend(lint_one(str(path), text, error, settings, active))
        count += 1
    return findings, count
