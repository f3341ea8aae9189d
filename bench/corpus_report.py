"""Per-project summary of the shared corpus: layout, migrations, rollbacks paired, findings.

    python bench/corpus_report.py [CORPUS]        # default: ../shared/corpus/sql

Prints a Markdown table (one row per migration set) and the findings per rule for each
project, as linted with default settings.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from pglint.config import Settings
from pglint.discovery import discover
from pglint.layouts import find_sets
from pglint.layouts.base import Reader
from pglint.runner import lint_paths


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "sql"
    corpus = Path(argv[0]) if argv else default
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}", file=sys.stderr)
        return 2
    print("| project | set root | layout | migrations | rollbacks paired | set problems |")
    print("|---|---|---|---:|---:|---:|")
    per_rule: dict[str, Counter[str]] = {}
    for project in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for mset in find_sets(discover([str(project)]), Reader(), complete=True):
            paired = sum(1 for m in mset.migrations if m.down is not None)
            root = mset.root.relative_to(project).as_posix() or "."
            print(
                f"| {project.name} | {root} | {mset.layout} | {len(mset.migrations)} | "
                f"{paired} | {len(mset.problems)} |"
            )
        findings, _ = lint_paths([str(project)], Settings())
        per_rule[project.name] = Counter(f.rule for f in findings)
    print()
    for project, counts in per_rule.items():
        listing = ", ".join(f"{rule} {count}" for rule, count in counts.most_common())
        print(f"- **{project}** ({sum(counts.values())}): {listing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
