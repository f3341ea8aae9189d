"""Run one fenced example from a rule page through pglint (shared by the page tests)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from pglint.config import Settings
from pglint.engine import lint_text, select_rules
from pglint.findings import Finding
from pglint.pages import Example
from pglint.runner import lint_paths


def example_settings(rule: str, example: Example) -> Settings:
    options = {
        key.removeprefix("option."): _value(value)
        for key, value in example.options
        if key.startswith("option.")
    }
    pg = example.option("pg")
    return Settings(
        pg_version=int(pg) if pg else Settings().pg_version,
        select=None if rule == "unused-ignore" else (rule,),
        assume_in_transaction=example.option("assume-in-transaction") == "true",
        options={rule: options} if options else {},
        warn_unused_ignores=rule == "unused-ignore",
    )


def _value(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text.split(",") if "," in text else text


def run_example(rule: str, example: Example) -> list[Finding]:
    """Lint an example: as one file, or (with ``layout=``) as a migration set in a folder.

    Set examples write the block to every ``file=NAME`` given (default ``00001_example.sql``).
    """
    settings = example_settings(rule, example)
    layout = example.option("layout")
    if layout is None:
        path = "example.py" if example.language == "alembic" else "example.sql"
        return lint_text(path, example.code, settings, select_rules(settings))
    names = [value for key, value in example.options if key == "file"] or ["00001_example.sql"]
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            target = Path(folder, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(example.code)
        findings, _ = lint_paths([folder], replace(settings, layout=layout))
    return findings
