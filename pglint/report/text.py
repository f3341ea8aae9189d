"""Human-readable output: ``path:line:col: severity [rule] message`` plus a help line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import IO

from pglint.findings import Finding

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_DIM, _BOLD, _RESET = "\033[2m", "\033[1m", "\033[0m"


class TextReporter:
    def __init__(self, colour: bool = False, **_: object) -> None:
        self.colour = colour

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour else text

    def report(self, findings: Sequence[Finding], files: int, stream: IO[str]) -> None:
        for f in findings:
            level = self._paint(_COLOURS[f.severity.value], f.severity.value)
            where = self._paint(_BOLD, f"{f.path}:{f.line}:{f.column}:")
            stream.write(f"{where} {level} [{f.rule}] {f.message}\n")
            if f.help:
                stream.write(self._paint(_DIM, f"  help: {f.help}") + "\n")
        counts = Counter(f.severity.value for f in findings)
        parts = [
            f"{counts[k]} {k}{'s' if counts[k] != 1 else ''}"
            for k in ("error", "warning", "info")
            if counts[k]
        ]
        noun = "file" if files == 1 else "files"
        if findings:
            stream.write(
                f"\nFound {', '.join(parts)} in {len({f.path for f in findings})} of {files} {noun}.\n"
            )
        else:
            stream.write(f"No problems found in {files} {noun}.\n")
