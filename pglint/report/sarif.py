"""SARIF 2.1.0 output, as GitHub code scanning accepts it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from urllib.parse import quote

from pglint import __version__
from pglint.findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_HELP_URI = "https://github.com/pglint/pglint/blob/main/rules/{name}.md"


def _uri(path: str) -> str:
    """A URI reference for ``path``: relative to the working directory where it can be,
    percent-encoded (a space, ``#`` or ``%`` in a file name is not left as is)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri()
    return quote(candidate.as_posix(), safe="/")


class SarifReporter:
    def __init__(self, **_: object) -> None:
        pass

    def report(self, findings: Sequence[Finding], files: int, stream: IO[str]) -> None:
        from pglint.rules import load_catalogue

        catalogue = load_catalogue()
        used = sorted({f.rule for f in findings})
        index = {name: i for i, name in enumerate(used)}
        rules = []
        for name in used:
            rule = catalogue.rules[name]
            rules.append(
                {
                    "id": name,
                    "name": name,
                    "shortDescription": {"text": rule.summary},
                    "help": {"text": rule.help},
                    "helpUri": _HELP_URI.format(name=name),
                    "defaultConfiguration": {"level": _LEVEL[rule.severity.value]},
                    "properties": {"family": rule.family, "postgresql": str(rule.pg)},
                }
            )
        results = []
        for f in findings:
            text = f.message + (f" Help: {f.help}" if f.help else "")
            results.append(
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": _LEVEL[f.severity.value],
                    "message": {"text": text},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": _uri(f.path)},
                                "region": {
                                    "startLine": f.line,
                                    "startColumn": f.column,
                                    "endLine": f.end_line,
                                    # SARIF's endColumn is exclusive; ours is the last character.
                                    "endColumn": f.end_column + 1,
                                },
                            }
                        }
                    ],
                }
            )
        document = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "pglint",
                            "version": __version__,
                            "informationUri": "https://github.com/pglint/pglint",
                            "rules": rules,
                        }
                    },
                    # Columns count characters (code points), as in every pglint output.
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }
        json.dump(document, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
