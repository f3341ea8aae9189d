"""Reporters: one module per output format, all rendering the same findings."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import IO, Protocol

from pglint.findings import Finding

#: Built-in reporters: format name → "module:Class". Also declared as entry points.
REPORTERS: dict[str, str] = {
    "text": "pglint.report.text:TextReporter",
    "json": "pglint.report.json:JsonReporter",
    "sarif": "pglint.report.sarif:SarifReporter",
    "github": "pglint.report.github:GithubReporter",
}


class Reporter(Protocol):
    def report(self, findings: Sequence[Finding], files: int, stream: IO[str]) -> None: ...


def get_reporter(name: str, **kwargs: object) -> Reporter:
    module, _, cls = REPORTERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)(**kwargs)
