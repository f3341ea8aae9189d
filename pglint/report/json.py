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
        document = {
            "version": JSON_SCHEMA_VERSION,
            "files_checked": files,
            "findings": [f.as_dict() for f in findings],
        }
        json.dump(document, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
