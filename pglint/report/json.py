"""JSON output: ``{"version": N, "findings": [...]}``, the stable interface for editors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO

from pglint.findings import JSON_SCHEMA_VERSION, Finding


class JsonReporter:
    def __init__(self, **_: object) -> None:
        pass

    def report(self, findings: Sequence[Finding], files: int, stream: IO[str]) -> None:
        # One finding per line: readable, and each dumps() call without indent uses
        # the C encoder (an indented dump falls back to the pure-Python one).
        head = f'{{"version": {JSON_SCHEMA_VERSION}, "files_checked": {files}, "findings": ['
        if not findings:
            stream.write(head + "]}\n")
            return
        encode = json.JSONEncoder(ensure_ascii=False).encode
        body = ",\n  ".join(map(encode, (f.as_dict() for f in findings)))
        stream.write(f"{head}\n  {body}\n]}}\n")
