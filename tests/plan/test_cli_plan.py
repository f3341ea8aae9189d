"""``pglint plan`` and ``pglint stats-query`` on the command line; the committed example."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pglint.cli import main
from pglint.plan.mermaid import validate_er
from pglint.plan.stats import STATS_QUERY
from tests.conftest import git
from tests.plan.helpers import CASES_DIR, MERMAID, REPO, SECTIONS, UPDATE, check_golden

#: The committed example report and the command that writes it (also in the README).
EXAMPLE = REPO / "docs" / "example-plan" / "SCHEMA_CHANGES.md"
EXAMPLE_ARGS = [
    "plan",
    "examples/migrations",
    "--title",
    "Schema changes: orders and shipping",
    "--output",
    "docs/example-plan/SCHEMA_CHANGES.md",
]


def test_plan_writes_markdown_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(CASES_DIR / "rewrite_downtime")
    runner = CliRunner()
    out = tmp_path / "SCHEMA_CHANGES.md"
    done = runner.invoke(
        main,
        [
            "plan",
            "db/migrations",
            "--stats",
            "stats.json",
            "--title",
            "Widen events",
            "-o",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Widen events\n")
    assert all(heading in text for heading in SECTIONS)
    done = runner.invoke(
        main, ["plan", "db/migrations", "--format", "json", "--throughput-mb-s", "50"]
    )
    assert done.exit_code == 0
    data = json.loads(done.output)
    assert data["version"] == 1 and data["stats"]["throughput_mb_s"] == 50
    assert [m["label"] for m in data["migrations"]] == [
        "20240101120000_create_events",
        "20240301090000_widen_events",
    ]


def test_plan_exits_zero_with_findings_and_two_on_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(CASES_DIR / "no_rollback")
    runner = CliRunner()
    assert runner.invoke(main, ["plan", "schema"]).exit_code == 0
    missing = runner.invoke(main, ["plan", "nope"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    done = runner.invoke(main, ["plan", "schema", "--stats", str(bad)])
    assert done.exit_code == 2 and "is not JSON" in done.output
    done = runner.invoke(main, ["plan", "schema", "--throughput-mb-s", "0"])
    assert done.exit_code == 2


def test_stats_query_prints_the_query():
    done = CliRunner().invoke(main, ["stats-query"])
    assert done.exit_code == 0
    assert done.output == STATS_QUERY


def test_diff_plans_only_the_changed_migrations(tmp_path):
    db = tmp_path / "db"
    db.mkdir()
    (db / "1_orders.up.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n")
    (db / "1_orders.down.sql").write_text("DROP TABLE orders;\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    (db / "2_index.up.sql").write_text("CREATE INDEX orders_note_idx ON orders (note);\n")
    (db / "2_index.down.sql").write_text("DROP INDEX orders_note_idx;\n")
    done = subprocess.run(
        [sys.executable, "-m", "pglint", "plan", "--diff", "HEAD", "--format", "json", "db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [m["label"] for m in data["migrations"]] == ["2_index"]
    # orders came from the replayed migration: it is an existing table, locked by the index build.
    assert [(r["relation"], r["lock"]) for r in data["locks"]] == [("orders", "SHARE")]
    assert data["scope"] == "the migrations under db added or changed since HEAD"


def _schema_sections(text: str) -> str:
    """Sections 2 to 8: what the statement model derives (not the findings of the rules)."""
    return text[text.index("## 2. ") : text.index("## 9. ")]


def test_example_report_is_current(monkeypatch):
    """docs/example-plan/SCHEMA_CHANGES.md is what the README's command writes.

    Sections 2-8 must match exactly; the summary, findings and confidence follow the
    rules' wording, which other changes may refine, so they are only checked for shape.
    Regenerate with the command in EXAMPLE_ARGS (or PGLINT_UPDATE_GOLDEN=1).
    """
    monkeypatch.chdir(REPO)
    done = CliRunner().invoke(main, EXAMPLE_ARGS[:-2])  # the same, to standard output
    assert done.exit_code == 0, done.output
    if UPDATE or not EXAMPLE.is_file():
        check_golden(EXAMPLE, done.output, keep_version=True)
    committed = EXAMPLE.read_text(encoding="utf-8")
    assert _schema_sections(committed) == _schema_sections(done.output), (
        "docs/example-plan/SCHEMA_CHANGES.md is stale: run pglint " + " ".join(EXAMPLE_ARGS)
    )
    assert all(heading in committed for heading in SECTIONS)
    (block,) = MERMAID.findall(committed)
    assert validate_er(block) == []


CORPUS = (REPO / ".." / "shared" / "corpus" / "sql").resolve()
PROJECTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


@pytest.mark.skipif(
    not PROJECTS,
    reason=f"migration corpus not found at {CORPUS} (shared/ sits next to the checkout)",
)
@pytest.mark.parametrize("project", PROJECTS)
def test_plan_of_every_corpus_project(project, tmp_path):
    """One plan per project of the corpus, read in place, written to a temporary file."""
    out = tmp_path / "SCHEMA_CHANGES.md"
    done = CliRunner().invoke(main, ["plan", str(CORPUS / project), "--output", str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    positions = [text.find(heading + "\n") for heading in SECTIONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for block in MERMAID.findall(text):
        assert validate_er(block) == []
