"""Shared helpers of the plan tests: the hand-written cases and their golden files.

Regenerate the golden files (and docs/example-plan, docs/plan.schema.json) with::

    PGLINT_UPDATE_GOLDEN=1 python -m pytest tests/plan
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pglint import __version__
from pglint.config import Settings
from pglint.plan import PlanOptions, make_plan
from pglint.plan.model import Plan
from pglint.plan.stats import load_stats

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"
UPDATE = os.environ.get("PGLINT_UPDATE_GOLDEN") == "1"

#: Case → the paths planned (relative to the case folder). Earlier migrations of each
#: set are replayed, not planned.
CASES: dict[str, tuple[str, ...]] = {
    # A new table with foreign keys and indexes, written to run online.
    "new_table_fk": ("migrations/2_create_orders.up.sql",),
    # Type changes and a volatile default that rewrite a large table: downtime.
    "rewrite_downtime": ("db/migrations/20240301090000_widen_events.sql",),
    # INSERT … SELECT, a backfill UPDATE, NOT VALID constraints validated later, a DELETE.
    "data_migration": ("sql/V2__plans_table.sql", "sql/V3__validate_plan_fk.sql"),
    # Plain SQL files: no down migration, so the inverse is generated.
    "no_rollback": ("schema/002_cleanup.sql",),
}

#: The rules the golden reports run: a fixed set, so that wording changes in other rules
#: do not churn the golden files (the findings section itself is tested on all rules).
GOLDEN_RULES = (
    "require-concurrent-index-creation",
    "changing-column-type",
    "adding-field-with-default",
    "ban-drop-column",
    "missing-rollback",
)


def case_plan(name: str, stats: bool, monkeypatch, settings: Settings | None = None) -> Plan:
    """The plan of a case, made from inside its folder so that paths are relative."""
    folder = CASES_DIR / name
    monkeypatch.chdir(folder)
    options = PlanOptions(stats=load_stats(Path("stats.json")) if stats else None)
    return make_plan(list(CASES[name]), settings or Settings(select=GOLDEN_RULES), options)


def normalise(text: str) -> str:
    """Golden files do not change with pglint's version."""
    text = text.replace(f"pglint {__version__}", "pglint <version>")
    return re.sub(r'"pglint_version": "[^"]*"', '"pglint_version": "<version>"', text)


def check_golden(path: Path, actual: str, keep_version: bool = False) -> None:
    """Compare ``actual`` with the golden file (written instead with PGLINT_UPDATE_GOLDEN=1).

    The version of pglint never counts; ``keep_version`` writes the real one (for the
    example report in docs/, which readers see).
    """
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            actual if keep_version else normalise(actual), encoding="utf-8", newline="\n"
        )
        return
    assert path.is_file(), f"{path} is missing: run PGLINT_UPDATE_GOLDEN=1 pytest tests/plan"
    expected = normalise(path.read_text(encoding="utf-8"))
    actual = normalise(actual)
    assert actual == expected, (
        f"{path.relative_to(REPO)} differs from the report; if the change is intended, "
        "regenerate with PGLINT_UPDATE_GOLDEN=1 python -m pytest tests/plan"
    )


FENCE = re.compile(r"^( *)(`{3,})sql\n(.*?)^\1\2$", re.S | re.M)
MERMAID = re.compile(r"^```mermaid\n(.*?)^```$", re.S | re.M)


def sql_blocks(markdown: str) -> list[str]:
    """The text of every fenced ``sql`` block, list-item indentation removed."""
    blocks = []
    for match in FENCE.finditer(markdown):
        indent = match.group(1)
        lines = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in match.group(3).split("\n")
        ]
        blocks.append("\n".join(lines))
    return blocks


SECTIONS = (
    "## 1. Executive Summary",
    "## 2. Schema Changes Overview",
    "## 3. Entity Relationship Diagram",
    "## 4. Migration Strategy",
    "## 5. Lock and Downtime Analysis",
    "## 6. Rollback Procedures",
    "## 7. Data Validation Plan",
    "## 8. Monitoring",
    "## 9. Findings",
    "## 10. Confidence Assessment",
)
