"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from pglint.findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    def __init__(self, **_: object) -> None:
        pass

    def report(self, findings: Sequence[Finding], files: int, stream: IO[str]) -> None:
        for f in findings:
            props = ",".join(
                f"{k}={_escape_property(str(v))}"
                for k, v in (
                    ("file", f.path),
                    ("line", f.line),
                    ("col", f.column),
                    ("endLine", f.end_line),
                    ("endColumn", f.end_column),
                    ("title", f"pglint {f.rule}"),
                )
            )
            message = f.message + (f"\n{f.help}" if f.help else "")
            stream.write(f"::{_LEVEL[f.severity.value]} {props}::{_escape_data(message)}\n")
